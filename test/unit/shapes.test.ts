// Shapes (lib/shapes.ts) and auto-addressing (lib/autoaddr.ts), swept over every shape, many
// sizes, routed and layer 2: each generated lab validates, has a position for every node, round
// trips through YAML, JSON and the script export, and is fully reachable by a simulation of the
// kernel's forwarding (longest-prefix match over connected subnets and routes, forwarding only
// where it is on). The limits and bad input are refused with one sentence naming the fix.
import { describe, expect, it } from 'vitest';
import { parseCidr, toInt } from '@/lib/addr';
import { assignAddresses, assignmentsText, prefixFor } from '@/lib/autoaddr';
import { exportTopology } from '@/lib/export/index';
import { toJson, toYaml } from '@/lib/export/topology-file';
import { LAB_LIMITS } from '@/lib/limits';
import { normalizeLinks } from '@/lib/model';
import { aggregate, generateShape, ROUTED_ONLY, SHAPE_MIN, SHAPES, shapeMax, shapeNotes, shapeProblem, type Shape } from '@/lib/shapes';
import { HOST_ID, topologySchema, type Topology } from '@/lib/topology';
import { checkTopology, parseTopologyText } from '@/lib/validate';

const SIZES = [...Array.from({ length: 11 }, (_, i) => i + 2), 20, 100];

function cases(): { shape: Shape; size: number; routed: boolean }[] {
  const out: { shape: Shape; size: number; routed: boolean }[] = [];
  for (const shape of SHAPES) {
    for (const routed of [false, true]) {
      if (!routed && ROUTED_ONLY.includes(shape)) continue;
      for (const size of SIZES) if (size >= SHAPE_MIN[shape] && (size < 100 || shape === 'star' || shape === 'tree')) out.push({ shape, size, routed });
    }
  }
  return out;
}

interface Iface {
  node: string;
  address: number;
  net: number;
  prefix: number;
  /** the segment: a link id, or the bridges' layer-2 domain */
  segment: string;
}

/** Where each address lives and what each node does with a packet: a model of the kernel for these labs. */
function model(t: Topology) {
  const links = normalizeLinks(t);
  const ifaces: Iface[] = [];
  // layer-2 domains: all the bridges of a generated lab are joined (checked below)
  for (const l of links) {
    const bridged = l.a.kind === 'bridge' || l.b.kind === 'bridge';
    for (const e of [l.a, l.b]) {
      for (const a of e.addresses) {
        const c = parseCidr(a)!;
        ifaces.push({ node: e.node, address: toInt(c.address), net: toInt(c.network.split('/')[0]!), prefix: c.prefix, segment: bridged ? 'l2' : l.id });
      }
    }
  }
  const routes = new Map<string, { net: number; prefix: number; via: number }[]>();
  const forwarding = new Map<string, boolean>([[HOST_ID, !!t.host?.forwarding]]);
  for (const n of t.nodes) if (n.kind === 'namespace') forwarding.set(n.id, !!n.forwarding);
  const addRoutes = (id: string, rs: { to: string; via?: string }[] | undefined) =>
    routes.set(id, (rs ?? []).map((r) => {
      const c = parseCidr(r.to)!;
      return { net: toInt(c.network.split('/')[0]!), prefix: c.prefix, via: toInt(r.via!) };
    }));
  addRoutes(HOST_ID, t.host?.routes);
  for (const n of t.nodes) if (n.kind === 'namespace') addRoutes(n.id, n.routes);
  const inNet = (ip: number, net: number, prefix: number) => Math.floor(ip / 2 ** (32 - prefix)) === Math.floor(net / 2 ** (32 - prefix));
  const byNode = new Map<string, Iface[]>();
  const bySegment = new Map<string, Iface>();
  for (const i of ifaces) {
    byNode.set(i.node, [...(byNode.get(i.node) ?? []), i]);
    bySegment.set(`${i.segment} ${i.address}`, i);
  }

  /** The node a packet from `from` to `dst` ends at, and the source address it leaves with; null when it is dropped. */
  function deliver(from: string, dst: number): { at: string; src: number } | null {
    let at = from;
    let src = -1;
    for (let hops = 0; hops < 4 * byNode.size; hops++) {
      const own = byNode.get(at) ?? [];
      if (own.some((i) => i.address === dst)) return { at, src };
      if (hops > 0 && !forwarding.get(at)) return null;
      // connected first (the longest match among connected subnets), then the longest route
      let out = own.filter((i) => inNet(dst, i.net, i.prefix)).sort((x, y) => y.prefix - x.prefix)[0];
      let next = dst;
      if (!out) {
        const r = (routes.get(at) ?? []).filter((x) => inNet(dst, x.net, x.prefix)).sort((x, y) => y.prefix - x.prefix)[0];
        if (!r) return null;
        next = r.via;
        out = own.filter((i) => inNet(next, i.net, i.prefix))[0];
        if (!out) return null;
      }
      if (src === -1) src = out.address;
      const owner = bySegment.get(`${out.segment} ${next}`);
      if (!owner) return null;
      at = owner.node;
    }
    return null;
  }
  return { ifaces, byNode, deliver };
}

