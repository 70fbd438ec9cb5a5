import type { NodeProps } from '@xyflow/react';
import { NodeShell } from './node-shell';
import type { MachineFlowNode } from './types';

export function MachineNode({ id, data, selected }: NodeProps<MachineFlowNode>) {
  return <NodeShell id={id} kind="machine" icon="▦" data={data} selected={!!selected} />;
}
