// A property of the whole pipeline, swept over generated labs (fast-check): every valid lab —
// namespaces, bridges, links between any of them and the host, addresses, routes by gateway or
// by device, NAT — compiles; its plan from an empty kernel has no conflicts; its steps, run on the
// in-memory kernel (./kernel-sim.ts), give a kernel whose re-plan is empty; and undoing the
// steps done after any prefix of them, newest first, gives back the empty kernel. Links and ends
// carry netem (lib/netem.ts): changing only netem is updated in place and undoes the same way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import type { KernelState } from '@/lib/kernel-state';
import { plan } from '@/lib/plan';
import type { Netem } from '@/lib/netem';
import type { Link, Nat, Route, Topology, TopologyNode } from '@/lib/topology';
import { checkTopology, formatProblem } from '@/lib/validate';
import { normal, run } from './kernel-sim';

const LAB = 'prop';
const HOST_NS = 'prop-host';

/** The choices a lab is made of: small numbers, resolved into a lab by `build`. */
interface Raw {
  namespaces: number;
  bridges: { address: boolean; filtering: boolean }[];
  /** vlan: a bridge port's VLANs (0 none, 1 access 10, 2 access 20, 3 trunk 10,20 with sub-interfaces) */
  links: { from: number; to: number; kind: 'bridge' | 'namespace' | 'host'; named: boolean; addrA: boolean; addrB: boolean; netem: number[]; vlan: number }[];
  routes: { node: number; gateway: number; dest: number; byDev: boolean }[];
  hostRoutes: { gateway: number; dest: number }[];
  forwarding: boolean[];
  nat: { node: number; out: number; source: number }[];
  hostNat: { out: number; source: number }[];
}

/** netem blocks a link or an end may carry; an index past the end means none (an end: the link's). */
const NETEMS: Netem[] = [{ delay: '50ms' }, { delay: '10ms', jitter: '2ms', loss: '1%' }, { loss: '100%' }, { rate: '10mbit', duplicate: '0.5%', corrupt: '0.1%' }, {}];

/** The netem of a link and its ends from three picks (`second`: the other three, for a changed lab). */
function netemOf(picks: number[], second: boolean): Pick<Link, 'netem'> & { a: Pick<Link['a'], 'netem'>; b: Pick<Link['b'], 'netem'> } {
  const [l, a, b] = second ? picks.slice(3) : picks;
  const pick = (i: number | undefined) => (i !== undefined && i < NETEMS.length ? { netem: NETEMS[i]! } : {});
  return { ...pick(l), a: pick(a), b: pick(b) };
}

const rawLab: fc.Arbitrary<Raw> = fc.record({
  namespaces: fc.integer({ min: 1, max: 5 }),
  bridges: fc.array(fc.record({ address: fc.boolean(), filtering: fc.boolean() }), { maxLength: 3 }),
  links: fc.array(
    fc.record({
      from: fc.nat(9),
      to: fc.nat(9),
      kind: fc.constantFrom('bridge' as const, 'namespace' as const, 'host' as const),
      named: fc.boolean(),
      addrA: fc.boolean(),
      addrB: fc.boolean(),
      netem: fc.array(fc.nat(NETEMS.length + 1), { minLength: 6, maxLength: 6 }),
      vlan: fc.nat(3),
    }),
    { maxLength: 8 },
  ),
  routes: fc.array(fc.record({ node: fc.nat(9), gateway: fc.nat(99), dest: fc.nat(20), byDev: fc.boolean() }), { maxLength: 6 }),
  hostRoutes: fc.array(fc.record({ gateway: fc.nat(99), dest: fc.nat(20) }), { maxLength: 3 }),
  forwarding: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  nat: fc.array(fc.record({ node: fc.nat(9), out: fc.nat(9), source: fc.nat(20) }), { maxLength: 3 }),
  hostNat: fc.array(fc.record({ out: fc.nat(9), source: fc.nat(20) }), { maxLength: 2 }),
});

