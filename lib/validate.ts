// Parsing and checking a topology: syntax (YAML/JSON), shape (zod) and meaning
// (references, names, subnets, routes, NAT). Everything is refused before any kernel change,
// and every problem names the field it is about.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { parseCidr, toInt, type Cidr } from './addr';
import { MAX_PROBLEMS } from './limits';
import { IFACE_NAME, HOST_ID, RESERVED_NAMES, topologySchema, type Endpoint, type Nat, type Route, type Topology } from './topology';
import { netnsName, shortHash } from './names';

export interface Problem {
  /** where, e.g. "links[2].a.addresses[0]" ("" for the whole document) */
  path: string;
  message: string;
}

export type Checked = { ok: true; topology: Topology } | { ok: false; problems: Problem[] };

export class TopologyError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'TopologyError';
  }
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

export function pathString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Parses YAML or JSON text (JSON is YAML) and checks it. */
export function parseTopologyText(text: string, source = 'file'): Checked {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const msg = e instanceof YAMLParseError ? e.message.split('\n')[0] : String(e);
    const line = e instanceof YAMLParseError && e.linePos ? ` (line ${e.linePos[0].line})` : '';
    return { ok: false, problems: [{ path: '', message: `${source} is not valid YAML/JSON${line}: ${msg}` }] };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, problems: [{ path: '', message: `${source} must hold a mapping with name, nodes and links` }] };
  }
  return checkTopology(doc);
}

/**
 * Topologies already checked for this request, with their JSON text. The gateway checks a
 * payload and the labs service asserts the same object again; the second check of an unchanged
 * object then costs one JSON.stringify instead of a whole validation. Only what a caller hands
 * to rememberChecked is kept (weakly), so a browser's checks never pay for this.
 */
const vouched = new WeakMap<object, string>();

/** Lets the next check of this very object, if it is still the same JSON, skip the work. */
export function rememberChecked(topology: Topology): void {
  vouched.set(topology, JSON.stringify(topology));
}

function stillChecked(value: unknown): value is Topology {
  if (typeof value !== 'object' || value === null) return false;
  const text = vouched.get(value);
  return text !== undefined && JSON.stringify(value) === text;
}

/** Checks a value (a parsed file, a socket payload) against the schema and the rules of meaning. */
export function checkTopology(value: unknown): Checked {
  if (stillChecked(value)) return { ok: true, topology: value };
  const shaped = topologySchema.safeParse(value);
  if (!shaped.success) return { ok: false, problems: zodProblems(shaped.error) };
  const problems = semanticProblems(shaped.data);
  return problems.length ? { ok: false, problems } : { ok: true, topology: shaped.data };
}

/** Like checkTopology, but throws a TopologyError listing every problem. */
export function assertTopology(value: unknown): Topology {
  const r = checkTopology(value);
  if (!r.ok) throw new TopologyError(r.problems);
  return r.topology;
}

