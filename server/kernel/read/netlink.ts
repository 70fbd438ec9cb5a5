// Decodes the rtnetlink answers nslab-nsctl dumps (server/kernel/nsctl.ts `dump`) into the same
// shapes `ip -j` prints (./ip.ts), so one model layer (./model.ts) reads both: links with their
// addresses and routes of both families, and forwarding. Only the attributes nslab uses are decoded; a message
// too short for its header or an attribute running past its message is an error naming the
// namespace, never a guess.
import { formatIPv6 } from '@/lib/addr';
import type { IpLink, IpRoute } from './ip';
import type { TcQdisc } from './tc';

// rtnetlink constants (linux/rtnetlink.h, if_link.h, if_addr.h, if_arp.h)
const IFF_UP = 0x1;
const ARPHRD_LOOPBACK = 772;
const IFLA = { ADDRESS: 1, IFNAME: 3, MTU: 4, LINK: 5, MASTER: 10, OPERSTATE: 16, LINKINFO: 18, STATS64: 23, IFALIAS: 20, GROUP: 27, LINK_NETNSID: 37 } as const;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
/** inside IFLA_INFO_DATA: a vlan's id (u16), a bridge's vlan_filtering (u8) */
const IFLA_VLAN_ID = 1;
const IFLA_BR_VLAN_FILTERING = 7;
const IFA = { ADDRESS: 1, LOCAL: 2 } as const;
const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, TABLE: 15, PREF: 20 } as const;
const AF_INET = 2;
const AF_INET6 = 10;
const SCOPE: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };
const PREF: Record<number, string> = { 0: 'medium', 1: 'high', 3: 'low' };
const OPER = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const RTN = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
const PROTO: Record<number, string> = { 0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 9: 'ra', 16: 'dhcp' };
const TABLE: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };

export class NetlinkError extends Error {}

