// The kernel's truth per canvas node: the interfaces of a namespace, a bridge (itself and its
// ports) or the host, each with its addresses and operational state written as text.
import type { KLink, KNamespace } from '../kernel-state';
import { markLab } from '../names';
import type { LiveState } from '../protocol';
import { HOST_ID, type Topology } from '../topology';

export interface LiveIface {
  name: string;
  addresses: string[];
  /** UP or DOWN, as text (the kernel's LOWERLAYERDOWN counts as DOWN) */
  state: 'UP' | 'DOWN';
  /** the kernel's own word, for the tooltip */
  oper: string;
  /** on a bridge: its ports are listed under it */
  port: boolean;
}

export interface LiveNodeView {
  exists: boolean;
  ifaces: LiveIface[];
  drift: string[];
}

export function operText(l: KLink): 'UP' | 'DOWN' {
  if (!l.up) return 'DOWN';
  // a veth whose peer is up reports UP; a bridge or loopback with no carrier concept says UNKNOWN
  return l.oper === 'UP' || l.oper === 'UNKNOWN' ? 'UP' : 'DOWN';
}

const view = (l: KLink, port = false): LiveIface => ({
  name: l.name,
  addresses: l.addresses,
  state: operText(l),
  oper: l.oper ?? (l.up ? 'UP' : 'DOWN'),
  port,
});

const byName = (a: KLink, b: KLink) => a.name.localeCompare(b.name);

/** Per node id: what the kernel has for it, or nothing when the lab was never observed. */
export function liveViews(t: Topology, live: LiveState | null): Record<string, LiveNodeView> {
  const out: Record<string, LiveNodeView> = {};
  if (!live) return out;
  const bridges = new Set(t.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id));
  const hostNs = live.nodes[HOST_ID]?.ns;
  const host: KNamespace | undefined = hostNs === undefined ? undefined : live.observed.namespaces[hostNs];
  for (const [id, node] of Object.entries(live.nodes)) {
    const ns = live.observed.namespaces[node.ns];
    let links: LiveIface[] = [];
    if (ns && bridges.has(id)) {
      const self = ns.links[id];
      const ports = Object.values(ns.links).filter((l) => l.master === id).sort(byName);
      links = [...(self ? [view(self)] : []), ...ports.map((l) => view(l, true))];
    } else if (ns && id === HOST_ID) {
      // the host lists its own links: not loopback, not a bridge or a bridge port; on this
      // machine's namespace only the lab's own (a real machine has many interfaces of its own)
      links = Object.values(ns.links)
        .filter((l) => l.kind !== 'loopback' && !bridges.has(l.name) && !(l.master && bridges.has(l.master)))
        .filter((l) => ns.owned || markLab(l.mark) === live.lab)
        .sort(byName)
        .map((l) => view(l));
    } else if (ns) {
      links = Object.values(ns.links).filter((l) => l.kind !== 'loopback').sort(byName).map((l) => view(l));
    }
    out[id] = { exists: node.exists, ifaces: links, drift: node.drift };
  }
  if (host && !out[HOST_ID]) out[HOST_ID] = { exists: true, ifaces: [], drift: [] };
  return out;
}

/** past this many interfaces a node lists only some of them and sums up the rest */
export const IFACE_ROWS_MAX = 12;
/** how many rows such a node lists */
export const IFACE_ROWS_SHOWN = 8;

/** The interfaces a node lists, and the sum of those it does not (null: it lists them all). */
export interface IfaceRows {
  rows: LiveIface[];
  more: { count: number; up: number; down: number; ports: boolean } | null;
}

/**
 * What a node with many interfaces (a bridge with 200 ports, a busy host) lists: a bridge's own
 * interface first, then the DOWN ones (a link a hand took down stays in sight), then UP ones,
 * IFACE_ROWS_SHOWN rows in all; the rest is summed up as counts. A node with at most
 * IFACE_ROWS_MAX interfaces lists them all, in their order.
 */
export function ifaceRows(ifaces: LiveIface[]): IfaceRows {
  if (ifaces.length <= IFACE_ROWS_MAX) return { rows: ifaces, more: null };
  const ports = ifaces.some((i) => i.port);
  const lead = ports ? ifaces.filter((i) => !i.port) : [];
  const others = ports ? ifaces.filter((i) => i.port) : ifaces;
  const rows = [...lead, ...others.filter((i) => i.state === 'DOWN'), ...others.filter((i) => i.state === 'UP')].slice(0, IFACE_ROWS_SHOWN);
  const shown = new Set(rows);
  const rest = ifaces.filter((i) => !shown.has(i));
  const down = rest.filter((i) => i.state === 'DOWN').length;
  return { rows, more: { count: rest.length, up: rest.length - down, down, ports: rest.every((i) => i.port) } };
}
