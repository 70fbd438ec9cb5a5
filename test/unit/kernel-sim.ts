// A tiny in-memory kernel for the planner's tests: strict (creating what exists or deleting what
// is missing throws), and it drops routes the way Linux does (with their link, when the link goes
// down, when its last address goes). Used by test/unit/plan.test.ts and plan-property.test.ts.
import { contains, parseCidr } from '@/lib/addr';
import type { KernelState, KLink, KNamespace, KRoute } from '@/lib/kernel-state';
import type { Op } from '@/lib/ops';

function fail(msg: string): never {
  throw new Error(`sim: ${msg}`);
}

export function sim(state: KernelState, op: Op): void {
  const nsOf = (ns: string): KNamespace => state.namespaces[ns] ?? fail(`no namespace "${ns}" for ${op.type}`);
  const linkOf = (ns: string, name: string): KLink => nsOf(ns).links[name] ?? fail(`no link ${ns}/${name} for ${op.type}`);
  const free = (ns: string, name: string) => nsOf(ns).links[name] && fail(`${ns}/${name} exists (${op.type})`);
  const flush = (ns: string, dev: string) => {
    const k = state.namespaces[ns];
    if (k) k.routes = k.routes.filter((r) => r.dev !== dev);
  };
  const removeLink = (ns: string, name: string) => {
    const k = nsOf(ns);
    const l = k.links[name]!;
    delete k.links[name];
    flush(ns, name);
    if (l.kind === 'bridge') for (const p of Object.values(k.links)) if (p.master === name) unplug(p);
    // VLAN sub-interfaces go with their parent
    for (const v of Object.values(k.links)) if (v.vlan?.parent === name) removeLink(ns, v.name);
    if (l.kind === 'veth' && l.peer && state.namespaces[l.peer.ns]?.links[l.peer.name]) {
      removeLink(l.peer.ns, l.peer.name);
    }
  };
  // A port keeps a VLAN membership (the kernel's default: VLAN 1 pvid untagged when it joins).
  const unplug = (p: KLink) => {
    p.master = null;
    delete p.vlans;
  };
  const resolve = (ns: string, r: KRoute): KRoute => {
    const links = Object.values(nsOf(ns).links).filter((l) => l.up && (!r.dev || l.name === r.dev));
    if (!r.via) return r.dev && links.length ? r : fail(`route ${r.dst}: no usable dev in ${ns}`);
    const on = links.find((l) => l.addresses.some((a) => contains(parseCidr(a)!, r.via!)));
    return on ? { dst: r.dst, via: r.via, dev: on.name } : fail(`route ${r.dst} via ${r.via}: gateway unreachable in "${ns}"`);
  };
  const newLink = (name: string, kind: KLink['kind'], mark: string): KLink => ({ name, kind, mark, up: false, master: null, addresses: [] });

  switch (op.type) {
    case 'netns.add':
      if (state.namespaces[op.ns]) fail(`namespace ${op.ns} exists`);
      state.namespaces[op.ns] = {
        name: op.ns, mark: op.mark, owned: true, routes: [], forwarding: false, forwarding6: false, nat: null,
        links: { lo: { name: 'lo', kind: 'loopback', mark: op.mark, up: true, master: null, addresses: [] } },
      };
      return;
    case 'netns.del':
      for (const name of Object.keys(nsOf(op.ns).links)) if (state.namespaces[op.ns]!.links[name]) removeLink(op.ns, name);
      delete state.namespaces[op.ns];
      return;
    case 'bridge.add':
      free(op.ns, op.name);
      nsOf(op.ns).links[op.name] = newLink(op.name, 'bridge', op.mark);
      return;
    case 'veth.add':
      free(op.ns, op.name);
      free(op.peerNs, op.peerName);
      nsOf(op.ns).links[op.name] = { ...newLink(op.name, 'veth', op.mark), peer: { ns: op.peerNs, name: op.peerName } };
      nsOf(op.peerNs).links[op.peerName] = { ...newLink(op.peerName, 'veth', op.mark), peer: { ns: op.ns, name: op.name } };
      return;
    case 'link.del':
      linkOf(op.ns, op.name);
      removeLink(op.ns, op.name);
      return;
    case 'link.set': {
      const l = linkOf(op.ns, op.name);
      if (op.master !== undefined) {
        if (op.master !== null && nsOf(op.ns).links[op.master]?.kind !== 'bridge') fail(`no bridge ${op.master} in "${op.ns}"`);
        if (op.master === null) unplug(l);
        else if (l.master !== op.master) l.vlans = [{ vid: 1, pvid: true, untagged: true }];
        l.master = op.master;
      }
      if (op.mark !== undefined) l.mark = op.mark || null;
      if (op.up !== undefined) {
        l.up = op.up;
        if (!op.up) flush(op.ns, op.name);
      }
      return;
    }
    case 'addr.add': {
      const l = linkOf(op.ns, op.dev);
      if (l.addresses.includes(op.cidr)) fail(`${op.cidr} already on ${op.dev}`);
      l.addresses = [...l.addresses, op.cidr].sort();
      return;
    }
    case 'addr.del': {
      const l = linkOf(op.ns, op.dev);
      if (!l.addresses.includes(op.cidr)) fail(`${op.cidr} not on ${op.dev}`);
      l.addresses = l.addresses.filter((a) => a !== op.cidr);
      if (!l.addresses.length) flush(op.ns, op.dev);
      return;
    }
    case 'route.add':
    case 'route.replace': {
      const k = nsOf(op.ns);
      if (op.type === 'route.add' && k.routes.some((r) => r.dst === op.route.dst)) fail(`route ${op.route.dst} exists`);
      const r = resolve(op.ns, op.route);
      k.routes = [...k.routes.filter((x) => x.dst !== op.route.dst), r];
      return;
    }
    case 'route.del': {
      const k = nsOf(op.ns);
      const m = (r: KRoute) => r.dst === op.route.dst && (!op.route.via || r.via === op.route.via) && (!op.route.dev || r.dev === op.route.dev);
      if (!k.routes.some(m)) fail(`no route ${op.route.dst} in "${op.ns}"`);
      k.routes = k.routes.filter((r) => !m(r));
      return;
    }
    case 'sysctl.set':
      if (op.key === 'net.ipv6.conf.all.forwarding') nsOf(op.ns).forwarding6 = op.value === '1';
      else nsOf(op.ns).forwarding = op.value === '1';
      return;
    case 'nft.load':
      nsOf(op.ns).nat = { table: op.table, rules: op.rules.map((r) => ({ ...r })) };
      return;
    case 'nft.del':
      if (nsOf(op.ns).nat?.table !== op.table) fail(`no table ${op.table} in "${op.ns}"`);
      nsOf(op.ns).nat = null;
      return;
    case 'netem.set':
      linkOf(op.ns, op.dev).netem = { ...op.netem };
      return;
    case 'netem.del': {
      const l = linkOf(op.ns, op.dev);
      if (!l.netem) fail(`no netem on ${op.ns}/${op.dev}`);
      delete l.netem;
      return;
    }
    case 'bridge.vlanFiltering': {
      const l = linkOf(op.ns, op.name);
      if (l.kind !== 'bridge') fail(`${op.name} is no bridge`);
      if (op.on) l.vlanFiltering = true;
      else delete l.vlanFiltering;
      return;
    }
    case 'bridge.vlan.add': {
      const l = linkOf(op.ns, op.dev);
      if (!l.master) fail(`${op.dev} is no bridge port`);
      const m = op.member;
      // one PVID per port: a new one takes it over; re-adding the PVID's vid without pvid clears it
      const rest = (l.vlans ?? []).filter((x) => x.vid !== m.vid).map((x) => (m.pvid ? { vid: x.vid, ...(x.untagged ? { untagged: true as const } : {}) } : x));
      l.vlans = [...rest, { ...m }].sort((a, b) => a.vid - b.vid);
      return;
    }
    case 'bridge.vlan.del': {
      const l = linkOf(op.ns, op.dev);
      if (!l.vlans?.some((x) => x.vid === op.vid)) fail(`VLAN ${op.vid} not on ${op.dev}`);
      l.vlans = l.vlans.filter((x) => x.vid !== op.vid);
      return;
    }
    case 'vlan.add':
      free(op.ns, op.name);
      linkOf(op.ns, op.parent);
      nsOf(op.ns).links[op.name] = { ...newLink(op.name, 'vlan', op.mark), vlan: { parent: op.parent, id: op.id } };
      return;
  }
}

export function run(state: KernelState, ops: Op[]): KernelState {
  const s = structuredClone(state);
  for (const op of ops) sim(s, op);
  return s;
}

/**
 * Key order, address order and route order do not matter. A port's VLANs show only on a
 * VLAN-filtering bridge (as the observer reads them).
 */
export function normal(s: KernelState): unknown {
  const ns = Object.values(s.namespaces).map((k) => ({
    ...k,
    links: Object.values(k.links)
      .map(({ vlans, ...l }) => ({ ...l, ...(vlans && l.master && k.links[l.master]?.vlanFiltering ? { vlans } : {}), addresses: [...l.addresses].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    routes: k.routes.map((r) => JSON.stringify([r.dst, r.via ?? '', r.dev ?? ''])).sort(),
  }));
  return ns.sort((a, b) => a.name.localeCompare(b.name));
}
