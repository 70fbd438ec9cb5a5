// VLANs on bridges (issue 13): a bridge with VLAN filtering, its ports as access ports (`vlan`)
// or trunks (`vlans`), and 802.1Q sub-interfaces (`<parent>.<vid>`) of namespace interfaces.
// The rules of meaning, the compile step (desired state) and the planner's part, kept together.
//
// The model: a bridge filters VLANs when `vlanFiltering: true`, or when it is not set and any
// port has `vlan` or `vlans`. Each port of a filtering bridge is a member of exactly the VLANs
// the lab gives it: `vlan: N` is N as PVID, egress untagged; `vlans: [..]` are tagged; both may
// be given (a trunk with a native VLAN); neither is VLAN 1 untagged, the kernel's default. The
// bridge's own addresses are on VLAN 1 (its default PVID, left as the kernel makes it).
import type { KLink, KNamespace, KVlanMember } from './kernel-state';
import { MARK_PREFIX, markLab } from './names';
import type { Op } from './ops';
import { endName, inNs, Phase, sortedKeys } from './plan-builder';
import type { NsView, PlanContext } from './plan-context';
import type { Add } from './rules';
import type { Lab } from './rules-facts';
import type { Endpoint, Topology } from './topology';
import { normalizeLinks } from './model';
import { subinterfaceName } from './vlan-schema';

export { subinterfaceName } from './vlan-schema';

/** A port that says nothing about VLANs: VLAN 1, PVID, egress untagged (the kernel's default). */
export const DEFAULT_MEMBERSHIP: readonly KVlanMember[] = [{ vid: 1, pvid: true, untagged: true }];

/** Mark (alias) of a sub-interface: `nslab:<lab>:vlan:<link>:<side>.<vid>`. */
export function vlanMark(lab: string, linkId: string, side: 'a' | 'b', vid: number): string {
  return `${MARK_PREFIX}${lab}:vlan:${linkId}:${side}.${vid}`;
}

/** The bridges that filter VLANs: `vlanFiltering: true`, or unset with a port that has vlan/vlans. */
export function filteringBridges(t: Topology): Set<string> {
  const on = new Set<string>();
  const bridges = new Map<string, boolean | undefined>();
  for (const n of t.nodes) if (n.kind === 'bridge') bridges.set(n.id, n.vlanFiltering);
  for (const [id, f] of bridges) if (f === true) on.add(id);
  for (const l of t.links)
    for (const e of [l.a, l.b]) if (bridges.has(e.node) && bridges.get(e.node) === undefined && isVlanPort(e)) on.add(e.node);
  return on;
}

export function isVlanPort(e: Endpoint): boolean {
  return e.vlan !== undefined || e.vlans !== undefined;
}

/** A port's VLAN membership, sorted by vid. */
export function portMembership(e: Endpoint): KVlanMember[] {
  if (!isVlanPort(e)) return DEFAULT_MEMBERSHIP.map((m) => ({ ...m }));
  const out: KVlanMember[] = e.vlan !== undefined ? [{ vid: e.vlan, pvid: true, untagged: true }] : [];
  for (const vid of e.vlans ?? []) if (vid !== e.vlan) out.push({ vid });
  return out.sort((a, b) => a.vid - b.vid);
}

/** `10 (pvid untagged), 20` */
export function membershipText(list: readonly KVlanMember[]): string {
  if (!list.length) return '(none)';
  return list.map((m) => `${m.vid}${m.pvid || m.untagged ? ` (${[m.pvid ? 'pvid' : '', m.untagged ? 'untagged' : ''].filter(Boolean).join(' ')})` : ''}`).join(', ');
}

/** What the canvas writes on a port: `VLAN 10`, `trunk 10,20`, `trunk 10,20 · native 1`. */
export function portLabel(e: Pick<Endpoint, 'vlan' | 'vlans'>): string | null {
  if (e.vlans?.length) return `trunk ${e.vlans.join(',')}${e.vlan !== undefined ? ` · native ${e.vlan}` : ''}`;
  return e.vlan !== undefined ? `VLAN ${e.vlan}` : null;
}

/** What the canvas writes at a link's end: a port's VLANs, or a namespace end's tagged sub-interfaces. */
export function endLabel(e: Endpoint): string | null {
  if (e.subinterfaces?.length) return `tagged ${e.subinterfaces.map((s) => s.vlan).join(',')}`;
  return portLabel(e);
}

// ---------------------------------------------------------------------------------------------
// Addresses: each VLAN of a bridge (or of a link) is a segment of its own (lib/rules-facts.ts).

/** The segment of an end's addresses or of a sub-interface's: VLAN 1 of a bridge is the bridge's own. */
export function vlanSegment(base: string, vid: number | undefined): string {
  if (vid === undefined || (vid === 1 && base.startsWith('bridge:'))) return base;
  return `${base}#${vid}`;
}

