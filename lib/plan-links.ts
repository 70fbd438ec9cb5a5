// Planning links: bridges and veth pairs, identified by their ownership mark.
// A desired link and an observed link with the same mark are the same resource; if its ends
// moved (another namespace or name) the pair is replaced, otherwise updated end by end.
import type { KLink } from './kernel-state';
import { markLab } from './names';
import { netemText, sameNetem } from './netem';
import type { Op } from './ops';
import { cmp, endName, inNs, listText, nsPhrase, Phase, sortedKeys } from './plan-builder';
import type { PlanContext } from './plan-context';

interface End {
  ns: string;
  link: KLink;
}

const endKey = (ns: string, name: string) => `${ns}/${name}`;
const keyOf = (e: End) => endKey(e.ns, e.link.name);
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function planLinks(ctx: PlanContext): void {
  const want = groupByMark(ctx, 'desired');
  const have = groupByMark(ctx, 'observed');
  const hasBridge = (mark: string) => [...(want.get(mark) ?? []), ...(have.get(mark) ?? [])].some((e) => e.link.kind === 'bridge');
  // Veths first: a bridge's deletion must know which of its ports are gone or released already.
  const marks = [...new Set([...want.keys(), ...have.keys()])].sort((a, b) => Number(hasBridge(a)) - Number(hasBridge(b)) || cmp(a, b));
  for (const mark of marks) planGroup(ctx, mark, want.get(mark) ?? [], have.get(mark) ?? []);
}

/** Desired links by mark; observed links of this lab by mark (lo belongs to its namespace). */
function groupByMark(ctx: PlanContext, side: 'desired' | 'observed'): Map<string, End[]> {
  const state = side === 'desired' ? ctx.desired : ctx.observed;
  const groups = new Map<string, End[]>();
  for (const ns of sortedKeys(state.namespaces)) {
    const k = state.namespaces[ns]!;
    for (const name of sortedKeys(k.links)) {
      const link = k.links[name]!;
      if (link.kind === 'loopback' || link.kind === 'vlan') continue; // vlan: lib/vlan.ts
      if (side === 'observed' && markLab(link.mark) !== ctx.lab) continue;
      const mark = link.mark ?? `unmarked:${endKey(ns, name)}`;
      const list = groups.get(mark) ?? [];
      list.push({ ns, link });
      groups.set(mark, list);
    }
  }
  return groups;
}

function planGroup(ctx: PlanContext, mark: string, want: End[], have: End[]): void {
  const b = ctx.builder;
  if (!have.length) {
    const found = adoptable(ctx, want);
    if (found) return updateEnds(ctx, want, found, mark);
  }
  if (want.length && !placeable(ctx, want)) return;
  if (!want.length) {
    const c = b.change('delete', resourceOf(have), addressOf(ctx, have), displayOrder(ctx, have)[0]!.ns);
    deleteEnds(ctx, c, have);
    return;
  }
  if (!have.length) {
    const c = b.change('create', resourceOf(want), addressOf(ctx, want), displayOrder(ctx, want)[0]!.ns, createDetails(ctx, want));
    createSteps(ctx, c, want, mark);
    return;
  }
  const moved = want.length !== have.length || want.some((w) => !have.some((h) => keyOf(h) === keyOf(w) && h.link.kind === w.link.kind));
  if (moved) {
    const why =
      have.length === 1 && want.length === 2
        ? `only one end exists: ${endName(have[0]!.ns, have[0]!.link.name)}`
        : `ends: ${endsText(ctx, have)} -> ${endsText(ctx, want)}`;
    const c = b.change('replace', resourceOf(want), addressOf(ctx, want), displayOrder(ctx, want)[0]!.ns, [why]);
    deleteEnds(ctx, c, have);
    createSteps(ctx, c, want, mark);
    return;
  }
  updateEnds(ctx, want, have);
}

/**
 * An adopted lab's link that exists already, unmarked (made by hand): the observed ends to take
 * over, when every end is there with the right kind and, where the observer paired it, the right peer.
 */
