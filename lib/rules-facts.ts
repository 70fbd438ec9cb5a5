// What the rules of lib/rules.ts share about one lab: derived once, on first use, without
// listing any problem (the rules do that). Every fact is built in time linear in the lab.
import { parseCidr, toInt, type Cidr } from './addr';
import { contextOf, nodeKinds, normalizeLinks, type NodeKind, type NormLink } from './model';
import { HOST_ID, type Topology } from './topology';
import { accessVlan, subinterfaceName, vlanSegment } from './vlan';

// Addresses as unsigned 32-bit numbers (arithmetic, not bit operators, which are signed).
export const span = (prefix: number) => 2 ** (32 - prefix);
export const maskOf = (n: number, prefix: number) => Math.floor(n / span(prefix)) * span(prefix);
/** A number key: (small number) * W + address; exact below 2^53. */
export const W = 2 ** 32;
/** A context with more addresses than this is checked through indexes, a smaller one address by address. */
export const FEW = 16;

/** One address of the lab, where it is set and what it is on. */
export interface Placed {
  /** the address as written */
  text: string;
  cidr: Cidr;
  /** bridge node index (-i - 1) or link end (index * 2 + side), and the address's index there */
  at: number;
  k: number;
  /** the context's number */
  ctx: number;
  iface: string;
  segment: string;
  /** the segment's number */
  seg: number;
  n: number;
  net: number;
  /** on a VLAN sub-interface of the link end: its index in `subinterfaces` */
  sub?: number;
}

/** The addresses of the lab, in the order a reader meets them (bridges, then link ends). */
export interface Addresses {
  placed: Placed[];
  /** context name -> number */
  ctxIds: Map<string, number>;
  /** context number -> indexes of its addresses, in order */
  members: number[][];
}

/** Where an interface name is set: a bridge node (-i - 1) or a link's end (index * 2 + side). */
export const ifacePath = (at: number) => (at < 0 ? `nodes[${-at - 1}].id` : `links[${at >> 1}].${at & 1 ? 'b' : 'a'}.iface`);
export const addrPath = (p: Placed) =>
  p.at < 0
    ? `nodes[${-p.at - 1}].addresses[${p.k}]`
    : `links[${p.at >> 1}].${p.at & 1 ? 'b' : 'a'}.${p.sub !== undefined ? `subinterfaces[${p.sub}].` : ''}addresses[${p.k}]`;

/** Two prefixes overlap when one contains the other's network. */
export function overlapping(p: { cidr: Cidr; net: number }, q: { cidr: Cidr; net: number }): boolean {
  const k = Math.min(p.cidr.prefix, q.cidr.prefix);
  return maskOf(p.net, k) === maskOf(q.net, k);
}

export class Lab {
  readonly kinds: Map<string, NodeKind>;
  private normalized?: NormLink[];
  private names?: Map<string, Map<string, number>>;
  private addrs?: Addresses;
  private reach?: Map<number, { addresses: Set<number>; networks: Set<number>; prefixes: number[] }>;

  constructor(readonly t: Topology) {
    this.kinds = nodeKinds(t);
  }

  /** Links with ids and interface names filled in (rules after `referencesAreSound` only). */
  get links(): NormLink[] {
    return (this.normalized ??= normalizeLinks(this.t));
  }

  /**
   * Interface names per context (a namespace node, or the host context with its bridges), each
   * with where it is first set. Kept as a number and spelled out only for a message: most labs
   * have no problem, and a big lab has many names.
   */
  get ifaces(): Map<string, Map<string, number>> {
    if (this.names) return this.names;
    const ifaces = new Map<string, Map<string, number>>();
    const namesOf = (ctx: string) => {
      let names = ifaces.get(ctx);
      if (!names) ifaces.set(ctx, (names = new Map()));
      return names;
    };
    this.t.nodes.forEach((n, i) => {
      if (n.kind === 'bridge') namesOf(HOST_ID).set(n.id, -i - 1);
    });
    for (const l of this.links) {
      for (let s = 0; s < 2; s++) {
        const e = s ? l.b : l.a;
        const names = namesOf(contextOf(e.kind, e.node));
        if (!names.has(e.iface)) names.set(e.iface, l.index * 2 + s);
        for (const sub of this.t.links[l.index]![s ? 'b' : 'a'].subinterfaces ?? []) {
          const name = subinterfaceName(e.iface, sub.vlan);
          if (!names.has(name)) names.set(name, l.index * 2 + s);
        }
      }
    }
    return (this.names = ifaces);
  }

