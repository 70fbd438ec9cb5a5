import { describe, expect, it } from 'vitest';
import { problemCounts, problemOwner, problemsAt } from '@/lib/editor/problems';
import type { Problem } from '@/lib/validate';
import { checkTopology } from '@/lib/validate';
import { updateEndpoint } from '@/lib/editor/edit';
import { seed } from './editor-fixtures';

describe('problemOwner: the node or link a problem path is about', () => {
  const t = seed();
  it.each([
    { path: 'nodes[0].addresses[0]', owner: { node: 'br0' } },
    { path: 'nodes[1].routes[0].via', owner: { node: 'A' } },
    { path: 'links[1].a.addresses[0]', owner: { edge: 'B-br0', node: 'B' } },
    { path: 'links[1].b.iface', owner: { edge: 'B-br0', node: 'br0' } },
    { path: 'links[3]', owner: { edge: 'host-remote' } },
    { path: 'host.nat[0].out', owner: { node: 'host' } },
    { path: 'nodes[42].id', owner: {}, why: 'no such node' },
    { path: 'name', owner: {} },
  ])('$path -> $owner', ({ path, owner }) => {
    expect(problemOwner(t, path)).toEqual(owner);
  });
});

describe('problemsAt: the problems shown at one field', () => {
  const problems: Problem[] = [
    { path: 'links[1].a.addresses[0]', message: 'bad address' },
    { path: 'links[1].a.addresses[1]', message: 'another' },
    { path: 'links[1].a.iface', message: 'bad name' },
    { path: 'links[10].a.iface', message: 'a different link' },
  ];
  it.each([
    { path: 'links[1].a.addresses[0]', within: false, count: 1 },
    { path: 'links[1].a.addresses', within: true, count: 2, why: 'the list and its items' },
    { path: 'links[1].a', within: true, count: 3, why: 'the whole end' },
    { path: 'links[1]', within: true, count: 3, why: 'links[10] is not inside links[1]' },
    { path: 'links[1].a.addresses', within: false, count: 0, why: 'only exact matches without within' },
  ])('$path (within: $within) -> $count', ({ path, within, count }) => {
    expect(problemsAt(problems, path, within)).toHaveLength(count);
  });
});

describe('a bad address typed in the editor lands on its field, its link and its node', () => {
  it('10.0.0.300/24 on B', () => {
    const t = updateEndpoint(seed(), 1, 'a', { addresses: ['10.0.0.300/24'] });
    const r = checkTopology(t);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.map((p) => p.path)).toEqual(['links[1].a.addresses[0]']);
    expect(problemCounts(t, problems)).toEqual({ nodes: { B: 1 }, edges: { 'B-br0': 1 } });
  });
});

describe('a clash between two fields shows at both (so at the one where it was typed)', () => {
  // every namespace end of the seed lab given every other one's address, whichever comes first
  const ends = [0, 1, 2];
  const cases = ends.flatMap((i) => ends.filter((j) => j !== i).map((j) => ({ i, j })));
  it.each(cases)('links[$i] typed with links[$j]’s address: both fields say so, each naming the other', ({ i, j }) => {
    const t = seed();
    const address = t.links[j]!.a.addresses![0]!;
    const typed = updateEndpoint(t, i, 'a', { addresses: [address] });
    const r = checkTopology(typed);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    const at = (k: number) => problemsAt(problems, `links[${k}].a.addresses[0]`).map((p) => p.message);
    expect(at(i).join()).toContain('used twice');
    expect(at(i).join()).toContain(`links[${j}].a.addresses[0]`);
    expect(at(j).join()).toContain(`links[${i}].a.addresses[0]`);
    // the third end is not involved
    expect(at(3 - i - j)).toEqual([]);
  });
});
