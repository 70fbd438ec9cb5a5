// Validation is linear in the size of the lab (issue 8, point 5): the generated big labs are
// sound, and the linear checks find exactly what the old pairwise ones found. How long a 5,000-node
// lab takes, and that 16 times the lab takes about 16 times as long (never 256 times), is
// measured by the benchmark (npm run bench -- --only validate), not here: timings are no test.
import { describe, expect, it } from 'vitest';
import { MAX_PROBLEMS } from '@/lib/limits';
import { topologySchema, type Topology } from '@/lib/topology';
import { checkedText, checkTopology, normalizeLinks, rememberChecked, type Problem } from '@/lib/validate';
import { storedProblem, storedTopology } from '@/server/store/stored';
import { bridgedLab, linkedLab } from '../scale-labs';
import { referenceProblems } from './validate-reference';

function problemsOf(value: unknown): Problem[] {
  const r = checkTopology(value);
  return r.ok ? [] : r.problems;
}

describe('validation is linear', () => {
  it.each([
    ['5,000 namespaces on bridges', bridgedLab(5000)],
    ['4,000 links', linkedLab(4000)],
  ])('%s: the generated lab is sound', (_name, lab) => {
    expect(problemsOf(lab)).toEqual([]);
  });
});

/** A small seeded generator, so a failing lab can be found again. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

/**
 * A random small lab whose addresses, interface names and routes often collide: duplicate
 * addresses, overlapping subnets, network and broadcast addresses, gateways off-subnet or
 * owned, missing devices. Sometimes the host context gets more than 16 addresses (the indexed
 * path of the checks), sometimes a namespace does.
 */
function randomLab(seed: number): Topology {
  const r = random(seed);
  const prefix = () => r.pick([8, 16, 24, 24, 25, 26, 30, 31, 32]);
  const addr = () => `10.${r.int(2)}.${r.pick([0, 0, 1, 128])}.${r.pick([0, 1, 2, 3, 4, 5, 63, 64, 127, 129, 255])}/${prefix()}`;
  const ip = () => `10.${r.int(2)}.${r.pick([0, 1, 128])}.${r.pick([1, 2, 3, 5, 64, 200])}`;
  const nsCount = 2 + r.int(6);
  const brCount = r.int(3);
  const nodes: Topology['nodes'] = [];
  const ids: string[] = [];
  for (let b = 0; b < brCount; b++) {
    const addresses = Array.from({ length: r.next() < 0.2 ? 10 + r.int(12) : r.int(3) }, addr);
    nodes.push({ id: `br${b}`, kind: 'bridge', addresses });
  }
  const ifaceNames = ['eth0', 'eth1', 'eth2', 'br0', 'up0'];
  const routes = () =>
    Array.from({ length: r.int(4) }, () => {
      const route: { to: string; via?: string; dev?: string } = { to: r.pick(['default', '0.0.0.0/0', '10.9.0.0/16', '10.9.0.5/16', '192.168.1.0/24']) };
      if (r.next() < 0.7) route.via = ip();
      if (r.next() < 0.4) route.dev = r.pick(ifaceNames);
      return route;
    });
  const nat = () => (r.next() < 0.2 ? [{ source: '10.0.0.0/16', out: r.pick(ifaceNames) }] : []);
  for (let i = 0; i < nsCount; i++) {
    ids.push(`n${i}`);
    nodes.push({ id: `n${i}`, kind: 'namespace', forwarding: r.next() < 0.5, routes: routes(), nat: nat() });
  }
  const links: Topology['links'] = [];
  const linkCount = r.int(nsCount * 3) + (r.next() < 0.2 ? 20 : 0);
  for (let k = 0; k < linkCount; k++) {
    const aNode = r.next() < 0.3 ? 'host' : r.pick(ids);
    const bNode = brCount && r.next() < 0.5 ? `br${r.int(brCount)}` : r.pick(ids);
    const manyHere = r.next() < 0.1;
    const end = (node: string) =>
      node.startsWith('br')
        ? { node }
        : { node, iface: aNode === 'host' ? `h${k}` : r.pick(ifaceNames), addresses: Array.from({ length: manyHere ? 18 : r.int(3) }, addr) };
    links.push({ ...(r.next() < 0.2 ? { id: r.pick(['l1', 'l2', `${aNode}-${bNode}`]) } : {}), a: end(aNode), b: end(bNode) });
  }
  return { name: 'rnd', host: { netns: 'rndh', forwarding: r.next() < 0.5, routes: routes(), nat: nat() }, nodes, links };
}

