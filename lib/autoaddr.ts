// Auto-addressing: every link end that can hold an address (a namespace's or the host's end; a
// bridge port carries none) and has none gets one, from a pool (10.0.0.0/8 by default), one
// subnet per segment. A segment is a point-to-point link (a /30), or a layer-2 domain: a bridge,
// with every bridge linked to it, their ports' far ends and the bridges' host addresses (a /24,
// or bigger when more ends need addresses). Pure: the topology given is never changed.
//   - an address already set is never changed; a segment that has one keeps its subnet and the
//     missing ends get free addresses of that subnet;
//   - a new subnet never overlaps a subnet already used anywhere in the lab (nor another new one);
//   - routes (their gateways too), NAT and everything else stay as they are.
import { fromInt, parseCidr, toInt } from './addr';
import { NslabError } from './errors';
import { normalizeLinks, type NormEndpoint } from './model';
import type { Topology } from './topology';

export const DEFAULT_POOL = '10.0.0.0/8';

export interface Assignment {
  /** the field that gets the address, e.g. `links[3].a.addresses` */
  path: string;
  node: string;
  iface: string;
  address: string;
  /** how the segment is named to a person: `link "A-B"` or `bridge "br0"` */
  segment: string;
  /** true when the subnet is new (taken from the pool), false when the segment had it */
  fresh: boolean;
}

export interface AutoAddressed {
  topology: Topology;
  assignments: Assignment[];
  /** the subnets taken from the pool, in order */
  subnets: string[];
  pool: string;
}

interface Want {
  link: number;
  side: 'a' | 'b';
  end: NormEndpoint;
}

interface Segment {
  name: string;
  bridge: boolean;
  /** the first address already set on it (its subnet is the segment's) */
  existing: string | null;
  used: Set<number>;
  wants: Want[];
}

const size = (prefix: number) => 2 ** (32 - prefix);

/** The pool as [first, last] address numbers; one clear sentence when it is not a network. */
export function parsePool(pool: string): { lo: number; hi: number; prefix: number } {
  const c = parseCidr(pool);
  if (!c) throw new NslabError('invalid', `pool "${pool}" is not an IPv4 prefix like 10.0.0.0/8`);
  if (c.network !== `${c.address}/${c.prefix}`) throw new NslabError('invalid', `pool ${pool} has host bits set; did you mean ${c.network}?`);
  if (c.prefix > 30) throw new NslabError('invalid', `pool ${pool} is too small: it must hold at least a /30`);
  const lo = toInt(c.address);
  return { lo, hi: lo + size(c.prefix) - 1, prefix: c.prefix };
}

/** The longest prefix whose subnet holds `hosts` host addresses (network and broadcast aside). */
export function prefixFor(hosts: number): number {
  let p = 30;
  while (p > 0 && size(p) - 2 < hosts) p--;
  return p;
}

