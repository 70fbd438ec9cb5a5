import { describe, expect, it } from 'vitest';
import { connect } from '@/lib/editor/edit';
import { nextIfaceName, nextNodeId, type PaletteKind } from '@/lib/editor/names';
import type { Topology } from '@/lib/topology';
import { empty, seed } from './editor-fixtures';

const withNodes = (...ids: [string, 'namespace' | 'bridge'][]): Topology => ({ ...empty(), nodes: ids.map(([id, kind]) => ({ id, kind })) } as Topology);

describe('nextNodeId: the id a dropped node gets', () => {
  it.each([
    { t: empty(), kind: 'namespace', id: 'A' },
    { t: withNodes(['A', 'namespace'], ['B', 'namespace']), kind: 'namespace', id: 'C' },
    { t: withNodes(['a', 'namespace']), kind: 'namespace', id: 'B', why: 'ids are compared without case' },
    { t: empty(), kind: 'bridge', id: 'br0' },
    { t: withNodes(['br0', 'bridge']), kind: 'bridge', id: 'br1' },
    { t: empty(), kind: 'machine', id: 'remote' },
    { t: seed(), kind: 'machine', id: 'remote2' },
  ] as { t: Topology; kind: PaletteKind; id: string }[])('$kind in a lab with [$t.nodes.length nodes] -> $id', ({ t, kind, id }) => {
    expect(nextNodeId(t, kind)).toBe(id);
  });
  it('after Z come ns1, ns2 ...', () => {
    const t = withNodes(...[...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((l) => [l, 'namespace'] as [string, 'namespace']));
    expect(nextNodeId(t, 'namespace')).toBe('ns1');
  });
});

describe('nextIfaceName: interface names for a new link end', () => {
  const s = seed();
  it.each([
    { node: 'A', other: 'B', name: 'eth1', why: 'A already has eth0' },
    { node: 'D', other: 'br0', name: 'eth0', why: 'a namespace with no links starts at eth0' },
    { node: 'br0', other: 'D', name: 'veth-D', why: 'a bridge port is named after the namespace, as in the tutorial' },
    { node: 'br0', other: 'A', name: 'veth0', why: 'veth-A is taken (the host side is one context)' },
    { node: 'host', other: 'B', name: 'to-B', why: 'a host end is named after where it goes' },
    { node: 'host', other: 'remote', name: 'veth0', why: 'to-remote is taken' },
    { node: 'br0', other: 'averyveryverylongname', name: 'veth0', why: 'veth-<name> would pass 15 bytes' },
  ])('$node towards $other -> $name ($why)', ({ node, other, name }) => {
    const t = { ...s, nodes: [...s.nodes, { id: 'D', kind: 'namespace' as const }] } as Topology;
    expect(nextIfaceName(t, node, other)).toBe(name);
  });
  it('connecting the same two namespaces twice gives eth0 then eth1 on each side', () => {
    const t0 = withNodes(['A', 'namespace'], ['B', 'namespace']);
    const one = connect(t0, 'A', 'B')!.topology;
    const two = connect(one, 'A', 'B')!.topology;
    expect(two.links.map((l) => `${l.a.node}:${l.a.iface}-${l.b.node}:${l.b.iface}`)).toEqual(['A:eth0-B:eth0', 'A:eth1-B:eth1']);
  });
});
