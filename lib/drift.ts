// Drift per node: how the kernel differs from what the topology asks, in a student's words,
// so the canvas can mark the node that someone changed by hand.
import type { KernelState, KLink, KNamespace, KRoute } from './kernel-state';
import { markLab } from './names';
import { HOST_ID, type Topology } from './topology';

export interface CompiledView {
  lab: string;
  hostNs: string;
  desired: KernelState;
  nodeNs: Record<string, string>;
}

const routeText = (r: KRoute) => [r.dst, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`].filter(Boolean).join(' ');
const sameRoute = (want: KRoute, have: KRoute) =>
  want.dst === have.dst && (want.via ?? '') === (have.via ?? '') && (!want.dev || want.dev === have.dev);

function linkDrift(want: KLink, have: KLink | undefined, lab: string): string[] {
  if (!have) return [`${want.name} is missing`];
  if (markLab(have.mark) !== lab) return [`${want.name} exists but is not part of this lab`];
  const out: string[] = [];
  if (want.up && !have.up) out.push(`${want.name} is DOWN (want UP)`);
  if (!want.up && have.up) out.push(`${want.name} is UP (want DOWN)`);
  if ((want.master ?? null) !== (have.master ?? null)) out.push(`${want.name} is ${have.master ? `a port of ${have.master}` : 'on no bridge'} (want ${want.master ?? 'no bridge'})`);
  const missing = want.addresses.filter((a) => !have.addresses.includes(a));
  const extra = have.addresses.filter((a) => !want.addresses.includes(a));
  if (missing.length) out.push(`${want.name} lacks ${missing.join(', ')}`);
  if (extra.length) out.push(`${want.name} has extra ${extra.join(', ')}`);
  return out;
}

/** Which node a link of the host context belongs to: its bridge (the bridge or a port), or the host. */
function hostLinkOwner(link: KLink, bridges: Set<string>): string {
  if (bridges.has(link.name)) return link.name;
  if (link.master && bridges.has(link.master)) return link.master;
  return HOST_ID;
}

export function nodeDrift(topology: Topology, compiled: CompiledView, observed: KernelState): Record<string, string[]> {
  const { lab, hostNs } = compiled;
  const drift: Record<string, string[]> = { [HOST_ID]: [] };
  for (const n of topology.nodes) drift[n.id] = [];
  const bridges = new Set(topology.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id));
  const nsOwner = new Map<string, string>();
  for (const n of topology.nodes) if (n.kind === 'namespace') nsOwner.set(compiled.nodeNs[n.id] ?? '', n.id);

  for (const [ns, want] of Object.entries(compiled.desired.namespaces)) {
    const have: KNamespace | undefined = observed.namespaces[ns];
    const isHost = ns === hostNs;
    const owner = (l: KLink) => (isHost ? hostLinkOwner(l, bridges) : nsOwner.get(ns) ?? HOST_ID);
    const nsNode = isHost ? HOST_ID : nsOwner.get(ns) ?? HOST_ID;
    const push = (node: string, line: string) => (drift[node] ??= []).push(line);
    if (!have) {
      push(nsNode, `namespace ${ns} is missing`);
      if (isHost) for (const b of bridges) push(b, `namespace ${ns} is missing`);
      continue;
    }
    if (want.owned) {
      const lo = have.links['lo'];
      if (lo && !lo.up) push(nsNode, 'lo is DOWN (want UP)');
    }
    for (const l of Object.values(want.links)) for (const line of linkDrift(l, have.links[l.name], lab)) push(owner(l), line);
    for (const l of Object.values(have.links)) {
      if (markLab(l.mark) === lab && !want.links[l.name] && l.kind !== 'loopback') push(owner(l), `${l.name} is not in the lab`);
    }
    const ours = (r: KRoute) => want.owned || (!!r.dev && markLab(have.links[r.dev]?.mark) === lab);
    for (const r of want.routes) if (!have.routes.some((h) => sameRoute(r, h))) push(nsNode, `route ${routeText(r)} is missing`);
    for (const r of have.routes) if (ours(r) && !want.routes.some((w) => sameRoute(w, r))) push(nsNode, `route ${routeText(r)} is not in the lab`);
    if (want.forwarding && !have.forwarding) push(nsNode, 'forwarding is off (want on)');
    if (!want.forwarding && have.forwarding && want.owned) push(nsNode, 'forwarding is on (want off)');
    const natKey = (n: KNamespace['nat']) => JSON.stringify(n?.rules ?? []);
    if (natKey(want.nat) !== natKey(have.nat)) push(nsNode, want.nat ? 'NAT rules differ from the lab' : 'NAT rules are not in the lab');
  }
  return drift;
}
