// The pairwise validation nslab had before it became linear (lib/validate.ts at 885c645),
// kept only as an oracle: test/unit/validate-scale.test.ts checks on thousands of random labs
// that the linear checks find exactly the same problems, in the same order.
// It uses ipaddr.js-based helpers (not the fast parser) on purpose.
import ipaddr from 'ipaddr.js';
import { HOST_ID, type Nat, type Route, type Topology } from '@/lib/topology';
import { netnsName } from '@/lib/names';
import { contextOf, nodeKinds, normalizeLinks, type Problem } from '@/lib/validate';

interface Cidr { address: string; prefix: number; network: string }

function parseCidr(text: string): Cidr | null {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m || !ipaddr.IPv4.isValidFourPartDecimal(m[1]!)) return null;
  const prefix = Number(m[2]);
  if (prefix > 32 || (m[2]!.length > 1 && m[2]!.startsWith('0'))) return null;
  const net = ipaddr.IPv4.networkAddressFromCIDR(text);
  return { address: ipaddr.IPv4.parse(m[1]!).toString(), prefix, network: `${net.toString()}/${prefix}` };
}
const toInt = (ip: string) => ipaddr.IPv4.parse(ip).octets.reduce((acc, o) => acc * 256 + o, 0);
function range(c: Cidr): [number, number] {
  const size = 2 ** (32 - c.prefix);
  const start = Math.floor(toInt(c.address) / size) * size;
  return [start, start + size - 1];
}
function contains(net: Cidr, ip: string): boolean {
  const [lo, hi] = range(net);
  const n = toInt(ip);
  return n >= lo && n <= hi;
}
function overlaps(a: Cidr, b: Cidr): boolean {
  const [alo, ahi] = range(a);
  const [blo, bhi] = range(b);
  return alo <= bhi && blo <= ahi;
}
function isNetworkOrBroadcast(c: Cidr): boolean {
  if (c.prefix >= 31) return false;
  const [lo, hi] = range(c);
  const n = toInt(c.address);
  return n === lo || n === hi;
}

