// IPv4 address helpers. Strict parsing only: "127.1", octal "010.0.0.1" and
// out-of-range octets are refused (ipaddr.js's four-part-decimal check).
import ipaddr from 'ipaddr.js';

export interface Cidr {
  /** the address as written, e.g. 10.0.0.2 */
  address: string;
  prefix: number;
  /** the network, e.g. 10.0.0.0/24 */
  network: string;
}

/** Parses "a.b.c.d" strictly; null when it is not a plain dotted-decimal IPv4 address. */
export function parseIPv4(text: string): ipaddr.IPv4 | null {
  if (typeof text !== 'string' || !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  return ipaddr.IPv4.parse(text);
}

/** Parses "a.b.c.d/p" strictly; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string') return null;
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return null;
  const ip = parseIPv4(m[1]!);
  const prefix = Number(m[2]);
  if (!ip || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  if (m[2]!.length > 1 && m[2]!.startsWith('0')) return null;
  const net = ipaddr.IPv4.networkAddressFromCIDR(text);
  return { address: ip.toString(), prefix, network: `${net.toString()}/${prefix}` };
}

export function toInt(ip: string): number {
  const p = parseIPv4(ip);
  if (!p) throw new Error(`not an IPv4 address: ${ip}`);
  return p.octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function fromInt(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** First and last address of a prefix, as integers. */
export function range(c: Cidr): [number, number] {
  const size = 2 ** (32 - c.prefix);
  const start = Math.floor(toInt(c.address) / size) * size;
  return [start, start + size - 1];
}

export function contains(net: Cidr, ip: string): boolean {
  const [lo, hi] = range(net);
  const n = toInt(ip);
  return n >= lo && n <= hi;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const [alo, ahi] = range(a);
  const [blo, bhi] = range(b);
  return alo <= bhi && blo <= ahi;
}

/** True for the network or broadcast address of a /0../30 (not a usable host address). */
export function isNetworkOrBroadcast(c: Cidr): boolean {
  if (c.prefix >= 31) return false;
  const [lo, hi] = range(c);
  const n = toInt(c.address);
  return n === lo || n === hi;
}

/** The next address of `subnet` not in `used` (host part only), or null when full. */
export function nextFree(subnet: string, used: string[]): string | null {
  const c = parseCidr(subnet);
  if (!c) return null;
  const taken = new Set(used.map((u) => (parseCidr(u) ?? parseIPv4(u) ? u.split('/')[0] : u)));
  const [lo, hi] = range(c);
  const first = c.prefix >= 31 ? lo : lo + 1;
  const last = c.prefix >= 31 ? hi : hi - 1;
  for (let n = first; n <= last; n++) {
    const ip = fromInt(n);
    if (!taken.has(ip)) return `${ip}/${c.prefix}`;
  }
  return null;
}