/** Where a node has an address: its interface, its address and a neighbour on the same segment. */
interface Seat {
  iface: string;
  neighbours: string[];
}

/** Resolves the choices into a lab that is valid by construction (checkTopology still guards). */
function build(raw: Raw, secondNetem = false): Topology {
  const ns = (i: number) => `N${i % raw.namespaces}`;
  const nodes: TopologyNode[] = [];
  const bridges = raw.bridges.map((b, i) => {
    const id = `br${i}`;
    nodes.push({ id, kind: 'bridge', ...(b.address ? { addresses: [`10.${i + 1}.0.1/24`] } : {}), ...(b.filtering ? { vlanFiltering: true } : {}) });
    return id;
  });
  const seats = new Map<string, Seat[]>(); // node (or host) -> where it has addresses
  const seat = (node: string, iface: string, neighbours: string[]) => {
    const list = seats.get(node) ?? [];
    list.push({ iface, neighbours });
    seats.set(node, list);
  };
  const ifaces = new Map<string, string[]>(); // node (or host) -> its interface names
  const own = (node: string, iface: string) => ifaces.set(node, [...(ifaces.get(node) ?? []), iface]);
  const onBridge = new Set<string>(); // one port per namespace on each bridge (two would overlap)
  const bridgeMembers = new Map<string, string[]>(); // bridge -> addresses on it
  raw.bridges.forEach((b, i) => bridges[i] && bridgeMembers.set(bridges[i]!, b.address ? [`10.${i + 1}.0.1`] : []));
  const links: Link[] = [];
  raw.links.forEach((l, k) => {
    const a = ns(l.from);
    const iface = `e${k}`;
    if (l.kind === 'bridge') {
      if (!bridges.length) return;
      const bi = l.to % bridges.length;
      const br = bridges[bi]!;
      if (onBridge.has(`${a}/${br}`)) return;
      onBridge.add(`${a}/${br}`);
      if (l.vlan) {
        // VLANs: each its own segment (10.<bridge>.<vid>.0/24); no route uses them
        const access = l.vlan === 3 ? undefined : l.vlan * 10;
        const address = (vid: number) => (l.addrA ? { addresses: [`10.${bi + 1}.${vid}.${10 + k}/24`] } : {});
        links.push({
          a: { node: a, iface, ...(access ? address(access) : { subinterfaces: [{ vlan: 10, ...address(10) }, { vlan: 20, ...address(20) }] }) },
          b: { node: br, ...(l.named ? { iface: `p${k}` } : {}), ...(access ? { vlan: access } : { vlans: [10, 20] }) },
        });
        own(a, iface);
        return;
      }
      const address = `10.${bi + 1}.0.${10 + k}`;
      const n = netemOf(l.netem, secondNetem);
      links.push({
        ...(n.netem ? { netem: n.netem } : {}),
        a: { node: a, iface, ...(l.addrA ? { addresses: [`${address}/24`] } : {}), ...n.a },
        b: { node: br, ...(l.named ? { iface: `p${k}` } : {}), ...n.b },
      });
      own(a, iface);
      if (l.addrA) {
        seat(a, iface, [...bridgeMembers.get(br)!]);
        bridgeMembers.get(br)!.push(address);
      }
      return;
    }
    const b = l.kind === 'host' ? 'host' : ns(l.to);
    if (b === a) return;
    const bIface = l.kind === 'host' ? `h${k}` : `f${k}`;
    const [x, y] = [`10.${100 + k}.0.1`, `10.${100 + k}.0.2`];
    const n = netemOf(l.netem, secondNetem);
    links.push({
      ...(n.netem ? { netem: n.netem } : {}),
      a: { node: a, iface, ...(l.addrA ? { addresses: [`${x}/24`] } : {}), ...n.a },
      b: { node: b, iface: bIface, ...(l.addrB ? { addresses: [`${y}/24`] } : {}), ...n.b },
    });
    own(a, iface);
    own(b, bIface);
    if (l.addrA) seat(a, iface, l.addrB ? [y] : []);
    if (l.addrB) seat(b, bIface, l.addrA ? [x] : []);
  });
  // The host's seats on bridges: its bridge addresses, with the namespaces' addresses there.
  raw.bridges.forEach((b, i) => b.address && seat('host', bridges[i]!, bridgeMembers.get(bridges[i]!)!.slice(1)));

  /** Routes to distinct destinations: a gateway among the node's neighbours, or a device of its own. */
  const routesOf = (node: string, picks: { gateway: number; dest: number; byDev?: boolean }[]): Route[] => {
    const routes: Route[] = [];
    const dests = new Set<string>();
    for (const r of picks) {
      const to = r.dest === 0 ? 'default' : `192.168.${r.dest}.0/24`;
      if (dests.has(to)) continue;
      const mine = ifaces.get(node) ?? [];
      if (r.byDev && mine.length) {
        dests.add(to);
        routes.push({ to, dev: mine[r.gateway % mine.length]! });
        continue;
      }
      const gateways = (seats.get(node) ?? []).flatMap((s) => s.neighbours);
      if (!gateways.length) continue;
      dests.add(to);
      routes.push({ to, via: gateways[r.gateway % gateways.length]! });
    }
    return routes;
  };
  const natOf = (node: string, picks: { out: number; source: number }[]): Nat[] => {
    const mine = ifaces.get(node) ?? [];
    return mine.length ? picks.map((p) => ({ source: `172.16.${p.source}.0/24`, out: mine[p.out % mine.length]! })) : [];
  };
  for (let i = 0; i < raw.namespaces; i++) {
    const id = `N${i}`;
    const routes = routesOf(id, raw.routes.filter((r) => ns(r.node) === id));
    const nat = raw.forwarding[i] ? natOf(id, raw.nat.filter((n) => ns(n.node) === id)) : [];
    nodes.push({
      id,
      kind: 'namespace',
      ...(raw.forwarding[i] ? { forwarding: true } : {}),
      ...(routes.length ? { routes } : {}),
      ...(nat.length ? { nat } : {}),
    });
  }
  const hostNat = natOf('host', raw.hostNat);
  const hostRoutes = routesOf('host', raw.hostRoutes);
  return {
    name: LAB,
    host: { netns: HOST_NS, forwarding: hostNat.length > 0, ...(hostRoutes.length ? { routes: hostRoutes } : {}), ...(hostNat.length ? { nat: hostNat } : {}) },
    nodes,
    links,
  };
}

