// Names the editor proposes: node ids when something is dropped on the canvas, interface names
// when two nodes are connected. Users can rename everything in the inspector.
import { IFACE_NAME, HOST_ID, RESERVED_NAMES, type Topology } from '../topology';
import { contextOf, nodeKinds, normalizeLinks } from '../model';

export type PaletteKind = 'namespace' | 'bridge' | 'machine';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function takenIds(t: Topology): Set<string> {
  return new Set([HOST_ID, ...t.nodes.map((n) => n.id.toLowerCase())]);
}

/** A, B, C ... for namespaces; br0, br1 ... for bridges; remote, remote2 ... for machines. */
export function nextNodeId(t: Topology, kind: PaletteKind): string {
  const taken = takenIds(t);
  const free = (id: string) => !taken.has(id.toLowerCase());
  if (kind === 'namespace') {
    const letter = [...LETTERS].find(free);
    if (letter) return letter;
    for (let i = 1; ; i++) if (free(`ns${i}`)) return `ns${i}`;
  }
  if (kind === 'bridge') {
    for (let i = 0; ; i++) if (free(`br${i}`)) return `br${i}`;
  }
  if (free('remote')) return 'remote';
  for (let i = 2; ; i++) if (free(`remote${i}`)) return `remote${i}`;
}

/** Interface names in use in the context (namespace or host side) a node's interfaces live in. */
export function usedIfaceNames(t: Topology, nodeId: string): Set<string> {
  const kinds = nodeKinds(t);
  const kind = kinds.get(nodeId) ?? 'namespace';
  const ctx = contextOf(kind, nodeId);
  const used = new Set<string>();
  if (ctx === HOST_ID) for (const n of t.nodes) if (n.kind === 'bridge') used.add(n.id);
  for (const l of normalizeLinks(t)) {
    for (const e of [l.a, l.b]) if (contextOf(e.kind, e.node) === ctx) used.add(e.iface);
  }
  return used;
}

const fits = (name: string) => IFACE_NAME.test(name) && !RESERVED_NAMES.has(name.toLowerCase());

/**
 * The interface name for a new link end: eth0, eth1 ... in a namespace; `veth-<other>` for a
 * bridge port and `to-<other>` on the host (as the tutorial names them), when free and short enough.
 */
export function nextIfaceName(t: Topology, nodeId: string, otherId: string): string {
  const used = usedIfaceNames(t, nodeId);
  const kind = nodeKinds(t).get(nodeId) ?? 'namespace';
  const preferred = kind === 'bridge' ? `veth-${otherId}` : kind === 'host' ? `to-${otherId}` : null;
  if (preferred && fits(preferred) && !used.has(preferred)) return preferred;
  const base = kind === 'namespace' ? 'eth' : 'veth';
  for (let i = 0; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}
