// The topology as React Flow draws it: one canvas node per topology node (and the host), one
// edge per link. Plain data here; components/editor types it as React Flow's AppNode.
import { HOST_ID, type Topology } from '../topology';
import type { Problem } from '../validate';
import { fanOffsets } from './edge-geometry';
import { linkIds } from './ids';
import type { LiveNodeView } from './live-view';
import { problemCounts } from './problems';
import { normalizeLinks } from '../model';

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

/** One end of a link as the canvas labels it: the interface and its first address. */
export interface FlowEdgeEnd {
  iface: string;
  /** the first address, '' when none ("+N" follows when it has more) */
  address: string;
  /** px along the node's edge where this end leaves it (links sharing a handle fan out) */
  offset: number;
}

export interface FlowEdge {
  id: string;
  type: 'link';
  source: string;
  target: string;
  sourceHandle: 'top' | 'bottom';
  targetHandle: 'top' | 'bottom';
  /** for screen readers: "A eth0 to br0 veth-A" */
  ariaLabel: string;
  selected: boolean;
  data: { index: number; problems: number; source: FlowEdgeEnd; target: FlowEdgeEnd };
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

/** a node's width before React Flow has measured it (11rem at 15px, plus padding) */
const DEFAULT_NODE_WIDTH = 176;

const end = (iface: string, addresses: string[]): FlowEdgeEnd => ({
  iface,
  address: addresses.length > 1 ? `${addresses[0]} +${addresses.length - 1}` : addresses[0] ?? '',
  offset: 0,
});

/** nodes closer in height than this are side by side: their link arches over both tops */
const SIDE_BY_SIDE = 60;

/** Which handles a link uses: downwards bottom -> top, upwards top -> bottom, side by side top -> top (no S-loop). */
function handlesFor(dy: number): ['top' | 'bottom', 'top' | 'bottom'] {
  if (Math.abs(dy) < SIDE_BY_SIDE) return ['top', 'top'];
  return dy > 0 ? ['bottom', 'top'] : ['top', 'bottom'];
}

/** Links that leave one handle of a node are spread along its edge, ordered by where their other end is. */
function fanOut(edges: FlowEdge[], width: (id: string) => number, centerX: (id: string) => number): void {
  const groups = new Map<string, { edge: FlowEdge; side: 'source' | 'target'; other: string }[]>();
  for (const edge of edges) {
    for (const side of ['source', 'target'] as const) {
      const node = edge[side];
      const key = `${node}:${side === 'source' ? edge.sourceHandle : edge.targetHandle}`;
      const other = side === 'source' ? edge.target : edge.source;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push({ edge, side, other });
    }
  }
  for (const [key, ends] of groups) {
    const node = key.slice(0, key.lastIndexOf(':'));
    ends.sort((p, q) => centerX(p.other) - centerX(q.other) || p.edge.data.index - q.edge.data.index);
    const offsets = fanOffsets(ends.length, width(node));
    ends.forEach((e, i) => {
      e.edge.data[e.side].offset = offsets[i]!;
    });
  }
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
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const width = (id: string) => input.sizes[id]?.width ?? DEFAULT_NODE_WIDTH;
  const centerX = (id: string) => (byId.get(id)?.position.x ?? 0) + width(id) / 2;
  const ids = linkIds(t);
  const norm = normalizeLinks(t);
  const edges: FlowEdge[] = norm.map((l, i) => {
    const id = ids[i]!;
    const dy = (byId.get(l.b.node)?.position.y ?? 0) - (byId.get(l.a.node)?.position.y ?? 0);
    const handles = handlesFor(dy);
    return {
      id,
      type: 'link',
      source: l.a.node,
      target: l.b.node,
      sourceHandle: handles[0],
      targetHandle: handles[1],
      ariaLabel: `link ${l.a.node} ${l.a.iface} to ${l.b.node} ${l.b.iface}`,
      selected: selE.has(id),
      data: { index: i, problems: counts.edges[id] ?? 0, source: end(l.a.iface, l.a.addresses), target: end(l.b.iface, l.b.addresses) },
    };
  });
  fanOut(edges, width, centerX);
  return { nodes, edges };
}
