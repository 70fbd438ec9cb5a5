// The topology as React Flow draws it: one canvas node per topology node (and the host), one
// edge per link. Plain data here; components/editor types it as React Flow's AppNode.
import { forwards, HOST_ID, type Endpoint, type Topology } from '../topology';
import { endLabel } from '../vlan';
import type { Problem } from '../validate';
import { fanOffsets } from './edge-geometry';
import { linkIds } from './ids';
import type { LiveNodeView } from './live-view';
import { problemCounts } from './problems';
import { normalizeLinks } from '../model';
import { endNetem, linkNetemLabel } from '../netem';
import { hostFrame, keepApart, type Rect } from './frame';

export type FlowKind = 'namespace' | 'bridge' | 'host' | 'machine';

export interface FlowNodeData extends Record<string, unknown> {
  title: string;
  subtitle?: string;
  /** the kernel's interfaces of this node, or null before any observation */
  live: LiveNodeView | null;
  /** validation problems about this node */
  problems: number;
  /** an apply is running: the node says "building", not drift */
  building?: boolean;
  /** the host only: what it does for the lab */
  host?: HostFacts;
}

/** The host's own facts, drawn in the head of its frame. */
export interface HostFacts {
  forwarding: boolean;
  nat: { source: string; out: string }[];
  /**
   * Live count of masqueraded packets per NAT rule, keyed by natKey(rule) ("10.0.0.0/24>to-remote"),
   * from the lab's nft counters; drawn next to each rule when present (fed by the packet view).
   */
  natCounters?: Record<string, number>;
  /** the frame holds bridges: the host is drawn as a place, not as a box */
  frame: boolean;
}

/** The key of a NAT rule in HostFacts.natCounters. */
export const natKey = (n: { source: string; out: string }): string => `${n.source}>${n.out}`;

/** the canvas id of the host's head (what the host node measures of itself, for the frame) */
export const HOST_HEAD = 'host#head';

export interface FlowNode {
  id: string;
  type: FlowKind;
  position: { x: number; y: number };
  data: FlowNodeData;
  selected: boolean;
  deletable: boolean;
  measured?: { width: number; height: number };
  /** a bridge: drawn inside the host's frame (its position is then relative to the frame) */
  parentId?: string;
  /** the host's frame: a fixed size */
  width?: number;
  height?: number;
}

/**
 * What the kernel says of a link: 'planned' (not in the kernel yet), 'down' (an end is DOWN),
 * 'up', or 'unknown' (never observed).
 */
export type LinkState = 'planned' | 'down' | 'up' | 'unknown';

/** One end of a link as the canvas labels it: the interface and its first address. */
export interface FlowEdgeEnd {
  iface: string;
  /** the first address of each family (one a line), '' when none ("+N" follows when it has more) */
  address: string;
  /** px along the node's edge where this end leaves it (links sharing a handle fan out) */
  offset: number;
  /** VLANs at this end (lib/vlan.ts endLabel): `VLAN 10`, `trunk 10,20`, `tagged 10,20` */
  vlan?: string;
}

export type FlowHandle = 'top' | 'bottom' | 'left' | 'right';

