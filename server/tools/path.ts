// Which nodes and links a probe crossed, from the topology and the layer-3 hops: between two
// hops the packet crosses only bridges (layer 2), and the host context (the host and its
// bridges) is one router with several faces. Pure: topology in, ids out.
import type { ProbePath } from '@/lib/protocol-tools';
import { HOST_ID, type Topology } from '@/lib/topology';
import { normalizeLinks, type NormLink } from '@/lib/model';

/** Address (without prefix) -> the node that owns it: link endpoints and bridge addresses. */
export function addressOwners(t: Topology): Map<string, string> {
  const owners = new Map<string, string>();
  for (const n of t.nodes) if (n.kind === 'bridge') for (const a of n.addresses ?? []) owners.set(a.split('/')[0]!, n.id);
  for (const l of normalizeLinks(t)) {
    for (const e of [l.a, l.b]) for (const a of e.addresses) owners.set(a.split('/')[0]!, e.node);
  }
  return owners;
}

/** The first address of a node: its first link address, or a bridge's own; null if it has none. */
export function firstAddress(t: Topology, nodeId: string): string | null {
  const bridge = t.nodes.find((n) => n.id === nodeId && n.kind === 'bridge');
  if (bridge?.kind === 'bridge' && bridge.addresses?.length) return bridge.addresses[0]!.split('/')[0]!;
  for (const l of normalizeLinks(t)) {
    for (const e of [l.a, l.b]) if (e.node === nodeId && e.addresses.length) return e.addresses[0]!.split('/')[0]!;
  }
  return null;
}

/** The links of a lab as neighbours per node (in link order), and its bridges: built once per path. */
interface Graph {
  bridges: Set<string>;
  next: Map<string, { node: string; link: string }[]>;
}

function graphOf(t: Topology, links: NormLink[]): Graph {
  const next = new Map<string, { node: string; link: string }[]>();
  const add = (from: string, node: string, link: string) => {
    const list = next.get(from);
    if (list) list.push({ node, link });
    else next.set(from, [{ node, link }]);
  };
  for (const l of links) {
    add(l.a.node, l.b.node, l.id);
    if (l.b.node !== l.a.node) add(l.b.node, l.a.node, l.id);
  }
  return { bridges: new Set(t.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id)), next };
}

function inHostContext(g: Graph, id: string): boolean {
  return id === HOST_ID || g.bridges.has(id);
}

/** Shortest walk from `from` to `to` whose inner nodes are bridges; null when there is none. */
function layer2Walk(g: Graph, from: string, to: string): { nodes: string[]; links: string[] } | null {
  const prev = new Map<string, { node: string; link: string } | null>([[from, null]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const cur = queue[head]!;
    if (cur === to) break;
    if (cur !== from && !g.bridges.has(cur)) continue;
    for (const { node: next, link } of g.next.get(cur) ?? []) {
      if (prev.has(next)) continue;
      prev.set(next, { node: cur, link });
      queue.push(next);
    }
  }
  if (!prev.has(to)) return null;
  const nodes: string[] = [];
  const walk: string[] = [];
  for (let cur: string | undefined = to; cur !== undefined; ) {
    nodes.unshift(cur);
    const p = prev.get(cur);
    if (p) walk.unshift(p.link);
    cur = p?.node;
  }
  return { nodes, links: walk };
}

/**
 * The shortest layer-2 walk from `at` to `next`. A node in the host context (the host or a
 * bridge) may also leave through any other face of the host: the walk then starts there.
 */
function bestWalk(g: Graph, at: string, next: string): { nodes: string[]; links: string[] } | null {
  const starts = inHostContext(g, at) ? [...new Set([at, HOST_ID, ...g.bridges])] : [at];
  let best: { nodes: string[]; links: string[] } | null = null;
  for (const start of starts) {
    const w = layer2Walk(g, start, next);
    if (!w) continue;
    const walk = start === at ? w : { nodes: [at, ...w.nodes], links: w.links };
    if (!best || walk.links.length < best.links.length) best = walk;
  }
  if (!best && inHostContext(g, at) && inHostContext(g, next)) best = { nodes: [at, next], links: [] };
  return best;
}

/**
 * The path through `hops` (node ids of the layer-3 stops after the source, in order). A stop in
 * the host context may leave by any of the host's faces: the walk then goes through "host".
 */
export function derivePath(t: Topology, lab: string, source: string, hops: string[], reached: boolean): ProbePath {
  const graph = graphOf(t, normalizeLinks(t));
  const nodes = [source];
  const used: string[] = [];
  let at = source;
  for (const next of hops) {
    if (next === at) continue;
    const walk = bestWalk(graph, at, next);
    if (!walk) break;
    nodes.push(...walk.nodes.slice(1));
    used.push(...walk.links);
    at = next;
  }
  return { lab, nodes, links: used, reached };
}
