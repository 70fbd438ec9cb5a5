// plan(lab, desired, observed): the ordered, undoable steps that turn what the kernel has into
// what the lab asks for. Pure. Only objects marked as this lab's are changed or deleted; a
// foreign object in the way is a conflict. Observed-only fields (ifindex, oper, mac, stats)
// are never compared.
import type { KernelState, KNamespace, KNatRule, KRoute } from './kernel-state';
import { markLab, natMark, natTable } from './names';
import { FORWARDING6_KEY, FORWARDING_KEY, type Op, type Plan } from './ops';
import { cmp, inNs, nsPhrase, Phase, routeText } from './plan-builder';
import { PlanContext, type NsView } from './plan-context';
import { planLinks } from './plan-links';
import { planVlans } from './vlan';

export { routeText } from './plan-builder';

export function plan(lab: string, desired: KernelState, observed: KernelState): Plan {
  const ctx = new PlanContext(lab, desired, observed);
  planLinks(ctx); // first: it tells which links disappear, and routes through them with them
  planVlans(ctx); // VLAN filtering, port membership, sub-interfaces (lib/vlan.ts)
  for (const view of ctx.views.values()) {
    planNamespace(ctx, view);
    if (view.status === 'conflict') continue;
    planRoutes(ctx, view);
    planForwarding(ctx, view);
    planNat(ctx, view);
  }
  return ctx.builder.build();
}

/**
 * Destroying a lab: the plan to a kernel without any of it. `restore`: the machine's own
 * ip_forward as it was before nslab first changed it, put back at the end (the caller decides
 * whether another lab still needs it).
 */
export function destroyPlan(lab: string, observed: KernelState, restore?: { forwarding: boolean }, strayUserns: string[] = []): Plan {
  const p = plan(lab, { namespaces: {} }, observed);
  // user namespace files of the lab's namespaces that are gone already (a crash between the two
  // deletions): nslab's own folder, so they are removed without further proof
  for (const ns of [...strayUserns].sort()) {
    if (observed.namespaces[ns]) continue;
    p.steps.push({ op: { type: 'userns.del', ns }, undo: [], change: p.changes.length });
    p.changes.push({ action: 'delete', resource: 'namespace', address: `user namespace file of ${ns}`, ns: '', details: ['its network namespace is gone'] });
    p.summary.destroy += 1;
  }
  const current = observed.namespaces['']?.forwarding;
  if (!restore || current === undefined || current === restore.forwarding) return p;
  const bit = (on: boolean) => (on ? '1' : '0');
  p.steps.push({
    op: { type: 'sysctl.set', ns: '', key: FORWARDING_KEY, value: bit(restore.forwarding) },
    undo: [{ type: 'sysctl.set', ns: '', key: FORWARDING_KEY, value: bit(current) }],
    change: p.changes.length,
  });
  p.changes.push({ action: 'update', resource: 'forwarding', address: 'forwarding (this machine)', ns: '', details: [`restore ${FORWARDING_KEY} to ${bit(restore.forwarding)}`] });
  p.summary.change += 1;
  return p;
}

// ---------------------------------------------------------------------------------------------

function planNamespace(ctx: PlanContext, v: NsView): void {
  const b = ctx.builder;
  const { name, want, have } = v;
  const address = `namespace ${name}`;
  switch (v.status) {
    case 'create': {
      const c = b.change('create', 'namespace', address, name, want!.forwarding ? ['forwarding: on'] : []);
      b.step(c, Phase.namespace, { type: 'netns.add', ns: name, mark: want!.mark ?? '' }, [{ type: 'netns.del', ns: name }]);
      // A new namespace copies ip_forward from the machine's (init) namespace: set it unless
      // the observer says the copy is already what we want. Undoing the namespace's creation
      // discards it, so the step needs no undo of its own.
      if (ctx.observed.newNamespaceForwarding !== want!.forwarding) b.step(c, Phase.forwarding, forwardingOp(name, want!.forwarding), []);
      // IPv6 forwarding of a new namespace starts off (the kernel's default, not copied)
      if (want!.forwarding6) b.step(c, Phase.forwarding, forwarding6Op(name, true), []);
      return;
    }
    case 'delete': {
      const c = b.change('delete', 'namespace', address, name);
      b.step(c, Phase.deleteNamespace, { type: 'netns.del', ns: name }, [
        { type: 'netns.add', ns: name, mark: have!.mark ?? '' },
        forwardingOp(name, have!.forwarding),
        ...(have!.forwarding6 ? [forwarding6Op(name, true)] : []),
      ]);
      return;
    }
    case 'keep': {
      const lo = have!.links['lo'];
      const mark = want!.mark ?? '';
      // Taking over a hand-made namespace changes only its mark; lo stays as its maker left it.
      if (!lo) return;
      const up = want!.adopt ? lo.up : true;
      if (lo.up === up && lo.mark === mark) return;
      const details = [...(lo.up === up ? [] : ['lo up: false -> true']), ...(lo.mark === mark ? [] : [`lo mark: ${lo.mark ?? '(none)'} -> ${mark}`])];
      const c = b.change('update', 'namespace', address, name, details);
      b.step(c, Phase.namespace, { type: 'link.set', ns: name, name: 'lo', up, mark }, [
        { type: 'link.set', ns: name, name: 'lo', up: lo.up, mark: lo.mark ?? '' },
      ]);
      return;
    }
    case 'conflict': {
      const other = markLab(have!.mark);
      const what = ctx.isHostNs(name) ? 'choose another host namespace (host.netns / --host-netns)' : `remove it (ip netns del ${name}) or rename the lab`;
      b.conflict(name, name, `namespace ${name} already exists and is not part of lab ${ctx.lab}${other ? ` (it belongs to lab ${other})` : ' (nslab did not make it)'}; ${what}`);
      return;
    }
    case 'shared':
      return;
  }
}