describe('generateShape', () => {
  it.each(cases())('$shape of $size, routed $routed: valid, laid out, fully reachable', ({ shape, size, routed }) => {
    const t = generateShape({ shape, size, routed });
    const checked = checkTopology(t);
    expect(checked.ok ? [] : checked.problems).toEqual([]);
    const namespaces = t.nodes.filter((n) => n.kind === 'namespace');
    expect(namespaces).toHaveLength(shape === 'star' && routed ? size + 1 : size);
    expect(t.nodes.filter((n) => n.kind === 'bridge')).toHaveLength(routed ? 0 : shape === 'star' ? 1 : size);
    // a position for every node and the host, no two in one place
    const pos = t.layout!.nodes!;
    expect(Object.keys(pos).sort()).toEqual([HOST_ID, ...t.nodes.map((n) => n.id)].sort());
    expect(new Set(Object.values(pos).map((p) => `${p.x},${p.y}`)).size).toBe(Object.keys(pos).length);
    // routers: exactly the namespaces with two links or more
    const degree = new Map<string, number>();
    for (const l of t.links) for (const e of [l.a, l.b]) degree.set(e.node, (degree.get(e.node) ?? 0) + 1);
    for (const n of namespaces) {
      const transit = routed && degree.get(n.id)! >= 2;
      expect(!!n.forwarding, n.id).toBe(transit);
      expect(n.role === 'router', n.id).toBe(transit);
      if (!routed) expect(n.routes, n.id).toBeUndefined();
    }
    // everyone reaches every address of everyone else, and the answer comes back
    const m = model(t);
    const nodes = [HOST_ID, ...namespaces.map((n) => n.id)];
    expect(nodes.every((n) => m.byNode.get(n)?.length)).toBe(true);
    const failed: string[] = [];
    for (const from of nodes) {
      for (const target of m.ifaces) {
        if (target.node === from) continue;
        const there = m.deliver(from, target.address);
        const back = there && m.deliver(target.node, there.src);
        if (there?.at !== target.node || back?.at !== from) failed.push(`${from} -> ${target.node} ${target.address}`);
      }
    }
    expect(failed.slice(0, 5)).toEqual([]);
    if (!routed) expect(new Set(m.ifaces.map((i) => `${i.net}/${i.prefix}`)).size).toBe(1);
  });

  it('round trips through YAML and JSON, and the script export has every route', () => {
    for (const shape of SHAPES) {
      for (const routed of [false, true]) {
        if (!routed && ROUTED_ONLY.includes(shape)) continue;
        const t = generateShape({ shape, size: 6, routed, name: 'rt', hostNetns: 'rt-h' });
        for (const text of [toYaml(t), toJson(t)]) {
          const back = parseTopologyText(text);
          expect(back.ok && back.topology).toEqual(t);
        }
        const script = exportTopology(t, 'script', { hostNetns: 'rt-h' });
        for (const n of t.nodes) for (const r of (n.kind === 'namespace' && n.routes) || []) expect(script).toContain(`${r.to} via ${r.via}`);
        for (const r of t.host?.routes ?? []) expect(script).toContain(`${r.to} via ${r.via}`);
      }
    }
  });

  it('routes are aggregated: a routed line of 1000 has a few routes per node, not a thousand', () => {
    const t = generateShape({ shape: 'line', size: 1000, routed: true });
    expect(checkTopology(t).ok).toBe(true);
    const most = Math.max(...t.nodes.map((n) => (n.kind === 'namespace' ? n.routes?.length ?? 0 : 0)));
    expect(most).toBeLessThanOrEqual(40);
    expect(aggregate([[0, 30], [4, 30], [8, 30], [12, 30], [20, 30]])).toEqual([[0, 28], [20, 30]]);
    expect(aggregate([[4, 30], [8, 30]])).toEqual([[4, 30], [8, 30]]); // not aligned: no merge
  });

  it('notes a layer-2 segment too big for the kernel\'s shared ARP table (all pairs at once)', () => {
    expect(shapeNotes({ shape: 'star', size: 31 })).toEqual([]);
    expect(shapeNotes({ shape: 'star', size: 40, routed: true })).toEqual([]);
    expect(shapeNotes({ shape: 'ring', size: 40 })).toEqual([]); // refused anyway
    expect(shapeNotes({ shape: 'line', size: 32 })).toEqual([
      'a layer-2 line of 32 puts 33 nodes on one segment; for every pair to talk at once the kernel needs 1056 ARP entries, and its table, shared by every namespace of the machine, holds 1024 by default (net.ipv4.neigh.default.gc_thresh3), so `nslab reach` may see "No buffer space available"; --routed keeps each table small',
    ]);
  });

  it('takes the name, the pool and the host given', () => {
    const t = generateShape({ shape: 'star', size: 3, routed: true, name: 'class-a', pool: '192.168.8.0/24', hostNetns: '' });
    expect(t.name).toBe('class-a');
    expect(t.host?.netns).toBe('');
    for (const l of t.links) for (const e of [l.a, l.b]) expect(e.addresses![0]).toMatch(/^192\.168\.8\.\d+\/30$/);
    expect(generateShape({ shape: 'line', size: 2 }).host?.netns).toBe('line2-host');
  });

  it('refuses sizes past the limits and bad input, naming the fix', () => {
    for (const shape of SHAPES) {
      for (const routed of [false, true]) {
        const p = shapeProblem({ shape, size: 2000, routed });
        expect(p, `${shape} ${routed}`).toMatch(/too big|loop/);
        if (!routed && ROUTED_ONLY.includes(shape)) continue;
        const max = shapeMax(shape, routed);
        expect(shapeProblem({ shape, size: max, routed }), `${shape} ${routed} ${max}`).toBeNull();
        expect(shapeProblem({ shape, size: max + 1, routed }), `${shape} ${routed} ${max + 1}`).toMatch(new RegExp(`use size ${max} or less`));
        expect(shapeProblem({ shape, size: SHAPE_MIN[shape] - 1, routed })).toMatch(new RegExp(`use size ${SHAPE_MIN[shape]} or more`));
      }
    }
    expect(shapeMax('star', false)).toBe(LAB_LIMITS.bridgePorts - 1);
    expect(shapeProblem({ shape: 'star', size: 1023 })).toBe('size 1023 is too big for a layer-2 star: its bridge would have 1024 ports and a Linux bridge takes at most 1023; use size 1022 or less, or make it routed');
    expect(shapeProblem({ shape: 'mesh', size: 65, routed: true })).toMatch(/makes 2081 links, over the limit of 2048 links/);
    expect(shapeProblem({ shape: 'ring', size: 2000, routed: true })).toBe('size 2000 is too big for a routed ring: it makes 2000 nodes, over the limit of 1024 nodes per generated lab; use size 1024 or less');
    expect(shapeProblem({ shape: 'hexagon', size: 6 })).toMatch(/shape "hexagon" is not one nslab makes: use line, ring, star, tree or mesh/);
    expect(shapeProblem({ shape: 'line', size: 2.5 })).toMatch(/not a whole number/);
    expect(shapeProblem({ shape: 'line', size: 3, name: 'A!' })).toMatch(/lab name "A!" is not valid/);
    expect(shapeProblem({ shape: 'line', size: 3, pool: '10.0.0/8' })).toMatch(/pool "10.0.0\/8" is not an IPv4 prefix/);
    expect(() => generateShape({ shape: 'line', size: 1000, pool: '10.0.0.0/24' })).toThrow(/too big|bigger than the pool/);
    expect(() => generateShape({ shape: 'tree', size: 300, routed: true, pool: '10.0.0.0/24' })).toThrow(/the pool 10\.0\.0\.0\/24 has no free \/30 left for link "n\d+-n\d+"/);
  });
});

