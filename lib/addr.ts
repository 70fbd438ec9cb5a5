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

/** Dotted decimal, no leading zeros, each part at most three digits (checked <= 255 below). */
const IPV4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/**
 * "a.b.c.d" as an unsigned 32-bit number, or null unless it is a plain dotted-decimal IPv4
 * address. The same strict rule as ipaddr.js's isValidFourPartDecimal, without its cost
 * (validation parses every address of a lab; see test/unit/addr.test.ts for the sweep).
 */
export function ipv4Number(text: string): number | null {
  if (typeof text !== 'string') return null;
  const m = IPV4.exec(text);
  if (!m) return null;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

/** Parses "a.b.c.d" strictly; null when it is not a plain dotted-decimal IPv4 address. */
export function parseIPv4(text: string): ipaddr.IPv4 | null {
  if (ipv4Number(text) === null) return null;
  return ipaddr.IPv4.parse(text);
}

/** Parses "a.b.c.d/p" strictly; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string') return null;
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!m) return null;
  const n = ipv4Number(m[1]!);
  const prefix = Number(m[2]);
  if (n === null || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  if (m[2]!.length > 1 && m[2]!.startsWith('0')) return null;
  const size = 2 ** (32 - prefix);
  // no leading zeros were accepted, so the text is already the address as ipaddr.js prints it
  return { address: m[1]!, prefix, network: `${fromInt(Math.floor(n / size) * size)}/${prefix}` };
}

export function toInt(ip: string): number {
  const n = ipv4Number(ip);
  if (n === null) throw new Error(`not an IPv4 address: ${ip}`);
  return n;
}

export function fromInt(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
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
