import { describe, expect, it } from 'vitest';
import { addNode, connect, removeElements, renameNode, updateEndpoint, updateHost, updateNode } from '@/lib/editor/edit';
import { checkTopology } from '@/lib/validate';
import type { Topology } from '@/lib/topology';
import { empty, seed } from './editor-fixtures';

const ends = (t: Topology) => t.links.map((l) => `${l.a.node}:${l.a.iface}-${l.b.node}:${l.b.iface}`);

describe('addNode: what a drop from the palette adds', () => {
  it.each([
    { kind: 'namespace', node: { id: 'A', kind: 'namespace' } },
    { kind: 'bridge', node: { id: 'br0', kind: 'bridge' } },
    { kind: 'machine', node: { id: 'remote', kind: 'namespace', role: 'machine', label: 'another machine' } },
  ] as const)('$kind -> $node.id at the drop point', ({ kind, node }) => {
    const { topology, id } = addNode(empty(), kind, { x: 10.6, y: -3.2 });
    expect(id).toBe(node.id);
    expect(topology.nodes).toEqual([node]);
    expect(topology.layout?.nodes?.[id]).toEqual({ x: 11, y: -3 });
  });
});

describe('connect: a veth pair between two nodes', () => {
  it.each([
    { source: 'br0', target: 'D', link: 'D:eth0-br0:veth-D', why: 'the namespace side comes first, as in the tutorial' },
    { source: 'D', target: 'br0', link: 'D:eth0-br0:veth-D', why: 'either direction of the drag' },
    { source: 'host', target: 'D', link: 'host:to-D-D:eth0', why: 'a host end is named to-<node>' },
    { source: 'D', target: 'A', link: 'D:eth0-A:eth1', why: 'A already has eth0' },
  ])('$source -> $target makes $link ($why)', ({ source, target, link }) => {
    const s = seed();
    const t = { ...s, nodes: [...s.nodes, { id: 'D', kind: 'namespace' }] } as Topology;
    const made = connect(t, source, target);
    expect(made).not.toBeNull();
    expect(ends(made!.topology).at(-1)).toBe(link);
    expect(made!.index).toBe(t.links.length);
  });
  it.each([
    { source: 'A', target: 'A', why: 'a node to itself' },
    { source: 'A', target: 'nowhere', why: 'an unknown node' },
  ])('refuses $why', ({ source, target }) => {
    expect(connect(seed(), source, target)).toBeNull();
  });
});

describe('renameNode: links, NAT and layout follow', () => {
  it('A -> web', () => {
    const t = renameNode(seed(), 'A', 'web')!;
    expect(t.nodes.map((n) => n.id)).toContain('web');
    expect(ends(t)[0]).toBe('web:eth0-br0:veth-A');
    expect(t.layout?.nodes?.web).toEqual({ x: -260, y: 320 });
    expect(t.layout?.nodes?.A).toBeUndefined();
    expect(checkTopology(t).ok).toBe(true);
  });
  it.each([
    { from: 'A', to: 'B', why: 'an id already in use' },
    { from: 'A', to: 'host', why: 'the host\'s id' },
    { from: 'host', to: 'box', why: 'the host itself' },
  ])('refuses $why', ({ from, to }) => {
    expect(renameNode(seed(), from, to)).toBeNull();
  });
  it('renaming to the same id changes nothing', () => {
    const t = seed();
    expect(renameNode(t, 'A', 'A')).toBe(t);
  });
});

describe('removeElements', () => {
  it.each([
    { nodes: ['A'], edges: [], left: ['B:eth0-br0:veth-B', 'C:eth0-br0:veth-C', 'host:to-remote-remote:eth0'], why: 'a node takes its links along' },
    { nodes: ['br0'], edges: [], left: ['host:to-remote-remote:eth0'], why: 'a bridge takes every port' },
    { nodes: ['host'], edges: [], left: 4, why: 'the host is never removed' },
    { nodes: [], edges: ['host-remote', 'C-br0'], left: ['A:eth0-br0:veth-A', 'B:eth0-br0:veth-B'], why: 'links by their canvas id' },
  ])('$why', ({ nodes, edges, left }) => {
    const t = removeElements(seed(), nodes, edges);
    if (typeof left === 'number') expect(t.links).toHaveLength(left);
    else expect(ends(t)).toEqual(left);
    for (const id of nodes.filter((n) => n !== 'host')) expect(t.layout?.nodes?.[id]).toBeUndefined();
  });
});

describe('updates drop empty values, so the saved file stays clean', () => {
  it('an endpoint with no addresses left has no addresses key', () => {
    const t = updateEndpoint(seed(), 0, 'a', { addresses: [] });
    expect(t.links[0]!.a).toEqual({ node: 'A', iface: 'eth0' });
  });
  it('a node whose routes are all removed has no routes key', () => {
    const t = updateNode(seed(), 'A', { routes: [] });
    expect(t.nodes.find((n) => n.id === 'A')).toEqual({ id: 'A', kind: 'namespace' });
  });
  it('the host without NAT has no nat key', () => {
    const t = updateHost(seed(), { nat: [] });
    expect(t.host).not.toHaveProperty('nat');
    expect(t.host?.forwarding).toBe(true);
  });
  it('the original topology is never modified (the undo history keeps it)', () => {
    const t = seed();
    const copy = structuredClone(t);
    updateEndpoint(t, 0, 'a', { addresses: ['10.0.0.9/24'] });
    removeElements(t, ['A'], []);
    renameNode(t, 'B', 'b2');
    connect(t, 'A', 'B');
    expect(t).toEqual(copy);
  });
});
