// The IPv6 rules of meaning (lib/rules.ts runs them with the others): the same rules as IPv4's
// (host addresses, no address twice, no overlapping subnets on one node, one subnet per
// segment, gateways on a connected subnet and not the node's own), plus what IPv6 adds: an
// address the kernel makes itself (link-local), or one that is not an interface address
// (multicast, unspecified, loopback, IPv4-mapped), is refused. Addresses are 128-bit BigInts;
// every rule is linear in the number of addresses times the prefix lengths a node uses.
import { ipv6Number, ipv6Unusable, mask6, parseCidr6, type Cidr6 } from './addr';
import { contextOf } from './model';
import { HOST_ID } from './topology';
import type { Lab } from './rules-facts';

type Add = (path: string, message: string) => void;

export interface Placed6 {
  text: string;
  cidr: Cidr6;
  path: string;
  /** the context (a namespace node's id, or host) and interface it is on */
  ctx: string;
  iface: string;
  /** `bridge:ID` or `link:ID` */
  segment: string;
}

const cache = new WeakMap<Lab, Placed6[]>();

/** The lab's IPv6 addresses, in the order a reader meets them (bridges, then link ends). */
export function ipv6Addresses(lab: Lab): Placed6[] {
  let out = cache.get(lab);
  if (out) return out;
  out = [];
  const list = out;
  lab.t.nodes.forEach((n, i) => {
    if (n.kind !== 'bridge') return;
    (n.addresses ?? []).forEach((a, k) => {
      const cidr = parseCidr6(a);
      if (cidr) list.push({ text: a, cidr, path: `nodes[${i}].addresses[${k}]`, ctx: HOST_ID, iface: n.id, segment: `bridge:${n.id}` });
    });
  });
  for (const l of lab.links) {
    for (const side of ['a', 'b'] as const) {
      const e = l[side];
      const other = side === 'a' ? l.b : l.a;
      const segment = other.kind === 'bridge' ? `bridge:${other.node}` : `link:${l.id}`;
      e.addresses.forEach((a, k) => {
        const cidr = parseCidr6(a);
        if (cidr) list.push({ text: a, cidr, path: `links[${l.index}].${side}.addresses[${k}]`, ctx: contextOf(e.kind, e.node), iface: e.iface, segment });
      });
    }
  }
  cache.set(lab, out);
  return out;
}

/** Not link-local, multicast, unspecified, loopback or IPv4-mapped; not the all-zero host of its subnet. */
export function ipv6AddressesAreHostAddresses(lab: Lab, add: Add): void {
  for (const p of ipv6Addresses(lab)) {
    const why = ipv6Unusable(p.cidr.n);
    if (why) add(p.path, `${p.text} is ${why}; use a global or unique local address like 2001:db8::2/64`);
    else if (p.cidr.prefix < 127 && p.cidr.n === p.cidr.net)
      add(p.path, `${p.text} is the network address of ${p.cidr.network} (its subnet-router anycast address); use a host address`);
  }
}

