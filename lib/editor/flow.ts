// The topology as React Flow draws it: one canvas node per topology node (and the host), one
// edge per link. Plain data here; components/editor types it as React Flow's AppNode.
import { HOST_ID, type Topology } from '../topology';
import type { Problem } from '../validate';
import { linkIds } from './ids';
import type { LiveNodeView } from './live-view';
import { problemCounts } from './problems';
import { normalizeLinks } from '../validate';

export type FlowKind = 'namespace' | 'bridge' | 'host' | 'machine';

export interface FlowNodeData extends Record<string, unknown> {
  title: string;
  subtitle?: string;
  /** the kernel's interfaces of this node, or null before any observation */
  live: LiveNodeView | null;
  /** validation problems about this node */
  problems: number;
}

export interface FlowNode {
  id: string;
  type: FlowKind;
  position: { x: number; y: number };
  data: FlowNodeData;
  selected: boolean;
  deletable: boolean;
  measured?: { width: number; height: number };
}

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle: 'top' | 'bottom';
  targetHandle: 'top' | 'bottom';
  label: string;
  selected: boolean;
  data: { index: number; problems: number };
}

export interface FlowInput {
  topology: Topology;
  problems: Problem[];
  live: Record<string, LiveNodeView>;
  selectedNodes: string[];
  selectedEdges: string[];
  sizes: Record<string, { width: number; height: number }>;
  /** whether the editor has observed the kernel at all */
  observed: boolean;
}

/** Where a node without a saved position goes: a simple grid below the host. */
export function defaultPosition(index: number): { x: number; y: number } {
  return { x: (index % 4) * 240 - 240, y: 200 + Math.floor(index / 4) * 200 };
}

export function hostTitle(t: Topology): string {
  return t.host?.netns ? `host (isolated: ${t.host.netns})` : 'host (this machine)';
}

export function toFlow(input: FlowInput): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const { topology: t, live } = input;
  const counts = problemCounts(t, input.problems);
  const selN = new Set(input.selectedNodes);
  const selE = new Set(input.selectedEdges);
  const pos = (id: string, i: number) => {
    const p = t.layout?.nodes?.[id];
    return p ? { x: p.x, y: p.y } : id === HOST_ID ? { x: 0, y: 0 } : defaultPosition(i);
  };
  const node = (id: string, type: FlowKind, i: number, title: string, subtitle?: string): FlowNode => ({
    id,
    type,
    position: pos(id, i),
    data: { title, ...(subtitle ? { subtitle } : {}), live: input.observed ? live[id] ?? { exists: false, ifaces: [], drift: [] } : null, problems: counts.nodes[id] ?? 0 },
    selected: selN.has(id),
    deletable: id !== HOST_ID,
    ...(input.sizes[id] ? { measured: input.sizes[id] } : {}),
  });
  const nodes: FlowNode[] = [node(HOST_ID, 'host', -1, 'host', t.host?.netns ? `isolated: ${t.host.netns}` : 'this machine')];
  t.nodes.forEach((n, i) => {
    if (n.kind === 'bridge') nodes.push(node(n.id, 'bridge', i, n.id, n.label ?? 'bridge'));
    else if (n.role === 'machine') nodes.push(node(n.id, 'machine', i, n.id, n.label ?? 'another machine'));
    else nodes.push(node(n.id, 'namespace', i, n.id, n.label ?? (n.forwarding ? 'router' : 'namespace')));
  });
  const y = new Map(nodes.map((n) => [n.id, n.position.y]));
  const ids = linkIds(t);
  const norm = normalizeLinks(t);
  const edges: FlowEdge[] = norm.map((l, i) => {
    const id = ids[i]!;
    const down = (y.get(l.a.node) ?? 0) <= (y.get(l.b.node) ?? 0);
    return {
      id,
      source: l.a.node,
      target: l.b.node,
      sourceHandle: down ? 'bottom' : 'top',
      targetHandle: down ? 'top' : 'bottom',
      label: `${l.a.iface} — ${l.b.iface}`,
      selected: selE.has(id),
      data: { index: i, problems: counts.edges[id] ?? 0 },
    };
  });
  return { nodes, edges };
}
