// Drift per node: the planner's own changes (lib/plan.ts), told in a student's words and pinned
// on the node they touch, so the canvas can mark the node someone changed by hand. There is no
// second diff here: a node shows drift exactly when the plan has a step (or a conflict) for it,
// so the canvas and the plan can never disagree.
import type { KernelState } from './kernel-state';
import { netemText } from './netem';
import { FORWARDING6_KEY, type Change, type Op, type Plan } from './ops';
import { plan as makePlan, routeText } from './plan';
import { HOST_ID, type Topology } from './topology';

export interface CompiledView {
  lab: string;
  hostNs: string;
  desired: KernelState;
  nodeNs: Record<string, string>;
}

interface Where {
  ns: string;
  /** the interface, when the line is about one */
  link?: string;
}

/** The node a kernel object belongs to: a namespace's node; in the host context a bridge (itself or a port of it), else the host. */
function ownerOf(topology: Topology, compiled: CompiledView, observed: KernelState) {
  const bridges = new Set(topology.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id));
  const nsOwner = new Map<string, string>();
  for (const n of topology.nodes) if (n.kind === 'namespace' && compiled.nodeNs[n.id] !== undefined) nsOwner.set(compiled.nodeNs[n.id]!, n.id);
  const masterOf = (w: Where) => {
    const of = (s: KernelState) => (w.link ? s.namespaces[w.ns]?.links[w.link]?.master : undefined);
    return of(compiled.desired) ?? of(observed) ?? null;
  };
  return (w: Where): string => {
    const node = nsOwner.get(w.ns);
    if (node !== undefined) return node;
    if (w.link && bridges.has(w.link)) return w.link;
    const master = masterOf(w);
    return master && bridges.has(master) ? master : HOST_ID;
  };
}

type Line = [Where, string];

/** What one step of a change means, as lines; [] when another step of the change says it. */
function linesOf(op: Op, change: Change, observed: KernelState, desired: KernelState): Line[] {
  const { action, resource } = change;
  const link = (ns: string, name: string) => observed.namespaces[ns]?.links[name];
  const at = (ns: string, l?: string): Where => (l === undefined ? { ns } : { ns, link: l });
  const recreated = action === 'replace' ? ` must be re-created (${change.details.join('; ')})` : ' is missing';
  switch (op.type) {
    case 'netns.add':
      return [[at(op.ns), `namespace ${op.ns} is missing`]];
    case 'userns.del':
      return [];
    case 'netns.del':
      return action === 'delete' ? [[at(op.ns), `namespace ${op.ns} is not in the lab`]] : [];
    case 'bridge.add':
      return [[at(op.ns, op.name), `${op.name}${recreated}`]];
    case 'veth.add':
      return [
        [at(op.ns, op.name), `${op.name}${recreated}`],
        [at(op.peerNs, op.peerName), `${op.peerName}${recreated}`],
      ];
    case 'link.del': {
      if (action !== 'delete') return [];
      const peer = link(op.ns, op.name)?.peer;
      return [[at(op.ns, op.name), `${op.name} is not in the lab`], ...(peer ? [[at(peer.ns, peer.name), `${peer.name} is not in the lab`] as Line] : [])];
    }
    case 'link.set': {
      if (action !== 'update') return [];
      const where = at(op.ns, op.name);
      const have = link(op.ns, op.name);
      const out: Line[] = [];
      if (op.up !== undefined) out.push([where, `${op.name} is ${op.up ? 'DOWN (want UP)' : 'UP (want DOWN)'}`]);
      if (op.master !== undefined) {
        const want = desired.namespaces[op.ns]?.links[op.name]?.master ?? null;
        out.push([where, `${op.name} is ${have?.master ? `a port of ${have.master}` : 'on no bridge'} (want ${want ?? 'no bridge'})`]);
      }
      if (op.mark !== undefined) out.push([where, `${op.name} is not marked as part of the lab`]);
      return out;
    }
    case 'addr.add':
      return action === 'update' ? [[at(op.ns, op.dev), `${op.dev} lacks ${op.cidr}`]] : [];
    case 'addr.del':
      return action === 'update' ? [[at(op.ns, op.dev), `${op.dev} has extra ${op.cidr}`]] : [];
    case 'route.add':
    case 'route.replace':
      if (resource !== 'route') return []; // set again with its link: the link's lines say why
      if (action === 'replace') return [[at(op.ns), `route ${routeText(op.route)} must be set again (${change.details.join('; ')})`]];
      if (action === 'create') return [[at(op.ns), `route ${routeText(op.route)} is missing`]];
      return [[at(op.ns), `route ${op.route.dst} differs (${change.details.join(', ')})`]];
    case 'route.del':
      return resource === 'route' && action === 'delete' ? [[at(op.ns), `route ${routeText(op.route)} is not in the lab`]] : [];
    case 'sysctl.set':
      if (resource !== 'forwarding') return []; // part of a namespace's creation
      return [[at(op.ns), `${op.key === FORWARDING6_KEY ? 'IPv6 forwarding' : 'forwarding'} is ${op.value === '1' ? 'off (want on)' : 'on (want off)'}`]];
    case 'nft.load':
      if (action === 'create') return [[at(op.ns), 'NAT rules are missing']];
      return action === 'update' ? [[at(op.ns), `NAT rules differ from the lab (${change.details.join(', ')})`]] : [];
    case 'nft.del':
      return action === 'delete' ? [[at(op.ns), 'NAT rules are not in the lab']] : [];
    case 'netem.set':
      if (action !== 'update') return [];
      return [[at(op.ns, op.dev), `${op.dev} netem is ${netemText(link(op.ns, op.dev)?.netem)} (want ${netemText(op.netem)})`]];
    case 'netem.del':
      return action === 'update' ? [[at(op.ns, op.dev), `${op.dev} has a netem the lab does not set (${netemText(link(op.ns, op.dev)?.netem)})`]] : [];
    case 'bridge.vlanFiltering':
      return action === 'update' ? [[at(op.ns, op.name), `${op.name} has VLAN filtering ${op.on ? 'off (want on)' : 'on (want off)'}`]] : [];
    case 'bridge.vlan.add':
    case 'bridge.vlan.del':
      return action === 'update' ? [[at(op.ns, op.dev), `${op.dev}: ${change.details.join('; ')}`]] : [];
    case 'vlan.add':
      return [[at(op.ns, op.name), `${op.name}${recreated}`]];
  }
}

/**
 * Drift lines per node id (every node of the topology and the host has an entry). `made`: the
 * plan already made from the same compiled and observed states (made here when not given).
 */
export function nodeDrift(topology: Topology, compiled: CompiledView, observed: KernelState, made?: Plan): Record<string, string[]> {
  const p = made ?? makePlan(compiled.lab, compiled.desired, observed);
  const owner = ownerOf(topology, compiled, observed);
  const drift: Record<string, string[]> = { [HOST_ID]: [] };
  for (const n of topology.nodes) drift[n.id] = [];
  const push = (w: Where, line: string) => {
    const list = (drift[owner(w)] ??= []);
    if (!list.includes(line)) list.push(line);
  };
  for (const c of p.conflicts) push({ ns: c.ns, link: c.object }, c.message);
  for (const step of p.steps) {
    const change = p.changes[step.change];
    if (change) for (const [w, line] of linesOf(step.op, change, observed, compiled.desired)) push(w, line);
  }
  return drift;
}
