// Defined once at module scope: React Flow re-mounts every node if this object changes (error002).
import type { NodeTypes } from '@xyflow/react';
import { BridgeNode } from './bridge-node';
import { HostNode } from './host-node';
import { MachineNode } from './machine-node';
import { NamespaceNode } from './namespace-node';

export const nodeTypes = {
  namespace: NamespaceNode,
  bridge: BridgeNode,
  host: HostNode,
  machine: MachineNode,
} satisfies NodeTypes;
