// IPv6 and computed routes, without a kernel: the parser and formatter against the WHATWG URL
// serializer (RFC 5952, as inet_ntop prints outside ::/96),
// what compiles and which commands run, the read model, round trips, and lib/routes-auto.ts.
// (Its bad input, refused naming the field, is in validate.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalCidr, compareCidrs, formatIPv6, ipv6Number, parseCidr6 } from '@/lib/addr';
import { compile } from '@/lib/compile';
import { exportTopology, fromText } from '@/lib/export';
import { argvOf, commandsFor } from '@/lib/ops';
import { autoRoutes, autoRouteLines, withRoutes } from '@/lib/routes-auto';
import { checkTopology, parseTopologyText } from '@/lib/validate';
import { routesFrom } from '@/server/kernel/read';

const DUAL = new URL('../../examples/seed-dualstack.yaml', import.meta.url).pathname;
const dual = () => {
  const r = parseTopologyText(readFileSync(DUAL, 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.topology;
};

describe('IPv6 addresses', () => {
  it('parse and print as the kernel does, swept over 5,000 random addresses with zero runs', () => {
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let i = 0; i < 5000; i++) {
      const groups = Array.from({ length: 8 }, () => (rnd(3) === 0 ? 0 : rnd(65536)));
      if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0 || groups[5] === 0xffff)) continue; // ::a.b.c.d forms: glibc prints an IPv4 tail
      const text = groups.map((g) => g.toString(16).toUpperCase().padStart(rnd(2) ? 4 : 1, '0')).join(':');
      const n = ipv6Number(text);
      expect(n, text).not.toBeNull();
      const want = new URL(`http://[${text}]/`).hostname.slice(1, -1);
      expect(formatIPv6(n!), text).toBe(want);
      expect(ipv6Number(want)).toBe(n);
    }
    expect(formatIPv6(ipv6Number('::ffff:10.0.0.1')!)).toBe('::ffff:10.0.0.1');
    expect(formatIPv6(ipv6Number('::1.2.3.4')!)).toBe('::1.2.3.4');
    for (const bad of ['1:::2', '1:2:3:4:5:6:7:8:9', ':1', '1:', '12345::', 'g::1', 'fe80::1%eth0', '::1.2.3', '1.2.3.4', '', ' ::1', '1::2::3'])
      expect(ipv6Number(bad), bad).toBeNull();
    expect(parseCidr6('2001:DB8:1:0::5/64')).toMatchObject({ address: '2001:db8:1::5', prefix: 64, network: '2001:db8:1::/64' });
    for (const bad of ['2001:db8::1/129', '2001:db8::1/064', '2001:db8::1', '2001:db8::1/']) expect(parseCidr6(bad), bad).toBeNull();
    expect(['2001:db8::2/64', '10.0.0.2/24', '2001:db8::1/64', '9.0.0.1/8'].sort(compareCidrs)).toEqual(['9.0.0.1/8', '10.0.0.2/24', '2001:db8::1/64', '2001:db8::2/64']);
  });
});

