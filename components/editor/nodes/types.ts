import type { Node } from '@xyflow/react';
import type { FlowNodeData } from '@/lib/editor/flow';

export type NamespaceFlowNode = Node<FlowNodeData, 'namespace'>;
export type BridgeFlowNode = Node<FlowNodeData, 'bridge'>;
export type HostFlowNode = Node<FlowNodeData, 'host'>;
export type MachineFlowNode = Node<FlowNodeData, 'machine'>;
export type AppNode = NamespaceFlowNode | BridgeFlowNode | HostFlowNode | MachineFlowNode;