function adoptable(ctx: PlanContext, want: End[]): End[] | null {
  if (!want.length || !want.every((w) => w.link.adopt)) return null;
  const found: End[] = [];
  for (const w of want) {
    const view = ctx.views.get(w.ns);
    if (view?.status !== 'keep' && view?.status !== 'shared') return null;
    const there = ctx.observed.namespaces[w.ns]?.links[w.link.name];
    if (!there || there.kind !== w.link.kind || markLab(there.mark) !== null) return null;
    const p = there.peer;
    if (p && w.link.peer && (p.ns !== w.link.peer.ns || p.name !== w.link.peer.name)) return null;
    found.push({ ns: w.ns, link: there });
  }
  return found;
}

/** A desired link can be made only where no foreign interface holds its name. */
function placeable(ctx: PlanContext, want: End[]): boolean {
  let ok = true;
  for (const e of want) {
    if (ctx.views.get(e.ns)?.status === 'conflict') {
      ok = false; // the namespace's own conflict explains it
      continue;
    }
    const there = ctx.observed.namespaces[e.ns]?.links[e.link.name];
    if (!there || markLab(there.mark) === ctx.lab) continue;
    ok = false;
    const other = markLab(there.mark);
    const fix = e.link.kind === 'bridge' ? 'rename the node or remove that interface' : 'rename the interface in the lab or remove that interface';
    ctx.builder.conflict(
      e.ns,
      e.link.name,
      `interface "${e.link.name}" already exists in ${nsPhrase(e.ns, ctx.hostNs)} and is not part of lab ${ctx.lab}${other ? ` (it belongs to lab ${other})` : ''}; ${fix}`,
    );
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Creating: the same ops serve as a creation's steps and as the undo of a deletion.

/** Host-side end first: the veth is created from there with its peer straight in the node's namespace. */
function opOrder(ctx: PlanContext, ends: End[]): End[] {
  const host = (e: End) => (ctx.isHostNs(e.ns) ? 0 : 1);
  return [...ends].sort((a, b) => host(a) - host(b) || cmp(a.ns, b.ns) || cmp(a.link.name, b.link.name));
}

/** Node end first, as a person reads it: `seed-A/eth0 <-> H/veth-A`. */
function displayOrder(ctx: PlanContext, ends: End[]): End[] {
  return [...opOrder(ctx, ends)].reverse();
}

function resourceOf(ends: End[]): 'bridge' | 'veth' {
  return ends.some((e) => e.link.kind === 'bridge') ? 'bridge' : 'veth';
}

function endsText(ctx: PlanContext, ends: End[]): string {
  return displayOrder(ctx, ends)
    .map((e) => endName(e.ns, e.link.name))
    .join(' <-> ');
}

function addressOf(ctx: PlanContext, ends: End[]): string {
  const first = ends[0]!;
  if (resourceOf(ends) === 'bridge') return `bridge ${first.link.name} ${inNs(first.ns)}`;
  return `veth ${endsText(ctx, ends)}`;
}

function creationPhase(ends: End[]): Phase {
  return resourceOf(ends) === 'bridge' ? Phase.bridge : Phase.veth;
}

function createDetails(ctx: PlanContext, want: End[]): string[] {
  const bridge = resourceOf(want) === 'bridge';
  const out: string[] = [];
  for (const e of displayOrder(ctx, want)) {
    const prefix = bridge ? '' : `${endName(e.ns, e.link.name)} `;
    if (e.link.addresses.length) out.push(`${prefix}addresses: ${listText(e.link.addresses)}`);
    if (e.link.master) out.push(`${prefix}master: ${e.link.master}`);
    if (e.link.netem) out.push(`${prefix}netem: ${netemText(e.link.netem)}`);
  }
  return out;
}

/** The steps of a creation: a new bridge comes up in a phase of its own, after its ports' far ends. */
function createSteps(ctx: PlanContext, change: number, want: End[], mark: string): void {
  const phase = creationPhase(want);
  for (const op of createOps(ctx, want, mark)) {
    const up = phase === Phase.bridge && op.type === 'link.set' && op.up === true;
    ctx.builder.step(change, up ? Phase.bridgeUp : phase, op, [inverseOf(op)]);
  }
}

/** The ops that make these ends exist as described (a bridge, or a pair; a lone end uses its peer field). */
function createOps(ctx: PlanContext, ends: End[], mark: string): Op[] {
  const ops: Op[] = [];
  const ordered = opOrder(ctx, ends);
  const first = ordered[0]!;
  if (first.link.kind === 'bridge') {
    ops.push({ type: 'bridge.add', ns: first.ns, name: first.link.name, mark });
  } else {
    const peer = ordered[1] ? { ns: ordered[1].ns, name: ordered[1].link.name } : first.link.peer;
    if (!peer) return []; // a lone end whose peer is unknown cannot be made again
    ops.push({ type: 'veth.add', ns: first.ns, name: first.link.name, peerNs: peer.ns, peerName: peer.name, mark });
  }
  for (const e of ordered) if (e.link.master) ops.push({ type: 'link.set', ns: e.ns, name: e.link.name, master: e.link.master });
  for (const e of ordered) for (const cidr of e.link.addresses) ops.push({ type: 'addr.add', ns: e.ns, dev: e.link.name, cidr });
  for (const e of ordered) if (e.link.up) ops.push({ type: 'link.set', ns: e.ns, name: e.link.name, up: true });
  for (const e of ordered) if (e.link.netem) ops.push({ type: 'netem.set', ns: e.ns, dev: e.link.name, netem: e.link.netem });
  return ops;
}

/** The inverse of one creation op. */
function inverseOf(op: Op): Op {
  switch (op.type) {
    case 'bridge.add':
    case 'veth.add':
      return { type: 'link.del', ns: op.ns, name: op.name };
    case 'addr.add':
      return { type: 'addr.del', ns: op.ns, dev: op.dev, cidr: op.cidr };
    case 'netem.set':
      return { type: 'netem.del', ns: op.ns, dev: op.dev };
    case 'link.set':
      return op.master !== undefined
        ? { type: 'link.set', ns: op.ns, name: op.name, master: null }
        : { type: 'link.set', ns: op.ns, name: op.name, up: false };
    default:
      throw new Error(`no inverse for ${op.type}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Deleting: one link.del per pair (the kernel takes the peer with it), undone by recreating
// it from what was observed.

function deleteEnds(ctx: PlanContext, change: number, have: End[]): void {
  const done = new Set<string>();
  for (const e of opOrder(ctx, have)) {
    if (done.has(keyOf(e))) continue;
    done.add(keyOf(e));
    const gone = [e];
    if (e.link.kind === 'veth') {
      const peer = peerOf(e, have);
      if (peer) {
        done.add(keyOf(peer));
        gone.push(peer);
      }
      if (e.link.peer) ctx.gone(endKey(e.link.peer.ns, e.link.peer.name), change);
    }
    for (const g of gone) ctx.gone(keyOf(g), change);
    const op: Op = { type: 'link.del', ns: e.ns, name: e.link.name };
    const mark = e.link.mark ?? '';
    if (e.link.kind === 'bridge') ctx.builder.step(change, Phase.deleteBridge, op, [...createOps(ctx, [e], mark), ...portsOf(ctx, e)]);
    else if (e.link.kind === 'veth') ctx.builder.step(change, Phase.deleteVeth, op, createOps(ctx, gone, mark));
    else ctx.builder.step(change, Phase.deleteVeth, op, []); // not a kind nslab makes: nothing to rebuild
  }
}

/** The other end of a veth among the observed ends of its mark. */
function peerOf(e: End, ends: End[]): End | undefined {
  const others = ends.filter((o) => o !== e && o.link.kind === 'veth');
  const linked = others.find(
    (o) => (e.link.peer && keyOf(o) === endKey(e.link.peer.ns, e.link.peer.name)) || (o.link.peer && endKey(o.link.peer.ns, o.link.peer.name) === keyOf(e)),
  );
  if (linked) return linked;
  // Two ends of one mark and no peer information at all: they are the pair.
  return others.length === 1 && !e.link.peer && !others[0]!.link.peer ? others[0] : undefined;
}

/** Ports a deleted bridge drops: the undo puts back those this plan did not delete or release. */
function portsOf(ctx: PlanContext, bridge: End): Op[] {
  const links = ctx.observed.namespaces[bridge.ns]?.links ?? {};
  return sortedKeys(links)
    .filter((n) => links[n]!.master === bridge.link.name && !ctx.deleted.has(endKey(bridge.ns, n)) && !ctx.released.has(endKey(bridge.ns, n)))
    .map((n): Op => ({ type: 'link.set', ns: bridge.ns, name: n, master: bridge.link.name }));
}

// ---------------------------------------------------------------------------------------------
// Updating, end by end: addresses (removals first), bridge membership, up.

/** `mark`: the ends are adopted, so each one gets the lab's mark as well. */
function updateEnds(ctx: PlanContext, want: End[], have: End[], mark?: string): void {
  const b = ctx.builder;
  const bridge = resourceOf(want) === 'bridge';
  const steps: { phase: Phase; op: Op; undo: Op[] }[] = [];
  const details: string[] = [];
  const disrupted: string[] = [];
  for (const w of displayOrder(ctx, want)) {
    const h = have.find((x) => keyOf(x) === keyOf(w))!;
    const { ns } = w;
    const name = w.link.name;
    const prefix = bridge ? '' : `${endName(ns, name)} `;
    if (mark !== undefined && h.link.mark !== mark) {
      details.push(`${prefix}mark: ${h.link.mark ?? '(none)'} -> ${mark}`);
      steps.push({ phase: Phase.linkUpdate, op: { type: 'link.set', ns, name, mark }, undo: [{ type: 'link.set', ns, name, mark: h.link.mark ?? '' }] });
    }
    const removed = h.link.addresses.filter((a) => !w.link.addresses.includes(a));
    const added = w.link.addresses.filter((a) => !h.link.addresses.includes(a));
    if (!sameSet(h.link.addresses, w.link.addresses)) {
      details.push(`${prefix}addresses: ${listText(h.link.addresses)} -> ${listText(w.link.addresses)}`);
      for (const cidr of removed) steps.push({ phase: Phase.linkUpdate, op: { type: 'addr.del', ns, dev: name, cidr }, undo: [{ type: 'addr.add', ns, dev: name, cidr }] });
      for (const cidr of added) steps.push({ phase: Phase.linkUpdate, op: { type: 'addr.add', ns, dev: name, cidr }, undo: [{ type: 'addr.del', ns, dev: name, cidr }] });
      // The kernel drops a link's routes when its last address goes.
      if (h.link.addresses.length && removed.length === h.link.addresses.length) disrupted.push(keyOf(w));
    }
    const was = h.link.master ?? null;
    const wanted = w.link.master ?? null;
    if (was !== wanted) {
      details.push(`${prefix}master: ${was ?? '(none)'} -> ${wanted ?? '(none)'}`);
      if (was) {
        ctx.released.add(keyOf(w));
        steps.push({ phase: Phase.releasePort, op: { type: 'link.set', ns, name, master: null }, undo: [{ type: 'link.set', ns, name, master: was }] });
      }
      if (wanted) steps.push({ phase: Phase.linkUpdate, op: { type: 'link.set', ns, name, master: wanted }, undo: [{ type: 'link.set', ns, name, master: null }] });
    }
    if (h.link.up !== w.link.up) {
      details.push(`${prefix}up: ${h.link.up} -> ${w.link.up}`);
      steps.push({ phase: Phase.linkUpdate, op: { type: 'link.set', ns, name, up: w.link.up }, undo: [{ type: 'link.set', ns, name, up: h.link.up }] });
      if (h.link.up && !w.link.up) disrupted.push(keyOf(w)); // and when it goes down
    }
    // netem: changed in place (tc qdisc replace), never by re-creating the link
    if (!sameNetem(w.link.netem, h.link.netem)) {
      details.push(`${prefix}netem: ${netemText(h.link.netem)} -> ${netemText(w.link.netem)}`);
      const reset = h.link.netem && w.link.netem ? { reset: true as const } : {};
      const set = (n: NonNullable<KLink['netem']>): Op => ({ type: 'netem.set', ns, dev: name, netem: n, ...reset });
      const del: Op = { type: 'netem.del', ns, dev: name };
      steps.push({ phase: Phase.linkUpdate, op: w.link.netem ? set(w.link.netem) : del, undo: [h.link.netem ? set(h.link.netem) : del] });
    }
  }
  if (!steps.length) return;
  const c = b.change('update', resourceOf(want), addressOf(ctx, want), displayOrder(ctx, want)[0]!.ns, details);
  for (const s of steps) b.step(c, s.phase, s.op, s.undo);
  for (const key of disrupted) ctx.disrupted.set(key, c);
}
