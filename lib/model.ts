// The topology model: what a drawn lab means once its defaults are filled in. Every endpoint
// with its node kind and interface name, every link with an id, and the context (namespace) an
// interface lives in. Compile, the editor, the exports and validation all read a lab this way.
import { IFACE_NAME, HOST_ID, RESERVED_NAMES, type Endpoint, type Topology } from './topology';
import { shortHash } from './names';

export type NodeKind = 'namespace' | 'bridge' | 'host';

export interface NormEndpoint {
  node: string;
  kind: NodeKind;
  /** interface name inside the endpoint's namespace (a bridge port lives in the host context) */
  iface: string;
  addresses: string[];
}

export interface NormLink {
  id: string;
  index: number;
  a: NormEndpoint;
  b: NormEndpoint;
}

export function nodeKinds(t: Topology): Map<string, NodeKind> {
  const kinds = new Map<string, NodeKind>([[HOST_ID, 'host']]);
  for (const n of t.nodes) if (!kinds.has(n.id)) kinds.set(n.id, n.kind);
  return kinds;
}

/**
 * Fills in what a file may leave out: link ids (`<a>-<b>`, numbered on repeats) and the names
 * of bridge ports (`<other node>-<other iface>` when that fits in 15 bytes, else a short hash).
 */
export function normalizeLinks(t: Topology): NormLink[] {
  const kinds = nodeKinds(t);
  const usedIds = new Set(t.links.map((l) => l.id).filter((x): x is string => !!x));
  // The first number each base may still be free at: ids are only ever added, so the numbers
  // below it stay taken, and many links between the same two nodes are numbered in linear time.
  const nextNumber = new Map<string, number>();
  const out: NormLink[] = [];
  t.links.forEach((l, index) => {
    let id = l.id;
    if (!id) {
      const base = `${l.a.node}-${l.b.node}`;
      id = base;
      let k = nextNumber.get(base) ?? 2;
      if (usedIds.has(id)) {
        while (usedIds.has(`${base}-${k}`)) k++;
        id = `${base}-${k}`;
      }
      nextNumber.set(base, k);
      usedIds.add(id);
    }
    out.push({ id, index, a: normEnd(kinds, id, l.a, l.b, 'a'), b: normEnd(kinds, id, l.b, l.a, 'b') });
  });
  return out;
}

function normEnd(kinds: Map<string, NodeKind>, id: string, e: Endpoint, other: Endpoint, side: 'a' | 'b'): NormEndpoint {
  const kind = kinds.get(e.node) ?? 'namespace';
  let iface = e.iface;
  if (!iface) {
    const guess = `${other.node}-${other.iface ?? side}`;
    iface = IFACE_NAME.test(guess) && !RESERVED_NAMES.has(guess) ? guess : `p${shortHash(`${id}:${side}`)}`;
  }
  return { node: e.node, kind, iface, addresses: e.addresses ?? [] };
}

/** The context an endpoint's interface lives in: a namespace node's own, or the host's (host, bridges). */
export function contextOf(kind: NodeKind, node: string): string {
  return kind === 'namespace' ? node : HOST_ID;
}
