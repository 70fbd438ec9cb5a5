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

// ---------------------------------------------------------------------------------------------
// IPv6 (and either family). Addresses are 128-bit BigInts; text is parsed strictly (hex groups of
// 1-4 digits, at most one "::", an IPv4 tail only in the last 32 bits, no zone "%eth0") and
// printed the way the kernel's tools print it (inet_ntop: RFC 5952 lower case, the longest run
// of zero groups shortened, an IPv4 tail for ::ffff:a.b.c.d and ::a.b.c.d).

export interface Cidr6 {
  /** the address in canonical form, e.g. 2001:db8::2 */
  address: string;
  prefix: number;
  /** the network in canonical form with its prefix, e.g. 2001:db8::/64 */
  network: string;
  n: bigint;
  net: bigint;
}

const B16 = BigInt(16);
const B128 = BigInt(128);
const MASK128 = (BigInt(1) << B128) - BigInt(1);

/** "2001:db8::1" as a 128-bit number, or null unless it is a plain IPv6 address. */
export function ipv6Number(text: string): bigint | null {
  if (typeof text !== 'string' || text.length < 2 || text.length > 45) return null;
  let tail: number | null = null;
  let head = text;
  const lastColon = text.lastIndexOf(':');
  // every IPv6 address has a colon (an IPv4 address or a name has none: not worth parsing)
  if (lastColon < 0) return null;
  if (text.indexOf('.', lastColon) > 0) {
    tail = ipv4Number(text.slice(lastColon + 1));
    if (tail === null) return null;
    head = text.slice(0, lastColon + 1) + (text[lastColon - 1] === ':' ? '' : '0');
    // "::1.2.3.4" -> "::" + tail; "a:b::c:1.2.3.4" -> "a:b::c:0" with the tail in two groups
    if (head.endsWith('::')) head += '0';
  }
  const groupsWanted = tail === null ? 8 : 7;
  const double = head.indexOf('::');
  if (double >= 0 && head.indexOf('::', double + 1) >= 0) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (double >= 0) {
    const left = parseGroups(head.slice(0, double));
    const right = parseGroups(head.slice(double + 2));
    if (!left || !right || left.length + right.length > groupsWanted - 1) return null;
    groups = [...left, ...new Array<number>(groupsWanted - left.length - right.length).fill(0), ...right];
  } else {
    const all = parseGroups(head);
    if (!all || all.length !== groupsWanted) return null;
    groups = all;
  }
  if (tail !== null) groups = [...groups.slice(0, 6), Math.floor(tail / 65536), tail % 65536];
  if (groups.length !== 8) return null;
  let n = BigInt(0);
  for (const g of groups) n = (n << B16) | BigInt(g);
  return n;
}

/** A 128-bit number as the kernel's tools print it. */
export function formatIPv6(n: bigint): string {
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((n >> BigInt(i * 16)) & BigInt(0xffff)));
  // the longest run of two or more zero groups, the first on a tie
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [best, bestLen] = [i, j - i];
    i = j;
  }
  // glibc's inet_ntop: ::a.b.c.d and ::ffff:a.b.c.d keep an IPv4 tail
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff)) && (w[6] !== 0 || w[7]! > 1 || bestLen === 5)) {
    const v4 = `${w[6]! >> 8}.${w[6]! & 255}.${w[7]! >> 8}.${w[7]! & 255}`;
    return bestLen === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/** The network of n with this prefix length. */
export function mask6(n: bigint, prefix: number): bigint {
  const host = B128 - BigInt(prefix);
  return ((n >> host) << host) & MASK128;
}

/** Parses "2001:db8::2/64" strictly; null when malformed. */
export function parseCidr6(text: string): Cidr6 | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const p = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 128) return null;
  const n = ipv6Number(text.slice(0, slash));
  if (n === null) return null;
  const prefix = Number(p);
  const net = mask6(n, prefix);
  return { address: formatIPv6(n), prefix, network: `${formatIPv6(net)}/${prefix}`, n, net };
}

/** 4 or 6 for an address without prefix, else null. */
export function familyOf(ip: string): 4 | 6 | null {
  if (ipv4Number(ip) !== null) return 4;
  if (ipv6Number(ip) !== null) return 6;
  return null;
}

/** 4 or 6 for an address with prefix, else null. */
export function cidrFamily(text: string): 4 | 6 | null {
  if (parseCidr(text)) return 4;
  if (parseCidr6(text)) return 6;
  return null;
}

/** An address with prefix of either family, as the kernel prints it ("2001:DB8:0::1/64" -> "2001:db8::1/64"). */
export function canonicalCidr(text: string): string {
  const c4 = parseCidr(text);
  if (c4) return `${c4.address}/${c4.prefix}`;
  const c6 = parseCidr6(text);
  return c6 ? `${c6.address}/${c6.prefix}` : text;
}

/** The network of an address with prefix, either family ("2001:db8::5/64" -> "2001:db8::/64"), or null. */
export function networkOf(text: string): string | null {
  return parseCidr(text)?.network ?? parseCidr6(text)?.network ?? null;
}

/** An address without prefix, either family, in canonical form (the text itself when it is none). */
export function canonicalIp(text: string): string {
  if (ipv4Number(text) !== null) return text;
  const n = ipv6Number(text);
  return n === null ? text : formatIPv6(n);
}

/**
 * Why an IPv6 address cannot be configured on an interface, or null when it can: the kernel
 * makes link-local addresses itself, multicast, unspecified and loopback are not interface
 * addresses, and IPv4-mapped ones are IPv4's.
 */
export function ipv6Unusable(n: bigint): string | null {
  const top16 = Number(n >> BigInt(112));
  if (n === BigInt(0)) return 'the unspecified address';
  if (n === BigInt(1)) return 'the loopback address';
  if (top16 >> 8 === 0xff) return 'a multicast address (ff00::/8)';
  if ((top16 & 0xffc0) === 0xfe80) return 'a link-local address (fe80::/10; the kernel makes these itself)';
  if (n >> BigInt(32) === BigInt(0xffff)) return 'an IPv4-mapped address (::ffff:0:0/96); write the IPv4 address instead';
  return null;
}

/** Orders addresses with prefix: IPv4 first (numerically), then IPv6 (numerically), then anything else. */
export function compareCidrs(a: string, b: string): number {
  const key = (c: string): [number, bigint, number] => {
    const c4 = parseCidr(c);
    if (c4) return [0, BigInt(toInt(c4.address)), c4.prefix];
    const c6 = parseCidr6(c);
    if (c6) return [1, c6.n, c6.prefix];
    return [2, BigInt(0), 0];
  };
  const [fa, na, pa] = key(a);
  const [fb, nb, pb] = key(b);
  return fa - fb || (na < nb ? -1 : na > nb ? 1 : 0) || pa - pb || (a < b ? -1 : a > b ? 1 : 0);
}