/** No address twice on one segment or node; no subnet overlapping another interface's on one node. */
export function ipv6AddressesDoNotCollide(lab: Lab, add: Add): void {
  const placed = ipv6Addresses(lab);
  const sameOnSegment = new Map<string, Placed6>();
  const sameInCtx = new Map<string, Placed6>();
  // per context: prefix length -> network -> the earlier addresses of that exact prefix
  const nets = new Map<string, Map<number, Map<bigint, Placed6[]>>>();
  for (const p of placed) {
    const key = p.cidr.n.toString(16);
    const seg = sameOnSegment.get(`${p.segment}/${key}`) ?? sameInCtx.get(`${p.ctx}/${key}`);
    if (seg) {
      add(p.path, `address ${p.cidr.address} is used twice (also ${seg.path})`);
      continue;
    }
    sameOnSegment.set(`${p.segment}/${key}`, p);
    sameInCtx.set(`${p.ctx}/${key}`, p);
    let byPrefix = nets.get(p.ctx);
    if (!byPrefix) nets.set(p.ctx, (byPrefix = new Map()));
    // an earlier prefix overlaps this one when the shorter of the two contains the other's network
    let clash: Placed6 | undefined;
    for (const [k, byNet] of byPrefix) {
      const candidates = k <= p.cidr.prefix ? byNet.get(mask6(p.cidr.n, k)) : undefined;
      clash = candidates?.find((q) => q.iface !== p.iface);
      if (!clash && k > p.cidr.prefix) for (const [net, qs] of byNet) if (mask6(net, p.cidr.prefix) === p.cidr.net && (clash = qs.find((q) => q.iface !== p.iface))) break;
      if (clash) break;
    }
    if (clash) add(p.path, `subnet ${p.cidr.network} overlaps ${clash.cidr.network} on another interface of the same node (${clash.path})`);
    let byNet = byPrefix.get(p.cidr.prefix);
    if (!byNet) byPrefix.set(p.cidr.prefix, (byNet = new Map()));
    const list = byNet.get(p.cidr.net);
    if (list) list.push(p);
    else byNet.set(p.cidr.net, [p]);
  }
}

/** One segment, one IPv6 subnet: every IPv6 address on a segment is in the subnet of its first. */
export function ipv6SegmentsHaveOneSubnet(lab: Lab, add: Add): void {
  const first = new Map<string, Placed6>();
  for (const p of ipv6Addresses(lab)) {
    const f = first.get(p.segment);
    if (!f) first.set(p.segment, p);
    else if (f.cidr.net !== p.cidr.net || f.cidr.prefix !== p.cidr.prefix) {
      const seg = p.segment.startsWith('bridge:') ? `bridge "${p.segment.slice(7)}"` : `link "${p.segment.slice(5)}"`;
      add(p.path, `${p.cidr.address}/${p.cidr.prefix} is outside ${seg}'s IPv6 subnet ${f.cidr.network} (set by ${f.path})`);
    }
  }
}

/** The node's IPv6 addresses. */
function addressesOf(lab: Lab, ctx: string): Placed6[] {
  return ipv6Addresses(lab).filter((p) => p.ctx === ctx);
}

export interface RouteSite {
  ctx: string;
  base: string;
  label: string;
}

/**
 * An IPv6 route's gateway: a global address (a link-local one would need its interface), of the
 * destination's family, on a connected IPv6 subnet of the node, and not the node's own.
 */
export function ipv6GatewayIsSound(r: { to: string; via?: string | undefined; dev?: string | undefined }, j: number, node: RouteSite, lab: Lab, add: Add): void {
  const at = `${node.base}.routes[${j}]`;
  const to6 = r.to !== 'default' && parseCidr6(r.to) !== null;
  const via = r.via === undefined ? null : ipv6Number(r.via);
  if (to6 && r.via !== undefined && via === null) {
    add(`${at}.via`, `gateway ${r.via} is IPv4 but ${r.to} is IPv6; use an IPv6 gateway`);
    return;
  }
  if (via === null) return;
  if (r.to !== 'default' && !to6) {
    add(`${at}.via`, `gateway ${r.via} is IPv6 but ${r.to} is IPv4; use an IPv4 gateway`);
    return;
  }
  const why = ipv6Unusable(via);
  if (why) {
    add(`${at}.via`, `gateway ${r.via} is ${why}; use the router's global address (like 2001:db8::1)`);
    return;
  }
  const own = addressesOf(lab, node.ctx);
  if (own.some((p) => p.cidr.n === via)) add(`${at}.via`, `gateway ${r.via} is ${node.label}'s own address`);
  else if (!r.dev && !own.some((p) => mask6(via, p.cidr.prefix) === p.cidr.net))
    add(`${at}.via`, `gateway ${r.via} is not on any IPv6 subnet of ${node.label}; add an address in its subnet first`);
}