  /** Every well-formed address, numbered with its context and segment. */
  get addresses(): Addresses {
    if (this.addrs) return this.addrs;
    const ctxIds = new Map<string, number>();
    const segIds = new Map<string, number>();
    const members: number[][] = [];
    const placed: Placed[] = [];
    const place = (text: string, at: number, k: number, ctx: string, iface: string, segment: string, sub?: number) => {
      const cidr = parseCidr(text);
      if (!cidr) return;
      const n = toInt(cidr.address);
      let c = ctxIds.get(ctx);
      if (c === undefined) {
        ctxIds.set(ctx, (c = members.length));
        members.push([]);
      }
      let g = segIds.get(segment);
      if (g === undefined) segIds.set(segment, (g = segIds.size));
      members[c]!.push(placed.length);
      placed.push({ text, cidr, at, k, ctx: c, iface, segment, seg: g, n, net: maskOf(n, cidr.prefix), ...(sub !== undefined ? { sub } : {}) });
    };
    this.t.nodes.forEach((n, i) => {
      if (n.kind === 'bridge') (n.addresses ?? []).forEach((a, j) => place(a, -i - 1, j, HOST_ID, n.id, `bridge:${n.id}`));
    });
    for (const l of this.links) {
      for (let s = 0; s < 2; s++) {
        const e = s ? l.b : l.a;
        const other = s ? l.a : l.b;
        const raw = this.t.links[l.index]!;
        const base = other.kind === 'bridge' ? `bridge:${other.node}` : `link:${l.id}`;
        const segment = other.kind === 'bridge' ? vlanSegment(base, accessVlan(s ? raw.a : raw.b)) : base;
        const ctx = contextOf(e.kind, e.node);
        for (let j = 0; j < e.addresses.length; j++) place(e.addresses[j]!, l.index * 2 + s, j, ctx, e.iface, segment);
        // VLAN sub-interfaces: each VLAN is a segment of its own
        (s ? raw.b : raw.a).subinterfaces?.forEach((sub, x) => {
          (sub.addresses ?? []).forEach((a, j) => place(a, l.index * 2 + s, j, ctx, subinterfaceName(e.iface, sub.vlan), vlanSegment(base, sub.vlan), x));
        });
      }
    }
    return (this.addrs = { placed, ctxIds, members });
  }

  /** Whether `via` is inside the subnet of one of the context's addresses, or is one of them. */
  onSubnet(ctx: string, via: number): boolean {
    const { ctxIds, members, placed } = this.addresses;
    const c = ctxIds.get(ctx);
    if (c === undefined) return false;
    const index = this.reachOf(c);
    if (index) return index.prefixes.some((k) => index.networks.has(k * W + maskOf(via, k)));
    return members[c]!.some((j) => maskOf(via, placed[j]!.cidr.prefix) === placed[j]!.net);
  }

  /** Whether `via` is one of the context's own addresses. */
  isOwn(ctx: string, via: number): boolean {
    const { ctxIds, members, placed } = this.addresses;
    const c = ctxIds.get(ctx);
    if (c === undefined) return false;
    const index = this.reachOf(c);
    if (index) return index.addresses.has(via);
    return members[c]!.some((j) => placed[j]!.n === via);
  }

  /** For a context with many addresses: its addresses and networks as sets. */
  private reachOf(c: number) {
    const { members, placed } = this.addresses;
    if (members[c]!.length <= FEW) return undefined;
    this.reach ??= new Map();
    let index = this.reach.get(c);
    if (!index) {
      const list = members[c]!.map((j) => placed[j]!);
      index = {
        addresses: new Set(list.map((p) => p.n)),
        networks: new Set(list.map((p) => p.cidr.prefix * W + p.net)),
        prefixes: [...new Set(list.map((p) => p.cidr.prefix))],
      };
      this.reach.set(c, index);
    }
    return index;
  }
}