export interface FlowEdge {
  id: string;
  type: 'link';
  source: string;
  target: string;
  sourceHandle: FlowHandle;
  targetHandle: FlowHandle;
  /** for screen readers: "A eth0 to br0 veth-A" */
  ariaLabel: string;
  selected: boolean;
  /** `netem`: the link's impairment as drawn on it (`50 ms · 1 %`), '' when none */
  data: { index: number; problems: number; source: FlowEdgeEnd; target: FlowEdgeEnd; state: LinkState; netem: string };
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
  /** an apply is running */
  building?: boolean;
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

/** The first address of each family, one per line (dual stack shows both), "+N" for the rest. */
function endAddress(addresses: string[]): string {
  const v4 = addresses.find((a) => !a.includes(':'));
  const v6 = addresses.find((a) => a.includes(':'));
  const shown = [v4, v6].filter((a): a is string => !!a);
  const more = addresses.length - shown.length;
  return shown.join('\n') + (more > 0 ? ` +${more}` : '');
}

const end = (iface: string, addresses: string[]): FlowEdgeEnd => ({ iface, address: endAddress(addresses), offset: 0 });

const withVlan = (e: FlowEdgeEnd, raw: Endpoint | undefined): FlowEdgeEnd => {
  const vlan = raw ? endLabel(raw) : null;
  return vlan ? { ...e, vlan } : e;
};

/**
 * Which handles a link uses: nodes side by side (their boxes share some height, as the host's
 * frame and the machine beside it) are joined side to side; else downwards bottom -> top,
 * upwards top -> bottom.
 */
export function handlesFor(a: Rect, b: Rect): [FlowHandle, FlowHandle] {
  if (a.y < b.y + b.height && b.y < a.y + a.height) return a.x + a.width / 2 <= b.x + b.width / 2 ? ['right', 'left'] : ['left', 'right'];
  return b.y > a.y ? ['bottom', 'top'] : ['top', 'bottom'];
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
    // links on a side handle leave it together (offsets run along the top and bottom edges)
    if (key.endsWith(':left') || key.endsWith(':right')) continue;
    ends.sort((p, q) => centerX(p.other) - centerX(q.other) || p.edge.data.index - q.edge.data.index);
    const offsets = fanOffsets(ends.length, width(node));
    ends.forEach((e, i) => {
      e.edge.data[e.side].offset = offsets[i]!;
    });
  }
}

/** a node's size before React Flow has measured it */
const DEFAULT_NODE_HEIGHT = 64;
/** the host's head before it is measured: its title and one line per fact */
const headEstimate = (t: Topology) => ({ width: 240, height: 48 + 18 * ((t.host?.forwarding ? 1 : 0) + (t.host?.nat?.length ?? 0)) });