/** The untagged VLAN a port puts its other end's addresses on (undefined: the bridge's own, VLAN 1). */
export function accessVlan(port: Endpoint | undefined): number | undefined {
  return port?.vlan;
}

/** `bridge "br0"`, `VLAN 10 of bridge "br0"`, `link "A-B"`. */
export function segmentText(segment: string): string {
  const [base = '', vid] = segment.split('#');
  const what = base.startsWith('bridge:') ? `bridge "${base.slice(7)}"` : `link "${base.slice(5)}"`;
  return vid ? `VLAN ${vid} of ${what}` : what;
}

// ---------------------------------------------------------------------------------------------
// Rules of meaning (a rule of lib/rules.ts, before the references are vouched for).

/** VLAN fields sit where they mean something, and sub-interface names fit in 15 bytes. */
export function vlansAreSound(lab: Lab, add: Add): void {
  const off = new Map<string, number>();
  lab.t.nodes.forEach((n, i) => {
    if (n.kind === 'bridge' && n.vlanFiltering === false) off.set(n.id, i);
  });
  lab.t.links.forEach((l, i) => {
    for (const side of ['a', 'b'] as const) {
      const e = l[side];
      const other = side === 'a' ? l.b : l.a;
      const at = `links[${i}].${side}`;
      const kind = lab.kinds.get(e.node);
      if (!kind) continue;
      if (kind === 'bridge') {
        if (e.subinterfaces?.length)
          add(`${at}.subinterfaces`, `a bridge port has no sub-interfaces: make the port a trunk (vlans: [...]) and give "${other.node}"'s end the sub-interfaces`);
        const field = e.vlan !== undefined ? 'vlan' : 'vlans';
        if (isVlanPort(e) && off.has(e.node))
          add(`${at}.${field}`, `bridge "${e.node}" has vlanFiltering: false (nodes[${off.get(e.node)}].vlanFiltering); remove that or this port's ${field}`);
        if (e.vlan !== undefined && e.vlans?.includes(e.vlan))
          add(`${at}.vlans`, `VLAN ${e.vlan} is this port's untagged VLAN (vlan) already; list only the tagged VLANs in vlans`);
        continue;
      }
      const fix = `"${e.node}" is not a bridge: give its interface sub-interfaces (subinterfaces: [{ vlan: ${e.vlan ?? e.vlans?.[0] ?? 10} }]), and the VLAN to the bridge's end`;
      if (e.vlan !== undefined) add(`${at}.vlan`, `vlan is for a bridge port; ${fix}`);
      if (e.vlans !== undefined) add(`${at}.vlans`, `vlans is for a bridge port; ${fix}`);
      const seen = new Map<number, number>();
      (e.subinterfaces ?? []).forEach((s, k) => {
        const prev = seen.get(s.vlan);
        if (prev !== undefined) add(`${at}.subinterfaces[${k}].vlan`, `VLAN ${s.vlan} has two sub-interfaces on this interface (also subinterfaces[${prev}])`);
        else seen.set(s.vlan, k);
        const name = e.iface ? subinterfaceName(e.iface, s.vlan) : '';
        if (name.length > 15) add(`${at}.subinterfaces[${k}].vlan`, `sub-interface name "${name}" is longer than 15 bytes; shorten the interface name "${e.iface}"`);
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Compile: filtering on bridges, membership on their ports, sub-interfaces as links of kind vlan.

export function compileVlans(t: Topology, c: { hostNs: string; nodeNs: Record<string, string>; desired: { namespaces: Record<string, KNamespace> } }, sortAddresses: (a: string[]) => string[]): void {
  const filtering = filteringBridges(t);
  const subs = t.links.some((l) => l.a.subinterfaces?.length || l.b.subinterfaces?.length);
  if (!filtering.size && !subs) return;
  const host = c.desired.namespaces[c.hostNs];
  for (const br of filtering) {
    const k = host?.links[br];
    if (k) k.vlanFiltering = true;
  }
  for (const link of normalizeLinks(t)) {
    for (const side of ['a', 'b'] as const) {
      const e = link[side];
      const raw = t.links[link.index]![side];
      const ns = c.desired.namespaces[c.nodeNs[e.node] ?? c.hostNs];
      if (!ns) continue;
      if (e.kind === 'bridge') {
        const port = ns.links[e.iface];
        if (port && filtering.has(e.node)) port.vlans = portMembership(raw);
        continue;
      }
      for (const s of raw.subinterfaces ?? []) {
        const name = subinterfaceName(e.iface, s.vlan);
        ns.links[name] = {
          name,
          kind: 'vlan',
          mark: vlanMark(t.name, link.id, side, s.vlan),
          up: true,
          master: null,
          addresses: sortAddresses(s.addresses ?? []),
          vlan: { parent: e.iface, id: s.vlan },
        };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plan: after planLinks (it tells which links this plan deletes or re-creates), before routes
// (routes through a sub-interface that goes are planned again with it).

const key = (ns: string, name: string) => `${ns}/${name}`;
const sameMember = (a: KVlanMember, b: KVlanMember) => a.vid === b.vid && !!a.pvid === !!b.pvid && !!a.untagged === !!b.untagged;

export function planVlans(ctx: PlanContext): void {
  for (const view of ctx.views.values()) {
    if (view.status === 'conflict' || view.status === 'delete') continue;
    const want = view.want?.links ?? {};
    const have = view.status === 'create' ? {} : (view.have?.links ?? {});
    planPorts(ctx, view.name, want, have);
    planFiltering(ctx, view.name, want, have);
    planSubinterfaces(ctx, view, want, have);
  }
}

/** The observed link that is this desired one (ours, or adopted), when this plan keeps it. */
function kept(ctx: PlanContext, ns: string, w: KLink, have: Record<string, KLink>): KLink | undefined {
  const h = have[w.name];
  if (!h || h.kind !== w.kind || ctx.deleted.has(key(ns, w.name))) return undefined;
  return ctx.ours(h.mark) || (w.adopt && markLab(h.mark) === null) ? h : undefined;
}

function planFiltering(ctx: PlanContext, ns: string, want: Record<string, KLink>, have: Record<string, KLink>): void {
  for (const name of sortedKeys(want)) {
    const w = want[name]!;
    if (w.kind !== 'bridge') continue;
    const h = kept(ctx, ns, w, have);
    if (!h && have[name] && !ctx.deleted.has(key(ns, name))) continue; // someone else's: planLinks says so
    const on = w.vlanFiltering === true;
    const was = h?.vlanFiltering === true;
    if (on === was) continue;
    const c = ctx.builder.change(h ? 'update' : 'create', 'vlan', `vlan filtering of bridge ${name} ${inNs(ns)}`, ns, [`vlan_filtering: ${was ? 1 : 0} -> ${on ? 1 : 0}`]);
    ctx.builder.step(c, Phase.linkUpdate, { type: 'bridge.vlanFiltering', ns, name, on }, [{ type: 'bridge.vlanFiltering', ns, name, on: was }]);
  }
}

function planPorts(ctx: PlanContext, ns: string, want: Record<string, KLink>, have: Record<string, KLink>): void {
  for (const name of sortedKeys(want)) {
    const w = want[name]!;
    if (!w.vlans || !w.master) continue;
    const h = kept(ctx, ns, w, have);
    if (!h && have[name] && !ctx.deleted.has(key(ns, name))) continue;
    // a port that joins a bridge (made now, or moved) starts with the default membership
    const was = h && h.master === w.master ? (h.vlans ?? DEFAULT_MEMBERSHIP) : DEFAULT_MEMBERSHIP;
    const steps: { op: Op; undo: Op[] }[] = [];
    let pvid = was.find((x) => x.pvid);
    for (const m of w.vlans) {
      const before = was.find((x) => x.vid === m.vid);
      if (before && sameMember(before, m)) continue;
      const undo: Op[] = [before ? { type: 'bridge.vlan.add', ns, dev: name, member: before } : { type: 'bridge.vlan.del', ns, dev: name, vid: m.vid }];
      // a new PVID takes it from the old one's vid, which its undo gives back
      if (m.pvid && pvid && pvid.vid !== m.vid) undo.push({ type: 'bridge.vlan.add', ns, dev: name, member: pvid });
      if (m.pvid) pvid = m;
      steps.push({ op: { type: 'bridge.vlan.add', ns, dev: name, member: m }, undo });
    }
    for (const m of was) {
      if (w.vlans.some((x) => x.vid === m.vid)) continue;
      steps.push({ op: { type: 'bridge.vlan.del', ns, dev: name, vid: m.vid }, undo: [{ type: 'bridge.vlan.add', ns, dev: name, member: m }] });
    }
    if (!steps.length) continue;
    const c = ctx.builder.change(h ? 'update' : 'create', 'vlan', `vlan port ${endName(ns, name)} of ${w.master}`, ns, [`vlans: ${membershipText(was)} -> ${membershipText(w.vlans)}`]);
    for (const s of steps) ctx.builder.step(c, Phase.linkUpdate, s.op, s.undo);
  }
}

/** The ops that make a sub-interface as described; each one's inverse is its undo. */
function subinterfaceOps(ns: string, l: KLink): Op[] {
  if (!l.vlan || !l.mark) return [];
  return [
    { type: 'vlan.add', ns, name: l.name, parent: l.vlan.parent, id: l.vlan.id, mark: l.mark },
    ...l.addresses.map((cidr): Op => ({ type: 'addr.add', ns, dev: l.name, cidr })),
    ...(l.up ? [{ type: 'link.set', ns, name: l.name, up: true } as Op] : []),
  ];
}

function inverse(op: Op): Op {
  if (op.type === 'vlan.add') return { type: 'link.del', ns: op.ns, name: op.name };
  if (op.type === 'addr.add') return { type: 'addr.del', ns: op.ns, dev: op.dev, cidr: op.cidr };
  if (op.type === 'link.set') return { type: 'link.set', ns: op.ns, name: op.name, up: false };
  throw new Error(`no inverse for ${op.type}`);
}

function planSubinterfaces(ctx: PlanContext, view: NsView, want: Record<string, KLink>, have: Record<string, KLink>): void {
  const b = ctx.builder;
  const ns = view.name;
  const address = (name: string) => `vlan interface ${endName(ns, name)}`;
  const create = (c: number, l: KLink) => {
    for (const op of subinterfaceOps(ns, l)) b.step(c, Phase.veth, op, [inverse(op)]);
  };
  const remove = (c: number, h: KLink) => {
    ctx.gone(key(ns, h.name), c);
    b.step(c, Phase.releasePort, { type: 'link.del', ns, name: h.name }, subinterfaceOps(ns, h));
  };
  for (const name of sortedKeys(want)) {
    const w = want[name]!;
    if (w.kind !== 'vlan' || !w.vlan) continue;
    const h = have[name];
    if (h && !ctx.ours(h.mark)) {
      b.conflict(ns, name, `interface "${name}" already exists ${inNs(ns)} and is not part of lab ${ctx.lab}; remove that interface or this sub-interface from the lab`);
      continue;
    }
    const what = [`VLAN ${w.vlan.id} on ${w.vlan.parent}`, ...(w.addresses.length ? [`addresses: ${w.addresses.join(', ')}`] : [])];
    if (!h) {
      create(b.change('create', 'vlan', address(name), ns, what), w);
      continue;
    }
    const same = h.kind === 'vlan' && h.vlan?.parent === w.vlan.parent && h.vlan.id === w.vlan.id && !ctx.deleted.has(key(ns, w.vlan.parent));
    if (!same) {
      const why = ctx.deleted.has(key(ns, w.vlan.parent)) ? `${w.vlan.parent} is re-created` : `was ${h.vlan ? `VLAN ${h.vlan.id} on ${h.vlan.parent}` : `a ${h.kind}`}`;
      const c = b.change('replace', 'vlan', address(name), ns, [why, ...what]);
      remove(c, h);
      create(c, w);
      continue;
    }
    const details: string[] = [];
    const steps: { op: Op; undo: Op[] }[] = [];
    const removed = h.addresses.filter((a) => !w.addresses.includes(a));
    const added = w.addresses.filter((a) => !h.addresses.includes(a));
    if (removed.length || added.length) {
      details.push(`addresses: ${h.addresses.join(', ') || '(none)'} -> ${w.addresses.join(', ') || '(none)'}`);
      for (const cidr of removed) steps.push({ op: { type: 'addr.del', ns, dev: name, cidr }, undo: [{ type: 'addr.add', ns, dev: name, cidr }] });
      for (const cidr of added) steps.push({ op: { type: 'addr.add', ns, dev: name, cidr }, undo: [{ type: 'addr.del', ns, dev: name, cidr }] });
    }
    if (h.mark !== w.mark) {
      details.push(`mark: ${h.mark ?? '(none)'} -> ${w.mark}`);
      steps.push({ op: { type: 'link.set', ns, name, mark: w.mark ?? '' }, undo: [{ type: 'link.set', ns, name, mark: h.mark ?? '' }] });
    }
    if (h.up !== w.up) {
      details.push(`up: ${h.up} -> ${w.up}`);
      steps.push({ op: { type: 'link.set', ns, name, up: w.up }, undo: [{ type: 'link.set', ns, name, up: h.up }] });
    }
    if (!steps.length) continue;
    const c = b.change('update', 'vlan', address(name), ns, details);
    for (const s of steps) b.step(c, Phase.linkUpdate, s.op, s.undo);
    if ((h.addresses.length && removed.length === h.addresses.length) || (h.up && !w.up)) ctx.disrupted.set(key(ns, name), c);
  }
  for (const name of sortedKeys(have)) {
    const h = have[name]!;
    if (h.kind !== 'vlan' || !ctx.ours(h.mark) || want[name]) continue;
    remove(b.change('delete', 'vlan', address(name), ns), h);
  }
}
