// Adopt, pure half: pairing veth ends across namespaces from link_index/link_netnsid, turning
// a scan into a lab draft, and planning that draft against the same kernel (marks only).
import { describe, expect, it } from 'vitest';
import { nodePositions } from '@/lib/export/auto-layout';
import { draftFromScan, nodeIdFor, pairVethEnds, type KernelScan, type ScanLink, type ScanNamespace } from '@/lib/adopt';
import { compile } from '@/lib/compile';
import type { KernelState, KNamespace } from '@/lib/kernel-state';
import { plan } from '@/lib/plan';
import { checkTopology } from '@/lib/validate';

const link = (ifindex: number, name: string, kind: ScanLink['kind'], more: Partial<ScanLink> = {}): ScanLink => ({
  ifindex, name, kind, mark: null, up: true, master: null, addresses: [], ...more,
});
const lo = (mark: string | null = null) => link(1, 'lo', 'loopback', { mark });
const ns = (name: string, links: ScanLink[], more: Partial<ScanNamespace> = {}): ScanNamespace => ({
  name, links, routes: [], forwarding: false, nsids: {}, ...more,
});

/** The tutorial by hand: red and blue on br0 (10.0.0.1), red routes via the host, blue linked to green. */
function tutorial(): KernelScan {
  return {
    namespaces: [
      ns('', [
        lo(),
        link(2, 'eth0', 'other', { addresses: ['192.168.1.5/24'] }),
        link(3, 'br0', 'bridge', { addresses: ['10.0.0.1/24'] }),
        link(4, 'veth-red', 'veth', { master: 'br0', linkIndex: 2, linkNetnsid: 0 }),
        link(5, 'veth-blue', 'veth', { master: 'br0', linkIndex: 2, linkNetnsid: 1 }),
        link(6, 'docker0', 'bridge', { mark: null }),
        link(7, 'nsbr', 'bridge', { mark: 'nslab:seed:bridge:nsbr' }),
      ], { nsids: { 0: 'red', 1: 'blue' }, routes: [{ dst: 'default', via: '192.168.1.1', dev: 'eth0' }] }),
      ns('red', [lo(), link(2, 'eth0', 'veth', { linkIndex: 4, linkNetnsid: 1, addresses: ['10.0.0.2/24'] })], {
        nsids: { 0: 'blue', 1: null },
        routes: [{ dst: 'default', via: '10.0.0.1', dev: 'eth0' }],
      }),
      ns('blue', [
        lo(),
        link(2, 'eth0', 'veth', { linkIndex: 5, linkNetnsid: 2, addresses: ['10.0.0.3/24'] }),
        link(3, 'to-green', 'veth', { linkIndex: 2, linkNetnsid: 0, addresses: ['10.9.0.1/30'] }),
      ], { nsids: { 0: 'green', 2: null }, forwarding: true }),
      ns('green', [lo(), link(2, 'eth0', 'veth', { linkIndex: 3, linkNetnsid: 5, addresses: ['10.9.0.2/30'] })], { nsids: { 5: 'blue' } }),
      ns('seed-A', [lo('nslab:seed:ns:A'), link(2, 'eth0', 'veth', { mark: 'nslab:seed:link:A-br0', linkIndex: 9, linkNetnsid: 3 })]),
    ],
  };
}

describe('pairVethEnds', () => {
  const pairs = (scan: KernelScan) => pairVethEnds(scan).map(([a, b]) => `${a.ns || '.'}/${a.link.name}=${b.ns || '.'}/${b.link.name}`).sort();
  it.each([
    ['pairs across named namespaces and the current one (an unnamed nsid pointing back)', tutorial(), ['./veth-blue=blue/eth0', './veth-red=red/eth0', 'blue/to-green=green/eth0']],
    ['pairs two ends in one namespace (no link_netnsid)', { namespaces: [ns('', [link(2, 'a', 'veth', { linkIndex: 3 }), link(3, 'b', 'veth', { linkIndex: 2 })])] }, ['./a=./b']],
    ['does not pair when the peer does not point back', { namespaces: [ns('', [link(4, 'v', 'veth', { linkIndex: 2, linkNetnsid: 0 })], { nsids: { 0: 'x' } }), ns('x', [link(2, 'e', 'veth', { linkIndex: 9, linkNetnsid: 0 })], { nsids: { 0: null } })] }, []],
    ['does not take an unnamed nsid for the current one when no end there points back', { namespaces: [ns('', []), ns('x', [link(2, 'e', 'veth', { linkIndex: 4, linkNetnsid: 0 })], { nsids: { 0: null } })] }, []],
  ] as const)('%s', (_name, scan, want) => {
    expect(pairs(scan as KernelScan)).toEqual(want);
  });
});

describe('nodeIdFor', () => {
  it.each([
    ['red', [], 'red'],
    ['1blue', [], 'n1blue'],
    ['ns.with.dots', [], 'ns-with-dots'],
    ['a-very-long-namespace-name', [], 'a-very-long-nam'],
    ['red', ['red'], 'red-2'],
    ['Host', [], 'Host-2'],
    ['dev', [], 'dev-2'],
  ] as const)('%s (taken %j) -> %s', (name, taken, want) => {
    expect(nodeIdFor(name, new Set(taken))).toBe(want);
  });
});