function forwardingOp(ns: string, on: boolean): Op {
  return { type: 'sysctl.set', ns, key: FORWARDING_KEY, value: on ? '1' : '0' };
}

function forwarding6Op(ns: string, on: boolean): Op {
  return { type: 'sysctl.set', ns, key: FORWARDING6_KEY, value: on ? '1' : '0' };
}

// ---------------------------------------------------------------------------------------------
// Routes. In a namespace nslab owns every static route is compared; in the machine's own only
// routes through this lab's links are, and a foreign route to the same destination is a conflict.

const sameRoute = (want: KRoute, have: KRoute) => want.dst === have.dst && (want.via ?? '') === (have.via ?? '') && (!want.dev || want.dev === have.dev);
const bare = (r: KRoute): KRoute => ({ dst: r.dst, ...(r.via ? { via: r.via } : {}), ...(r.dev ? { dev: r.dev } : {}) });

function planRoutes(ctx: PlanContext, v: NsView): void {
  const b = ctx.builder;
  const ns = v.name;
  const owned = v.status === 'keep' || v.status === 'delete';
  const all = v.status === 'create' ? [] : (v.have?.routes ?? []);
  const ourLink = (dev: string | undefined) => !!dev && ctx.ours(v.have?.links[dev]?.mark);
  const have = all.filter((r) => owned || ourLink(r.dev)).map(bare).sort(routeOrder);
  const foreign = all.filter((r) => !owned && !ourLink(r.dev));
  const want = [...(v.want?.routes ?? [])].map(bare).sort(routeOrder);
  const used = new Set<number>();
  const address = (r: KRoute) => `route ${routeText(r)} ${inNs(ns)}`;

  for (const d of want) {
    const theirs = foreign.find((f) => f.dst === d.dst);
    if (theirs) {
      b.conflict(ns, `route ${d.dst}`, `a route to ${d.dst} (${routeText(theirs)}) already exists in ${nsPhrase(ns, ctx.hostNs)} and is not part of lab ${ctx.lab}; remove that route or this one from the lab`);
      continue;
    }
    let i = have.findIndex((o, j) => !used.has(j) && sameRoute(d, o));
    if (i < 0) i = have.findIndex((o, j) => !used.has(j) && o.dst === d.dst);
    const create: Op = { type: 'route.replace', ns, route: d };
    const undoCreate: Op[] = [{ type: 'route.del', ns, route: d }];
    if (i < 0) {
      b.step(b.change('create', 'route', address(d), ns), Phase.route, create, undoCreate);
      continue;
    }
    used.add(i);
    const o = have[i]!;
    const cause = o.dev !== undefined ? ctx.disrupted.get(`${ns}/${o.dev}`) : undefined;
    if (cause !== undefined) {
      // The kernel drops this route with its link; take it down explicitly so undo can restore it.
      // When the link is updated or replaced, that is part of the same change.
      const kept = b.actionOf(cause) === 'update' || b.actionOf(cause) === 'replace';
      const c = kept ? cause : b.change('replace', 'route', address(d), ns, [`${o.dev} is re-created or loses its addresses: the route is set again`]);
      if (kept) {
        const why = b.actionOf(cause) === 'update' ? `with ${o.dev}'s old address` : `when ${o.dev} is re-created`;
        b.detail(c, `route ${routeText(d)} is set again (the kernel drops it ${why})`);
      }
      b.step(c, Phase.deleteRoute, { type: 'route.del', ns, route: o }, [{ type: 'route.replace', ns, route: o }]);
      b.step(c, Phase.route, create, undoCreate);
    } else if (!sameRoute(d, o)) {
      const details = [
        ...((d.via ?? '') !== (o.via ?? '') ? [`via: ${o.via ?? '(none)'} -> ${d.via ?? '(none)'}`] : []),
        ...(d.dev && d.dev !== o.dev ? [`dev: ${o.dev ?? '(none)'} -> ${d.dev}`] : []),
      ];
      b.step(b.change('update', 'route', address(d), ns, details), Phase.route, create, [{ type: 'route.replace', ns, route: o }]);
    }
  }
  have.forEach((o, j) => {
    if (used.has(j)) return;
    const c = b.change('delete', 'route', address(o), ns);
    b.step(c, Phase.deleteRoute, { type: 'route.del', ns, route: o }, [{ type: 'route.replace', ns, route: o }]);
  });
}

