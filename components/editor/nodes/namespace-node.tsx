import type { NodeProps } from '@xyflow/react';
import { NodeShell } from './node-shell';
import type { NamespaceFlowNode } from './types';

export function NamespaceNode({ id, data, selected }: NodeProps<NamespaceFlowNode>) {
  return <NodeShell id={id} kind="namespace" icon="▢" data={data} selected={!!selected} />;
}
