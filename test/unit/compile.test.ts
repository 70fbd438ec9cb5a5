// compile(seed): the tutorial lab as the kernel state it asks for.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, nodeNamespace, sortAddresses } from '@/lib/compile';
import type { Topology } from '@/lib/topology';
import { assertTopology, parseTopologyText } from '@/lib/validate';

const seed: Topology = (() => {
  const r = parseTopologyText(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.topology;
})();

describe('compile(seed)', () => {
  it('maps every node, host and bridges included, to its namespace', () => {
    expect(compile(seed).nodeNs).toEqual({ host: '', br0: '', A: 'seed-A', B: 'seed-B', C: 'seed-C', remote: 'seed-remote' });
    expect(compile(seed, { hostNetns: 'H' }).nodeNs).toMatchObject({ host: 'H', br0: 'H', A: 'seed-A' });
  });

  it.each([
    { hostNetns: undefined, ns: '', owned: false, mark: null },
    { hostNetns: '', ns: '', owned: false, mark: null },
    { hostNetns: 'H', ns: 'H', owned: true, mark: 'nslab:seed:ns:host' },
  ])('host context with hostNetns=$hostNetns: "$ns", owned $owned', ({ hostNetns, ns, owned, mark }) => {
    const c = compile(seed, hostNetns === undefined ? {} : { hostNetns });
    expect(c.hostNs).toBe(ns);
    expect(c.desired.namespaces[ns]).toMatchObject({ name: ns, owned, mark, forwarding: true });
    expect(Object.keys(c.desired.namespaces).sort()).toEqual([ns, 'seed-A', 'seed-B', 'seed-C', 'seed-remote'].sort());
  });

  it('the file may name the isolated host; --host-netns wins over it', () => {
    const t = assertTopology({ ...structuredClone(seed), host: { ...seed.host, netns: 'lab-host' } });
    expect(compile(t).hostNs).toBe('lab-host');
    expect(compile(t, { hostNetns: 'other' }).hostNs).toBe('other');
    expect(compile(t, { hostNetns: '' }).hostNs).toBe('');
  });

  it('namespace nodes: owned, marked, forwarding off unless asked, default route via the host', () => {
    const a = compile(seed, { hostNetns: 'H' }).desired.namespaces['seed-A']!;
    expect(a).toMatchObject({ name: 'seed-A', owned: true, mark: 'nslab:seed:ns:A', forwarding: false, nat: null });
    expect(a.routes).toEqual([{ dst: 'default', via: '10.0.0.1' }]);
    expect(Object.keys(a.links)).toEqual(['eth0']); // no lo: it belongs to the namespace resource
    expect(a.links['eth0']).toEqual({
      name: 'eth0', kind: 'veth', mark: 'nslab:seed:link:A-br0', up: true, master: null, addresses: ['10.0.0.2/24'], peer: { ns: 'H', name: 'veth-A' },
    });
  });

  it('the bridge and the bridge ports live in the host context', () => {
    const h = compile(seed, { hostNetns: 'H' }).desired.namespaces['H']!;
    expect(h.links['br0']).toEqual({ name: 'br0', kind: 'bridge', mark: 'nslab:seed:bridge:br0', up: true, master: null, addresses: ['10.0.0.1/24'] });
    expect(h.links['veth-A']).toEqual({
      name: 'veth-A', kind: 'veth', mark: 'nslab:seed:link:A-br0', up: true, master: 'br0', addresses: [], peer: { ns: 'seed-A', name: 'eth0' },
    });
    expect(h.links['to-remote']).toMatchObject({ master: null, addresses: ['203.0.113.1/24'], peer: { ns: 'seed-remote', name: 'eth0' } });
    expect(Object.keys(h.links).sort()).toEqual(['br0', 'to-remote', 'veth-A', 'veth-B', 'veth-C']);
  });

  it('NAT in the host context, in the lab table', () => {
    expect(compile(seed).desired.namespaces['']!.nat).toEqual({ table: 'nslab_seed', rules: [{ source: '10.0.0.0/24', out: 'to-remote' }] });
  });

  it('layout and labels do not change the desired state', () => {
    const moved = assertTopology({ ...structuredClone(seed), layout: { nodes: { A: { x: 1, y: 2 } } }, description: 'x' });
    expect(compile(moved)).toEqual(compile(seed));
  });

  it('writes addresses, prefixes and NAT sources the way the kernel prints them back', () => {
    const t = assertTopology({
      name: 'n', host: { forwarding: true, nat: [{ source: '10.1.0.7/16', out: 'up0' }] },
      nodes: [{ id: 'R', kind: 'namespace', routes: [{ to: '10.2.0.0/16', via: '10.1.0.1' }, { to: '0.0.0.0/0', via: '10.1.0.1' }] }],
      links: [{ a: { node: 'R', iface: 'e0', addresses: ['10.1.0.9/16', '10.1.0.10/16'] }, b: { node: 'host', iface: 'up0', addresses: ['10.1.0.1/16'] } }],
    });
    const c = compile(t);
    expect(c.desired.namespaces['']!.nat!.rules).toEqual([{ source: '10.1.0.0/16', out: 'up0' }]);
    expect(c.desired.namespaces['n-R']!.links['e0']!.addresses).toEqual(['10.1.0.9/16', '10.1.0.10/16']);
    expect(c.desired.namespaces['n-R']!.routes).toEqual([{ dst: '10.2.0.0/16', via: '10.1.0.1' }, { dst: 'default', via: '10.1.0.1' }]);
  });

  it('refuses an isolated host that is also a node namespace', () => {
    expect(() => compile(seed, { hostNetns: 'seed-A' })).toThrow(/host.netns "seed-A" is also the namespace of node "A"/);
  });
});

describe('nodeNamespace', () => {
  it.each([
    ['A', undefined, 'seed-A'],
    ['host', undefined, ''],
    ['host', 'H', 'H'],
    ['br0', 'H', 'H'],
    ['nope', 'H', undefined],
  ] as const)('%s (host %s) -> %s', (node, host, ns) => {
    expect(nodeNamespace(seed, node, host)).toBe(ns);
  });
});

describe('sortAddresses', () => {
  it('orders numerically and drops duplicates', () => {
    expect(sortAddresses(['10.0.0.10/24', '10.0.0.9/24', '10.0.0.9/24', '9.0.0.1/8'])).toEqual(['9.0.0.1/8', '10.0.0.9/24', '10.0.0.10/24']);
  });
});
