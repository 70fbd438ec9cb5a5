// The rtnetlink decoder (server/kernel/read/netlink.ts) on hand-made messages: the fields nslab
// uses, and malformed answers refused with a sentence naming the namespace.
import { describe, expect, it } from 'vitest';
import { decodeDump, decodeLink, decodeRoute, NetlinkError } from '@/server/kernel/read/netlink';

function attr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}
const str = (s: string) => Buffer.from(`${s}\0`);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

function link(index: number, name: string, opts: { up?: boolean; type?: number; kind?: string; alias?: string; master?: number; group?: number } = {}): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt16LE(opts.type ?? 1, 2);
  head.writeInt32LE(index, 4);
  head.writeUInt32LE(opts.up ? 1 : 0, 8);
  const parts = [head, attr(3, str(name)), attr(4, u32(1500)), attr(16, Buffer.from([opts.up ? 6 : 2]))];
  if (opts.kind) parts.push(attr(18 | 0x8000, attr(1, str(opts.kind))));
  if (opts.alias) parts.push(attr(20, str(opts.alias)));
  if (opts.master !== undefined) parts.push(attr(10, u32(opts.master)));
  if (opts.group !== undefined) parts.push(attr(27, u32(opts.group)));
  return Buffer.concat(parts);
}

function route(dst: number[] | null, len: number, opts: { gw?: number[]; oif?: number; table?: number; protocol?: number; type?: number } = {}): Buffer {
  const head = Buffer.from([2, len, 0, 0, opts.table ?? 254, opts.protocol ?? 4, 0, opts.type ?? 1, 0, 0, 0, 0]);
  const parts = [head, attr(15, u32(opts.table ?? 254))];
  if (dst) parts.push(attr(1, Buffer.from(dst)));
  if (opts.gw) parts.push(attr(5, Buffer.from(opts.gw)));
  if (opts.oif !== undefined) parts.push(attr(4, u32(opts.oif)));
  return Buffer.concat(parts);
}

function addr(index: number, ip: number[], prefix: number): Buffer {
  const head = Buffer.alloc(8);
  head[0] = 2;
  head[1] = prefix;
  head.writeUInt32LE(index, 4);
  return Buffer.concat([head, attr(2, Buffer.from(ip)), attr(1, Buffer.from(ip))]);
}

describe('decodeLink', () => {
  it('reads name, state, kind, alias, master and group', () => {
    expect(decodeLink(link(3, 'eth0', { up: true, kind: 'veth', alias: 'nslab:x:link:A', master: 2, group: 7 }))).toMatchObject({
      ifindex: 3, ifname: 'eth0', flags: ['UP'], mtu: 1500, operstate: 'UP', linkinfo: { info_kind: 'veth' }, ifalias: 'nslab:x:link:A', masterIndex: 2, group: 7,
    });
    expect(decodeLink(link(1, 'lo', { type: 772 }))).toMatchObject({ link_type: 'loopback', flags: [], operstate: 'DOWN' });
  });

  it('refuses a short header and an attribute running past its message', () => {
    expect(() => decodeLink(Buffer.alloc(8), 'namespace x')).toThrow(new NetlinkError('namespace x: a message shorter than its header'));
    const bad = link(2, 'a');
    bad.writeUInt16LE(200, 16);
    expect(() => decodeLink(bad, 'namespace x')).toThrow(/namespace x: an attribute runs past its message/);
  });
});

describe('decodeRoute', () => {
  const names = new Map([[2, 'eth0']]);
  it('prints destinations as ip -j does', () => {
    expect(decodeRoute(route(null, 0, { gw: [10, 0, 0, 1], oif: 2 }), names)).toEqual({ dst: 'default', type: 'unicast', gateway: '10.0.0.1', dev: 'eth0', protocol: 'static', table: 'main' });
    expect(decodeRoute(route([10, 9, 9, 9], 32, { oif: 2 }), names)).toMatchObject({ dst: '10.9.9.9' });
    expect(decodeRoute(route([10, 1, 0, 0], 16, { oif: 2, protocol: 2, table: 255, type: 2 }), names)).toMatchObject({ dst: '10.1.0.0/16', protocol: 'kernel', table: 'local', type: 'local' });
  });
});