/** Fills every missing address of the lab; see the top of this file. Throws an NslabError('invalid') naming what does not fit. */
export function assignAddresses(t: Topology, opts: { pool?: string } = {}): AutoAddressed {
  const pool = opts.pool ?? DEFAULT_POOL;
  const range = parsePool(pool);
  const links = normalizeLinks(t);

  // layer-2 domains: bridges joined by bridge-to-bridge links (union-find on bridge ids)
  const parent = new Map<string, string>();
  for (const n of t.nodes) if (n.kind === 'bridge') parent.set(n.id, n.id);
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    while (parent.get(x) !== r) {
      const next = parent.get(x)!;
      parent.set(x, r);
      x = next;
    }
    return r;
  };
  for (const l of links) if (parent.has(l.a.node) && parent.has(l.b.node)) parent.set(find(l.b.node), find(l.a.node));

  const segments = new Map<string, Segment>();
  const segmentOf = (key: string, name: string, bridge: boolean) => {
    let s = segments.get(key);
    if (!s) segments.set(key, (s = { name, bridge, existing: null, used: new Set(), wants: [] }));
    return s;
  };
  // every subnet already in use anywhere in the lab: [first, last]
  const inUse: [number, number][] = [];
  const note = (seg: Segment | null, text: string) => {
    const c = parseCidr(text);
    if (!c) return;
    const n = toInt(c.address);
    const start = Math.floor(n / size(c.prefix)) * size(c.prefix);
    inUse.push([start, start + size(c.prefix) - 1]);
    if (!seg) return;
    seg.existing ??= text;
    seg.used.add(n);
  };
  for (const n of t.nodes) {
    if (n.kind !== 'bridge') continue;
    const seg = segmentOf(`bridge:${find(n.id)}`, `bridge "${find(n.id)}"`, true);
    for (const a of n.addresses ?? []) note(seg, a);
  }
  for (const l of links) {
    for (const side of ['a', 'b'] as const) {
      const end = l[side];
      const other = side === 'a' ? l.b : l.a;
      if (end.kind === 'bridge') continue; // a port carries no address
      const seg = other.kind === 'bridge'
        ? segmentOf(`bridge:${find(other.node)}`, `bridge "${find(other.node)}"`, true)
        : segmentOf(`link:${l.id}`, `link "${l.id}"`, false);
      for (const a of end.addresses) note(seg, a);
      if (!end.addresses.length) seg.wants.push({ link: l.index, side, end });
    }
  }

  inUse.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const taken: [number, number][] = inUse;
  /** First fit: the lowest aligned block of the pool that overlaps nothing taken. */
  const allocate = (prefix: number, seg: Segment): number => {
    const n = size(prefix);
    let at = range.lo;
    for (let i = 0; ; ) {
      at = Math.ceil((at - range.lo) / n) * n + range.lo;
      if (at + n - 1 > range.hi) {
        throw new NslabError('invalid', `the pool ${pool} has no free /${prefix} left for ${seg.name} (${fresh.length} new subnets taken, ${inUse.length - fresh.length} already in use); give a bigger pool`);
      }
      while (i < taken.length && taken[i]![1] < at) i++;
      // the taken blocks are sorted by start; any that starts inside this block overlaps it
      let clash: [number, number] | undefined;
      for (let j = i; j < taken.length && taken[j]![0] <= at + n - 1; j++) {
        if (taken[j]![1] >= at) {
          clash = taken[j];
          break;
        }
      }
      if (!clash) break;
      at = clash[1] + 1;
    }
    // keep `taken` sorted
    let k = taken.findIndex((b) => b[0] > at);
    if (k < 0) k = taken.length;
    taken.splice(k, 0, [at, at + n - 1]);
    return at;
  };

  const out: Topology = structuredClone(t);
  const assignments: Assignment[] = [];
  const fresh: string[] = [];
  for (const seg of segments.values()) {
    if (!seg.wants.length) continue;
    let lo: number;
    let prefix: number;
    let isFresh = false;
    if (seg.existing) {
      const c = parseCidr(seg.existing)!;
      prefix = c.prefix;
      lo = Math.floor(toInt(c.address) / size(prefix)) * size(prefix);
    } else {
      const needed = prefixFor(seg.wants.length);
      // a bridge's segment gets a /24 (from a pool of a /24 or bigger), so nodes added later fit
      prefix = seg.bridge && range.prefix <= 24 ? Math.min(needed, 24) : needed;
      if (prefix < range.prefix) {
        throw new NslabError('invalid', `${seg.name} needs a /${prefix} for ${seg.wants.length} addresses, bigger than the pool ${pool}; give a bigger pool`);
      }
      lo = allocate(prefix, seg);
      fresh.push(`${fromInt(lo)}/${prefix}`);
      isFresh = true;
    }
    const first = prefix >= 31 ? lo : lo + 1;
    const last = prefix >= 31 ? lo + size(prefix) - 1 : lo + size(prefix) - 2;
    let next = first;
    for (const w of seg.wants) {
      while (next <= last && seg.used.has(next)) next++;
      if (next > last) {
        throw new NslabError('invalid', `${seg.name}'s subnet ${fromInt(lo)}/${prefix} has no free address left for ${w.end.node}'s ${w.end.iface}; give the segment a bigger subnet, or set that address by hand`);
      }
      seg.used.add(next);
      const address = `${fromInt(next)}/${prefix}`;
      out.links[w.link]![w.side].addresses = [address];
      assignments.push({ path: `links[${w.link}].${w.side}.addresses`, node: w.end.node, iface: w.end.iface, address, segment: seg.name, fresh: isFresh });
    }
  }
  return { topology: out, assignments, subnets: fresh, pool };
}

/** The change as text, one `+` line per address (the CLI prints it; the dashboard shows the same rows). */
export function assignmentsText(r: AutoAddressed): string {
  if (!r.assignments.length) return 'Every interface that can hold an address has one: nothing to assign.\n';
  const w = Math.max(...r.assignments.map((a) => `${a.node} ${a.iface}`.length));
  const lines = r.assignments.map((a) => `  + ${`${a.node} ${a.iface}`.padEnd(w)}  ${a.address.padEnd(18)} ${a.segment}${a.fresh ? '' : ' (its subnet)'}   ${a.path}`);
  const s = r.subnets.length;
  return [
    ...lines,
    '',
    `${r.assignments.length} address${r.assignments.length === 1 ? '' : 'es'} to assign, ${s} new subnet${s === 1 ? '' : 's'} from ${r.pool}; no address already set changes.`,
  ].join('\n') + '\n';
}
