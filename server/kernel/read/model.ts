// Reshapes checked `ip -j` output into nslab's kernel model (lib/kernel-state.ts). Pure.
import { compareCidrs, canonicalCidr } from '@/lib/addr';
import type { KLink, KRoute, LinkKind } from '@/lib/kernel-state';
import type { IpLink, IpNetconf, IpNsid, IpRoute } from './ip';

/** bridge, veth, loopback or other, as nslab models it. */
export function kindOf(l: Pick<IpLink, 'linkinfo' | 'link_type'>): LinkKind {
  const k = l.linkinfo?.info_kind;
  if (k === 'veth' || k === 'bridge' || k === 'vlan') return k;
  if (l.link_type === 'loopback') return 'loopback';
  return 'other';
}

/**
 * Addresses as prefixes, IPv4 first, sorted. Left out: what the kernel makes itself (127.0.0.1/8
 * on lo; IPv6 of any scope but global: ::1, the link-local fe80::/64 of every interface).
 */
function addressesOf(l: IpLink): string[] {
  return (l.addr_info ?? [])
    .filter((a) => a.local && a.prefixlen !== undefined && (a.family === 'inet' || (a.family === 'inet6' && (a.scope ?? 'global') === 'global')))
    .map((a) => `${a.local}/${a.prefixlen}`)
    .filter((a) => !(l.link_type === 'loopback' && a === '127.0.0.1/8'))
    .sort(compareCidr);
}

/** IPv4 first, then IPv6, each in numeric order. */
export function compareCidr(a: string, b: string): number {
  return compareCidrs(a, b);
}

/** A link's counters, 0 where the kernel printed none. */
export function countersOf(l: IpLink): { rxPackets: number; txPackets: number; rxBytes: number; txBytes: number } | undefined {
  const s = l.stats64;
  if (!s) return undefined;
  return { rxPackets: s.rx?.packets ?? 0, txPackets: s.tx?.packets ?? 0, rxBytes: s.rx?.bytes ?? 0, txBytes: s.tx?.bytes ?? 0 };
}

export function linkFrom(l: IpLink): KLink {
  const stats = countersOf(l);
  return {
    name: l.ifname,
    kind: kindOf(l),
    mark: l.ifalias ?? null,
    up: (l.flags ?? []).includes('UP'),
    master: l.master ?? null,
    addresses: addressesOf(l),
    ...groupOf(l),
    ...vlanOf(l),
    ifindex: l.ifindex,
    ...(l.operstate !== undefined ? { oper: l.operstate } : {}),
    ...(l.address !== undefined ? { mac: l.address } : {}),
    ...(l.mtu !== undefined ? { mtu: l.mtu } : {}),
    ...(stats ? { stats } : {}),
  };
}

/** A vlan's parent and id; a bridge's VLAN filtering (lib/vlan.ts), when on. */
function vlanOf(l: IpLink): Pick<KLink, 'vlan' | 'vlanFiltering'> {
  const data = l.linkinfo?.info_data;
  const kind = l.linkinfo?.info_kind;
  if (kind === 'vlan' && typeof data?.id === 'number') return { vlan: { parent: l.link ?? (l.link_index !== undefined ? `if${l.link_index}` : ''), id: data.id } };
  if (kind === 'bridge' && data?.vlan_filtering === 1) return { vlanFiltering: true };
  return {};
}

function groupOf(l: IpLink): { group?: number } {
  const g = l.group === 'default' ? 0 : Number(l.group);
  return Number.isInteger(g) ? { group: g } : {};
}

/** Whether `ip -j route` printed an IPv6 route (they alone carry a router preference). */
const isIPv6Route = (r: IpRoute) => r.pref !== undefined || r.dst.includes(':') || !!r.gateway?.includes(':');

/**
 * Static unicast routes of the main table, both families; the kernel's connected and link-local
 * routes (protocol kernel) and other tables (local: local, broadcast and multicast) are left
 * out. The IPv6 default is written `::/0` (IPv4's stays `default`), host routes get /32 or /128.
 */
export function routesFrom(routes: IpRoute[]): KRoute[] {
  return routes
    .filter((r) => (r.type ?? 'unicast') === 'unicast' && r.protocol !== 'kernel' && (r.table ?? 'main') === 'main')
    .map((r) => {
      const v6 = isIPv6Route(r);
      const dst = r.dst === 'default' ? (v6 ? '::/0' : 'default') : r.dst.includes('/') ? canonicalCidr(r.dst) : `${r.dst}/${v6 ? 128 : 32}`;
      return { dst, ...(r.gateway ? { via: r.gateway } : {}), ...(r.dev ? { dev: r.dev } : {}) };
    });
}

/** net.ipv4.ip_forward is the `all` entry of `ip netconf` (the kernel keeps the two equal). */
export function forwardingFrom(netconf: IpNetconf[]): boolean {
  return netconf.some((n) => n.family === 'inet' && n.interface === 'all' && n.forwarding === true);
}

/** net.ipv6.conf.all.forwarding: the `all` entry of family inet6. */
export function forwarding6From(netconf: IpNetconf[]): boolean {
  return netconf.some((n) => n.family === 'inet6' && n.interface === 'all' && n.forwarding === true);
}

/** nsid -> the peer's name in /run/netns (null when it has none). */
export function nsidsFrom(ids: IpNsid[]): Map<number, string | null> {
  return new Map(ids.map((id) => [id.nsid, id.name ?? null]));
}

/** Sets `peer` on both ends of every veth pair: two veth ends carrying the same nslab mark. */
export function pairVeths(namespaces: Record<string, { links: Record<string, KLink> }>): void {
  const byMark = new Map<string, Array<{ ns: string; link: KLink }>>();
  for (const [ns, n] of Object.entries(namespaces)) {
    for (const link of Object.values(n.links)) {
      if (link.kind !== 'veth' || !link.mark?.startsWith('nslab:')) continue;
      byMark.set(link.mark, [...(byMark.get(link.mark) ?? []), { ns, link }]);
    }
  }
  for (const ends of byMark.values()) {
    if (ends.length !== 2) continue;
    const [a, b] = ends as [{ ns: string; link: KLink }, { ns: string; link: KLink }];
    a.link.peer = { ns: b.ns, name: b.link.name };
    b.link.peer = { ns: a.ns, name: a.link.name };
  }
}
