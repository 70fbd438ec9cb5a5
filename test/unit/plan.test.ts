// The planner, as a table of behaviour. A tiny in-memory kernel (./kernel-sim.ts) runs the steps, so each
// case also checks that the steps turn observed into desired and that undoing any prefix of
// them gives back exactly what was observed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contains, parseCidr } from '@/lib/addr';
import { compile } from '@/lib/compile';
import type { KernelState, KNamespace } from '@/lib/kernel-state';
import { linkMark, markLab, natTable, netnsMark } from '@/lib/names';
import type { Op, Plan } from '@/lib/ops';
import { destroyPlan, plan } from '@/lib/plan';
import { renderPlan } from '@/lib/plan-text';
import type { Topology } from '@/lib/topology';
import { assertTopology, parseTopologyText } from '@/lib/validate';
import { normal, run } from './kernel-sim';

/** What the observer would report for a kernel that matches `desired` exactly. */
function asObserved(desired: KernelState, extra: Partial<Record<string, KNamespace>> = {}): KernelState {
  const s: KernelState = structuredClone(desired);
  for (const k of Object.values(s.namespaces)) {
    k.links.lo ??= { name: 'lo', kind: 'loopback', mark: k.mark, up: true, master: null, addresses: [] };
    k.routes = k.routes.map((r) => {
      if (r.dev) return r;
      const on = Object.values(k.links).find((l) => l.addresses.some((a) => contains(parseCidr(a)!, r.via!)));
      return { ...r, dev: on!.name };
    });
  }
  for (const [name, k] of Object.entries(extra)) {
    const mine = s.namespaces[name];
    s.namespaces[name] = mine ? { ...mine, links: { ...k!.links, ...mine.links }, routes: [...k!.routes, ...mine.routes] } : k!;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Labs

const seed = (() => {
  const r = parseTopologyText(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.topology;
})();

function variant(edit: (t: Topology) => void, base: Topology = seed): Topology {
  const t = structuredClone(base);
  edit(t);
  return assertTopology(t);
}

const want = (t: Topology, hostNetns = 'H') => compile(t, { hostNetns }).desired;
const empty = (): KernelState => ({ namespaces: {} });

/** The machine's own namespace as the observer sees it: a NIC, a default route, its own lo. */
function machine(forwarding = false): KNamespace {
  return {
    name: '', mark: null, owned: false, forwarding, nat: null,
    links: {
      lo: { name: 'lo', kind: 'loopback', mark: null, up: true, master: null, addresses: [] },
      eth0: { name: 'eth0', kind: 'other', mark: null, up: true, master: null, addresses: ['192.168.1.5/24'], mac: 'aa:bb:cc:00:00:01' },
    },
    routes: [{ dst: 'default', via: '192.168.1.1', dev: 'eth0' }],
  };
}

/** Another lab's namespace and a bridge of its own in the machine's namespace. */
function otherLab(s: KernelState): KernelState {
  const out = structuredClone(s);
  out.namespaces['other-X'] = {
    name: 'other-X', mark: netnsMark('other', 'X'), owned: true, forwarding: true, nat: { table: natTable('other'), rules: [{ source: '10.9.0.0/24', out: 'eth0' }] },
    links: { lo: { name: 'lo', kind: 'loopback', mark: netnsMark('other', 'X'), up: true, master: null, addresses: [] } },
    routes: [],
  };
  const root = out.namespaces[''];
  if (root) {
    root.links['obr'] = { name: 'obr', kind: 'bridge', mark: 'nslab:other:bridge:obr', up: true, master: null, addresses: ['10.9.0.1/24'] };
    root.routes.push({ dst: '10.8.0.0/24', via: '10.9.0.2', dev: 'obr' });
  }
  return out;
}

function edit(s: KernelState, fn: (s: KernelState) => void): KernelState {
  const out = structuredClone(s);
  fn(out);
  return out;
}

const ops = (p: Plan) => p.steps.map((s) => s.op);
const firstIndex = (p: Plan, pred: (op: Op) => boolean) => ops(p).findIndex(pred);
const lastIndex = (p: Plan, pred: (op: Op) => boolean) => ops(p).findLastIndex(pred);
const is = (type: Op['type']) => (op: Op) => op.type === type;
const touches = (ns: string, name: string) => (op: Op) =>
  op.ns === ns && (('name' in op && op.name === name) || ('dev' in op && op.dev === name) || (op.type === 'netns.del' && name === '*'));

const isolated = want(seed);
const onMachine = want(seed, '');
const machineObserved = () => ({ namespaces: { '': machine() } });

// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  lab?: string;
  desired: KernelState;
  observed: KernelState;
  check: (p: Plan) => void;
  /** foreign objects in the way: steps cannot converge, and apply would refuse */
  conflicts?: boolean;
  /** part of the kernel was not observed (a peer elsewhere): undo reaches beyond this model */
  partial?: boolean;
}

const cases: Case[] = [
  {
    name: 'create from empty (isolated host): namespaces, bridge, veths, routes, forwarding, nat in that order',
    desired: isolated,
    observed: empty(),
    check: (p) => {
      expect(p.summary).toEqual({ add: 14, change: 0, destroy: 0 });
      expect(lastIndex(p, is('netns.add'))).toBeLessThan(firstIndex(p, is('bridge.add')));
      expect(firstIndex(p, is('bridge.add'))).toBeLessThan(firstIndex(p, is('veth.add')));
      expect(lastIndex(p, is('addr.add'))).toBeLessThan(firstIndex(p, is('route.replace')));
      expect(lastIndex(p, is('route.replace'))).toBeLessThan(firstIndex(p, is('sysctl.set')));
      expect(ops(p).at(-1)).toMatchObject({ type: 'nft.load', ns: 'H', table: 'nslab_seed', rules: [{ source: '10.0.0.0/24', out: 'to-remote' }] });
      expect(ops(p).filter((o) => o.type.endsWith('.del'))).toEqual([]);
      expect(ops(p)).toContainEqual({ type: 'veth.add', ns: 'H', name: 'veth-A', peerNs: 'seed-A', peerName: 'eth0', mark: linkMark('seed', 'A-br0') });
      expect(ops(p)).toContainEqual({ type: 'sysctl.set', ns: 'H', key: 'net.ipv4.ip_forward', value: '1' });
      expect(p.changes.map((c) => c.address)).toContain('veth seed-A/eth0 <-> H/veth-A');
    },
  },
  {
    name: 'create on this machine: only our objects, and forwarding turned on there',
    desired: onMachine,
    observed: machineObserved(),
    check: (p) => {
      expect(p.conflicts).toEqual([]);
      expect(ops(p).some(touches('', 'eth0'))).toBe(false);
      expect(ops(p)).toContainEqual({ type: 'sysctl.set', ns: '', key: 'net.ipv4.ip_forward', value: '1' });
      expect(p.changes.find((c) => c.resource === 'bridge')?.address).toBe('bridge br0 (this machine)');
      expect(p.summary).toEqual({ add: 13, change: 1, destroy: 0 });
    },
  },
  {
    name: 'the same lab twice: no changes (isolated host)',
    desired: isolated,
    observed: asObserved(isolated),
    check: (p) => {
      expect(p.steps).toEqual([]);
      expect(renderPlan(p).split('\n').at(-1)).toBe('No changes. The kernel matches the lab.');
    },
  },
  {
    name: 'the same lab twice: no changes (this machine, with its own NIC and default route)',
    desired: onMachine,
    observed: asObserved(onMachine, { '': machine(true) }),
    check: (p) => expect(p.steps).toEqual([]),
  },
  {
    name: 'observed-only fields (ifindex, oper, mac, mtu, stats) change nothing',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => {
      let i = 1;
      for (const k of Object.values(s.namespaces))
        for (const l of Object.values(k.links)) Object.assign(l, { ifindex: i++, oper: 'LOWERLAYERDOWN', mac: '02:00:00:00:00:01', mtu: 1400, stats: { rxPackets: 9, txPackets: 9, rxBytes: 99, txBytes: 99 } });
    }),
    check: (p) => expect(p.steps).toEqual([]),
  },
  {
    name: 'layout, labels, roles and description never reach the kernel',
    desired: want(variant((t) => {
      t.description = 'moved things around';
      t.layout = { nodes: { A: { x: 999, y: -5, color: 'red', note: 'hi' } } };
      for (const n of t.nodes) n.label = `label ${n.id}`;
    })),
    observed: asObserved(isolated),
    check: (p) => expect(p.steps).toEqual([]),
  },
  {
    name: 'destroy a lab with an isolated host: dependents first, every namespace incl. the host',
    desired: empty(),
    observed: asObserved(isolated),
    check: (p) => {
      expect(p.changes.every((c) => c.action === 'delete')).toBe(true);
      expect(ops(p).filter(is('netns.del')).map((o) => o.ns).sort()).toEqual(['H', 'seed-A', 'seed-B', 'seed-C', 'seed-remote']);
      expect(lastIndex(p, is('nft.del'))).toBeLessThan(firstIndex(p, is('route.del')));
      expect(lastIndex(p, is('route.del'))).toBeLessThan(firstIndex(p, is('link.del')));
      expect(lastIndex(p, is('link.del'))).toBeLessThan(firstIndex(p, is('netns.del')));
      // one link.del per pair, veths before their bridge
      expect(ops(p).filter(is('link.del'))).toHaveLength(5);
      expect(lastIndex(p, (o) => o.type === 'link.del' && o.name !== 'br0')).toBeLessThan(firstIndex(p, touches('H', 'br0')));
      expect(ops(p).some(is('sysctl.set'))).toBe(false);
      expect(p.summary).toEqual({ add: 0, change: 0, destroy: 14 });
    },
  },
  {
    name: 'destroy on this machine: our links, routes and nat go; its NIC, routes and forwarding stay',
    desired: empty(),
    observed: asObserved(onMachine, { '': machine(true) }),
    check: (p) => {
      expect(ops(p).some(touches('', 'eth0'))).toBe(false);
      expect(ops(p).some((o) => o.type === 'route.del' && o.ns === '')).toBe(false);
      expect(ops(p).some(is('sysctl.set'))).toBe(false);
      expect(ops(p)).toContainEqual({ type: 'nft.del', ns: '', table: 'nslab_seed' });
      expect(ops(p)).toContainEqual({ type: 'link.del', ns: '', name: 'br0' });
      expect(ops(p).filter(is('netns.del')).map((o) => o.ns).sort()).toEqual(['seed-A', 'seed-B', 'seed-C', 'seed-remote']);
    },
  },
  {
    name: "destroy leaves another lab's objects alone",
    desired: empty(),
    observed: otherLab(asObserved(onMachine, { '': machine() })),
    check: (p) => {
      expect(ops(p).some((o) => o.ns === 'other-X')).toBe(false);
      expect(ops(p).some(touches('', 'obr'))).toBe(false);
      expect(ops(p).some((o) => o.type === 'route.del' && o.route.dev === 'obr')).toBe(false);
    },
  },
  {
    name: 'destroy with a foreign port on our bridge: the port is left alone, and put back on undo',
    desired: empty(),
    observed: asObserved(onMachine, {
      '': edit({ namespaces: { '': machine() } }, (s) => {
        s.namespaces['']!.links['tap0'] = { name: 'tap0', kind: 'other', mark: null, up: true, master: 'br0', addresses: [] };
      }).namespaces['']!,
    }),
    check: (p) => {
      expect(ops(p).some(touches('', 'tap0'))).toBe(false);
      const del = p.steps.find((s) => s.op.type === 'link.del' && s.op.name === 'br0')!;
      expect(del.undo).toContainEqual({ type: 'link.set', ns: '', name: 'tap0', master: 'br0' });
    },
  },
  {
    name: "apply leaves another lab's objects alone",
    desired: onMachine,
    observed: otherLab(machineObserved()),
    check: (p) => {
      expect(p.conflicts).toEqual([]);
      expect(ops(p).some((o) => o.ns === 'other-X' || touches('', 'obr')(o))).toBe(false);
    },
  },
  {
    name: 'an address changed on one end: remove then add, and the route through it is set again, in the same change',
    desired: want(variant((t) => (t.links[1]!.a.addresses = ['10.0.0.33/24']))),
    observed: asObserved(isolated),
    check: (p) => {
      const veth = p.changes.find((c) => c.resource === 'veth')!;
      expect(veth).toMatchObject({ action: 'update', address: 'veth seed-B/eth0 <-> H/veth-B' });
      expect(veth.details).toEqual([
        'seed-B/eth0 addresses: 10.0.0.3/24 -> 10.0.0.33/24',
        "route default via 10.0.0.1 is set again (the kernel drops it with eth0's old address)",
      ]);
      expect(firstIndex(p, is('addr.del'))).toBeLessThan(firstIndex(p, is('addr.add')));
      expect(p.changes.filter((c) => c.resource === 'route')).toEqual([]);
      expect(firstIndex(p, is('route.del'))).toBeLessThan(firstIndex(p, is('addr.del')));
      expect(firstIndex(p, is('route.replace'))).toBeGreaterThan(firstIndex(p, is('addr.add')));
      expect(p.summary).toEqual({ add: 0, change: 1, destroy: 0 });
    },
  },
  {
    name: 'an address added beside the old one: an update only, the route is kept',
    desired: want(variant((t) => (t.links[1]!.a.addresses = ['10.0.0.3/24', '10.0.0.30/24']))),
    observed: asObserved(isolated),
    check: (p) => {
      expect(ops(p)).toEqual([{ type: 'addr.add', ns: 'seed-B', dev: 'eth0', cidr: '10.0.0.30/24' }]);
      expect(p.steps[0]!.undo).toEqual([{ type: 'addr.del', ns: 'seed-B', dev: 'eth0', cidr: '10.0.0.30/24' }]);
    },
  },
  {
    name: 'a bridge address changed: bridge update',
    desired: want(variant((t) => {
      const br = t.nodes.find((n) => n.id === 'br0')!;
      if (br.kind === 'bridge') br.addresses = ['10.0.0.1/24', '10.0.0.254/24'];
    })),
    observed: asObserved(isolated),
    check: (p) => {
      expect(p.changes).toEqual([{ action: 'update', resource: 'bridge', address: 'bridge br0 (in H)', ns: 'H', details: ['addresses: 10.0.0.1/24 -> 10.0.0.1/24, 10.0.0.254/24'] }]);
    },
  },
  {
    name: 'a route gateway changed: route.replace, undone by the old route',
    desired: want(variant((t) => {
      const a = t.nodes.find((n) => n.id === 'A')!;
      if (a.kind === 'namespace') a.routes = [{ to: 'default', via: '10.0.0.4' }];
    })),
    observed: asObserved(isolated),
    check: (p) => {
      expect(p.changes).toEqual([{ action: 'update', resource: 'route', address: 'route default via 10.0.0.4 (in seed-A)', ns: 'seed-A', details: ['via: 10.0.0.1 -> 10.0.0.4'] }]);
      expect(p.steps).toEqual([{ op: { type: 'route.replace', ns: 'seed-A', route: { dst: 'default', via: '10.0.0.4' } }, undo: [{ type: 'route.replace', ns: 'seed-A', route: { dst: 'default', via: '10.0.0.1', dev: 'eth0' } }], change: 0 }]);
      expect(p.summary).toEqual({ add: 0, change: 1, destroy: 0 });
    },
  },
  {
    name: 'a route no longer wanted: route.del',
    desired: want(variant((t) => {
      const c = t.nodes.find((n) => n.id === 'C')!;
      if (c.kind === 'namespace') c.routes = [];
    })),
    observed: asObserved(isolated),
    check: (p) => expect(ops(p)).toEqual([{ type: 'route.del', ns: 'seed-C', route: { dst: 'default', via: '10.0.0.1', dev: 'eth0' } }]),
  },
  {
    name: 'an interface renamed: the pair is replaced (-/+), old one deleted first',
    desired: want(variant((t) => {
      t.links[0]!.a.iface = 'eth9';
      t.links[0]!.id = 'A-br0';
    })),
    observed: asObserved(isolated),
    check: (p) => {
      const veth = p.changes.find((c) => c.resource === 'veth')!;
      expect(veth).toMatchObject({ action: 'replace', address: 'veth seed-A/eth9 <-> H/veth-A' });
      expect(veth.details).toEqual([
        'ends: seed-A/eth0 <-> H/veth-A -> seed-A/eth9 <-> H/veth-A',
        'route default via 10.0.0.1 is set again (the kernel drops it when eth0 is re-created)',
      ]);
      expect(firstIndex(p, is('link.del'))).toBeLessThan(firstIndex(p, is('veth.add')));
      expect(renderPlan(p)).toContain('-/+ veth seed-A/eth9 <-> H/veth-A');
    },
  },
  {
    name: 'a link re-homed to a new bridge: port released, bridge created, port enslaved (update, not replace)',
    desired: want(variant((t) => {
      t.nodes.push({ id: 'br1', kind: 'bridge', addresses: ['10.0.1.1/24'] });
      t.links[2]!.id = 'C-br0';
      t.links[2]!.b.node = 'br1';
      t.links[2]!.a.addresses = ['10.0.1.4/24'];
      const c = t.nodes.find((n) => n.id === 'C')!;
      if (c.kind === 'namespace') c.routes = [{ to: 'default', via: '10.0.1.1' }];
    })),
    observed: asObserved(isolated),
    check: (p) => {
      expect(p.changes.find((c) => c.resource === 'veth')).toMatchObject({ action: 'update', details: expect.arrayContaining(['H/veth-C master: br0 -> br1']) });
      expect(firstIndex(p, (o) => o.type === 'link.set' && o.master === null)).toBeLessThan(firstIndex(p, is('bridge.add')));
      expect(firstIndex(p, is('bridge.add'))).toBeLessThan(firstIndex(p, (o) => o.type === 'link.set' && o.master === 'br1'));
    },
  },
  {
    name: 'a bridge removed with its links (explicit link ids kept elsewhere): ports go first',
    desired: want(variant((t) => {
      t.nodes = t.nodes.filter((n) => n.id !== 'br0' && n.id !== 'A' && n.id !== 'B' && n.id !== 'C');
      t.links = t.links.slice(3);
      t.host!.nat = [{ source: '203.0.113.0/24', out: 'to-remote' }];
    })),
    observed: asObserved(isolated),
    check: (p) => {
      expect(lastIndex(p, (o) => o.type === 'link.del' && o.name !== 'br0')).toBeLessThan(firstIndex(p, touches('H', 'br0')));
      expect(ops(p).filter(is('netns.del')).map((o) => o.ns)).toEqual(['seed-A', 'seed-B', 'seed-C']);
      expect(p.changes.find((c) => c.resource === 'nat')).toMatchObject({ action: 'update', details: ['- masquerade 10.0.0.0/24 out to-remote', '+ masquerade 203.0.113.0/24 out to-remote'] });
    },
  },
  {
    name: 'drift: a veth pair deleted by hand is created again, with the route through it',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => {
      delete s.namespaces['H']!.links['veth-A'];
      delete s.namespaces['seed-A']!.links['eth0'];
      s.namespaces['seed-A']!.routes = [];
    }),
    check: (p) => {
      expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(['create veth seed-A/eth0 <-> H/veth-A', 'create route default via 10.0.0.1 (in seed-A)']);
    },
  },
  {
    name: 'drift: a link set down by hand is brought up (its route came down with it)',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => {
      s.namespaces['seed-A']!.links['eth0']!.up = false;
      s.namespaces['seed-A']!.routes = [];
    }),
    check: (p) => {
      expect(p.changes[0]).toMatchObject({ action: 'update', resource: 'veth', details: ['seed-A/eth0 up: false -> true'] });
      expect(ops(p)).toEqual([
        { type: 'link.set', ns: 'seed-A', name: 'eth0', up: true },
        { type: 'route.replace', ns: 'seed-A', route: { dst: 'default', via: '10.0.0.1' } },
      ]);
    },
  },
  {
    name: 'drift: lo down in a namespace is a namespace update',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => (s.namespaces['seed-B']!.links['lo']!.up = false)),
    check: (p) => {
      expect(p.changes).toEqual([{ action: 'update', resource: 'namespace', address: 'namespace seed-B', ns: 'seed-B', details: ['lo up: false -> true'] }]);
      expect(p.steps[0]!.undo).toEqual([{ type: 'link.set', ns: 'seed-B', name: 'lo', up: false, mark: netnsMark('seed', 'B') }]);
    },
  },
  {
    name: "drift: lo's mark removed (the namespace is still known as ours) is written again",
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => (s.namespaces['seed-C']!.links['lo']!.mark = null)),
    check: (p) => expect(ops(p)).toEqual([{ type: 'link.set', ns: 'seed-C', name: 'lo', up: true, mark: netnsMark('seed', 'C') }]),
  },
  {
    name: 'drift: a stale link of this lab that is no longer in it is deleted',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => {
      const mark = linkMark('seed', 'old');
      s.namespaces['H']!.links['old0'] = { name: 'old0', kind: 'veth', mark, up: true, master: 'br0', addresses: [], peer: { ns: 'seed-B', name: 'eth7' } };
      s.namespaces['seed-B']!.links['eth7'] = { name: 'eth7', kind: 'veth', mark, up: true, master: null, addresses: ['10.0.0.77/24'], peer: { ns: 'H', name: 'old0' } };
    }),
    check: (p) => {
      expect(ops(p)).toEqual([{ type: 'link.del', ns: 'H', name: 'old0' }]);
      expect(p.steps[0]!.undo[0]).toEqual({ type: 'veth.add', ns: 'H', name: 'old0', peerNs: 'seed-B', peerName: 'eth7', mark: linkMark('seed', 'old') });
    },
  },
  {
    name: 'only one end of a pair exists (its peer was moved away): replace',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => {
      delete s.namespaces['seed-A']!.links['eth0'];
      s.namespaces['seed-A']!.routes = [];
      s.namespaces['H']!.links['veth-A']!.peer = { ns: 'elsewhere', name: 'eth0' };
    }),
    partial: true,
    check: (p) => {
      expect(p.changes[0]).toMatchObject({ action: 'replace', resource: 'veth', details: ['only one end exists: H/veth-A'] });
      // undo puts the lone end back with its peer where the kernel said it was
      expect(p.steps[0]!.undo[0]).toEqual({ type: 'veth.add', ns: 'H', name: 'veth-A', peerNs: 'elsewhere', peerName: 'eth0', mark: linkMark('seed', 'A-br0') });
      expect(firstIndex(p, is('link.del'))).toBeLessThan(firstIndex(p, is('veth.add')));
    },
  },
  {
    name: 'forwarding on this machine is never turned off',
    desired: want(variant((t) => {
      t.host = { netns: '' };
    }), ''),
    observed: asObserved(onMachine, { '': machine(true) }),
    check: (p) => {
      expect(ops(p).some(is('sysctl.set'))).toBe(false);
      expect(p.changes.find((c) => c.resource === 'nat')?.action).toBe('delete');
    },
  },
  {
    name: 'forwarding in a namespace nslab owns is set either way, undone to the old value',
    desired: want(variant((t) => {
      t.host!.forwarding = false;
      t.host!.nat = [];
    })),
    observed: asObserved(want(variant((t) => (t.host!.nat = [])))),
    check: (p) => {
      const step = p.steps.find((s) => s.op.type === 'sysctl.set')!;
      expect(step.op).toEqual({ type: 'sysctl.set', ns: 'H', key: 'net.ipv4.ip_forward', value: '0' });
      expect(step.undo).toEqual([{ type: 'sysctl.set', ns: 'H', key: 'net.ipv4.ip_forward', value: '1' }]);
    },
  },
  {
    name: 'a desired route without dev matches an observed one with dev',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => expect(s.namespaces['seed-A']!.routes).toEqual([{ dst: 'default', via: '10.0.0.1', dev: 'eth0' }])),
    check: (p) => expect(p.steps).toEqual([]),
  },
  {
    name: 'nat rules changed: one nft.load of the whole table, undone by the old rules',
    desired: want(variant((t) => t.host!.nat!.push({ source: '10.0.0.0/25', out: 'to-remote' }))),
    observed: asObserved(isolated),
    check: (p) => {
      expect(p.steps).toHaveLength(1);
      expect(p.steps[0]!.op).toMatchObject({ type: 'nft.load', ns: 'H', table: 'nslab_seed' });
      expect(p.steps[0]!.undo).toEqual([{ type: 'nft.load', ns: 'H', table: 'nslab_seed', rules: [{ source: '10.0.0.0/24', out: 'to-remote' }], mark: 'nslab:seed:nat' }]);
      expect(p.changes[0]!.details).toEqual(['+ masquerade 10.0.0.0/25 out to-remote']);
    },
  },
  // --- conflicts: foreign objects are never touched -------------------------------------------
  {
    name: 'a foreign interface named like our bridge: conflict, and no step touches it',
    desired: onMachine,
    observed: edit(machineObserved(), (s) => {
      s.namespaces['']!.links['br0'] = { name: 'br0', kind: 'bridge', mark: null, up: true, master: null, addresses: ['172.17.0.1/16'] };
    }),
    conflicts: true,
    check: (p) => {
      expect(p.conflicts).toEqual([{ ns: '', object: 'br0', message: `interface "br0" already exists in this machine's own namespace and is not part of lab seed; rename the node or remove that interface` }]);
      expect(ops(p).some(touches('', 'br0'))).toBe(false);
      expect(renderPlan(p)).toContain('! interface "br0" already exists');
    },
  },
  {
    name: 'a foreign interface in the isolated host: the message names the host namespace',
    desired: isolated,
    observed: edit(asObserved(isolated), (s) => {
      const br = s.namespaces['H']!.links['br0']!;
      br.mark = 'nslab:another:bridge:br0';
    }),
    conflicts: true,
    check: (p) => {
      expect(p.conflicts[0]!.message).toBe('interface "br0" already exists in the host namespace H and is not part of lab seed (it belongs to lab another); rename the node or remove that interface');
      expect(ops(p).some(touches('H', 'br0'))).toBe(false);
    },
  },
  {
    name: 'a foreign namespace with our name: conflict, nothing inside it is planned',
    desired: isolated,
    observed: {
      namespaces: {
        'seed-A': { name: 'seed-A', mark: null, owned: false, forwarding: false, nat: null, routes: [{ dst: '10.5.0.0/16', dev: 'x0' }], links: { x0: { name: 'x0', kind: 'other', mark: null, up: true, master: null, addresses: [] } } },
      },
    },
    conflicts: true,
    check: (p) => {
      expect(p.conflicts).toHaveLength(1);
      expect(p.conflicts[0]).toMatchObject({ ns: 'seed-A', object: 'seed-A' });
      expect(p.conflicts[0]!.message).toContain('namespace seed-A already exists and is not part of lab seed');
      expect(ops(p).some((o) => o.ns === 'seed-A' || (o.type === 'veth.add' && o.peerNs === 'seed-A'))).toBe(false);
    },
  },
  {
    name: "another lab's namespace as our isolated host: conflict naming that lab",
    desired: isolated,
    observed: { namespaces: { H: { name: 'H', mark: netnsMark('other', 'host'), owned: true, forwarding: true, nat: null, routes: [], links: {} } } },
    conflicts: true,
    check: (p) => {
      expect(p.conflicts.map((c) => c.object)).toEqual(['H']);
      expect(p.conflicts[0]!.message).toContain('(it belongs to lab other)');
      expect(ops(p).some((o) => o.ns === 'H')).toBe(false);
    },
  },
  {
    name: "a route of this machine to the same destination as the host's route: conflict",
    desired: want(variant((t) => (t.host!.routes = [{ to: 'default', via: '203.0.113.2' }])), ''),
    observed: machineObserved(),
    conflicts: true,
    check: (p) => {
      expect(p.conflicts).toEqual([{ ns: '', object: 'route default', message: expect.stringContaining('a route to default (default via 192.168.1.1 dev eth0) already exists') }]);
      expect(ops(p).some((o) => o.type.startsWith('route.') && o.ns === '')).toBe(false);
    },
  },
];