function linkState(observed: boolean, live: Record<string, LiveNodeView>, ends: { node: string; iface: string }[]): LinkState {
  if (!observed) return 'unknown';
  let down = false;
  for (const e of ends) {
    const i = live[e.node]?.ifaces.find((f) => f.name === e.iface);
    if (!i) return 'planned';
    if (i.state === 'DOWN') down = true;
  }
  return down ? 'down' : 'up';
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
    data: {
      title,
      ...(subtitle ? { subtitle } : {}),
      live: input.observed ? live[id] ?? { exists: false, ifaces: [], drift: [] } : null,
      problems: counts.nodes[id] ?? 0,
      ...(input.building ? { building: true } : {}),
    },
    selected: selN.has(id),
    deletable: id !== HOST_ID,
    ...(input.sizes[id] ? { measured: input.sizes[id] } : {}),
  });
  const host = node(HOST_ID, 'host', -1, 'host', t.host?.netns ? `isolated: ${t.host.netns}` : 'this machine');
  const bridges: FlowNode[] = [];
  const others: FlowNode[] = [];
  t.nodes.forEach((n, i) => {
    if (n.kind === 'bridge') bridges.push(node(n.id, 'bridge', i, n.id, n.label ?? 'bridge'));
    else if (n.role === 'machine') others.push(node(n.id, 'machine', i, n.id, n.label ?? 'another machine'));
    else others.push(node(n.id, 'namespace', i, n.id, n.label ?? (forwards(n) ? 'router' : 'namespace')));
  });

  // Absolute boxes: bridges apart from each other inside the host, then the host's frame and
  // the other nodes apart from each other (a frame that moves takes its bridges along).
  const size = (id: string) => input.sizes[id] ?? { width: DEFAULT_NODE_WIDTH, height: DEFAULT_NODE_HEIGHT };
  const box = (n: FlowNode): Rect => ({ ...n.position, ...size(n.id) });
  const inner = new Map(bridges.map((b) => [b.id, box(b)]));
  keepApart(inner);
  const head = (bridges.length ? input.sizes[HOST_HEAD] : input.sizes[HOST_ID]) ?? headEstimate(t);
  const frame = hostFrame([...inner.values()], head, host.position);
  const outer = new Map<string, Rect>([[HOST_ID, frame], ...others.map((n): [string, Rect] => [n.id, box(n)])]);
  keepApart(outer);
  const hostBox = outer.get(HOST_ID)!;
  const shift = hostBox.y - frame.y;
  const abs = new Map<string, Rect>();
  for (const [id, r] of inner) abs.set(id, { ...r, y: r.y + shift });
  for (const [id, r] of outer) abs.set(id, r);

  host.position = { x: hostBox.x, y: hostBox.y };
  host.data.host = { forwarding: !!t.host?.forwarding, nat: (t.host?.nat ?? []).map((n) => ({ source: n.source, out: n.out })), frame: bridges.length > 0 };
  if (bridges.length) {
    host.width = hostBox.width;
    host.height = hostBox.height;
    // the frame's size is known: React Flow judges what is in view by `measured` first, and a
    // size it measured earlier (a smaller frame, before the bridges grew) would hide the frame
    host.measured = { width: hostBox.width, height: hostBox.height };
  }
  for (const b of bridges) {
    const r = abs.get(b.id)!;
    b.position = { x: r.x - hostBox.x, y: r.y - hostBox.y };
    b.parentId = HOST_ID;
  }
  for (const n of others) n.position = { x: abs.get(n.id)!.x, y: abs.get(n.id)!.y };
  // React Flow wants a parent before its children
  const nodes: FlowNode[] = [host, ...bridges, ...others];

  const width = (id: string) => abs.get(id)?.width ?? DEFAULT_NODE_WIDTH;
  const centerX = (id: string) => (abs.get(id)?.x ?? 0) + width(id) / 2;
  const ids = linkIds(t);
  const norm = normalizeLinks(t);
  const edges: FlowEdge[] = norm.map((l, i) => {
    const id = ids[i]!;
    const none: Rect = { x: 0, y: 0, width: DEFAULT_NODE_WIDTH, height: DEFAULT_NODE_HEIGHT };
    const handles = handlesFor(abs.get(l.a.node) ?? none, abs.get(l.b.node) ?? none);
    return {
      id,
      type: 'link',
      source: l.a.node,
      target: l.b.node,
      sourceHandle: handles[0],
      targetHandle: handles[1],
      ariaLabel: `link ${l.a.node} ${l.a.iface} to ${l.b.node} ${l.b.iface}`,
      selected: selE.has(id),
      data: {
        index: i,
        problems: counts.edges[id] ?? 0,
        source: withVlan(end(l.a.iface, l.a.addresses), t.links[l.index]?.a),
        target: withVlan(end(l.b.iface, l.b.addresses), t.links[l.index]?.b),
        state: linkState(input.observed, live, [l.a, l.b]),
        netem: netemOfLink(t.links[l.index]),
      },
    };
  });
  fanOut(edges, width, centerX);
  return { nodes, edges };
}

/** Where a node is drawn, from where the canvas says it is (bridges are placed relative to the host's frame). */
export function absolutePosition(nodes: FlowNode[], id: string, at: { x: number; y: number }): { x: number; y: number } {
  const n = nodes.find((m) => m.id === id);
  const parent = n?.parentId ? nodes.find((m) => m.id === n.parentId) : undefined;
  return parent ? { x: at.x + parent.position.x, y: at.y + parent.position.y } : at;
}

/** The impairment drawn on a link, from its netem and its ends' own. */
function netemOfLink(link: Topology['links'][number] | undefined): string {
  return link ? linkNetemLabel(endNetem(link, link.a), endNetem(link, link.b)) : '';
}
