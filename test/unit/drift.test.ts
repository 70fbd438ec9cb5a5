// Drift per node is the planner's own diff: a node shows drift exactly when the plan has a step
// or a conflict for it, told in a student's words on the node it touches.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import { nodeDrift } from '@/lib/drift';
import type { KernelState } from '@/lib/kernel-state';
import { linkMark } from '@/lib/names';
import { plan } from '@/lib/plan';
import type { Topology } from '@/lib/topology';
import { assertTopology, parseTopologyText } from '@/lib/validate';

const seed = (() => {
  const r = parseTopologyText(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.topology;
})();

/** Two NAT rules, so their order can differ. */
const twoRules = assertTopology({ ...structuredClone(seed), host: { ...seed.host, nat: [{ source: '10.0.0.0/25', out: 'to-remote' }, { source: '10.0.0.128/25', out: 'to-remote' }] } });

function read(topology: Topology, edit: (k: KernelState) => void = () => undefined) {
  const compiled = compile(topology, { hostNetns: 'H' });
  const observed = structuredClone(compiled.desired); // the kernel as the lab asks...
  edit(observed); // ...changed by hand
  const drift = nodeDrift(topology, compiled, observed);
  const p = plan(topology.name, compiled.desired, observed);
  const drifted = Object.entries(drift).filter(([, l]) => l.length).map(([id]) => id).sort();
  return { drift, plan: p, drifted };
}

const ns = (k: KernelState, name: string) => k.namespaces[name]!;

describe('drift from the plan', () => {
  it('a kernel that matches the lab: no drift, empty plan', () => {
    const r = read(seed);
    expect(r.plan.steps).toEqual([]);
    expect(r.drifted).toEqual([]);
    expect(Object.keys(r.drift).sort()).toEqual(['A', 'B', 'C', 'br0', 'host', 'remote']);
  });

  it('NAT rules in another order are not drift, since the planner sees none', () => {
    const r = read(twoRules, (k) => ns(k, 'H').nat!.rules.reverse());
    expect(r.plan.steps).toEqual([]);
    expect(r.drifted).toEqual([]);
  });

  // Each case: what someone did by hand, and the lines each node then shows.
  const cases: Array<{ why: string; edit: (k: KernelState) => void; lines: Record<string, string[]>; topology?: Topology }> = [
    {
      why: 'eth0 of A set down (the kernel drops its default route)',
      edit: (k) => {
        ns(k, 'seed-A').links.eth0!.up = false;
        ns(k, 'seed-A').routes = [];
      },
      lines: { A: ['eth0 is DOWN (want UP)', 'route default via 10.0.0.1 is missing'] },
    },
    { why: "an address removed from br0", edit: (k) => void (ns(k, 'H').links.br0!.addresses = []), lines: { br0: ['br0 lacks 10.0.0.1/24'] } },
    { why: 'an address added to eth0 of B', edit: (k) => ns(k, 'seed-B').links.eth0!.addresses.push('10.0.0.33/24'), lines: { B: ['eth0 has extra 10.0.0.33/24'] } },
    { why: 'a port taken off the bridge', edit: (k) => void (ns(k, 'H').links['veth-C']!.master = null), lines: { br0: ['veth-C is on no bridge (want br0)'] } },
    { why: 'forwarding turned off in the host', edit: (k) => void (ns(k, 'H').forwarding = false), lines: { host: ['forwarding is off (want on)'] } },
    { why: 'an extra route in C', edit: (k) => ns(k, 'seed-C').routes.push({ dst: '192.0.2.0/24', via: '10.0.0.1' }), lines: { C: ['route 192.0.2.0/24 via 10.0.0.1 is not in the lab'] } },
    { why: 'a NAT rule removed', edit: (k) => void (ns(k, 'H').nat!.rules = []), lines: { host: ['NAT rules differ from the lab (+ masquerade 10.0.0.0/24 out to-remote)'] } },
    {
      why: 'namespace B deleted (its veth end goes with it)',
      edit: (k) => {
        delete k.namespaces['seed-B'];
        delete ns(k, 'H').links['veth-B'];
      },
      lines: { B: ['namespace seed-B is missing', 'eth0 is missing', 'route default via 10.0.0.1 is missing'], br0: ['veth-B is missing'] },
    },
    {
      why: 'a stale link of the lab left in the host',
      edit: (k) => void (ns(k, 'H').links.old = { name: 'old', kind: 'bridge', mark: linkMark('seed', 'old'), up: true, master: null, addresses: [] }),
      lines: { host: ['old is not in the lab'] },
    },
  ];

  it.each(cases)('$why', ({ edit, lines, topology }) => {
    const r = read(topology ?? seed, edit);
    expect(r.plan.steps.length).toBeGreaterThan(0);
    const shown = Object.fromEntries(Object.entries(r.drift).filter(([, l]) => l.length));
    expect(shown).toEqual(lines);
  });

  it('a namespace of the lab taken by a foreign one is drift on its node, with the planner’s sentence', () => {
    const r = read(seed, (k) => void (ns(k, 'seed-A').mark = null));
    expect(r.plan.conflicts.length).toBeGreaterThan(0);
    expect(r.drift.A?.[0]).toMatch(/namespace seed-A already exists and is not part of lab seed/);
  });

  it('over every case: some node shows drift exactly when the plan has a step or a conflict', () => {
    for (const c of [...cases, { edit: () => undefined }]) {
      const r = read(seed, c.edit);
      expect(r.drifted.length > 0).toBe(r.plan.steps.length + r.plan.conflicts.length > 0);
    }
  });
});
