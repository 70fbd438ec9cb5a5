// compile(topology): the lab a user drew, as the kernel state it asks for (desired state).
// Names and marks come from lib/names; the planner diffs this against what the observer reads.
import { canonicalCidr, canonicalIp, compareCidrs, familyOf, networkOf, parseCidr, parseCidr6 } from './addr';
import { NslabError } from './errors';
import type { KernelState, KLink, KNamespace, KRoute } from './kernel-state';
import { bridgeMark, linkMark, natTable, netnsMark, netnsName } from './names';
import { forwards, HOST_ID, type Nat, type Route, type Topology } from './topology';
import { normalizeLinks, type NormEndpoint } from './model';
import { endNetem } from './netem';
import { compileVlans } from './vlan';

export interface Compiled {
  lab: string;
  /** the host context's namespace ('' = this machine's own) */
  hostNs: string;
  desired: KernelState;
  /** every node id (including 'host' and bridges) -> its kernel namespace ('' = this machine's own) */
  nodeNs: Record<string, string>;
}

/** Where the host side lives: an explicit choice, else the file's `host.netns`, else this machine. */
export function hostNamespace(topology: Topology, hostNetns?: string): string {
  return hostNetns ?? topology.host?.netns ?? '';
}

/** The kernel namespace of a node ('host' and bridges live in the host context), or undefined. */
export function nodeNamespace(topology: Topology, nodeId: string, hostNetns?: string): string | undefined {
  if (nodeId === HOST_ID) return hostNamespace(topology, hostNetns);
  const node = topology.nodes.find((n) => n.id === nodeId);
  if (!node) return undefined;
  return node.kind === 'namespace' ? namespaceOf(topology.name, node) : hostNamespace(topology, hostNetns);
}

/** A namespace node's kernel namespace: its explicit `netns` (adopted labs), else `<lab>-<id>`. */
export function namespaceOf(lab: string, node: { id: string; netns?: string | undefined }): string {
  return node.netns ?? netnsName(lab, node.id);
}

/** Addresses as the kernel prints them: IPv4 first, in numeric order, IPv6 in canonical form. */
export function sortAddresses(cidrs: string[]): string[] {
  return [...new Set(cidrs.map(canonicalCidr))].sort(compareCidrs);
}

/** A route's destination as the kernel prints it: `default` (IPv4), `::/0` (IPv6) or the network. */
export function routeDestination(r: Route): string {
  if (r.to === 'default') return r.via && familyOf(r.via) === 6 ? '::/0' : 'default';
  if (parseCidr(r.to)?.prefix === 0) return 'default';
  const c6 = parseCidr6(r.to);
  if (c6) return c6.network;
  return networkOf(r.to) ?? r.to;
}

function compileRoutes(routes: Route[] | undefined): KRoute[] {
  return (routes ?? [])
    .map((r): KRoute => {
      // The kernel prints 0.0.0.0/0 as `default`; write it that way or the plan never settles.
      const dst = routeDestination(r);
      return { dst, ...(r.via ? { via: canonicalIp(r.via) } : {}), ...(r.dev ? { dev: r.dev } : {}) };
    })
    .sort((a, b) => a.dst.localeCompare(b.dst));
}

/** nft prints the source as a network, so write it that way or the plan never settles. */
function compileNat(lab: string, nat: Nat[] | undefined): KNamespace['nat'] {
  if (!nat?.length) return null;
  return { table: natTable(lab), rules: nat.map((n) => ({ source: parseCidr(n.source)?.network ?? n.source, out: n.out })) };
}

function namespace(name: string, mark: string | null, owned: boolean): KNamespace {
  return { name, mark, owned, links: {}, routes: [], forwarding: false, nat: null };
}

export function compile(topology: Topology, opts: { hostNetns?: string } = {}): Compiled {
  const lab = topology.name;
  const hostNs = hostNamespace(topology, opts.hostNetns);
  const nodeNs: Record<string, string> = { [HOST_ID]: hostNs };
  const namespaces: Record<string, KNamespace> = {};

  const host = namespace(hostNs, hostNs ? netnsMark(lab, HOST_ID) : null, hostNs !== '');
  host.routes = compileRoutes(topology.host?.routes);
  host.forwarding = topology.host?.forwarding ?? false;
  // IPv6 forwarding follows `forwarding` where nslab owns the namespace (an isolated host)
  if (hostNs !== '' && topology.adopt !== true) host.forwarding6 = host.forwarding;
  host.nat = compileNat(lab, topology.host?.nat);
  namespaces[hostNs] = host;

  const adopt = topology.adopt === true;
  for (const node of topology.nodes) {
    if (node.kind === 'bridge') {
      nodeNs[node.id] = hostNs;
      host.links[node.id] = {
        ...(adopt ? { adopt } : {}),
        name: node.id,
        kind: 'bridge',
        mark: bridgeMark(lab, node.id),
        up: true,
        master: null,
        addresses: sortAddresses(node.addresses ?? []),
      };
      continue;
    }
    const ns = namespaceOf(lab, node);
    if (ns === hostNs) {
      throw new NslabError('invalid', `host.netns "${hostNs}" is also the namespace of node "${node.id}"; choose another name for the isolated host`);
    }
    nodeNs[node.id] = ns;
    const k = namespace(ns, netnsMark(lab, node.id), true);
    if (adopt) k.adopt = true;
    k.routes = compileRoutes(node.routes);
    k.forwarding = forwards(node);
    // an adopted lab leaves IPv6 forwarding as it found it (its file cannot tell the two apart)
    if (!adopt) k.forwarding6 = k.forwarding;
    k.nat = compileNat(lab, node.nat);
    namespaces[ns] = k;
  }

  const where = (e: NormEndpoint) => nodeNs[e.node] ?? hostNs;
  for (const link of normalizeLinks(topology)) {
    const mark = linkMark(lab, link.id);
    const spec = topology.links[link.index]!;
    const end = (e: NormEndpoint, other: NormEndpoint, netem = endNetem(spec, e === link.a ? spec.a : spec.b)): KLink => ({
      name: e.iface,
      kind: 'veth',
      mark,
      up: true,
      master: e.kind === 'bridge' ? e.node : null,
      addresses: sortAddresses(e.addresses),
      peer: { ns: where(other), name: other.iface },
      ...(netem ? { netem } : {}),
      ...(adopt ? { adopt } : {}),
    });
    for (const [e, other] of [[link.a, link.b], [link.b, link.a]] as const) {
      const ns = namespaces[where(e)];
      if (ns) ns.links[e.iface] = end(e, other);
    }
  }

  const compiled = { lab, hostNs, desired: { namespaces }, nodeNs };
  compileVlans(topology, compiled, sortAddresses);
  return compiled;
}