/** The problems of meaning of a topology that passed the schema, as the pairwise code found them. */
export function referenceProblems(t: Topology): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  // Node ids: unique, and `host` is the implicit host node.
  const seen = new Map<string, number>();
  t.nodes.forEach((n, i) => {
    if (n.id === HOST_ID) add(`nodes[${i}].id`, `"host" is the implicit host node; give this node another id`);
    const prev = seen.get(n.id.toLowerCase());
    if (prev !== undefined) add(`nodes[${i}].id`, `duplicate node id "${n.id}" (also nodes[${prev}])`);
    else seen.set(n.id.toLowerCase(), i);
  });
  const kinds = nodeKinds(t);
  // Namespaces are global: an isolated host must not take the name of one of the lab's own.
  // A node's namespace is its `netns` (adopted labs) or `<lab>-<id>`; two nodes cannot share one.
  const namespaces = new Map<string, number>();
  t.nodes.forEach((n, i) => {
    if (n.kind !== 'namespace') return;
    const ns = n.netns ?? netnsName(t.name, n.id);
    if (t.host?.netns && t.host.netns === ns)
      add('host.netns', `namespace "${t.host.netns}" is node "${n.id}"'s own namespace; choose another name for the isolated host`);
    const prev = namespaces.get(ns);
    if (prev !== undefined) add(`nodes[${i}].netns`, `namespace "${ns}" is also node "${t.nodes[prev]!.id}"'s (nodes[${prev}]); each node needs its own`);
    else namespaces.set(ns, i);
  });

  // Links: endpoints exist, differ, and bridge ends carry no addresses.
  const linkIds = new Map<string, number>();
  t.links.forEach((l, i) => {
    if (l.id) {
      const prev = linkIds.get(l.id);
      if (prev !== undefined) add(`links[${i}].id`, `duplicate link id "${l.id}" (also links[${prev}])`);
      else linkIds.set(l.id, i);
    }
    for (const side of ['a', 'b'] as const) {
      const e = l[side];
      const kind = kinds.get(e.node);
      if (!kind) add(`links[${i}].${side}.node`, `unknown node "${e.node}": no node has this id`);
      else if (kind === 'bridge' && e.addresses?.length)
        add(`links[${i}].${side}.addresses`, `a bridge port carries no address: put it on bridge "${e.node}" (its addresses)`);
      else if (kind !== 'bridge' && !e.iface)
        add(`links[${i}].${side}.iface`, `an interface name is required for "${e.node}"'s end of the link`);
    }
    if (l.a.node === l.b.node) add(`links[${i}].b.node`, `a link needs two different nodes; both ends are "${l.a.node}"`);
  });
  if (problems.length) return problems; // the checks below assume sound references

  const links = normalizeLinks(t);

  // Interface names: unique per context (a namespace node, or the host context with its bridges).
  const ifaces = new Map<string, string>(); // `${ctx}/${iface}` -> path
  for (const n of t.nodes) if (n.kind === 'bridge') ifaces.set(`${HOST_ID}/${n.id}`, `nodes[${t.nodes.indexOf(n)}].id`);
  for (const l of links) {
    for (const side of ['a', 'b'] as const) {
      const e = l[side];
      const key = `${contextOf(e.kind, e.node)}/${e.iface}`;
      const path = `links[${l.index}].${side}.iface`;
      const prev = ifaces.get(key);
      const where = e.kind === 'namespace' ? `in "${e.node}"` : 'in the host context';
      if (prev) add(path, `interface name "${e.iface}" is used twice ${where} (also ${prev})`);
      else ifaces.set(key, path);
    }
  }

  // Addresses: well-formed host addresses; no duplicates; no overlapping subnets in one context.
  interface Placed { cidr: Cidr; path: string; ctx: string; iface: string; segment: string }
  const placed: Placed[] = [];
  const place = (text: string, path: string, ctx: string, iface: string, segment: string) => {
    const cidr = parseCidr(text);
    if (!cidr) return;
    if (isNetworkOrBroadcast(cidr))
      add(path, `${text} is the ${cidr.address === cidr.network.split('/')[0] ? 'network' : 'broadcast'} address of ${cidr.network}; use a host address`);
    placed.push({ cidr, path, ctx, iface, segment });
  };
  t.nodes.forEach((n, i) => {
    if (n.kind === 'bridge') (n.addresses ?? []).forEach((a, j) => place(a, `nodes[${i}].addresses[${j}]`, HOST_ID, n.id, `bridge:${n.id}`));
  });
  for (const l of links) {
    for (const side of ['a', 'b'] as const) {
      const e = l[side];
      const other = side === 'a' ? l.b : l.a;
      const segment = other.kind === 'bridge' ? `bridge:${other.node}` : `link:${l.id}`;
      e.addresses.forEach((a, j) => place(a, `links[${l.index}].${side}.addresses[${j}]`, contextOf(e.kind, e.node), e.iface, segment));
    }
  }
  for (let i = 0; i < placed.length; i++) {
    for (let j = 0; j < i; j++) {
      const p = placed[i]!;
      const q = placed[j]!;
      if (p.cidr.address === q.cidr.address && (p.segment === q.segment || p.ctx === q.ctx)) {
        add(p.path, `address ${p.cidr.address} is used twice (also ${q.path})`);
      } else if (p.ctx === q.ctx && p.iface !== q.iface && overlaps(p.cidr, q.cidr)) {
        add(p.path, `subnet ${p.cidr.network} overlaps ${q.cidr.network} on another interface of the same node (${q.path})`);
      }
    }
  }
  // One segment, one subnet: every address on a bridge's segment (or a point-to-point link)
  // must be inside the subnet of the segment's first address.
  const segmentNet = new Map<string, Placed>();
  for (const p of placed) {
    const first = segmentNet.get(p.segment);
    if (!first) segmentNet.set(p.segment, p);
    else if (first.cidr.network !== p.cidr.network) {
      const seg = p.segment.startsWith('bridge:') ? `bridge "${p.segment.slice(7)}"` : `link "${p.segment.slice(5)}"`;
      add(p.path, `${p.cidr.address}/${p.cidr.prefix} is outside ${seg}'s subnet ${first.cidr.network} (set by ${first.path})`);
    }
  }

  // Routes and NAT, per node that has them (namespaces and the host).
  const ctxAddrs = (ctx: string) => placed.filter((p) => p.ctx === ctx);
  const ctxIfaces = (ctx: string) => new Set([...ifaces.keys()].filter((k) => k.startsWith(`${ctx}/`)).map((k) => k.slice(ctx.length + 1)));
  const checkNode = (ctx: string, base: string, label: string, routes: Route[] | undefined, nat: Nat[] | undefined, forwarding: boolean | undefined) => {
    const names = ctxIfaces(ctx);
    const dests = new Map<string, number>();
    (routes ?? []).forEach((r, j) => {
      const path = `${base}.routes[${j}]`;
      // 0.0.0.0/0 is the default route too (the kernel prints it as `default`).
      const dest = r.to === 'default' || parseCidr(r.to)?.prefix === 0 ? 'default' : parseCidr(r.to)?.network ?? r.to;
      const prev = dests.get(dest);
      if (prev !== undefined)
        add(`${path}.to`, dest === 'default' ? `${label} has two default routes (also ${base}.routes[${prev}]); keep one` : `${label} has two routes to ${dest} (also ${base}.routes[${prev}])`);
      else dests.set(dest, j);
      if (r.to !== 'default') {
        const c = parseCidr(r.to);
        if (c && c.network !== `${c.address}/${c.prefix}`) add(`${path}.to`, `route destination ${r.to} has host bits set; did you mean ${c.network}?`);
      }
      if (!r.via && !r.dev) add(path, `a route needs a gateway (via) or an interface (dev)`);
      if (r.dev && !names.has(r.dev)) add(`${path}.dev`, `${label} has no interface "${r.dev}"`);
      if (r.via && !r.dev && !ctxAddrs(ctx).some((p) => contains(p.cidr, r.via!)))
        add(`${path}.via`, `gateway ${r.via} is not on any subnet of ${label}; add an address in its subnet first`);
      if (r.via && ctxAddrs(ctx).some((p) => p.cidr.address === r.via))
        add(`${path}.via`, `gateway ${r.via} is ${label}'s own address`);
    });
    (nat ?? []).forEach((n, j) => {
      const path = `${base}.nat[${j}]`;
      if (!names.has(n.out)) add(`${path}.out`, `${label} has no interface "${n.out}" to masquerade out of`);
      if (!forwarding) add(path, `NAT for ${n.source} needs forwarding: set ${base}.forwarding to true`);
    });
  };
  checkNode(HOST_ID, 'host', 'the host', t.host?.routes, t.host?.nat, t.host?.forwarding);
  t.nodes.forEach((n, i) => {
    if (n.kind === 'namespace') checkNode(n.id, `nodes[${i}]`, `"${n.id}"`, n.routes, n.nat, n.forwarding);
  });

  return problems;
}