describe('plan', () => {
  it.each(cases)('$name', (c) => {
    const p = plan(c.lab ?? 'seed', c.desired, c.observed);
    c.check(p);
    if (!c.conflicts) expect(p.conflicts).toEqual([]);
  });

  // Running the steps makes the kernel match the lab (re-planning finds nothing to do) and
  // never touches a foreign object.
  it.each(cases.filter((c) => !c.conflicts))('steps converge: $name', (c) => {
    const p = plan(c.lab ?? 'seed', c.desired, c.observed);
    const after = run(c.observed, ops(p));
    expect(plan(c.lab ?? 'seed', c.desired, after).steps).toEqual([]);
    for (const [name, k] of Object.entries(c.observed.namespaces)) {
      for (const l of Object.values(k.links)) {
        if (markLab(l.mark) === 'seed' || l.kind === 'loopback' || k.owned) continue;
        // The kernel itself releases a foreign port from a bridge of ours that is deleted.
        const ourBridge = !!l.master && markLab(k.links[l.master]?.mark) === 'seed' && !c.desired.namespaces[name]?.links[l.master];
        expect(after.namespaces[name]?.links[l.name]).toEqual(ourBridge ? { ...l, master: null } : l);
      }
    }
  });

  // A failure at any step: undoing what was done, newest first, gives back what was observed.
  it.each(cases.filter((c) => !c.conflicts && !c.partial))('undo restores the observed state at every step: $name', (c) => {
    const p = plan(c.lab ?? 'seed', c.desired, c.observed);
    for (let k = 0; k <= p.steps.length; k++) {
      const done = p.steps.slice(0, k);
      const undo = [...done].reverse().flatMap((s) => s.undo);
      const back = run(run(c.observed, done.map((s) => s.op)), undo);
      expect(normal(back), `after ${k} steps`).toEqual(normal(c.observed));
    }
  });

  it('is deterministic: key order of either state does not matter', () => {
    const reverseKeys = <T,>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).reverse());
    const shuffle = (s: KernelState): KernelState => ({
      namespaces: reverseKeys(Object.fromEntries(Object.entries(s.namespaces).map(([n, k]) => [n, { ...k, links: reverseKeys(k.links), routes: [...k.routes].reverse() }]))),
    });
    const observed = otherLab(asObserved(want(variant((t) => (t.links[0]!.a.addresses = ['10.0.0.9/24'])), ''), { '': machine() }));
    expect(plan('seed', shuffle(onMachine), shuffle(observed))).toEqual(plan('seed', onMachine, observed));
    expect(plan('seed', shuffle(isolated), empty())).toEqual(plan('seed', isolated, empty()));
  });

  it('every step belongs to a change and every change has a step', () => {
    const p = plan('seed', isolated, asObserved(onMachine, { '': machine() }));
    const used = new Set(p.steps.map((s) => s.change));
    expect([...used].sort((a, b) => a - b)).toEqual(p.changes.map((_, i) => i));
  });
});

