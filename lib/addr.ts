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

/**
 * "a.b.c.d" as an unsigned 32-bit number, or null unless it is a plain dotted-decimal IPv4
 * address: four parts of 1-3 digits, each at most 255, no leading zeros. The same strict rule
 * as ipaddr.js's isValidFourPartDecimal, without its cost (validation parses every address of
 * a lab; test/unit/addr.test.ts sweeps both against each other).
 */
export function ipv4Number(text: string): number | null {
  if (typeof text !== 'string') return null;
  return digitsToNumber(text, 0, text.length);
}

/** ipv4Number of text[from, to). */
function digitsToNumber(text: string, from: number, to: number): number | null {
  if (to - from < 7 || to - from > 15) return null;
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return null;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if ((digits === 1 && octet === 0) || ++digits > 3) return null; // a leading zero, or 4 digits
      octet = octet * 10 + (c - 48);
      if (octet > 255) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return n * 256 + octet;
}

/** Parses "a.b.c.d" strictly; null when it is not a plain dotted-decimal IPv4 address. */
export function parseIPv4(text: string): ipaddr.IPv4 | null {
  if (ipv4Number(text) === null) return null;
  return ipaddr.IPv4.parse(text);
}

/** Parses "a.b.c.d/p" strictly; null when malformed. */
export function parseCidr(text: string): Cidr | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const n = digitsToNumber(text, 0, slash);
  if (n === null) return null;
  // the prefix: 1 or 2 digits, no leading zero, at most 32
  const rest = text.length - slash - 1;
  const d1 = text.charCodeAt(slash + 1) - 48;
  const d2 = rest === 2 ? text.charCodeAt(slash + 2) - 48 : 0;
  if (rest < 1 || rest > 2 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (rest === 2 && d1 === 0)) return null;
  const prefix = rest === 2 ? d1 * 10 + d2 : d1;
  if (prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  // no leading zeros were accepted, so the text is already the address as ipaddr.js prints it
  return { address: text.slice(0, slash), prefix, network: `${fromInt(Math.floor(n / size) * size)}/${prefix}` };
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