describe('decodeDump', () => {
  it('joins addresses to links, names masters, and leaves out unfinished, missing and failed namespaces', () => {
    const hex = (b: Buffer) => b.toString('hex');
    const out = [
      `a\tL\t${hex(link(1, 'lo', { type: 772, up: true }))}`,
      `a\tL\t${hex(link(2, 'br0', { up: true, kind: 'bridge' }))}`,
      `a\tL\t${hex(link(3, 'v1', { up: true, kind: 'veth', master: 2 }))}`,
      `a\tA\t${hex(addr(2, [10, 0, 0, 1], 24))}`,
      `a\tR\t${hex(route(null, 0, { gw: [10, 0, 0, 9], oif: 2 }))}`,
      'a\tF\t1',
      `b\tL\t${hex(link(1, 'lo', { type: 772 }))}`,
      'c\tmissing',
      'd\terror\tsocket: Permission denied',
      '',
    ].join('\n');
    const { namespaces, failed } = decodeDump(out);
    expect([...namespaces.keys()]).toEqual(['a']);
    expect(failed.get('d')).toBe('socket: Permission denied');
    const a = namespaces.get('a')!;
    expect(a.forwarding).toBe(true);
    expect(a.links.find((l) => l.ifname === 'v1')).toMatchObject({ master: 'br0' });
    expect(a.links.find((l) => l.ifname === 'br0')?.addr_info).toEqual([{ family: 'inet', local: '10.0.0.1', prefixlen: 24, scope: 'global' }]);
    expect(a.routes).toEqual([{ dst: 'default', type: 'unicast', gateway: '10.0.0.9', dev: 'br0', protocol: 'static', table: 'main' }]);
  });

  it('refuses a line it does not know', () => {
    expect(() => decodeDump('a\tZ\t00\n')).toThrow(/unknown line/);
  });
});

describe('IPv6 in the dump', () => {
  const v6 = (text: string) => Buffer.from(text.replace(/:/g, ''), 'hex');
  const addr6 = (index: number, ip: string, prefix: number, scope: number) => {
    const head = Buffer.alloc(8);
    head[0] = 10;
    head[1] = prefix;
    head[3] = scope;
    head.writeUInt32LE(index, 4);
    return Buffer.concat([head, attr(1, v6(ip))]);
  };
  const route6 = (dst: string | null, len: number, opts: { gw?: string; oif?: number; protocol?: number } = {}) => {
    const head = Buffer.from([10, len, 0, 0, 254, opts.protocol ?? 3, 0, 1, 0, 0, 0, 0]);
    const parts = [head, attr(15, u32(254)), attr(20, Buffer.from([0]))];
    if (dst) parts.push(attr(1, v6(dst)));
    if (opts.gw) parts.push(attr(5, v6(opts.gw)));
    if (opts.oif !== undefined) parts.push(attr(4, u32(opts.oif)));
    return Buffer.concat(parts);
  };
  const hex = (b: Buffer) => b.toString('hex');

  it('reads addresses with their scope, routes (default, prefix, host) in canonical form, and IPv6 forwarding', () => {
    const out = [
      `a\tL\t${hex(link(2, 'eth0', { up: true, kind: 'veth' }))}`,
      `a\tA\t${hex(addr6(2, '2001:0db8:0000:0001:0000:0000:0000:0002', 64, 0))}`,
      `a\tA\t${hex(addr6(2, 'fe80:0000:0000:0000:0000:0000:0000:0001', 64, 253))}`,
      `a\tR\t${hex(route6(null, 0, { gw: '2001:0db8:0000:0001:0000:0000:0000:00fe', oif: 2 }))}`,
      `a\tR\t${hex(route6('2001:0db8:0005:0000:0000:0000:0000:0000', 64, { oif: 2 }))}`,
      `a\tR\t${hex(route6('2001:0db8:0006:0000:0000:0000:0000:0007', 128, { oif: 2 }))}`,
      'a\tG\t1',
      'a\tF\t0',
    ].join('\n');
    const a = decodeDump(out).namespaces.get('a')!;
    expect(a.forwarding6).toBe(true);
    expect(a.links[0]!.addr_info).toEqual([
      { family: 'inet6', local: '2001:db8:0:1::2', prefixlen: 64, scope: 'global' },
      { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
    ]);
    expect(a.routes.map((r) => [r.dst, r.gateway, r.pref])).toEqual([
      ['default', '2001:db8:0:1::fe', 'medium'],
      ['2001:db8:5::/64', undefined, 'medium'],
      ['2001:db8:6::7', undefined, 'medium'],
    ]);
    expect(decodeRoute(route6(null, 0, { oif: 2 }), new Map([[2, 'eth0']]))).toMatchObject({ dst: 'default', dev: 'eth0', pref: 'medium' });
  });
});
