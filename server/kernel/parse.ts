// Reshapes `ip -j` and `nft list` output into nslab's kernel model (lib/kernel-state.ts).
// Pure: the observer feeds it what the commands printed.
import type { KLink, KNat, KNatRule, KRoute, LinkKind } from '@/lib/kernel-state';

export interface IpLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  master?: string;
  link_type?: string;
  address?: string;
  ifalias?: string;
  /** "default", a name from /etc/iproute2/group, or the number */
  group?: string | number;
  linkinfo?: { info_kind?: string };
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
  stats64?: { rx?: { bytes?: number; packets?: number }; tx?: { bytes?: number; packets?: number } };
}

export interface IpRoute {
  type?: string;
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  table?: string;
}

export interface IpNetconf {
  family?: string;
  interface?: string;
  forwarding?: boolean;
}

/** `ip -j -batch -` prints one JSON document per command, one per line. */
export function splitBatchJson(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
}

function kindOf(l: IpLink): LinkKind {
  const k = l.linkinfo?.info_kind;
  if (k === 'veth' || k === 'bridge') return k;
  if (l.link_type === 'loopback') return 'loopback';
  return 'other';
}

/** IPv4 addresses as prefixes, sorted; the kernel's own 127.0.0.1/8 on lo is left out. */
function addressesOf(l: IpLink): string[] {
  return (l.addr_info ?? [])
    .filter((a) => a.family === 'inet' && a.local && a.prefixlen !== undefined)
    .map((a) => `${a.local}/${a.prefixlen}`)
    .filter((a) => !(l.link_type === 'loopback' && a === '127.0.0.1/8'))
    .sort(compareCidr);
}

export function compareCidr(a: string, b: string): number {
  const key = (c: string) => c.split(/[./]/).map((n) => n.padStart(3, '0')).join('.');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

export function linkFrom(l: IpLink): KLink {
  const rx = l.stats64?.rx;
  const tx = l.stats64?.tx;
  return {
    name: l.ifname,
    kind: kindOf(l),
    mark: l.ifalias ?? null,
    up: (l.flags ?? []).includes('UP'),
    master: l.master ?? null,
    addresses: addressesOf(l),
    ...groupOf(l),
    ifindex: l.ifindex,
    ...(l.operstate !== undefined ? { oper: l.operstate } : {}),
    ...(l.address !== undefined ? { mac: l.address } : {}),
    ...(l.mtu !== undefined ? { mtu: l.mtu } : {}),
    ...(l.stats64 ? { stats: { rxPackets: rx?.packets ?? 0, txPackets: tx?.packets ?? 0, rxBytes: rx?.bytes ?? 0, txBytes: tx?.bytes ?? 0 } } : {}),
  };
}

function groupOf(l: IpLink): { group?: number } {
  const g = l.group === 'default' ? 0 : Number(l.group);
  return Number.isInteger(g) ? { group: g } : {};
}

/** Static IPv4 unicast routes of the main table; the kernel's connected routes are left out. */
export function routesFrom(routes: IpRoute[]): KRoute[] {
  return routes
    .filter((r) => (r.type ?? 'unicast') === 'unicast' && r.protocol !== 'kernel' && (r.table ?? 'main') === 'main' && r.dst)
    .map((r) => {
      const dst = r.dst === 'default' || r.dst?.includes('/') ? (r.dst as string) : `${r.dst}/32`;
      return { dst, ...(r.gateway ? { via: r.gateway } : {}), ...(r.dev ? { dev: r.dev } : {}) };
    });
}

/** net.ipv4.ip_forward is the `all` entry of `ip netconf` (the kernel keeps the two equal). */
export function forwardingFrom(netconf: IpNetconf[]): boolean {
  return netconf.some((n) => n.family === 'inet' && n.interface === 'all' && n.forwarding === true);
}

/**
 * A lab's NAT table from `nft list table ip T` (text: nft 1.0's JSON leaves out the table's
 * comment, which is nslab's ownership mark). Reads the comment and the masquerade rules
 * (`ip saddr P oifname "X" … masquerade`); other rules are not nslab's shape and are left out.
 */
export function natFromText(table: string, text: string): KNat & { mark: string | null } {
  let mark: string | null = null;
  const rules: KNatRule[] = [];
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.endsWith('{')) depth += 1;
    if (line === '}') depth -= 1;
    const comment = /^comment "((?:[^"\\]|\\.)*)"$/.exec(line);
    if (comment && depth === 1) mark = comment[1] ?? null;
    const rule = /^ip saddr (\S+) oifname "([^"]+)"(?: .*)? masquerade(?: .*)?$/.exec(line);
    if (rule) {
      const src = rule[1] as string;
      rules.push({ source: src.includes('/') ? src : `${src}/32`, out: rule[2] as string });
    }
  }
  return { table, rules, mark };
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