function routeOrder(a: KRoute, b: KRoute): number {
  return cmp(a.dst, b.dst) || cmp(a.via ?? '', b.via ?? '') || cmp(a.dev ?? '', b.dev ?? '');
}

// ---------------------------------------------------------------------------------------------

/**
 * ip_forward: set in namespaces nslab owns; in the machine's own only ever turned on, never off.
 * IPv6 forwarding: only where the desired state sets it (namespaces nslab owns).
 */
function planForwarding(ctx: PlanContext, v: NsView): void {
  if (v.status !== 'keep' && v.status !== 'shared') return; // created/deleted with the namespace
  if (!v.want || !v.have) return;
  const want = v.want.forwarding;
  const was = v.have.forwarding;
  if (want !== was && !(v.status === 'shared' && !want)) {
    const c = ctx.builder.change('update', 'forwarding', `forwarding ${inNs(v.name)}`, v.name, [`${FORWARDING_KEY}: ${was ? 1 : 0} -> ${want ? 1 : 0}`]);
    ctx.builder.step(c, Phase.forwarding, forwardingOp(v.name, want), [forwardingOp(v.name, was)]);
  }
  const want6 = v.want.forwarding6;
  const was6 = v.have.forwarding6 ?? false;
  if (want6 === undefined || want6 === was6) return;
  const c6 = ctx.builder.change('update', 'forwarding', `IPv6 forwarding ${inNs(v.name)}`, v.name, [`${FORWARDING6_KEY}: ${was6 ? 1 : 0} -> ${want6 ? 1 : 0}`]);
  ctx.builder.step(c6, Phase.forwarding, forwarding6Op(v.name, want6), [forwarding6Op(v.name, was6)]);
}

// ---------------------------------------------------------------------------------------------

const ruleText = (r: KNatRule) => `masquerade ${r.source} out ${r.out}`;
const rulesKey = (rules: KNatRule[]) => rules.map(ruleText).sort(cmp).join('\n');

/** NAT: one nft table per lab and namespace, always loaded whole. */
function planNat(ctx: PlanContext, v: NsView): void {
  const b = ctx.builder;
  const ns = v.name;
  const want = v.want?.nat ?? null;
  const found = v.status === 'create' ? null : (v.have?.nat ?? null);
  const mark = natMark(ctx.lab);
  // Ownership is the table's mark, never its name: an unmarked table of this name is in the way.
  const named = found && found.table === natTable(ctx.lab) ? found : null;
  const have = named && (named.mark === undefined || markLab(named.mark) === ctx.lab) ? named : null;
  if (named && !have) {
    if (want) b.conflict(ns, `nft table ip ${named.table}`, `nft table ip ${named.table} ${inNs(ns)} exists and is not this lab's (${named.mark ? `its mark is "${named.mark}"` : 'it has no nslab mark'}); rename or delete it`);
    return;
  }
  const load = (n: KNamespace['nat'] & object): Op => ({ type: 'nft.load', ns, table: n.table, rules: n.rules, mark });
  const del = (n: KNamespace['nat'] & object): Op => ({ type: 'nft.del', ns, table: n.table });
  if (have && (!want || want.table !== have.table)) {
    const c = b.change('delete', 'nat', `nat ${have.table} ${inNs(ns)}`, ns, have.rules.map((r) => `- ${ruleText(r)}`));
    b.step(c, Phase.deleteNat, del(have), [load(have)]);
  }
  if (!want) return;
  if (!have || want.table !== have.table) {
    const c = b.change('create', 'nat', `nat ${want.table} ${inNs(ns)}`, ns, want.rules.map((r) => `+ ${ruleText(r)}`));
    b.step(c, Phase.nat, load(want), [del(want)]);
  } else if (rulesKey(want.rules) !== rulesKey(have.rules)) {
    const before = have.rules.map(ruleText);
    const after = want.rules.map(ruleText);
    const details = [...before.filter((r) => !after.includes(r)).map((r) => `- ${r}`), ...after.filter((r) => !before.includes(r)).map((r) => `+ ${r}`)];
    const c = b.change('update', 'nat', `nat ${want.table} ${inNs(ns)}`, ns, details);
    b.step(c, Phase.nat, load(want), [load(have)]);
  }
}