/** The attributes of a message body from `offset`: type (without the nested/byte-order flags) -> payload. */
function attrs(buf: Buffer, offset: number, what: string): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = offset;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & 0x3fff;
    if (len < 4 || off + len > buf.length) throw new NetlinkError(`${what}: an attribute runs past its message`);
    if (!out.has(type)) out.set(type, buf.subarray(off + 4, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

const cstring = (b: Buffer | undefined) => (b ? b.toString('utf8', 0, b.indexOf(0) >= 0 ? b.indexOf(0) : b.length) : undefined);
const u32 = (b: Buffer | undefined) => (b && b.length >= 4 ? b.readUInt32LE(0) : undefined);
const ipv4 = (b: Buffer | undefined) => (b && b.length === 4 ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : undefined);
const ipv6 = (b: Buffer | undefined) => (b && b.length === 16 ? formatIPv6(BigInt(`0x${b.toString('hex')}`)) : undefined);
/** An address of the message's family. */
const ipOf = (family: number, b: Buffer | undefined) => (family === AF_INET6 ? ipv6(b) : ipv4(b));
const mac = (b: Buffer | undefined) => (b && b.length > 0 ? [...b].map((x) => x.toString(16).padStart(2, '0')).join(':') : undefined);

function need(buf: Buffer, size: number, what: string): void {
  if (buf.length < size) throw new NetlinkError(`${what}: a message shorter than its header`);
}

interface RawLink extends IpLink {
  masterIndex?: number;
}

/** RTM_NEWLINK: ifinfomsg (16 bytes) then attributes. */
export function decodeLink(buf: Buffer, where = 'link'): RawLink {
  need(buf, 16, where);
  const type = buf.readUInt16LE(2);
  const ifindex = buf.readInt32LE(4);
  const flags = buf.readUInt32LE(8);
  const a = attrs(buf, 16, where);
  const ifname = cstring(a.get(IFLA.IFNAME));
  if (!ifname) throw new NetlinkError(`${where}: a link without a name`);
  const info = a.get(IFLA.LINKINFO);
  const infoAttrs = info ? attrs(info, 0, where) : undefined;
  const kind = cstring(infoAttrs?.get(IFLA_INFO_KIND));
  const data = kind ? infoData(kind, infoAttrs?.get(IFLA_INFO_DATA), where) : undefined;
  const stats = a.get(IFLA.STATS64);
  const oper = a.get(IFLA.OPERSTATE);
  const alias = cstring(a.get(IFLA.IFALIAS));
  const out: RawLink = {
    ifindex,
    ifname,
    flags: flags & IFF_UP ? ['UP'] : [],
    ...(u32(a.get(IFLA.MTU)) !== undefined ? { mtu: u32(a.get(IFLA.MTU))! } : {}),
    ...(oper && oper.length > 0 ? { operstate: OPER[oper[0]!] ?? 'UNKNOWN' } : {}),
    ...(type === ARPHRD_LOOPBACK ? { link_type: 'loopback' } : { link_type: 'ether' }),
    ...(type !== ARPHRD_LOOPBACK && mac(a.get(IFLA.ADDRESS)) ? { address: mac(a.get(IFLA.ADDRESS))! } : type === ARPHRD_LOOPBACK ? { address: '00:00:00:00:00:00' } : {}),
    ...(alias ? { ifalias: alias } : {}),
    ...(u32(a.get(IFLA.GROUP)) !== undefined ? { group: u32(a.get(IFLA.GROUP))! } : {}),
    ...(u32(a.get(IFLA.LINK)) !== undefined ? { link_index: u32(a.get(IFLA.LINK))! } : {}),
    ...(a.get(IFLA.LINK_NETNSID) && a.get(IFLA.LINK_NETNSID)!.length >= 4 ? { link_netnsid: a.get(IFLA.LINK_NETNSID)!.readInt32LE(0) } : {}),
    ...(kind ? { linkinfo: { info_kind: kind, ...(data ? { info_data: data } : {}) } } : {}),
    ...(stats && stats.length >= 32
      ? { stats64: { rx: { packets: Number(stats.readBigUInt64LE(0)), bytes: Number(stats.readBigUInt64LE(16)) }, tx: { packets: Number(stats.readBigUInt64LE(8)), bytes: Number(stats.readBigUInt64LE(24)) } } }
      : {}),
    addr_info: [],
  };
  const master = u32(a.get(IFLA.MASTER));
  if (master !== undefined) out.masterIndex = master;
  return out;
}

/** The kind-specific data nslab reads, as `ip -j -d` prints it: a vlan's id, a bridge's vlan_filtering. */
function infoData(kind: string, buf: Buffer | undefined, where: string): { id?: number; vlan_filtering?: number } | undefined {
  if (!buf || (kind !== 'vlan' && kind !== 'bridge')) return undefined;
  const d = attrs(buf, 0, where);
  if (kind === 'vlan') {
    const id = d.get(IFLA_VLAN_ID);
    return id && id.length >= 2 ? { id: id.readUInt16LE(0) } : undefined;
  }
  const f = d.get(IFLA_BR_VLAN_FILTERING);
  return f && f.length >= 1 ? { vlan_filtering: f[0]! } : undefined;
}

/** RTM_NEWADDR: ifaddrmsg (8 bytes) then attributes; IPv4 and IPv6 (with its scope: `ip` prints it, the model keeps global ones). */
export function decodeAddr(buf: Buffer, where = 'address'): { index: number; family: 'inet' | 'inet6'; local: string; prefixlen: number; scope: string } | null {
  need(buf, 8, where);
  const family = buf[0]!;
  if (family !== AF_INET && family !== AF_INET6) return null;
  const prefixlen = buf[1]!;
  const scope = buf[3]!;
  const index = buf.readUInt32LE(4);
  const a = attrs(buf, 8, where);
  const local = ipOf(family, a.get(IFA.LOCAL)) ?? ipOf(family, a.get(IFA.ADDRESS));
  return local ? { index, family: family === AF_INET ? 'inet' : 'inet6', local, prefixlen, scope: SCOPE[scope] ?? String(scope) } : null;
}

/** RTM_NEWROUTE: rtmsg (12 bytes) then attributes; IPv4 and IPv6. `names`: ifindex -> name. */
export function decodeRoute(buf: Buffer, names: Map<number, string>, where = 'route'): IpRoute | null {
  need(buf, 12, where);
  const family = buf[0]!;
  if (family !== AF_INET && family !== AF_INET6) return null;
  const v6 = family === AF_INET6;
  const dstLen = buf[1]!;
  const a = attrs(buf, 12, where);
  const table = u32(a.get(RTA.TABLE)) ?? buf[4]!;
  const zero = v6 ? '::' : '0.0.0.0';
  const dst = ipOf(family, a.get(RTA.DST));
  const oif = u32(a.get(RTA.OIF));
  const gateway = ipOf(family, a.get(RTA.GATEWAY));
  const metric = u32(a.get(RTA.PRIORITY));
  const pref = a.get(RTA.PREF);
  return {
    dst: dstLen === 0 ? 'default' : dstLen === (v6 ? 128 : 32) ? (dst ?? zero) : `${dst ?? zero}/${dstLen}`,
    type: RTN[buf[7]!] ?? String(buf[7]),
    ...(gateway ? { gateway } : {}),
    ...(oif !== undefined ? { dev: names.get(oif) ?? `if${oif}` } : {}),
    protocol: PROTO[buf[5]!] ?? String(buf[5]),
    table: TABLE[table] ?? String(table),
    ...(metric !== undefined ? { metric } : {}),
    ...(pref && pref.length > 0 ? { pref: PREF[pref[0]!] ?? String(pref[0]) } : {}),
  };
}

// Queueing disciplines (linux/rtnetlink.h tcmsg, pkt_sched.h netem): decoded into what
// `tc -j qdisc show` (iproute2 6.1, tc/q_netem.c) prints, numbers included: times from the
// kernel's 64 ns ticks to whole microseconds (psched: 1000 ns per µs, 64 ns per tick), then
// seconds; fractions of 2^32-1; floats with the 6 significant digits of tc's `%g`.
const TCA = { KIND: 1, OPTIONS: 2 } as const;
const TC_H_ROOT = 0xffffffff;
const NETEM = { CORR: 1, REORDER: 3, CORRUPT: 4, RATE: 6, ECN: 7, RATE64: 8 } as const;
const UINT32_MAX = 0xffffffff;
const TICKS_PER_US = 1000 / 64;
const g = (x: number) => Number(x.toPrecision(6));
const frac = (v: number) => g(v / UINT32_MAX);
const seconds = (ticks: number) => g(Math.floor(ticks / TICKS_PER_US) / 1e6);
const hex = (n: number) => n.toString(16);
/** tc's `maj:min` (either part left out when 0). */
const classid = (h: number) => (h >>> 16 === 0 ? `:${hex(h & 0xffff)}` : (h & 0xffff) === 0 ? `${hex(h >>> 16)}:` : `${hex(h >>> 16)}:${hex(h & 0xffff)}`);

/** TCA_OPTIONS of a netem qdisc: tc_netem_qopt (24 bytes), then its own attributes. */
export function decodeNetemOptions(buf: Buffer, where = 'netem'): Record<string, unknown> {
  need(buf, 24, where);
  const [latency, limit, loss, gap, duplicate, jitter] = [0, 4, 8, 12, 16, 20].map((o) => buf.readUInt32LE(o)) as [number, number, number, number, number, number];
  const a = attrs(buf, 24, where);
  const words = (t: number, n: number) => {
    const b = a.get(t);
    return b && b.length >= 4 * n ? Array.from({ length: n }, (_, i) => b.readUInt32LE(4 * i)) : null;
  };
  const cor = words(NETEM.CORR, 3);
  const reorder = words(NETEM.REORDER, 2);
  const corrupt = words(NETEM.CORRUPT, 2);
  const rate = a.get(NETEM.RATE);
  const rate64 = a.get(NETEM.RATE64);
  const out: Record<string, unknown> = { limit };
  if (latency) out.delay = { delay: seconds(latency), jitter: seconds(jitter), correlation: frac(cor?.[0] ?? 0) };
  if (loss) out['loss-random'] = { loss: frac(loss), correlation: frac(cor?.[1] ?? 0) };
  if (duplicate) out.duplicate = { duplicate: frac(duplicate), correlation: frac(cor?.[2] ?? 0) };
  if (reorder?.[0]) out.reorder = { reorder: frac(reorder[0]), correlation: frac(reorder[1]!) };
  if (corrupt?.[0]) out.corrupt = { corrupt: frac(corrupt[0]), correlation: frac(corrupt[1]!) };
  if (rate && rate.length >= 16 && rate.readUInt32LE(0)) {
    const bytes = rate64 && rate64.length >= 8 ? Number(rate64.readBigUInt64LE(0)) : rate.readUInt32LE(0);
    out.rate = { rate: bytes, packetoverhead: rate.readInt32LE(4), cellsize: rate.readUInt32LE(8), celloverhead: rate.readInt32LE(12) };
  }
  out.ecn = a.has(NETEM.ECN);
  out.gap = gap;
  return out;
}

/** RTM_NEWQDISC: tcmsg (20 bytes) then attributes. Options are decoded for netem only. */
export function decodeQdisc(buf: Buffer, names: Map<number, string>, where = 'qdisc'): TcQdisc {
  need(buf, 20, where);
  const ifindex = buf.readInt32LE(4);
  const handle = buf.readUInt32LE(8);
  const parent = buf.readUInt32LE(12);
  const refcnt = buf.readUInt32LE(16);
  const a = attrs(buf, 20, where);
  const kind = cstring(a.get(TCA.KIND));
  if (!kind) throw new NetlinkError(`${where}: a qdisc without a kind`);
  const opts = a.get(TCA.OPTIONS);
  return {
    kind,
    handle: `${hex(handle >>> 16)}:`,
    dev: names.get(ifindex) ?? `if${ifindex}`,
    ...(parent === TC_H_ROOT ? { root: true } : parent ? { parent: classid(parent) } : {}),
    ...(refcnt !== 1 ? { refcnt } : {}),
    options: kind === 'netem' && opts ? decodeNetemOptions(opts, where) : {},
  };
}

export interface DumpedNamespace {
  links: IpLink[];
  routes: IpRoute[];
  forwarding: boolean;
  /** its queueing disciplines, as `tc -j qdisc show` prints them */
  qdiscs: TcQdisc[];
  /** net.ipv6.conf.all.forwarding (false when the kernel has no IPv6) */
  forwarding6: boolean;
}

/**
 * Reads `nslab-nsctl dump`'s answer: namespace -> its links (addresses attached, masters by
 * name), routes and forwarding. A namespace that is missing, failed, or did not finish (no
 * forwarding line) is absent, or in `failed` with the reason.
 */
export function decodeDump(stdout: string): { namespaces: Map<string, DumpedNamespace>; failed: Map<string, string> } {
  const raw = new Map<string, { links: RawLink[]; addrs: Buffer[]; routes: Buffer[]; qdiscs: Buffer[]; forwarding?: boolean; forwarding6?: boolean }>();
  const failed = new Map<string, string>();
  const of = (ns: string) => {
    let r = raw.get(ns);
    if (!r) raw.set(ns, (r = { links: [], addrs: [], routes: [], qdiscs: [] }));
    return r;
  };
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const [ns = '', tag, data = ''] = line.split('\t');
    const where = ns ? `namespace ${ns}` : "this machine's own namespace";
    if (tag === 'missing') continue;
    if (tag === 'error') {
      failed.set(ns, data);
      continue;
    }
    const r = of(ns);
    if (tag === 'F') r.forwarding = data === '1';
    else if (tag === 'G') r.forwarding6 = data === '1';
    else if (tag === 'L') r.links.push(decodeLink(Buffer.from(data, 'hex'), where));
    else if (tag === 'A') r.addrs.push(Buffer.from(data, 'hex'));
    else if (tag === 'R') r.routes.push(Buffer.from(data, 'hex'));
    else if (tag === 'Q') r.qdiscs.push(Buffer.from(data, 'hex'));
    else throw new NetlinkError(`nslab-nsctl dump: an unknown line "${line.slice(0, 40)}"`);
  }
  const namespaces = new Map<string, DumpedNamespace>();
  for (const [ns, r] of raw) {
    if (failed.has(ns) || r.forwarding === undefined) continue;
    const where = ns ? `namespace ${ns}` : "this machine's own namespace";
    const byIndex = new Map(r.links.map((l) => [l.ifindex, l]));
    const names = new Map(r.links.map((l) => [l.ifindex, l.ifname]));
    for (const b of r.addrs) {
      const a = decodeAddr(b, where);
      if (a) byIndex.get(a.index)?.addr_info?.push({ family: a.family, local: a.local, prefixlen: a.prefixlen, scope: a.scope });
    }
    // as ip prints them: the master by name, and a parent in the same namespace (a vlan's) by name
    const links = r.links.map(({ masterIndex, ...l }) => ({
      ...l,
      ...(masterIndex !== undefined && names.has(masterIndex) ? { master: names.get(masterIndex)! } : {}),
      ...(l.link_index !== undefined && l.link_netnsid === undefined && names.has(l.link_index) ? { link: names.get(l.link_index)! } : {}),
    }));
    const routes = r.routes.flatMap((b) => decodeRoute(b, names, where) ?? []);
    const qdiscs = r.qdiscs.map((b) => decodeQdisc(b, names, where));
    namespaces.set(ns, { links, routes, forwarding: r.forwarding, forwarding6: r.forwarding6 ?? false, qdiscs });
  }
  return { namespaces, failed };
}
