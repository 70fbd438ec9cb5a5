// Parsing and checking a topology: syntax (YAML/JSON), shape (zod) and meaning
// (references, names, subnets, routes, NAT). Everything is refused before any kernel change,
// and every problem names the field it is about.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { contains, isNetworkOrBroadcast, overlaps, parseCidr, type Cidr } from './addr';
import { IFACE_NAME, HOST_ID, RESERVED_NAMES, topologySchema, type Nat, type Route, type Topology } from './topology';
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

/** Checks a value (a parsed file, a socket payload) against the schema and the rules of meaning. */
export function checkTopology(value: unknown): Checked {
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
  const out: NormLink[] = [];
  t.links.forEach((l, index) => {
    let id = l.id;
    if (!id) {
      const base = `${l.a.node}-${l.b.node}`;
      id = base;
      for (let k = 2; usedIds.has(id); k++) id = `${base}-${k}`;
      usedIds.add(id);
    }
    const end = (e: typeof l.a, other: typeof l.a, side: 'a' | 'b'): NormEndpoint => {
      const kind = kinds.get(e.node) ?? 'namespace';
      let iface = e.iface;
      if (!iface) {
        const guess = `${other.node}-${other.iface ?? side}`;
        iface = IFACE_NAME.test(guess) && !RESERVED_NAMES.has(guess) ? guess : `p${shortHash(`${id}:${side}`)}`;
      }
      return { node: e.node, kind, iface, addresses: e.addresses ?? [] };
    };
    out.push({ id, index, a: end(l.a, l.b, 'a'), b: end(l.b, l.a, 'b') });
  });
  return out;
}

/** The context an endpoint's interface lives in: a namespace node's own, or the host's (host, bridges). */
export function contextOf(kind: NodeKind, node: string): string {
  return kind === 'namespace' ? node : HOST_ID;
}

// ---------------------------------------------------------------------------------------------

function semanticProblems(t: Topology): Problem[] {
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
