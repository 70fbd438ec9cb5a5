import type { NodeProps } from '@xyflow/react';
import { NodeShell } from './node-shell';
import type { HostFlowNode } from './types';

export function HostNode({ id, data, selected }: NodeProps<HostFlowNode>) {
  return <NodeShell id={id} kind="host" icon="⌂" data={data} selected={!!selected} />;
}
