// Decodes the rtnetlink answers nslab-nsctl dumps (server/kernel/nsctl.ts `dump`) into the same
// shapes `ip -j` prints (./ip.ts), so one model layer (./model.ts) reads both: links with their
// addresses and routes of both families, and forwarding. Only the attributes nslab uses are decoded; a message
// too short for its header or an attribute running past its message is an error naming the
// namespace, never a guess.
import { formatIPv6 } from '@/lib/addr';
import type { IpLink, IpRoute } from './ip';

// rtnetlink constants (linux/rtnetlink.h, if_link.h, if_addr.h, if_arp.h)
const IFF_UP = 0x1;
const ARPHRD_LOOPBACK = 772;
const IFLA = { ADDRESS: 1, IFNAME: 3, MTU: 4, LINK: 5, MASTER: 10, OPERSTATE: 16, LINKINFO: 18, STATS64: 23, IFALIAS: 20, GROUP: 27, LINK_NETNSID: 37 } as const;
const IFLA_INFO_KIND = 1;
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
  const kind = info ? cstring(attrs(info, 0, where).get(IFLA_INFO_KIND)) : undefined;
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
    ...(kind ? { linkinfo: { info_kind: kind } } : {}),
    ...(stats && stats.length >= 32
      ? { stats64: { rx: { packets: Number(stats.readBigUInt64LE(0)), bytes: Number(stats.readBigUInt64LE(16)) }, tx: { packets: Number(stats.readBigUInt64LE(8)), bytes: Number(stats.readBigUInt64LE(24)) } } }
      : {}),
    addr_info: [],
  };
  const master = u32(a.get(IFLA.MASTER));
  if (master !== undefined) out.masterIndex = master;
  return out;
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

export interface DumpedNamespace {
  links: IpLink[];
  routes: IpRoute[];
  forwarding: boolean;
  /** net.ipv6.conf.all.forwarding (false when the kernel has no IPv6) */
  forwarding6: boolean;
}

/**
 * Reads `nslab-nsctl dump`'s answer: namespace -> its links (addresses attached, masters by
 * name), routes and forwarding. A namespace that is missing, failed, or did not finish (no
 * forwarding line) is absent, or in `failed` with the reason.
 */
export function decodeDump(stdout: string): { namespaces: Map<string, DumpedNamespace>; failed: Map<string, string> } {
  const raw = new Map<string, { links: RawLink[]; addrs: Buffer[]; routes: Buffer[]; forwarding?: boolean; forwarding6?: boolean }>();
  const failed = new Map<string, string>();
  const of = (ns: string) => {
    let r = raw.get(ns);
    if (!r) raw.set(ns, (r = { links: [], addrs: [], routes: [] }));
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
    const links = r.links.map(({ masterIndex, ...l }) => (masterIndex !== undefined && names.has(masterIndex) ? { ...l, master: names.get(masterIndex)! } : l));
    const routes = r.routes.flatMap((b) => decodeRoute(b, names, where) ?? []);
    namespaces.set(ns, { links, routes, forwarding: r.forwarding, forwarding6: r.forwarding6 ?? false });
  }
  return { namespaces, failed };
}
