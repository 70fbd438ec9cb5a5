// `ip -j` output -> the tutorial's tables: interfaces (ip addr), routes (route -n), neighbours
// (arp -n). Pure functions over checked JSON (server/kernel/read), so the view matches what the student would type.
import type { IfaceRow, NeighRow, RouteRow } from '@/lib/protocol-tools';
import type { IpLink, IpNeigh, IpRoute } from '@/server/kernel/read';

export function interfaceRows(links: IpLink[]): IfaceRow[] {
  return links.map((l) => ({
    name: l.ifname,
    kind: l.linkinfo?.info_kind ?? l.link_type ?? 'other',
    state: l.operstate ?? 'UNKNOWN',
    up: (l.flags ?? []).includes('UP'),
    mac: l.address ?? '',
    mtu: l.mtu ?? 0,
    master: l.master ?? null,
    addresses: (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.local)
      .map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

/** Netmask of a prefix length: 24 -> 255.255.255.0. */
export function genmask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

/** Like `route -n`: Destination, Gateway, Genmask, Flags (U up, G gateway, H host), Metric, Iface. */
export function routeRows(routes: IpRoute[]): RouteRow[] {
  return routes
    .filter((r) => !r.type || r.type === 'unicast')
    .map((r) => {
      const [net, len] = r.dst === 'default' ? ['0.0.0.0', 0] : [r.dst.split('/')[0] ?? r.dst, Number(r.dst.split('/')[1] ?? 32)];
      const flags = `${(r.flags ?? []).includes('linkdown') ? '' : 'U'}${r.gateway ? 'G' : ''}${len === 32 ? 'H' : ''}`;
      return {
        destination: net,
        gateway: r.gateway ?? '0.0.0.0',
        genmask: genmask(len),
        flags,
        metric: r.metric ?? 0,
        iface: r.dev ?? '',
      };
    });
}

/** Like `arp -n`: IPv4 neighbours only, FAILED/INCOMPLETE entries show no hardware address. */
export function neighRows(neigh: IpNeigh[]): NeighRow[] {
  return neigh
    .filter((n) => !n.dst.includes(':'))
    .map((n) => ({
      address: n.dst,
      hwaddress: n.lladdr ?? '(incomplete)',
      iface: n.dev ?? '',
      state: (n.state ?? []).join(',') || 'NONE',
    }));
}