describe('assignAddresses', () => {
  // a bridge domain of two bridges, point-to-point links, routes; some addresses set
  const input = {
    name: 'partial',
    host: { netns: 'partial-h', routes: [{ to: '172.16.0.0/16', via: '10.0.0.2' }] },
    nodes: [
      { id: 'br0', kind: 'bridge' },
      { id: 'br1', kind: 'bridge' },
      { id: 'A', kind: 'namespace', routes: [{ to: 'default', via: '10.0.0.1' }] },
      { id: 'B', kind: 'namespace' },
      { id: 'C', kind: 'namespace' },
      { id: 'R', kind: 'namespace', forwarding: true },
    ],
    links: [
      { a: { node: 'host', iface: 'uplink', addresses: ['10.0.0.1/24'] }, b: { node: 'A', iface: 'uplink' } },
      { a: { node: 'br0', iface: 'to-br1' }, b: { node: 'br1', iface: 'to-br0' } },
      { a: { node: 'B', iface: 'eth0' }, b: { node: 'br0', iface: 'p-B' } },
      { a: { node: 'C', iface: 'eth0' }, b: { node: 'br1', iface: 'p-C' } },
      { a: { node: 'R', iface: 'eth0', addresses: ['10.0.1.7/24'] }, b: { node: 'br1', iface: 'p-R' } },
      { a: { node: 'R', iface: 'wan' }, b: { node: 'C', iface: 'wan' } },
      { a: { node: 'A', iface: 'side' }, b: { node: 'B', iface: 'side' } },
    ],
  };
  // as the editor may hold it: A's route has a gateway on no subnet of A until A has an address
  const lab = () => topologySchema.parse(structuredClone(input));

  it('fills the missing ones, keeps the set ones, one subnet per segment, never one in use', () => {
    const t = lab();
    expect(checkTopology(t).ok).toBe(false);
    const before = structuredClone(t);
    const r = assignAddresses(t);
    expect(t).toEqual(before); // the input is not changed
    expect(checkTopology(r.topology).ok).toBe(true);
    const got = r.assignments.map((a) => `${a.node} ${a.iface} ${a.address} ${a.segment} ${a.fresh}`);
    expect(got).toEqual([
      // the two bridges are one layer-2 domain, with R's subnet
      'B eth0 10.0.1.1/24 bridge "br0" false',
      'C eth0 10.0.1.2/24 bridge "br0" false',
      // the link host-A has the host's subnet
      'A uplink 10.0.0.2/24 link "host-A" false',
      // new /30s, around the /24s in use
      'R wan 10.0.2.1/30 link "R-C" true',
      'C wan 10.0.2.2/30 link "R-C" true',
      'A side 10.0.2.5/30 link "A-B" true',
      'B side 10.0.2.6/30 link "A-B" true',
    ]);
    expect(r.subnets).toEqual(['10.0.2.0/30', '10.0.2.4/30']);
    // routes (their gateways too), the host and the set addresses are as they were
    expect(r.topology.host).toEqual(t.host);
    expect(r.topology.nodes).toEqual(t.nodes);
    expect(r.topology.links[0]!.a.addresses).toEqual(['10.0.0.1/24']);
    expect(r.topology.links[4]!.a.addresses).toEqual(['10.0.1.7/24']);
    // nothing left to do the second time
    expect(assignAddresses(r.topology).assignments).toEqual([]);
    expect(assignmentsText(assignAddresses(r.topology))).toMatch(/nothing to assign/);
    const text = assignmentsText(r);
    expect(text).toMatch(/^ {2}\+ B eth0 +10\.0\.1\.1\/24 +bridge "br0" \(its subnet\) +links\[2\]\.a\.addresses$/m);
    expect(text).toMatch(/7 addresses to assign, 2 new subnets from 10\.0\.0\.0\/8; no address already set changes\./);
  });

  it('gives a fresh bridge a /24 (bigger when more ends need one) and a link a /30', () => {
    expect([1, 2, 254, 255, 1000].map(prefixFor)).toEqual([30, 30, 24, 23, 22]);
    const t = generateShape({ shape: 'star', size: 300 });
    expect(t.links[0]!.a.addresses).toEqual(['10.0.0.1/23']);
    const small = generateShape({ shape: 'star', size: 3, pool: '10.9.0.0/26' });
    expect(small.links.map((l) => l.a.addresses![0])).toEqual(['10.9.0.1/29', '10.9.0.2/29', '10.9.0.3/29', '10.9.0.4/29']);
  });

  it('sweeps: any addresses taken away from a generated lab come back, in the same subnets', () => {
    for (const c of cases().filter((x) => x.size <= 12)) {
      const t = generateShape(c);
      // take away every other end's address
      const stripped = structuredClone(t);
      let k = 0;
      for (const l of stripped.links) for (const e of [l.a, l.b]) if (e.addresses && k++ % 2) delete e.addresses;
      const r = assignAddresses(stripped);
      expect(r.subnets, `${c.shape} ${c.size} ${c.routed}`).toEqual([]); // every segment kept one address, so its subnet
      expect(r.topology, `${c.shape} ${c.size} ${c.routed}`).toEqual(t);
    }
  });

  it('refuses a pool that is used up, a full subnet and a bad pool, naming them', () => {
    const t = lab();
    expect(() => assignAddresses(t, { pool: '10.0.0.0/23' })).toThrow('the pool 10.0.0.0/23 has no free /30 left for link "R-C" (0 new subnets taken, 2 already in use); give a bigger pool');
    expect(() => assignAddresses(t, { pool: '10.0.0.0/29' })).toThrow(/the pool 10\.0\.0\.0\/29 has no free \/30 left/);
    const full = structuredClone(input);
    full.links[4]!.a.addresses = ['10.0.1.1/30'];
    expect(() => assignAddresses(topologySchema.parse(full))).toThrow(`bridge "br0"'s subnet 10.0.1.0/30 has no free address left for C's eth0; give the segment a bigger subnet, or set that address by hand`);
    expect(() => assignAddresses(t, { pool: '10.0.0.1/8' })).toThrow('pool 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?');
    expect(() => assignAddresses(t, { pool: 'ten' })).toThrow('pool "ten" is not an IPv4 prefix like 10.0.0.0/8');
    expect(() => assignAddresses(t, { pool: '10.0.0.0/31' })).toThrow('pool 10.0.0.0/31 is too small: it must hold at least a /30');
  });
});