const empty = (): KernelState => ({ namespaces: {} });

describe('every valid generated lab', () => {
  it('compiles, plans from empty without conflicts, converges, and every prefix of its steps undoes to empty', () => {
    let checked = 0;
    let withRoutes = 0;
    let withNat = 0;
    let withNetem = 0;
    let withNetemChange = 0;
    let withVlans = 0;
    fc.assert(
      fc.property(rawLab, (raw) => {
        const lab = build(raw);
        const r = checkTopology(lab);
        // The generator means to make valid labs only: a problem here is a bug in it (or in validation).
        expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([]);
        if (!r.ok) return;
        const desired = compile(r.topology).desired;
        const p = plan(LAB, desired, empty());
        expect(p.conflicts).toEqual([]);
        const steps = p.steps.map((s) => s.op);
        const after = run(empty(), steps);
        expect(plan(LAB, desired, after).steps).toEqual([]);
        for (let k = 0; k <= p.steps.length; k++) {
          const done = p.steps.slice(0, k);
          const undo = [...done].reverse().flatMap((s) => s.undo);
          expect(normal(run(run(empty(), done.map((s) => s.op)), undo)), `after ${k} of ${p.steps.length} steps`).toEqual(normal(empty()));
        }
        // The same lab with other netem: only in-place updates, converging, and undone to `after`.
        const changed = checkTopology(build(raw, true));
        if (!changed.ok) throw new Error(changed.problems.map(formatProblem).join('; '));
        const q = plan(LAB, compile(changed.topology).desired, after);
        expect(q.conflicts).toEqual([]);
        expect(q.changes.every((c) => c.action === 'update' && c.details.every((d) => / netem: /.test(d))), JSON.stringify(q.changes)).toBe(true);
        expect(q.steps.every((s) => s.op.type === 'netem.set' || s.op.type === 'netem.del')).toBe(true);
        const later = run(after, q.steps.map((s) => s.op));
        expect(plan(LAB, compile(changed.topology).desired, later).steps).toEqual([]);
        for (let k = 0; k <= q.steps.length; k++) {
          const done = q.steps.slice(0, k);
          const undo = [...done].reverse().flatMap((s) => s.undo);
          expect(normal(run(run(after, done.map((s) => s.op)), undo)), `netem: after ${k} of ${q.steps.length} steps`).toEqual(normal(after));
        }
        if (q.steps.length) withNetemChange++;
        if (Object.values(after.namespaces).some((n) => Object.values(n.links).some((l) => l.netem))) withNetem++;
        checked++;
        if (r.topology.nodes.some((n) => n.kind === 'namespace' && n.routes?.length) || r.topology.host?.routes?.length) withRoutes++;
        if (r.topology.nodes.some((n) => n.kind === 'namespace' && n.nat?.length) || r.topology.host?.nat?.length) withNat++;
        if (r.topology.links.some((l) => l.b.vlan !== undefined || l.b.vlans)) withVlans++;
      }),
      { numRuns: 300, seed: 9 },
    );
    // The sweep covers what it claims to: a test that generated only bare labs would prove little.
    expect(checked).toBe(300);
    expect(withRoutes).toBeGreaterThan(60);
    expect(withNat).toBeGreaterThan(30);
    expect(withNetem).toBeGreaterThan(100);
    expect(withNetemChange).toBeGreaterThan(100);
    expect(withVlans).toBeGreaterThan(60);
  });

  it('changes its VLANs (ports, filtering, sub-interfaces) in place, converges, and every prefix undoes to the lab before', () => {
    let changed = 0;
    fc.assert(
      // without routes: undoing a first address on an interface drops the routes by device through
      // it (the kernel does that), which the planner does not restore yet; not a VLAN matter
      fc.property(rawLab, (some) => {
        const raw = { ...some, routes: [], hostRoutes: [] };
        const before = checkTopology(build(raw));
        const next = { ...raw, bridges: raw.bridges.map((b) => ({ ...b, filtering: !b.filtering })), links: raw.links.map((l) => ({ ...l, vlan: (l.vlan + 1) % 4 })) };
        const after = checkTopology(build(next));
        expect(after.ok && before.ok).toBe(true);
        if (!before.ok || !after.ok) return;
        const start = run(empty(), plan(LAB, compile(before.topology).desired, empty()).steps.map((s) => s.op));
        const desired = compile(after.topology).desired;
        const p = plan(LAB, desired, start);
        expect(p.conflicts).toEqual([]);
        // no veth or bridge is made again for a VLAN change
        expect(p.changes.filter((c) => c.resource !== 'vlan' && c.resource !== 'route' && c.action !== 'update').map((c) => `${c.action} ${c.address}`)).toEqual([]);
        const end = run(start, p.steps.map((s) => s.op));
        expect(plan(LAB, desired, end).steps).toEqual([]);
        for (let k = 0; k <= p.steps.length; k++) {
          const done = p.steps.slice(0, k);
          const undo = [...done].reverse().flatMap((s) => s.undo);
          expect(normal(run(run(start, done.map((s) => s.op)), undo)), `after ${k} of ${p.steps.length} steps`).toEqual(normal(start));
        }
        if (p.changes.some((c) => c.resource === 'vlan')) changed++;
      }),
      { numRuns: 150, seed: 13 },
    );
    expect(changed).toBeGreaterThan(50);
  });
});