describe('IPv6: compile, commands, read model and round trips', () => {
  it('compiles canonical addresses, ::/0 for the IPv6 default, and forwarding of both families where nslab owns the namespace', () => {
    const t = dual();
    t.links[0]!.a.addresses = ['10.0.0.2/24', '2001:DB8:0:1:0:0:0:2/64'];
    const c = compile(t, { hostNetns: 'H' });
    const a = c.desired.namespaces['seed6-A']!;
    expect(a.links.eth0!.addresses).toEqual(['10.0.0.2/24', '2001:db8:0:1::2/64']);
    expect(a.routes).toEqual([{ dst: '::/0', via: '2001:db8:0:1::fe' }, { dst: 'default', via: '10.0.0.1' }]);
    expect([a.forwarding, a.forwarding6]).toEqual([false, false]);
    const r = c.desired.namespaces['seed6-R']!;
    expect([r.forwarding, r.forwarding6]).toEqual([true, true]); // role: router
    expect([c.desired.namespaces.H!.forwarding, c.desired.namespaces.H!.forwarding6]).toEqual([true, true]);
    // this machine's own namespace: its IPv6 forwarding is never set
    expect(compile(t).desired.namespaces['']!.forwarding6).toBeUndefined();
    expect(argvOf(commandsFor({ type: 'addr.add', ns: 'n', dev: 'eth0', cidr: '2001:db8::2/64' })[0]!)).toEqual(['ip', '-n', 'n', 'addr', 'add', '2001:db8::2/64', 'dev', 'eth0', 'nodad']);
    expect(argvOf(commandsFor({ type: 'addr.add', ns: 'n', dev: 'eth0', cidr: '10.0.0.2/24' })[0]!)).toEqual(['ip', '-n', 'n', 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0']);
    expect(argvOf(commandsFor({ type: 'route.replace', ns: 'n', route: { dst: '::/0', dev: 'eth0' } })[0]!)).toEqual(['ip', '-n', 'n', 'route', 'replace', '::/0', 'dev', 'eth0']);
  });

  it('reads IPv6 routes of `ip -j route show table all` as the planner writes them', () => {
    expect(
      routesFrom([
        { dst: 'default', gateway: '10.0.0.1', dev: 'eth0' },
        { dst: 'default', dev: 'eth0', metric: 1024, pref: 'medium' },
        { dst: '2001:db8:6::7', dev: 'eth0', metric: 1024, pref: 'medium' },
        { dst: '2001:db8::/64', dev: 'eth0', protocol: 'kernel', pref: 'medium' },
        { dst: 'fe80::/64', dev: 'eth0', protocol: 'kernel', pref: 'medium' },
        { type: 'multicast', dst: 'ff00::/8', dev: 'eth0', table: 'local', protocol: 'kernel', pref: 'medium' },
        { type: 'local', dst: '2001:db8::2', dev: 'eth0', table: 'local', protocol: 'kernel', pref: 'medium' },
      ]),
    ).toEqual([{ dst: 'default', via: '10.0.0.1', dev: 'eth0' }, { dst: '::/0', dev: 'eth0' }, { dst: '2001:db8:6::7/128', dev: 'eth0' }]);
    expect(canonicalCidr('2001:DB8::0:1/64')).toBe('2001:db8::1/64');
  });

  it('round trips through YAML and JSON, and the script runs nodad and IPv6 forwarding', () => {
    const t = dual();
    for (const format of ['yaml', 'json'] as const) {
      const back = fromText(exportTopology(t, format));
      expect(back.ok && back.topology, format).toEqual(t);
    }
    const script = exportTopology(t, 'script', { hostNetns: 'H' } as never);
    expect(script).toContain('2001:db8:0:1::2/64 dev eth0 nodad');
    expect(script).toContain('route replace ::/0 via 2001:db8:0:1::fe');
    expect(script).toContain('2001:db8:0:1::/64 via 2001:db8:0:2::1');
  });
});

describe('computed routes (lib/routes-auto.ts)', () => {
  const routed = (extra: string) =>
    fromText(`name: rt
nodes:
  - { id: br1, kind: bridge }
  - { id: A, kind: namespace }
  - { id: R1, kind: namespace, role: router }
  - { id: R2, kind: namespace, role: router }
  - { id: B, kind: namespace${extra} }
links:
  - { a: { node: A, iface: eth0, addresses: [10.1.0.2/24, 2001:db8:1::2/64] }, b: { node: br1 } }
  - { a: { node: R1, iface: eth0, addresses: [10.1.0.1/24, 2001:db8:1::1/64] }, b: { node: br1 } }
  - { a: { node: R1, iface: eth1, addresses: [10.2.0.1/30, 2001:db8:2::1/64] }, b: { node: R2, iface: eth0, addresses: [10.2.0.2/30, 2001:db8:2::2/64] } }
  - { a: { node: R2, iface: eth1, addresses: [10.3.0.1/24, 2001:db8:3::1/64] }, b: { node: B, iface: eth0, addresses: [10.3.0.2/24, 2001:db8:3::2/64] } }
`);

  it('routes every subnet through the nearest router, a leaf by default, both families; the result is valid and settled', () => {
    const r = routed('');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const add = autoRoutes(r.topology);
    expect(autoRouteLines(add)).toEqual([
      '+ A: default via 10.1.0.1',
      '+ A: default (IPv6) via 2001:db8:1::1',
      '+ R1: 10.3.0.0/24 via 10.2.0.2',
      '+ R1: 2001:db8:3::/64 via 2001:db8:2::2',
      '+ R2: 10.1.0.0/24 via 10.2.0.1',
      '+ R2: 2001:db8:1::/64 via 2001:db8:2::1',
      '+ B: default via 10.3.0.1',
      '+ B: default (IPv6) via 2001:db8:3::1',
    ]);
    const done = withRoutes(r.topology, add);
    expect(checkTopology(done).ok).toBe(true);
    expect(autoRoutes(done)).toEqual([]);
    expect(r.topology.nodes.some((n) => n.kind === 'namespace' && n.routes)).toBe(false); // the input is unchanged
  });

  it('keeps the routes a lab has, and routes through no node that does not forward', () => {
    const r = routed(', routes: [{ to: 10.1.0.0/24, via: 10.3.0.1 }]');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const lines = autoRouteLines(autoRoutes(r.topology));
    expect(lines).toContain('+ B: default via 10.3.0.1');
    expect(lines.filter((l) => l.startsWith('+ B: 10.'))).toEqual([]); // its own route to 10.1.0.0/24 is kept, not added again
    const t = r.topology;
    const r2 = t.nodes.find((n) => n.id === 'R2');
    if (r2?.kind === 'namespace') delete r2.role;
    const cut = autoRouteLines(autoRoutes(t));
    expect(cut.some((l) => l.includes('10.3.0.0/24'))).toBe(false); // R2 no longer forwards: B's subnet is beyond reach
    expect(cut).toContain('+ R2: default via 10.2.0.1'); // and, not forwarding, R2 is a leaf with one gateway
  });

  it('the dual-stack seed: the host learns the router\'s subnet; remote its way back', () => {
    expect(autoRouteLines(autoRoutes(dual()))).toEqual(['+ host: 2001:db8:0:2::/64 via 2001:db8:0:1::fe', '+ remote: default via 203.0.113.1']);
  });
});