describe('destroyPlan', () => {
  const applied = () => {
    const o = asObserved(onMachine, { '': machine() });
    o.namespaces['']!.forwarding = true;
    return o;
  };
  it('removes every object of the lab and, when asked, puts the machine\'s ip_forward back last', () => {
    const p = destroyPlan('seed', applied(), { forwarding: false });
    const last = p.steps[p.steps.length - 1]!;
    expect(last.op).toEqual({ type: 'sysctl.set', ns: '', key: 'net.ipv4.ip_forward', value: '0' });
    expect(last.undo).toEqual([{ type: 'sysctl.set', ns: '', key: 'net.ipv4.ip_forward', value: '1' }]);
    expect(p.changes[last.change]).toMatchObject({ action: 'update', resource: 'forwarding', details: ['restore net.ipv4.ip_forward to 0'] });
    expect(p.summary.change).toBe(destroyPlan('seed', applied()).summary.change + 1);
    expect(plan('seed', empty(), run(applied(), ops(p))).steps).toEqual([]);
  });
  it('removes the user namespace files of namespaces that are gone already, never of one still there', () => {
    const p = destroyPlan('seed', applied(), undefined, ['seed-Z', 'seed-A']);
    const removed = p.steps.filter((s) => s.op.type === 'userns.del').map((s) => s.op);
    expect(removed).toEqual(applied().namespaces['seed-A'] ? [{ type: 'userns.del', ns: 'seed-Z' }] : [{ type: 'userns.del', ns: 'seed-A' }, { type: 'userns.del', ns: 'seed-Z' }]);
    expect(p.summary.destroy).toBe(destroyPlan('seed', applied()).summary.destroy + removed.length);
    expect(p.changes.filter((c) => c.address.startsWith('user namespace file of'))).toHaveLength(removed.length);
  });
  it('restores nothing when ip_forward already has the value to restore, or when not asked', () => {
    for (const p of [destroyPlan('seed', applied(), { forwarding: true }), destroyPlan('seed', applied())]) {
      expect(p.steps.some((s) => s.op.type === 'sysctl.set' && s.op.ns === '')).toBe(false);
    }
  });
});

describe('renderPlan', () => {
  it('lists changes Terraform-style and ends with the summary', () => {
    const text = renderPlan(plan('seed', want(variant((t) => (t.links[1]!.a.addresses = ['10.0.0.33/24']))), asObserved(isolated)));
    expect(text).toContain('~ veth seed-B/eth0 <-> H/veth-B');
    expect(text).toContain('      seed-B/eth0 addresses: 10.0.0.3/24 -> 10.0.0.33/24');
    expect(text).toContain('route default via 10.0.0.1 is set again');
    expect(text.split('\n').at(-1)).toBe('Plan: 0 to add, 1 to change, 0 to destroy.');
  });

  it('shows creations and destructions', () => {
    expect(renderPlan(plan('seed', isolated, empty()))).toMatch(/\+ namespace H {2}\(create\)\n\s+forwarding: on/);
    const destroy = renderPlan(plan('seed', empty(), asObserved(isolated)));
    expect(destroy).toContain('- namespace seed-A');
    expect(destroy.split('\n').at(-1)).toBe('Plan: 0 to add, 0 to change, 14 to destroy.');
  });
});
