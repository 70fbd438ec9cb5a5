// Pure edits of a topology, as the editor makes them: add a node where it was dropped, connect
// two nodes with a veth link, rename a node (its links and layout follow), remove a selection.
// Each returns a new topology and leaves the old one untouched (the undo history keeps it).
import { HOST_ID, type BridgeNode, type Link, type NamespaceNode, type Topology, type TopologyNode } from '../topology';
import { nextIfaceName, nextNodeId, type PaletteKind } from './names';
import { suggestAddress } from './suggest';
import { linkIds } from './ids';

export interface XY {
  x: number;
  y: number;
}

export function setPosition(t: Topology, id: string, pos: XY): Topology {
  const nodes = { ...(t.layout?.nodes ?? {}) };
  nodes[id] = { ...(nodes[id] ?? {}), x: Math.round(pos.x), y: Math.round(pos.y) };
  return { ...t, layout: { ...(t.layout ?? {}), nodes } };
}

/** Adds a namespace, a bridge or "another machine" (a namespace drawn as a machine) at pos. */
export function addNode(t: Topology, kind: PaletteKind, pos: XY): { topology: Topology; id: string } {
  const id = nextNodeId(t, kind);
  const node: TopologyNode =
    kind === 'bridge'
      ? { id, kind: 'bridge' }
      : kind === 'machine'
        ? { id, kind: 'namespace', role: 'machine', label: 'another machine' }
        : { id, kind: 'namespace' };
  return { topology: setPosition({ ...t, nodes: [...t.nodes, node] }, id, pos), id };
}

/**
 * Connects two nodes with a veth pair. Interface names are filled in (eth0, veth-A, to-remote),
 * and each end that is on a known subnet gets its next free address.
 */
export function connect(t: Topology, source: string, target: string): { topology: Topology; index: number } | null {
  if (source === target) return null;
  const exists = (id: string) => id === HOST_ID || t.nodes.some((n) => n.id === id);
  if (!exists(source) || !exists(target)) return null;
  // the namespace side first, so the link reads "A:eth0 <-> br0:veth-A" like the tutorial
  const isBridge = (id: string) => t.nodes.some((n) => n.id === id && n.kind === 'bridge');
  const [a, b] = isBridge(source) && !isBridge(target) ? [target, source] : [source, target];
  const link: Link = { a: { node: a, iface: nextIfaceName(t, a, b) }, b: { node: b, iface: '' } };
  const withA = { ...t, links: [...t.links, link] };
  link.b.iface = nextIfaceName(withA, b, a);
  const index = withA.links.length - 1;
  let next: Topology = withA;
  for (const side of ['a', 'b'] as const) {
    const addr = suggestAddress(next, index, side);
    if (addr) next = updateEndpoint(next, index, side, { addresses: [addr] });
  }
  return { topology: next, index };
}

export function updateEndpoint(t: Topology, index: number, side: 'a' | 'b', patch: Partial<Link['a']>): Topology {
  const links = t.links.map((l, i) => {
    if (i !== index) return l;
    const end = { ...l[side], ...patch };
    if (end.addresses && end.addresses.length === 0) delete end.addresses;
    return { ...l, [side]: end };
  });
  return { ...t, links };
}

/** What the inspector changes on a node: any field of its kind but the id and the kind. */
export type NodePatch = Partial<Omit<NamespaceNode, 'id' | 'kind'>> | Partial<Omit<BridgeNode, 'id' | 'kind'>>;

/** Replaces node `id` with `patch` applied (kind stays); fields patched empty are removed. */
export function updateNode(t: Topology, id: string, patch: NodePatch): Topology {
  return { ...t, nodes: t.nodes.map((n) => (n.id === id ? withoutEmpty({ ...n, ...patch }) : n)) };
}

/** Removes the fields that are undefined or an empty list (all such fields are optional). */
function withoutEmpty<T extends object>(o: T): T {
  for (const [k, v] of Object.entries(o)) if (v === undefined || (Array.isArray(v) && v.length === 0)) Reflect.deleteProperty(o, k);
  return o;
}

export function updateHost(t: Topology, patch: Partial<NonNullable<Topology['host']>>): Topology {
  const host = { ...(t.host ?? {}), ...patch } as Record<string, unknown>;
  for (const [k, v] of Object.entries(host)) if (v === undefined || (Array.isArray(v) && v.length === 0)) delete host[k];
  return { ...t, host: host as Topology['host'] };
}

/** Renames a node: its links, NAT and layout entry follow. Refuses (null) clashes and `host`. */
export function renameNode(t: Topology, from: string, to: string): Topology | null {
  if (from === HOST_ID || to === from) return to === from ? t : null;
  if (to === HOST_ID || t.nodes.some((n) => n.id === to)) return null;
  const re = (id: string) => (id === from ? to : id);
  const layoutNodes = { ...(t.layout?.nodes ?? {}) };
  if (layoutNodes[from]) {
    layoutNodes[to] = layoutNodes[from]!;
    delete layoutNodes[from];
  }
  return {
    ...t,
    nodes: t.nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
    links: t.links.map((l) => ({ ...l, a: { ...l.a, node: re(l.a.node) }, b: { ...l.b, node: re(l.b.node) } })),
    layout: { ...(t.layout ?? {}), nodes: layoutNodes },
  };
}

/** Removes nodes (never the host), their links, and the given links (by editor link id). */
export function removeElements(t: Topology, nodeIds: string[], edgeIds: string[]): Topology {
  const gone = new Set(nodeIds.filter((id) => id !== HOST_ID));
  const ids = linkIds(t);
  const goneEdges = new Set(edgeIds);
  const links = t.links.filter((l, i) => !gone.has(l.a.node) && !gone.has(l.b.node) && !goneEdges.has(ids[i]!));
  const layoutNodes = { ...(t.layout?.nodes ?? {}) };
  for (const id of gone) delete layoutNodes[id];
  return {
    ...t,
    nodes: t.nodes.filter((n) => !gone.has(n.id)),
    links,
    layout: { ...(t.layout ?? {}), nodes: layoutNodes },
  };
}
