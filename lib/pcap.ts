// The classic pcap file format (what `tcpdump -w -` writes), parsed as a stream, and one-line
// summaries of the packets a lab carries: Ethernet, ARP, IPv4, ICMP, TCP, UDP.
// Pure: works on Uint8Array, so the server parses tcpdump's stdout and tests use hand-made bytes.

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** Larger than any snaplen tcpdump uses; a bigger length means the stream is not pcap. */
const MAX_RECORD = 262_144 * 4;

export interface PcapHeader {
  littleEndian: boolean;
  /** timestamps in nanoseconds (magic a1b23c4d) rather than microseconds */
  nanos: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linktype: number;
}

export interface PcapRecord {
  /** 1-based, in stream order, like Wireshark's "No." */
  index: number;
  /** seconds since the epoch, with the fraction */
  time: number;
  /** bytes captured (may be less than origLen when snaplen cut the packet) */
  data: Uint8Array;
  origLen: number;
}

export class PcapFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PcapFormatError';
  }
}

/** Reads the 24-byte global header; throws PcapFormatError when the magic is not pcap's. */
export function parseGlobalHeader(bytes: Uint8Array): PcapHeader {
  if (bytes.length < GLOBAL_HEADER) throw new PcapFormatError(`pcap header needs ${GLOBAL_HEADER} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, GLOBAL_HEADER);
  const magicBE = view.getUint32(0, false);
  const magics: Record<number, { littleEndian: boolean; nanos: boolean }> = {
    0xa1b2c3d4: { littleEndian: false, nanos: false },
    0xd4c3b2a1: { littleEndian: true, nanos: false },
    0xa1b23c4d: { littleEndian: false, nanos: true },
    0x4d3cb2a1: { littleEndian: true, nanos: true },
  };
  const kind = magics[magicBE];
  if (!kind) throw new PcapFormatError(`not a pcap stream (magic 0x${magicBE.toString(16).padStart(8, '0')})`);
  const le = kind.littleEndian;
  return {
    ...kind,
    versionMajor: view.getUint16(4, le),
    versionMinor: view.getUint16(6, le),
    snaplen: view.getUint32(16, le),
    linktype: view.getUint32(20, le),
  };
}

/**
 * Incremental reader: push() chunks as they arrive (any split, even mid-header), get back the
 * complete records. Keeps only the unfinished tail, never the whole stream.
 */
export class PcapStreamParser {
  header: PcapHeader | null = null;
  private pending: Uint8Array = new Uint8Array(0);
  private count = 0;

  push(chunk: Uint8Array): PcapRecord[] {
    this.pending = this.pending.length ? concat([this.pending, chunk]) : chunk;
    const out: PcapRecord[] = [];
    let pos = 0;
    if (!this.header) {
      if (this.pending.length < GLOBAL_HEADER) return out;
      this.header = parseGlobalHeader(this.pending);
      pos = GLOBAL_HEADER;
    }
    const h = this.header;
    while (this.pending.length - pos >= RECORD_HEADER) {
      const view = new DataView(this.pending.buffer, this.pending.byteOffset + pos, RECORD_HEADER);
      const sec = view.getUint32(0, h.littleEndian);
      const frac = view.getUint32(4, h.littleEndian);
      const inclLen = view.getUint32(8, h.littleEndian);
      const origLen = view.getUint32(12, h.littleEndian);
      if (inclLen > MAX_RECORD) throw new PcapFormatError(`pcap record ${this.count + 1} claims ${inclLen} bytes; the stream is corrupt`);
      if (this.pending.length - pos - RECORD_HEADER < inclLen) break;
      const start = pos + RECORD_HEADER;
      this.count += 1;
      out.push({
        index: this.count,
        time: sec + frac / (h.nanos ? 1e9 : 1e6),
        data: this.pending.slice(start, start + inclLen),
        origLen,
      });
      pos = start + inclLen;
    }
    this.pending = this.pending.slice(pos);
    return out;
  }

  /** Bytes held back because the last record is not complete yet. */
  get buffered(): number {
    return this.pending.length;
  }
}

/** Every record of a complete pcap file. */
export function parsePcap(bytes: Uint8Array): { header: PcapHeader; records: PcapRecord[] } {
  const p = new PcapStreamParser();
  const records = p.push(bytes);
  if (!p.header) throw new PcapFormatError('pcap file is shorter than its header');
  if (p.buffered) throw new PcapFormatError(`pcap file ends inside record ${records.length + 1}`);
  return { header: p.header, records };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// --- decoding --------------------------------------------------------------------------------

export interface PacketSummary {
  index: number;
  time: number;
  /** bytes on the wire */
  length: number;
  /** the highest layer understood: ARP, ICMP, TCP, UDP, IPv4, IPv6, Ethernet, ... */
  protocol: string;
  src: string;
  dst: string;
  /** tcpdump-like one-liner: "echo request id 7 seq 1", "who-has 10.0.0.1 tell 10.0.0.2" */
  info: string;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_IPV6 = 0x86dd;

/** Decodes one record of a capture with the given link type into a summary. */
export function summarize(record: PcapRecord, linktype: number): PacketSummary {
  const base = { index: record.index, time: record.time, length: record.origLen };
  const d = record.data;
  try {
    switch (linktype) {
      case LINKTYPE_ETHERNET: {
        if (d.length < 14) return { ...base, ...truncated('Ethernet') };
        let type = u16(d, 12);
        let off = 14;
        if (type === ETHERTYPE_VLAN && d.length >= 18) {
          type = u16(d, 16);
          off = 18;
        }
        return { ...base, ...decodeL3(type, d.subarray(off), mac(d, 6), mac(d, 0)) };
      }
      case LINKTYPE_LINUX_SLL: {
        if (d.length < 16) return { ...base, ...truncated('Linux cooked') };
        return { ...base, ...decodeL3(u16(d, 14), d.subarray(16), mac(d, 6), '') };
      }
      case LINKTYPE_LINUX_SLL2: {
        if (d.length < 20) return { ...base, ...truncated('Linux cooked v2') };
        return { ...base, ...decodeL3(u16(d, 0), d.subarray(20), mac(d, 12), '') };
      }
      case LINKTYPE_RAW:
        return { ...base, ...decodeL3((d[0] ?? 0) >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, d, '', '') };
      default:
        return { ...base, protocol: `linktype ${linktype}`, src: '', dst: '', info: `${d.length} bytes` };
    }
  } catch {
    return { ...base, ...truncated('packet') };
  }
}

type Layer = Pick<PacketSummary, 'protocol' | 'src' | 'dst' | 'info'>;

function truncated(what: string): Layer {
  return { protocol: what, src: '', dst: '', info: `truncated ${what} header` };
}

function decodeL3(ethertype: number, p: Uint8Array, srcMac: string, dstMac: string): Layer {
  switch (ethertype) {
    case ETHERTYPE_ARP:
      return decodeArp(p, srcMac, dstMac);
    case ETHERTYPE_IPV4:
      return decodeIPv4(p);
    case ETHERTYPE_IPV6:
      return { protocol: 'IPv6', src: srcMac, dst: dstMac, info: p.length >= 40 ? `next header ${p[6]}` : 'truncated IPv6 header' };
    default:
      return { protocol: 'Ethernet', src: srcMac, dst: dstMac, info: `ethertype 0x${ethertype.toString(16).padStart(4, '0')}` };
  }
}

function decodeArp(p: Uint8Array, srcMac: string, dstMac: string): Layer {
  if (p.length < 28 || u16(p, 2) !== ETHERTYPE_IPV4) return { protocol: 'ARP', src: srcMac, dst: dstMac, info: 'ARP (not IPv4 over Ethernet)' };
  const op = u16(p, 6);
  const senderMac = mac(p, 8);
  const senderIp = ipv4(p, 14);
  const targetIp = ipv4(p, 24);
  if (op === 1) return { protocol: 'ARP', src: senderMac, dst: dstMac || 'broadcast', info: `who-has ${targetIp} tell ${senderIp}` };
  if (op === 2) return { protocol: 'ARP', src: senderMac, dst: dstMac, info: `reply ${senderIp} is-at ${senderMac}` };
  return { protocol: 'ARP', src: senderMac, dst: dstMac, info: `ARP op ${op}` };
}

function decodeIPv4(p: Uint8Array): Layer {
  if (p.length < 20 || (p[0] ?? 0) >> 4 !== 4) return truncated('IPv4');
  const ihl = ((p[0] ?? 0) & 0x0f) * 4;
  const proto = p[9] ?? 0;
  const ttl = p[8] ?? 0;
  const src = ipv4(p, 12);
  const dst = ipv4(p, 16);
  const fragOffset = u16(p, 6) & 0x1fff;
  const body = p.subarray(ihl);
  if (fragOffset !== 0) return { protocol: 'IPv4', src, dst, info: `fragment offset ${fragOffset * 8}` };
  switch (proto) {
    case 1:
      return { protocol: 'ICMP', src, dst, info: icmpInfo(body, ttl) };
    case 6:
      return { protocol: 'TCP', src, dst, info: tcpInfo(body) };
    case 17:
      return { protocol: 'UDP', src, dst, info: body.length >= 8 ? `${u16(body, 0)} → ${u16(body, 2)} length ${u16(body, 4) - 8}` : 'truncated UDP header' };
    default:
      return { protocol: 'IPv4', src, dst, info: `protocol ${proto}` };
  }
}

const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply',
  3: 'destination unreachable',
  5: 'redirect',
  8: 'echo request',
  11: 'time exceeded',
};

function icmpInfo(b: Uint8Array, ttl: number): string {
  if (b.length < 4) return 'truncated ICMP header';
  const type = b[0] ?? 0;
  const code = b[1] ?? 0;
  const name = ICMP_TYPES[type] ?? `type ${type}`;
  if ((type === 0 || type === 8) && b.length >= 8) return `${name} id ${u16(b, 4)} seq ${u16(b, 6)} ttl ${ttl}`;
  if (type === 3 || type === 11) return `${name} (code ${code})`;
  return name;
}

const TCP_FLAGS: Array<[number, string]> = [[0x02, 'S'], [0x10, '.'], [0x08, 'P'], [0x01, 'F'], [0x04, 'R'], [0x20, 'U']];

function tcpInfo(b: Uint8Array): string {
  if (b.length < 20) return 'truncated TCP header';
  const flagsByte = b[13] ?? 0;
  const flags = TCP_FLAGS.filter(([bit]) => flagsByte & bit).map(([, c]) => c).join('') || 'none';
  return `${u16(b, 0)} → ${u16(b, 2)} [${flags}] seq ${u32(b, 4)}`;
}

function u16(b: Uint8Array, off: number): number {
  if (off + 2 > b.length) throw new RangeError('short');
  return ((b[off] ?? 0) << 8) | (b[off + 1] ?? 0);
}

function u32(b: Uint8Array, off: number): number {
  return u16(b, off) * 65536 + u16(b, off + 2);
}

function ipv4(b: Uint8Array, off: number): string {
  if (off + 4 > b.length) throw new RangeError('short');
  return Array.from(b.subarray(off, off + 4)).join('.');
}

function mac(b: Uint8Array, off: number): string {
  if (off + 6 > b.length) throw new RangeError('short');
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}