describe('draftFromScan', () => {
  const d = draftFromScan(tutorial(), { lab: 'tut' });
  it('is a valid topology that keeps every kernel name', () => {
    expect(d.problems).toEqual([]);
    expect(checkTopology(d.topology).ok).toBe(true);
    expect(d.topology).toMatchObject({ name: 'tut', adopt: true, host: { netns: '' } });
    expect(d.names).toEqual({ br0: 'br0', docker0: 'docker0', red: 'red', blue: 'blue', green: 'green' });
  });
  it('makes nodes of foreign namespaces and bridges, with addresses, routes and forwarding', () => {
    expect(d.topology.nodes).toEqual([
      { id: 'br0', kind: 'bridge', addresses: ['10.0.0.1/24'] },
      { id: 'docker0', kind: 'bridge' },
      { id: 'red', kind: 'namespace', netns: 'red', routes: [{ to: 'default', via: '10.0.0.1' }] },
      { id: 'blue', kind: 'namespace', netns: 'blue', forwarding: true, role: 'router' },
      { id: 'green', kind: 'namespace', netns: 'green' },
    ]);
  });
  it('makes links of veth pairs: bridge ports end on the bridge, the namespace end first', () => {
    expect(d.topology.links).toEqual([
      { a: { node: 'red', iface: 'eth0', addresses: ['10.0.0.2/24'] }, b: { node: 'br0', iface: 'veth-red' } },
      { a: { node: 'blue', iface: 'eth0', addresses: ['10.0.0.3/24'] }, b: { node: 'br0', iface: 'veth-blue' } },
      { a: { node: 'blue', iface: 'to-green', addresses: ['10.9.0.1/30'] }, b: { node: 'green', iface: 'eth0', addresses: ['10.9.0.2/30'] } },
    ]);
  });
  it('leaves nslab objects and the host routes out, and says so', () => {
    expect(Object.values(d.names)).not.toContain('seed-A');
    expect(Object.values(d.names)).not.toContain('nsbr');
    expect(d.notes).toContain(`routes of the host context are the machine's own and are not adopted`);
  });
  it('leaves the layout to the editor (elkjs, when the lab is first opened); a picture still places every node', () => {
    expect(d.topology.layout).toBeUndefined();
    expect([...nodePositions(d.topology).keys()].sort()).toEqual(['blue', 'br0', 'docker0', 'green', 'host', 'red']);
  });
  it.each([
    ['exclude', { exclude: ['docker0', 'green'] }, ['br0', 'red', 'blue']],
    ['only', { only: ['red', 'br0'] }, ['br0', 'red']],
  ] as const)('%s chooses what is adopted', (_n, opts, ids) => {
    const x = draftFromScan(tutorial(), { lab: 'tut', ...opts });
    expect(x.topology.nodes.map((n) => n.id)).toEqual(ids);
    expect(x.problems).toEqual([]);
  });
  it('leaves out a port with an address and a route through an interface it does not adopt, with a note', () => {
    const scan = tutorial();
    scan.namespaces[0]!.links[3]!.addresses = ['10.0.0.9/24'];
    scan.namespaces[1]!.routes.push({ dst: '172.16.0.0/16', dev: 'dummy0' });
    const x = draftFromScan(scan);
    expect(x.topology.links.some((l) => l.b.iface === 'veth-red')).toBe(false);
    expect(x.notes.join('\n')).toMatch(/veth-red is a port of br0 and has addresses/);
    expect(x.notes.join('\n')).toMatch(/route 172\.16\.0\.0\/16 dev dummy0 in namespace red was left out/);
  });
});

/** The scan as the observer would read it (KernelState), for planning the draft against it. */
function observedOf(scan: KernelScan): KernelState {
  const out: KernelState = { namespaces: {}, newNamespaceForwarding: false };
  for (const n of scan.namespaces) {
    const k: KNamespace = { name: n.name, mark: n.name ? (n.links.find((l) => l.name === 'lo')?.mark ?? null) : null, owned: false, links: {}, routes: n.routes, forwarding: n.forwarding, nat: null };
    for (const l of n.links) k.links[l.name] = { name: l.name, kind: l.kind, mark: l.mark, up: l.up, master: l.master, addresses: l.addresses };
    out.namespaces[n.name] = k;
  }
  return out;
}

describe('planning an adopted lab', () => {
  const scan = tutorial();
  const d = draftFromScan(scan, { lab: 'tut', exclude: ['docker0'] });
  const p = plan('tut', compile(d.topology).desired, observedOf(scan));
  it('changes nothing but marks', () => {
    expect(p.conflicts).toEqual([]);
    expect(p.summary).toEqual({ add: 0, change: 7, destroy: 0 });
    for (const c of p.changes) for (const x of c.details ?? []) expect(x).toMatch(/mark: \(none\) -> nslab:tut:/);
    for (const s of p.steps) expect(s.op).toMatchObject({ type: 'link.set', mark: expect.stringMatching(/^nslab:tut:/) });
  });
  it('without adopt: true the same objects are conflicts', () => {
    const plain = { ...d.topology, adopt: false };
    expect(plan('tut', compile(plain).desired, observedOf(scan)).conflicts.length).toBeGreaterThan(0);
  });
  it("never takes over another lab's namespace", () => {
    const other = tutorial();
    other.namespaces[1]!.links[0]!.mark = 'nslab:other:ns:red';
    const q = plan('tut', compile(d.topology).desired, observedOf(other));
    expect(q.conflicts.map((c) => c.message).join('\n')).toMatch(/namespace red already exists and is not part of lab tut \(it belongs to lab other\)/);
  });
  it('a veth whose ends moved is not taken over: it is a conflict', () => {
    const moved = observedOf(tutorial());
    delete moved.namespaces['red']!.links['eth0'];
    moved.namespaces['red']!.links['eth1'] = { name: 'eth1', kind: 'veth', mark: null, up: true, master: null, addresses: [] };
    const q = plan('tut', compile(d.topology).desired, moved);
    expect(q.conflicts.map((c) => c.message).join('\n')).toMatch(/veth-red.*already exists/);
  });
});
