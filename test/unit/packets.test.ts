// lib/packets.ts: which link ends a lab is tapped at, what each tapped record becomes (link,
// direction, kind, label), wire ordering across taps, the per-link budget; and the NAT counters
// read from `nft list table` (server/kernel/read/nft.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { admit, byWireTime, cookedMeta, natRuleKey, natRuleKeys, packetEvent, packetKind, packetLabel, tapPlan, type PacketEvent, type TapEnd } from '@/lib/packets';
import { concat, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, type PcapRecord } from '@/lib/pcap';
import { normalizeLinks } from '@/lib/model';
import { topologySchema } from '@/lib/topology';
import { natCountersFromText } from '@/server/kernel/read';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const be16 = (n: number) => bytes(n >> 8, n & 0xff);
const be32 = (n: number) => bytes(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
const ip = (s: string) => bytes(...s.split('.').map(Number));
const macb = (s: string) => bytes(...s.split(':').map((x) => parseInt(x, 16)));

function ipv4(src: string, dst: string, proto: number, payload: Uint8Array): Uint8Array {
  return concat([bytes(0x45, 0), be16(20 + payload.length), be16(1), be16(0), bytes(64, proto), be16(0), ip(src), ip(dst), payload]);
}
const icmpEcho = (type: 0 | 8) => concat([bytes(type, 0), be16(0), be16(7), be16(1), new Uint8Array(8)]);
const arp = (op: 1 | 2, senderMac: string, senderIp: string, targetIp: string) =>
  concat([be16(1), be16(0x0800), bytes(6, 4), be16(op), macb(senderMac), ip(senderIp), macb('00:00:00:00:00:00'), ip(targetIp)]);
const tcp = (sport: number, dport: number, flags: number) => concat([be16(sport), be16(dport), be32(1), be32(0), bytes(0x50, flags), be16(65535), be16(0), be16(0)]);
const udp = (sport: number, dport: number) => concat([be16(sport), be16(dport), be16(8), be16(0)]);

/** Linux cooked v2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address. */
function cooked(ifindex: number, pktType: number, ethertype: number, payload: Uint8Array): Uint8Array {
  return concat([be16(ethertype), be16(0), be32(ifindex), be16(1), bytes(pktType, 6), macb('02:00:00:00:00:0a'), bytes(0, 0), payload]);
}
const rec = (data: Uint8Array, time = 1000.5, index = 1): PcapRecord => ({ index, time, data, origLen: data.length });

const seed = topologySchema.parse(parse(readFileSync('examples/seed.yaml', 'utf8')));
const ids = normalizeLinks(seed).map((l) => l.id);
const [linkA, linkB, linkC, linkRemote] = ids as [string, string, string, string];

describe('tapPlan', () => {
  it('taps every link of the seed lab once, all in the host context (one process)', () => {
    const plan = tapPlan(seed, 'seed-host');
    expect([...plan.byNs.keys()]).toEqual(['seed-host']);
    const ends = plan.byNs.get('seed-host')!;
    expect(ends.map((e) => e.link).sort()).toEqual([...ids].sort());
    expect(ends.find((e) => e.link === linkA)).toEqual({ link: linkA, iface: 'veth-A', node: 'br0', peer: 'A' });
    expect(ends.find((e) => e.link === linkRemote)).toEqual({ link: linkRemote, iface: 'to-remote', node: 'host', peer: 'remote' });
  });

  it('taps a link between two namespaces at its first end, in that namespace', () => {
    const t = topologySchema.parse({
      name: 'two', nodes: [{ id: 'X', kind: 'namespace' }, { id: 'Y', kind: 'namespace' }],
      links: [{ a: { node: 'X', iface: 'e0' }, b: { node: 'Y', iface: 'e1' } }],
    });
    const plan = tapPlan(t, 'two-host');
    expect([...plan.byNs.keys()]).toEqual(['two-X']);
    expect(plan.byNs.get('two-X')![0]).toMatchObject({ iface: 'e0', node: 'X', peer: 'Y' });
  });
});

describe('packetEvent', () => {
  const endA: TapEnd = { link: linkA, iface: 'veth-A', node: 'br0', peer: 'A' };
  const endR: TapEnd = { link: linkRemote, iface: 'to-remote', node: 'host', peer: 'remote' };
  const byIndex = new Map([[5, endA], [9, endR]]);

  it('reads the interface and direction from cooked v2', () => {
    expect(cookedMeta(cooked(5, 4, 0x0800, new Uint8Array(20)))).toEqual({ ifindex: 5, pktType: 4 });
    expect(cookedMeta(new Uint8Array(10))).toBeNull();
  });

  // every kind of packet, arriving at the tapped end (from the peer) and leaving it
  it.each([
    { name: 'ARP request', type: 0x0806, payload: arp(1, '02:00:00:00:00:0a', '10.0.0.2', '10.0.0.3'), kind: 'arp', label: 'ARP who-has 10.0.0.3' },
    { name: 'ARP reply', type: 0x0806, payload: arp(2, '02:00:00:00:00:0b', '10.0.0.3', '10.0.0.2'), kind: 'arp', label: 'ARP 10.0.0.3 is-at 02:00:00:00:00:0b' },
    { name: 'ICMP echo', type: 0x0800, payload: ipv4('10.0.0.2', '203.0.113.2', 1, icmpEcho(8)), kind: 'icmp', label: 'ICMP echo 10.0.0.2 → 203.0.113.2' },
    { name: 'ICMP reply', type: 0x0800, payload: ipv4('203.0.113.2', '203.0.113.1', 1, icmpEcho(0)), kind: 'icmp', label: 'ICMP reply 203.0.113.2 → 203.0.113.1' },
    { name: 'TCP SYN', type: 0x0800, payload: ipv4('10.0.0.2', '10.0.0.3', 6, tcp(40000, 80, 0x02)), kind: 'tcp', label: 'TCP 10.0.0.2:40000 → 10.0.0.3:80 [S]' },
    { name: 'UDP', type: 0x0800, payload: ipv4('10.0.0.2', '10.0.0.3', 17, udp(5353, 53)), kind: 'udp', label: 'UDP 10.0.0.2:5353 → 10.0.0.3:53' },
    { name: 'other IP', type: 0x0800, payload: ipv4('10.0.0.2', '10.0.0.3', 47, new Uint8Array(4)), kind: 'other', label: 'IPv4 10.0.0.2 → 10.0.0.3' },
  ])('$name', ({ type, payload, kind, label }) => {
    for (const [pktType, from, to] of [[0, 'A', 'br0'], [1, 'A', 'br0'], [3, 'A', 'br0'], [4, 'br0', 'A']] as const) {
      const e = packetEvent(rec(cooked(5, pktType, type, payload)), LINKTYPE_LINUX_SLL2, { byIndex }, 3);
      expect(e).toEqual({ link: linkA, from, to, kind, label, time: 1000.5, length: 20 + payload.length, seq: 3 });
    }
  });

  it('leaves out interfaces that are no link end (the bridge, lo), short records, and IPv6', () => {
    expect(packetEvent(rec(cooked(5, 0, 0x86dd, new Uint8Array(40))), LINKTYPE_LINUX_SLL2, { byIndex }, 1)).toBeNull();
    expect(packetEvent(rec(cooked(2, 0, 0x0800, ipv4('10.0.0.2', '10.0.0.1', 1, icmpEcho(8)))), LINKTYPE_LINUX_SLL2, { byIndex }, 1)).toBeNull();
    expect(packetEvent(rec(new Uint8Array(8)), LINKTYPE_LINUX_SLL2, { byIndex }, 1)).toBeNull();
  });

  it('a single-interface Ethernet tap draws the packet leaving its end', () => {
    const frame = concat([macb('ff:ff:ff:ff:ff:ff'), macb('02:00:00:00:00:0a'), be16(0x0806), arp(1, '02:00:00:00:00:0a', '10.0.0.2', '10.0.0.3')]);
    expect(packetEvent(rec(frame), LINKTYPE_ETHERNET, { single: endR }, 1)).toMatchObject({ link: linkRemote, from: 'host', to: 'remote', kind: 'arp' });
  });

  it('kinds and labels of what the summaries cannot read', () => {
    expect(packetKind({ protocol: 'IPv6' })).toBe('other');
    expect(packetLabel({ protocol: 'Ethernet', src: '', dst: '', info: 'ethertype 0x88cc' })).toBe('Ethernet ethertype 0x88cc');
    expect(packetLabel({ protocol: 'ICMP', src: '10.0.0.1', dst: '10.0.0.2', info: 'time exceeded (code 0)' })).toBe('ICMP time exceeded (code 0) 10.0.0.1 → 10.0.0.2');
  });
});

describe('ordering and budget', () => {
  const ev = (link: string, time: number, seq: number): PacketEvent => ({ link, from: 'a', to: 'b', kind: 'icmp', label: '', time, length: 0, seq });

  it('orders by wire time, then by stream order (A → br0 → host → remote, whatever tap said it first)', () => {
    const got = [ev(linkRemote, 1.003, 1), ev(linkA, 1.001, 7), ev(linkB, 1.002, 2), ev(linkC, 1.002, 1)].sort(byWireTime);
    expect(got.map((e) => e.link)).toEqual([linkA, linkC, linkB, linkRemote]);
  });

  it('sends at most N per link and window; counts the rest', () => {
    const budget = new Map<string, number>();
    const flood = Array.from({ length: 10 }, (_, i) => ev(linkA, i, i));
    const first = admit([...flood, ev(linkB, 1, 99)], budget, 4);
    expect(first.sent.map((e) => e.seq)).toEqual([0, 1, 2, 3, 99]);
    expect(first.counted).toEqual({ [linkA]: 6 });
    const second = admit([ev(linkA, 11, 11)], budget, 4);
    expect(second).toEqual({ sent: [], counted: { [linkA]: 1 } });
  });
});

describe('NAT counters', () => {
  const text = readFileSync('test/fixtures/kernel/nft-list-table-seed.txt', 'utf8');

  it('reads each masquerade rule counter by its key', () => {
    expect(natCountersFromText('nslab_seed', text)).toEqual({ [natRuleKey({ source: '10.0.0.0/24', out: 'to-remote' })]: 1 });
  });

  it('matches the keys of the rules as drawn (a host address becomes its network)', () => {
    expect(natRuleKeys([{ source: '10.0.0.7/24', out: 'to-remote' }])).toEqual(['10.0.0.0/24>to-remote']);
    expect(natRuleKeys(seed.host?.nat)).toEqual(Object.keys(natCountersFromText('nslab_seed', text)));
  });

  it('refuses a listing of another table', () => {
    expect(() => natCountersFromText('nslab_other', text)).toThrow(/not a listing of table ip nslab_other/);
  });
});