export function zodProblems(err: z.ZodError): Problem[] {
  return err.issues.map((iss) => {
    let message = iss.message;
    if (iss.code === 'unrecognized_keys') message = `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    return { path: pathString(iss.path), message };
  });
}

// ---------------------------------------------------------------------------------------------
// Normalized view: every endpoint with its node kind and interface name, every link with an id.

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

// ---------------------------------------------------------------------------------------------

/** Thrown by `add` once MAX_PROBLEMS are listed: the rest of the checks are skipped. */
class TooManyProblems extends Error {}

// Addresses as unsigned 32-bit numbers (arithmetic, not bit operators, which are signed).
const span = (prefix: number) => 2 ** (32 - prefix);
const maskOf = (n: number, prefix: number) => Math.floor(n / span(prefix)) * span(prefix);

/**
 * Every check below is linear in the size of the lab (maps and sets, never a search inside a
 * loop), and the problems listed are capped at MAX_PROBLEMS, so one request's work is bounded.
 */
function semanticProblems(t: Topology): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => {
    if (problems.length >= MAX_PROBLEMS) throw new TooManyProblems();
    problems.push({ path, message });
  };
  try {
    checkMeaning(t, add, problems);
  } catch (e) {
    if (!(e instanceof TooManyProblems)) throw e;
    problems.push({ path: '', message: `more problems were found than the ${MAX_PROBLEMS} listed here; fix these and check again` });
  }
  return problems;
}

function checkMeaning(t: Topology, add: (path: string, message: string) => void, problems: Problem[]): void {
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
  if (problems.length) return; // the checks below assume sound references

  const links = normalizeLinks(t);

  // Interface names: unique per context (a namespace node, or the host context with its bridges).
  // Where a name is set is kept as a number (a bridge node, or a link's end) and spelled out
  // only for a message: most labs have no problem, and a big lab has many names.
  const ifacePath = (at: number) => (at < 0 ? `nodes[${-at - 1}].id` : `links[${at >> 1}].${at & 1 ? 'b' : 'a'}.iface`);
  const ifaces = new Map<string, Map<string, number>>(); // ctx -> interface name -> where
  const namesOf = (ctx: string) => {
    let names = ifaces.get(ctx);
    if (!names) ifaces.set(ctx, (names = new Map()));
    return names;
  };
  t.nodes.forEach((n, i) => {
    if (n.kind === 'bridge') namesOf(HOST_ID).set(n.id, -i - 1);
  });
  for (const l of links) {
    for (let s = 0; s < 2; s++) {
      const e = s ? l.b : l.a;
      const names = namesOf(contextOf(e.kind, e.node));
      const prev = names.get(e.iface);
      if (prev !== undefined) {
        const where = e.kind === 'namespace' ? `in "${e.node}"` : 'in the host context';
        add(ifacePath(l.index * 2 + s), `interface name "${e.iface}" is used twice ${where} (also ${ifacePath(prev)})`);
      } else names.set(e.iface, l.index * 2 + s);
    }
  }

  // Addresses: well-formed host addresses; no duplicates; no overlapping subnets in one context.
  // Contexts and segments are numbered; each address is a number with its network.
  interface Placed {
    cidr: Cidr;
    /** bridge node index (-i - 1) or link end (index * 2 + side), and the address's index there */
    at: number;
    k: number;
    ctx: number;
    iface: string;
    segment: string;
    seg: number;
    n: number;
    net: number;
  }
  const addrPath = (p: Placed) =>
    p.at < 0 ? `nodes[${-p.at - 1}].addresses[${p.k}]` : `links[${p.at >> 1}].${p.at & 1 ? 'b' : 'a'}.addresses[${p.k}]`;
  const ctxIds = new Map<string, number>();
  const segIds = new Map<string, number>();
  const members: number[][] = []; // ctx number -> indexes of its addresses, in order
  const placed: Placed[] = [];
  const place = (text: string, at: number, k: number, ctx: string, iface: string, segment: string) => {
    const cidr = parseCidr(text);
    if (!cidr) return;
    const n = toInt(cidr.address);
    const net = maskOf(n, cidr.prefix);
    const p: Placed = { cidr, at, k, ctx: 0, iface, segment, seg: 0, n, net };
    // the network or broadcast address of a /0../30 is not a usable host address (isNetworkOrBroadcast)
    if (cidr.prefix < 31 && (n === net || n === net + span(cidr.prefix) - 1))
      add(addrPath(p), `${text} is the ${cidr.address === cidr.network.split('/')[0] ? 'network' : 'broadcast'} address of ${cidr.network}; use a host address`);
    let c = ctxIds.get(ctx);
    if (c === undefined) {
      ctxIds.set(ctx, (c = members.length));
      members.push([]);
    }
    let g = segIds.get(segment);
    if (g === undefined) segIds.set(segment, (g = segIds.size));
    p.ctx = c;
    p.seg = g;
    members[c]!.push(placed.length);
    placed.push(p);
  };
  t.nodes.forEach((n, i) => {
    if (n.kind === 'bridge') (n.addresses ?? []).forEach((a, j) => place(a, -i - 1, j, HOST_ID, n.id, `bridge:${n.id}`));
  });
  for (const l of links) {
    for (let s = 0; s < 2; s++) {
      const e = s ? l.b : l.a;
      const other = s ? l.a : l.b;
      const segment = other.kind === 'bridge' ? `bridge:${other.node}` : `link:${l.id}`;
      const ctx = contextOf(e.kind, e.node);
      for (let j = 0; j < e.addresses.length; j++) place(e.addresses[j]!, l.index * 2 + s, j, ctx, e.iface, segment);
    }
  }

  // Each address against every earlier one, through indexes instead of pairs. The same address
  // on one segment: a map by (segment, address). In one context (a namespace has a few
  // addresses): the earlier ones one by one; in a context with many (the host), indexes by
  // address and by network, where a prefix overlaps another when one contains the other's
  // network: every shorter prefix length the context uses is looked up with this address cut to
  // it, and the longer ones are found by their own networks cut to this prefix.
  const FEW = 16;
  const W = 2 ** 32; // a number key: (small number) * W + address; exact below 2^53
  interface Many {
    prefixes: number[];
    address: Map<number, number[]>;
    /** prefix * W + network -> interface -> indexes: by each address's own prefix */
    exact: Map<number, Map<string, number[]>>;
    /** the same, for each address cut to every shorter prefix length of the context */
    within: Map<number, Map<string, number[]>>;
  }
  const many = new Map<number, Many>();
  members.forEach((list, c) => {
    if (list.length <= FEW) return;
    const prefixes = [...new Set(list.map((i) => placed[i]!.cidr.prefix))];
    many.set(c, { prefixes, address: new Map(), exact: new Map(), within: new Map() });
  });
  const push = <K>(map: Map<K, number[]>, key: K, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  const pushIface = (map: Map<number, Map<string, number[]>>, key: number, iface: string, i: number) => {
    let byIface = map.get(key);
    if (!byIface) map.set(key, (byIface = new Map()));
    push(byIface, iface, i);
  };
  const otherIfaces = (byIface: Map<string, number[]> | undefined, iface: string, into: Set<number>) => {
    if (!byIface) return;
    for (const [name, list] of byIface) if (name !== iface) for (const j of list) into.add(j);
  };
  const sameOnSegment = new Map<number, number | number[]>(); // segment * W + address -> indexes
  const earlier = new Set<number>();
  for (let i = 0; i < placed.length; i++) {
    const p = placed[i]!;
    earlier.clear();
    const onSegment = p.seg * W + p.n;
    const same = sameOnSegment.get(onSegment);
    if (same === undefined) sameOnSegment.set(onSegment, i);
    else if (typeof same === 'number') {
      earlier.add(same);
      sameOnSegment.set(onSegment, [same, i]);
    } else {
      for (const j of same) earlier.add(j);
      same.push(i);
    }
    const index = many.get(p.ctx);
    if (!index) {
      for (const j of members[p.ctx]!) {
        if (j >= i) break;
        const q = placed[j]!;
        if (q.n === p.n || (q.iface !== p.iface && overlapping(p, q))) earlier.add(j);
      }
    } else {
      for (const j of index.address.get(p.n) ?? []) earlier.add(j);
      const own = p.cidr.prefix * W + p.net;
      for (const k of index.prefixes) {
        if (k < p.cidr.prefix) otherIfaces(index.exact.get(k * W + maskOf(p.n, k)), p.iface, earlier);
        else if (k === p.cidr.prefix) otherIfaces(index.exact.get(own), p.iface, earlier);
      }
      otherIfaces(index.within.get(own), p.iface, earlier);
      push(index.address, p.n, i);
      pushIface(index.exact, own, p.iface, i);
      for (const k of index.prefixes) if (k < p.cidr.prefix) pushIface(index.within, k * W + maskOf(p.n, k), p.iface, i);
    }
    if (!earlier.size) continue;
    // the same tests, in the same order, as comparing with every earlier address would make
    for (const j of [...earlier].sort((x, y) => x - y)) {
      const q = placed[j]!;
      if (p.cidr.address === q.cidr.address && (p.segment === q.segment || p.ctx === q.ctx)) {
        add(addrPath(p), `address ${p.cidr.address} is used twice (also ${addrPath(q)})`);
      } else if (p.ctx === q.ctx && p.iface !== q.iface && overlapping(p, q)) {
        add(addrPath(p), `subnet ${p.cidr.network} overlaps ${q.cidr.network} on another interface of the same node (${addrPath(q)})`);
      }
    }
  }
  // One segment, one subnet: every address on a bridge's segment (or a point-to-point link)
  // must be inside the subnet of the segment's first address.
  const segmentNet = new Map<number, Placed>();
  for (const p of placed) {
    const first = segmentNet.get(p.seg);
    if (!first) segmentNet.set(p.seg, p);
    else if (first.net !== p.net || first.cidr.prefix !== p.cidr.prefix) {
      const seg = p.segment.startsWith('bridge:') ? `bridge "${p.segment.slice(7)}"` : `link "${p.segment.slice(5)}"`;
      add(addrPath(p), `${p.cidr.address}/${p.cidr.prefix} is outside ${seg}'s subnet ${first.cidr.network} (set by ${addrPath(first)})`);
    }
  }

  // Routes and NAT, per node that has them (namespaces and the host).
  /** Whether `via` is inside the subnet of one of the context's addresses, or is one of them. */
  const onSubnet = (c: number | undefined, via: number) => {
    if (c === undefined) return false;
    const index = many.get(c);
    if (index) return index.prefixes.some((k) => index.exact.has(k * W + maskOf(via, k)));
    return members[c]!.some((j) => maskOf(via, placed[j]!.cidr.prefix) === placed[j]!.net);
  };
  const isOwn = (c: number | undefined, via: number) => {
    if (c === undefined) return false;
    const index = many.get(c);
    if (index) return index.address.has(via);
    return members[c]!.some((j) => placed[j]!.n === via);
  };
  const noNames = new Map<string, number>();
  const checkNode = (ctx: string, base: string, label: string, routes: Route[] | undefined, nat: Nat[] | undefined, forwarding: boolean | undefined) => {
    const names = ifaces.get(ctx) ?? noNames;
    const c = ctxIds.get(ctx);
    const dests = new Map<string, number>();
    for (let j = 0; j < (routes?.length ?? 0); j++) {
      const r = routes![j]!;
      const path = `${base}.routes[${j}]`;
      const to = r.to === 'default' ? null : parseCidr(r.to);
      // 0.0.0.0/0 is the default route too (the kernel prints it as `default`).
      const dest = r.to === 'default' || to?.prefix === 0 ? 'default' : to?.network ?? r.to;
      const prev = dests.get(dest);
      if (prev !== undefined)
        add(`${path}.to`, dest === 'default' ? `${label} has two default routes (also ${base}.routes[${prev}]); keep one` : `${label} has two routes to ${dest} (also ${base}.routes[${prev}])`);
      else dests.set(dest, j);
      if (to && to.network !== `${to.address}/${to.prefix}`) add(`${path}.to`, `route destination ${r.to} has host bits set; did you mean ${to.network}?`);
      if (!r.via && !r.dev) add(path, `a route needs a gateway (via) or an interface (dev)`);
      if (r.dev && !names.has(r.dev)) add(`${path}.dev`, `${label} has no interface "${r.dev}"`);
      const via = r.via ? toInt(r.via) : null;
      if (via !== null && !r.dev && !onSubnet(c, via))
        add(`${path}.via`, `gateway ${r.via} is not on any subnet of ${label}; add an address in its subnet first`);
      if (via !== null && isOwn(c, via))
        add(`${path}.via`, `gateway ${r.via} is ${label}'s own address`);
    }
    for (let j = 0; j < (nat?.length ?? 0); j++) {
      const n = nat![j]!;
      const path = `${base}.nat[${j}]`;
      if (!names.has(n.out)) add(`${path}.out`, `${label} has no interface "${n.out}" to masquerade out of`);
      if (!forwarding) add(path, `NAT for ${n.source} needs forwarding: set ${base}.forwarding to true`);
    }
  };
  checkNode(HOST_ID, 'host', 'the host', t.host?.routes, t.host?.nat, t.host?.forwarding);
  t.nodes.forEach((n, i) => {
    if (n.kind === 'namespace' && (n.routes?.length || n.nat?.length)) checkNode(n.id, `nodes[${i}]`, `"${n.id}"`, n.routes, n.nat, n.forwarding);
  });
}

/** Two prefixes overlap when one contains the other's network. */
function overlapping(p: { cidr: Cidr; net: number }, q: { cidr: Cidr; net: number }): boolean {
  const k = Math.min(p.cidr.prefix, q.cidr.prefix);
  return maskOf(p.net, k) === maskOf(q.net, k);
}
