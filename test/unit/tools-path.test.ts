// server/tools/path.ts and node-view-rows.ts are pure: the topology (or ip -j JSON) in, ids and rows out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertTopology } from '@/lib/validate';
import { addressOwners, derivePath, firstAddress } from '@/server/tools/path';
import { genmask, neighRows, routeRows } from '@/server/tools/node-view-rows';

const seed = assertTopology(parse(readFileSync('examples/seed.yaml', 'utf8')));

/** Two bridges joined by a router namespace R: A - br0 - R - br1 - D. */
const routed = assertTopology({
  name: 'routed',
  nodes: [
    { id: 'br0', kind: 'bridge' },
    { id: 'br1', kind: 'bridge' },
    { id: 'A', kind: 'namespace' },
    { id: 'R', kind: 'namespace', forwarding: true },
    { id: 'D', kind: 'namespace' },
  ],
  links: [
    { a: { node: 'A', iface: 'eth0', addresses: ['10.1.0.2/24'] }, b: { node: 'br0' } },
    { a: { node: 'R', iface: 'eth0', addresses: ['10.1.0.1/24'] }, b: { node: 'br0' } },
    { a: { node: 'R', iface: 'eth1', addresses: ['10.2.0.1/24'] }, b: { node: 'br1' } },
    { a: { node: 'D', iface: 'eth0', addresses: ['10.2.0.2/24'] }, b: { node: 'br1' } },
  ],
});

describe('addressOwners and firstAddress', () => {
  it('maps link and bridge addresses to their nodes', () => {
    const owners = addressOwners(seed);
    expect(Object.fromEntries(owners)).toEqual({
      '10.0.0.1': 'br0', '10.0.0.2': 'A', '10.0.0.3': 'B', '10.0.0.4': 'C', '203.0.113.1': 'host', '203.0.113.2': 'remote',
    });
  });

  it.each([
    { node: 'B', address: '10.0.0.3' },
    { node: 'br0', address: '10.0.0.1' },
    { node: 'host', address: '203.0.113.1' },
    { node: 'remote', address: '203.0.113.2' },
  ])('$node -> $address', ({ node, address }) => {
    expect(firstAddress(seed, node)).toBe(address);
  });

  it('has no address for a bridge without one', () => {
    expect(firstAddress(routed, 'br1')).toBeNull();
  });
});

describe('derivePath', () => {
  it.each([
    { why: 'same subnet, across the bridge', t: seed, source: 'A', hops: ['B'], nodes: ['A', 'br0', 'B'], links: ['A-br0', 'B-br0'] },
    { why: 'to the bridge address', t: seed, source: 'A', hops: ['br0'], nodes: ['A', 'br0'], links: ['A-br0'] },
    { why: 'through the host context to another machine', t: seed, source: 'A', hops: ['br0', 'remote'], nodes: ['A', 'br0', 'host', 'remote'], links: ['A-br0', 'host-remote'] },
    { why: 'from the host context out of a bridge', t: seed, source: 'host', hops: ['C'], nodes: ['host', 'br0', 'C'], links: ['C-br0'] },
    { why: 'through a router namespace', t: routed, source: 'A', hops: ['R', 'D'], nodes: ['A', 'br0', 'R', 'br1', 'D'], links: ['A-br0', 'R-br0', 'R-br1', 'D-br1'] },
    { why: 'stops where no layer-2 way exists', t: routed, source: 'A', hops: ['D'], nodes: ['A'], links: [] },
    { why: 'no hops: just the source', t: seed, source: 'A', hops: [], nodes: ['A'], links: [] },
  ])('$why', ({ t, source, hops, nodes, links }) => {
    expect(derivePath(t, t.name, source, hops, true)).toEqual({ lab: t.name, nodes, links, reached: true });
  });
});

describe('node view rows', () => {
  it.each([
    [0, '0.0.0.0'], [8, '255.0.0.0'], [24, '255.255.255.0'], [25, '255.255.255.128'], [32, '255.255.255.255'],
  ])('genmask /%i = %s', (prefix, mask) => {
    expect(genmask(prefix)).toBe(mask);
  });

  it('reads ip -j route like route -n', () => {
    expect(routeRows([
      { dst: 'default', gateway: '10.0.0.1', dev: 'eth0', flags: [] },
      { dst: '10.0.0.0/24', dev: 'eth0', flags: [] },
      { dst: '192.168.7.9', gateway: '10.0.0.9', dev: 'eth0', metric: 5, flags: [] },
      { dst: '10.9.0.0/16', dev: 'eth1', flags: ['linkdown'] },
      { dst: '10.8.0.0/16', type: 'blackhole', flags: [] },
    ])).toEqual([
      { destination: '0.0.0.0', gateway: '10.0.0.1', genmask: '0.0.0.0', flags: 'UG', metric: 0, iface: 'eth0' },
      { destination: '10.0.0.0', gateway: '0.0.0.0', genmask: '255.255.255.0', flags: 'U', metric: 0, iface: 'eth0' },
      { destination: '192.168.7.9', gateway: '10.0.0.9', genmask: '255.255.255.255', flags: 'UGH', metric: 5, iface: 'eth0' },
      { destination: '10.9.0.0', gateway: '0.0.0.0', genmask: '255.255.0.0', flags: '', metric: 0, iface: 'eth1' },
    ]);
  });

  it('reads ip -j neigh like arp -n: IPv4 only, incomplete entries without a MAC', () => {
    expect(neighRows([
      { dst: '10.0.0.1', dev: 'eth0', lladdr: '02:00:00:00:00:01', state: ['REACHABLE'] },
      { dst: 'fe80::1', dev: 'eth0', lladdr: '02:00:00:00:00:01', state: ['STALE'] },
      { dst: '10.0.0.9', dev: 'eth0', state: ['FAILED'] },
    ])).toEqual([
      { address: '10.0.0.1', hwaddress: '02:00:00:00:00:01', iface: 'eth0', state: 'REACHABLE' },
      { address: '10.0.0.9', hwaddress: '(incomplete)', iface: 'eth0', state: 'FAILED' },
    ]);
  });
});
