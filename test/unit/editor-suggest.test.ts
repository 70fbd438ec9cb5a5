import { describe, expect, it } from 'vitest';
import { connect, updateEndpoint } from '@/lib/editor/edit';
import { suggestAddress, suggestBridgeAddress, suggestGateway } from '@/lib/editor/suggest';
import type { Topology } from '@/lib/topology';
import { seed } from './editor-fixtures';

/** the seed lab plus a namespace D on br0 (link index 4), without an address yet */
function seedWithD(addresses?: string[]): Topology {
  const s = seed();
  return {
    ...s,
    nodes: [...s.nodes, { id: 'D', kind: 'namespace' }],
    links: [...s.links, { a: { node: 'D', iface: 'eth0', ...(addresses ? { addresses } : {}) }, b: { node: 'br0', iface: 'veth-D' } }],
  } as Topology;
}

describe('suggestAddress: the next free address of the subnet a link end is on', () => {
  it.each([
    { t: seedWithD(), index: 4, side: 'a', want: '10.0.0.5/24', why: 'after br0 .1 and A, B, C .2-.4' },
    { t: seedWithD(), index: 4, side: 'b', want: null, why: 'a bridge port carries no address' },
    { t: seed(), index: 3, side: 'b', want: '203.0.113.3/24', why: 'a point-to-point link: the other end\'s subnet, skipping both ends' },
    { t: { ...seed(), nodes: seed().nodes.map((n) => (n.id === 'br0' ? { id: 'br0', kind: 'bridge' } : n)), links: seed().links.map((l) => ({ ...l, a: { node: l.a.node, iface: l.a.iface }, b: { node: l.b.node, iface: l.b.iface } })) } as Topology, index: 0, side: 'a', want: null, why: 'no address anywhere on the segment: no subnet to suggest from' },
    { t: seed(), index: 9, side: 'a', want: null, why: 'no such link' },
  ] as { t: Topology; index: number; side: 'a' | 'b'; want: string | null; why: string }[])('$why -> $want', ({ t, index, side, want }) => {
    expect(suggestAddress(t, index, side)).toBe(want);
  });
  it('a full /30 has nothing left to suggest', () => {
    const t = seed();
    const p2p = updateEndpoint(updateEndpoint(t, 3, 'a', { addresses: ['192.0.2.1/30'] }), 3, 'b', { addresses: ['192.0.2.2/30'] });
    // .1 and .2 are the only host addresses of a /30, and both ends have one
    expect(suggestAddress(p2p, 3, 'a')).toBeNull();
  });
});

describe('connect fills in the next free address on the bridge', () => {
  it('a fourth namespace plugged into br0 gets 10.0.0.5/24', () => {
    const s = seed();
    const t = { ...s, nodes: [...s.nodes, { id: 'D', kind: 'namespace' }] } as Topology;
    const made = connect(t, 'br0', 'D')!;
    const link = made.topology.links[made.index]!;
    expect(link.a).toEqual({ node: 'D', iface: 'eth0', addresses: ['10.0.0.5/24'] });
    expect(link.b).toEqual({ node: 'br0', iface: 'veth-D' });
  });
});

describe('suggestBridgeAddress and suggestGateway', () => {
  it('a bridge without an address is offered the first free one of its ports\' subnet', () => {
    const s = seed();
    const t = { ...s, nodes: s.nodes.map((n) => (n.id === 'br0' ? { id: 'br0', kind: 'bridge' } : n)) } as Topology;
    expect(suggestBridgeAddress(t, 'br0')).toBe('10.0.0.1/24');
  });
  it.each([
    { node: 'A', via: '10.0.0.1', why: 'on a bridge: the host\'s address on the bridge' },
    { node: 'remote', via: '203.0.113.1', why: 'on a direct link to the host: the host end' },
    { node: 'D', via: null, why: 'not connected to anything' },
  ])('$node -> $via ($why)', ({ node, via }) => {
    const s = seed();
    const t = { ...s, nodes: [...s.nodes, { id: 'D', kind: 'namespace' }] } as Topology;
    expect(suggestGateway(t, node)).toBe(via);
  });
});
