import type { NodeProps } from '@xyflow/react';
import { NodeShell } from './node-shell';
import type { BridgeFlowNode } from './types';

export function BridgeNode({ id, data, selected }: NodeProps<BridgeFlowNode>) {
  return <NodeShell id={id} kind="bridge" icon="≡" data={data} selected={!!selected} />;
}
