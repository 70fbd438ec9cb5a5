// lib/pcap.ts on hand-made bytes: headers in both byte orders, records split anywhere, and
// the summaries of the packets a lab carries.
import { describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, concat, parseGlobalHeader, parsePcap,
  PcapFormatError, PcapStreamParser, summarize,
} from '@/lib/pcap';

// --- byte builders ----------------------------------------------------------------------------

const bytes = (...xs: number[]) => new Uint8Array(xs);
const be16 = (n: number) => bytes(n >> 8, n & 0xff);
const le32 = (n: number) => bytes(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
const be32 = (n: number) => bytes(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const ip = (s: string) => bytes(...s.split('.').map(Number));
const macb = (s: string) => bytes(...s.split(':').map((x) => parseInt(x, 16)));

function globalHeader(opts: { le?: boolean; nanos?: boolean; linktype?: number } = {}): Uint8Array {
  const le = opts.le ?? true;
  const w32 = le ? le32 : be32;
  const w16 = (n: number) => (le ? bytes(n & 0xff, n >> 8) : be16(n));
  return concat([w32(opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4), w16(2), w16(4), w32(0), w32(0), w32(262144), w32(opts.linktype ?? LINKTYPE_ETHERNET)]);
}

function record(sec: number, frac: number, data: Uint8Array, le = true, origLen = data.length): Uint8Array {
  const w32 = le ? le32 : be32;
  return concat([w32(sec), w32(frac), w32(data.length), w32(origLen), data]);
}

const MAC_A = '02:00:00:00:00:0a';
const MAC_GW = '02:00:00:00:00:01';

function ether(dst: string, src: string, type: number, payload: Uint8Array): Uint8Array {
  return concat([macb(dst), macb(src), be16(type), payload]);
}

function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, ttl = 64, frag = 0): Uint8Array {
  return concat([bytes(0x45, 0), be16(20 + payload.length), be16(1), be16(frag), bytes(ttl, proto), be16(0), ip(src), ip(dst), payload]);
}

const icmpEcho = (type: 0 | 8, id: number, seq: number) => concat([bytes(type, 0), be16(0), be16(id), be16(seq), new Uint8Array(56)]);

function arp(op: 1 | 2, senderMac: string, senderIp: string, targetMac: string, targetIp: string): Uint8Array {
  return concat([be16(1), be16(0x0800), bytes(6, 4), be16(op), macb(senderMac), ip(senderIp), macb(targetMac), ip(targetIp)]);
}

const tcp = (sport: number, dport: number, seq: number, flags: number) =>
  concat([be16(sport), be16(dport), be32(seq), be32(0), bytes(0x50, flags), be16(65535), be16(0), be16(0)]);
const udp = (sport: number, dport: number, payloadLen: number) =>
  concat([be16(sport), be16(dport), be16(8 + payloadLen), be16(0), new Uint8Array(payloadLen)]);

// --- tests -------------------------------------------------------------------------------------

describe('parseGlobalHeader', () => {
  it.each([
    { le: true, nanos: false, linktype: 1 },
    { le: false, nanos: false, linktype: 1 },
    { le: true, nanos: true, linktype: 276 },
    { le: false, nanos: true, linktype: 101 },
  ])('reads little-endian=$le nanos=$nanos linktype=$linktype', ({ le, nanos, linktype }) => {
    expect(parseGlobalHeader(globalHeader({ le, nanos, linktype }))).toEqual({
      littleEndian: le, nanos, versionMajor: 2, versionMinor: 4, snaplen: 262144, linktype,
    });
  });

  it.each([
    { what: 'pcapng', data: concat([be32(0x0a0d0d0a), new Uint8Array(20)]), msg: /not a pcap stream \(magic 0x0a0d0d0a\)/ },
    { what: 'text', data: new TextEncoder().encode('tcpdump: eth9: No such device exists'), msg: /not a pcap stream/ },
    { what: 'short', data: new Uint8Array(10), msg: /needs 24 bytes, got 10/ },
  ])('refuses $what', ({ data, msg }) => {
    expect(() => parseGlobalHeader(data)).toThrow(msg);
  });
});

describe('PcapStreamParser', () => {
  const frames = [
    ether(MAC_GW, MAC_A, 0x0800, ipv4('10.0.0.2', '10.0.0.3', 1, icmpEcho(8, 7, 1))),
    ether(MAC_A, MAC_GW, 0x0800, ipv4('10.0.0.3', '10.0.0.2', 1, icmpEcho(0, 7, 1))),
    ether('ff:ff:ff:ff:ff:ff', MAC_A, 0x0806, arp(1, MAC_A, '10.0.0.2', '00:00:00:00:00:00', '10.0.0.1')),
  ];
  const file = concat([globalHeader(), ...frames.map((f, i) => record(1700000000 + i, 250000, f))]);

  it.each([1, 3, 7, 16, 23, 24, 25, 40, 97, 1000])('yields the same records when fed in chunks of %i bytes', (size) => {
    const p = new PcapStreamParser();
    const got = [];
    for (let off = 0; off < file.length; off += size) got.push(...p.push(file.subarray(off, off + size)));
    expect(p.buffered).toBe(0);
    expect(got.map((r) => [r.index, r.time, r.data.length])).toEqual([
      [1, 1700000000.25, frames[0]!.length],
      [2, 1700000001.25, frames[1]!.length],
      [3, 1700000002.25, frames[2]!.length],
    ]);
    expect(got[2]!.data).toEqual(frames[2]);
  });

  it('holds back an unfinished record until the rest arrives', () => {
    const p = new PcapStreamParser();
    expect(p.push(file.subarray(0, 24 + 16 + 10))).toEqual([]);
    expect(p.buffered).toBe(26);
    expect(p.push(file.subarray(50)).length).toBe(3);
  });

  it('reads big-endian files with nanosecond timestamps', () => {
    const f = concat([globalHeader({ le: false, nanos: true }), record(10, 500_000_000, frames[0]!, false)]);
    const { header, records } = parsePcap(f);
    expect(header.nanos).toBe(true);
    expect(records[0]!.time).toBe(10.5);
  });

  it('refuses a corrupt record length and a file cut inside a record', () => {
    expect(() => new PcapStreamParser().push(concat([globalHeader(), le32(1), le32(0), le32(0x7fffffff), le32(10)]))).toThrow(PcapFormatError);
    expect(() => parsePcap(file.subarray(0, file.length - 5))).toThrow(/ends inside record 3/);
  });
});

describe('summarize', () => {
  const rec = (data: Uint8Array, origLen = data.length) => ({ index: 4, time: 1.5, data, origLen });
  it.each([
    {
      what: 'ICMP echo request',
      frame: ether(MAC_GW, MAC_A, 0x0800, ipv4('10.0.0.2', '10.0.0.3', 1, icmpEcho(8, 7, 1))),
      want: { protocol: 'ICMP', src: '10.0.0.2', dst: '10.0.0.3', info: 'echo request id 7 seq 1 ttl 64' },
    },
    {
      what: 'ICMP echo reply',
      frame: ether(MAC_A, MAC_GW, 0x0800, ipv4('10.0.0.3', '10.0.0.2', 1, icmpEcho(0, 7, 3), 63)),
      want: { protocol: 'ICMP', src: '10.0.0.3', dst: '10.0.0.2', info: 'echo reply id 7 seq 3 ttl 63' },
    },
    {
      what: 'ICMP time exceeded',
      frame: ether(MAC_A, MAC_GW, 0x0800, ipv4('10.0.0.1', '10.0.0.2', 1, concat([bytes(11, 0), new Uint8Array(30)]))),
      want: { protocol: 'ICMP', src: '10.0.0.1', dst: '10.0.0.2', info: 'time exceeded (code 0)' },
    },
    {
      what: 'ARP request',
      frame: ether('ff:ff:ff:ff:ff:ff', MAC_A, 0x0806, arp(1, MAC_A, '10.0.0.2', '00:00:00:00:00:00', '10.0.0.1')),
      want: { protocol: 'ARP', src: MAC_A, dst: 'ff:ff:ff:ff:ff:ff', info: 'who-has 10.0.0.1 tell 10.0.0.2' },
    },
    {
      what: 'ARP reply',
      frame: ether(MAC_A, MAC_GW, 0x0806, arp(2, MAC_GW, '10.0.0.1', MAC_A, '10.0.0.2')),
      want: { protocol: 'ARP', src: MAC_GW, dst: MAC_A, info: `reply 10.0.0.1 is-at ${MAC_GW}` },
    },
    {
      what: 'TCP SYN',
      frame: ether(MAC_GW, MAC_A, 0x0800, ipv4('10.0.0.2', '203.0.113.2', 6, tcp(40000, 80, 12345, 0x02))),
      want: { protocol: 'TCP', src: '10.0.0.2', dst: '203.0.113.2', info: '40000 → 80 [S] seq 12345' },
    },
    {
      what: 'TCP PSH/ACK',
      frame: ether(MAC_GW, MAC_A, 0x0800, ipv4('10.0.0.2', '10.0.0.3', 6, tcp(1, 2, 4000000000, 0x18))),
      want: { protocol: 'TCP', src: '10.0.0.2', dst: '10.0.0.3', info: '1 → 2 [.P] seq 4000000000' },
    },
    {
      what: 'UDP',
      frame: ether(MAC_GW, MAC_A, 0x0800, ipv4('10.0.0.2', '10.0.0.3', 17, udp(5353, 53, 12))),
      want: { protocol: 'UDP', src: '10.0.0.2', dst: '10.0.0.3', info: '5353 → 53 length 12' },
    },
    {
      what: 'VLAN-tagged IPv4',
      frame: concat([macb(MAC_GW), macb(MAC_A), be16(0x8100), be16(5), be16(0x0800), ipv4('10.0.0.2', '10.0.0.3', 1, icmpEcho(8, 1, 2))]),
      want: { protocol: 'ICMP', src: '10.0.0.2', dst: '10.0.0.3', info: 'echo request id 1 seq 2 ttl 64' },
    },
    {
      what: 'IPv4 fragment',
      frame: ether(MAC_GW, MAC_A, 0x0800, ipv4('10.0.0.2', '10.0.0.3', 17, new Uint8Array(8), 64, 185)),
      want: { protocol: 'IPv4', src: '10.0.0.2', dst: '10.0.0.3', info: 'fragment offset 1480' },
    },
    {
      what: 'IPv6',
      frame: ether(MAC_GW, MAC_A, 0x86dd, concat([bytes(0x60, 0, 0, 0, 0, 8, 58, 255), new Uint8Array(40)])),
      want: { protocol: 'IPv6', src: MAC_A, dst: MAC_GW, info: 'next header 58' },
    },
    {
      what: 'LLDP',
      frame: ether(MAC_GW, MAC_A, 0x88cc, new Uint8Array(10)),
      want: { protocol: 'Ethernet', src: MAC_A, dst: MAC_GW, info: 'ethertype 0x88cc' },
    },
    {
      what: 'a truncated IPv4 header',
      frame: ether(MAC_GW, MAC_A, 0x0800, bytes(0x45, 0, 0)),
      want: { protocol: 'IPv4', src: '', dst: '', info: 'truncated IPv4 header' },
    },
  ])('$what', ({ frame, want }) => {
    expect(summarize(rec(frame, 120), LINKTYPE_ETHERNET)).toEqual({ index: 4, time: 1.5, length: 120, ...want });
  });

  it('decodes Linux cooked v2 (tcpdump -i any) and raw IP', () => {
    const sll2 = concat([be16(0x0800), be16(0), le32(3), be16(1), bytes(4, 6), macb(MAC_A), bytes(0, 0), ipv4('10.0.0.2', '10.0.0.1', 1, icmpEcho(8, 9, 9))]);
    expect(summarize(rec(sll2), LINKTYPE_LINUX_SLL2)).toMatchObject({ protocol: 'ICMP', src: '10.0.0.2', info: 'echo request id 9 seq 9 ttl 64' });
    expect(summarize(rec(ipv4('1.2.3.4', '5.6.7.8', 17, udp(1, 2, 0))), LINKTYPE_RAW)).toMatchObject({ protocol: 'UDP', dst: '5.6.7.8' });
  });
});