describe('the linear checks say what the pairwise checks said', () => {
  it('on 2,000 random labs full of collisions: the same problems, in the same order', () => {
    let withProblems = 0;
    let indexed = 0;
    let capped = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const lab = randomLab(seed);
      const shaped = topologySchema.safeParse(lab);
      if (!shaped.success) continue;
      const all = referenceProblems(shaped.data);
      // past the cap: the first MAX_PROBLEMS, then one line saying there are more
      const want = all.length > MAX_PROBLEMS ? [...all.slice(0, MAX_PROBLEMS), { path: '', message: `more problems were found than the ${MAX_PROBLEMS} listed here; fix these and check again` }] : all;
      expect(problemsOf(lab), `seed ${seed}`).toEqual(want);
      if (all.length > MAX_PROBLEMS) capped++;
      if (want.length) withProblems++;
      if (lab.links.some((l) => (l.a.addresses?.length ?? 0) > 16)) indexed++;
    }
    // the sweep exercises both outcomes and the indexed path
    expect(withProblems).toBeGreaterThan(700);
    expect(indexed).toBeGreaterThan(60);
    expect(capped).toBeLessThan(200);
  });

  it('numbers many links between the same two nodes as before: A-B, A-B-2, A-B-3, skipping ids taken', () => {
    const links: Topology['links'] = [];
    for (let i = 0; i < 3000; i++) links.push({ ...(i % 100 === 7 ? { id: `A-B-${i + 5}` } : {}), a: { node: 'A', iface: `a${i}` }, b: { node: 'B', iface: `b${i}` } });
    const lab: Topology = { name: 'many', nodes: [{ id: 'A', kind: 'namespace' }, { id: 'B', kind: 'namespace' }], links };
    // the old numbering: the smallest free number from 2, for each link without an id
    const used = new Set(links.map((l) => l.id).filter((x): x is string => !!x));
    const want = links.map((l) => {
      if (l.id) return l.id;
      let id = 'A-B';
      for (let k = 2; used.has(id); k++) id = `A-B-${k}`;
      used.add(id);
      return id;
    });
    expect(normalizeLinks(lab).map((l) => l.id)).toEqual(want);
    expect(new Set(want).size).toBe(want.length);
  });

  it(`lists at most ${MAX_PROBLEMS} problems, then says there are more (bounded work for hostile labs)`, () => {
    // 3,000 namespaces with the same address on one bridge: millions of pairs, each a problem
    const lab = bridgedLab(3000);
    for (const l of lab.links) l.a.addresses = ['10.0.0.9/16'];
    lab.links = lab.links.slice(0, 1000);
    const start = process.cpuUsage();
    const problems = problemsOf(lab);
    const used = process.cpuUsage(start);
    expect(problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(problems[0]).toEqual({ path: 'links[1].a.addresses[0]', message: 'address 10.0.0.9 is used twice (also links[0].a.addresses[0])' });
    expect(problems.at(-1)).toEqual({ path: '', message: `more problems were found than the ${MAX_PROBLEMS} listed here; fix these and check again` });
    expect((used.user + used.system) / 1000).toBeLessThan(5000);
  });
});

describe('a topology checked twice (gateway, then labs service)', () => {
  it('is checked once while it is unchanged, and again in full once it changed', () => {
    const first = checkTopology(bridgedLab(300));
    if (!first.ok) throw new Error('the generated lab must be sound');
    rememberChecked(first.topology);
    const again = checkTopology(first.topology);
    expect(again.ok && again.topology).toBe(first.topology); // the same object: nothing re-parsed
    // changed after the first check: the full checks run and find the problem
    first.topology.links[1]!.a.addresses = ['10.0.0.2/16'];
    expect(problemsOf(first.topology)).toEqual([{ path: 'links[1].a.addresses[0]', message: 'address 10.0.0.2 is used twice (also links[0].a.addresses[0])' }]);
    (first.topology.nodes[3] as Record<string, unknown>).colour = 'red';
    expect(problemsOf(first.topology)).toEqual([{ path: 'nodes[3]', message: 'unknown key "colour"' }]);
  });

  it('a stored text is read back without a second check only when it is the text of one checked here', () => {
    const r = checkTopology(bridgedLab(40, 'vouched'));
    if (!r.ok) throw new Error('the generated lab must be sound');
    rememberChecked(r.topology);
    const text = JSON.stringify(r.topology);
    expect(checkedText(text)).toStrictEqual(r.topology);
    expect(storedTopology('vouched', text)).toStrictEqual(r.topology);
    // changed afterwards (the remembered text is what was checked, not the object now)
    r.topology.links[1]!.a.addresses = ['10.0.0.2/16'];
    const changed = JSON.stringify(r.topology);
    expect(checkedText(changed)).toBeUndefined();
    expect(storedProblem('vouched', changed)).toContain('is used twice');
    // another lab's name in the text: still refused for this lab
    expect(storedProblem('other', text)).toBe('it is named "vouched"');
  });
});
