// Adopt: what the kernel has (namespaces, bridges, veth pairs made by hand with `ip`) as a
// topology draft. Pure: server/kernel/adopt.ts reads the kernel into a KernelScan, this turns
// it into a lab whose plan changes nothing but nslab's ownership marks (the draft keeps every
// kernel name: `netns` on namespace nodes, bridge ids, interface names; `adopt: true` lets the
// planner take the unmarked objects over instead of calling them conflicts).
import type { KLink, KRoute } from './kernel-state';
import { MARK_PREFIX } from './names';
import { HOST_ID, NETNS_NAME, NODE_ID, RESERVED_NAMES, type Endpoint, type Link, type Topology, type TopologyNode } from './topology';
import { checkTopology, type Problem } from './validate';

/** A link as `ip -j -d` shows it, with the two fields that tell where a veth's peer is. */
export interface ScanLink extends KLink {
  ifindex: number;
  /** the peer's ifindex (veth), in the namespace named by linkNetnsid, else in this one */
  linkIndex?: number;
  /** the peer's namespace, as an nsid of *this* namespace (`ip netns list-id`) */
  linkNetnsid?: number;
}

/** One namespace as read ('' = the current one, the host context of the draft). */
export interface ScanNamespace {
  name: string;
  links: ScanLink[];
  /** static routes (connected ones left out) */
  routes: KRoute[];
  forwarding: boolean;
  /** this namespace's nsids -> the /run/netns name they stand for (null: no name, maybe the current one) */
  nsids: Record<number, string | null>;
}

export interface KernelScan {
  namespaces: ScanNamespace[];
}

export interface PairEnd {
  ns: string;
  link: ScanLink;
}

export interface AdoptDraft {
  topology: Topology;
  /** node id -> the kernel object it stands for (a namespace name, or a bridge in the host context) */
  names: Record<string, string>;
  /** what was found but left out, and why (for a student to read) */
  notes: string[];
  /** problems checkTopology still finds in the draft (empty when it can be created as is) */
  problems: Problem[];
}

export interface DraftOptions {
  lab?: string;
  /** kernel names (namespaces, bridges) to leave out */
  exclude?: readonly string[];
  /** when given, only these kernel names (namespaces, bridges) are adopted */
  only?: readonly string[];
}

const isOurs = (mark: string | null | undefined) => !!mark && mark.startsWith(MARK_PREFIX);

/** A namespace is nslab's when its lo carries an nslab mark. */
export function isNslabNamespace(ns: ScanNamespace): boolean {
  return isOurs(ns.links.find((l) => l.name === 'lo')?.mark);
}

/**
 * Pairs veth ends across namespaces: an end's peer is the link with ifindex `linkIndex` in the
 * namespace its `linkNetnsid` names (or its own). An nsid without a name is taken to be the
 * current namespace only when that namespace has a veth pointing straight back.
 */
export function pairVethEnds(scan: KernelScan): Array<[PairEnd, PairEnd]> {
  const byName = new Map(scan.namespaces.map((n) => [n.name, n]));
  const find = (ns: string, ifindex: number): PairEnd | undefined => {
    const link = byName.get(ns)?.links.find((l) => l.ifindex === ifindex);
    return link ? { ns, link } : undefined;
  };
  const peerNs = (ns: ScanNamespace, l: ScanLink): string | null | undefined => {
    if (l.linkNetnsid === undefined) return ns.name;
    return ns.nsids[l.linkNetnsid] ?? null; // null: no name for it here
  };
  const pairs: Array<[PairEnd, PairEnd]> = [];
  const seen = new Set<string>();
  const key = (e: PairEnd) => `${e.ns}/${e.link.ifindex}`;
  for (const ns of scan.namespaces) {
    for (const link of ns.links) {
      if (link.kind !== 'veth' || link.linkIndex === undefined || seen.has(key({ ns: ns.name, link }))) continue;
      const where = peerNs(ns, link);
      let peer: PairEnd | undefined;
      if (typeof where === 'string') peer = find(where, link.linkIndex);
      else if (where === null && ns.name !== '') peer = find('', link.linkIndex); // unnamed: maybe the current one
      if (!peer || peer.link.kind !== 'veth' || peer.link.linkIndex !== link.ifindex) continue;
      // The other end must point back here: its nsid has to name this namespace (or be unnamed and this is the current one).
      const back = byName.get(peer.ns) ? peerNs(byName.get(peer.ns)!, peer.link) : undefined;
      if (back !== ns.name && !(back === null && ns.name === '')) continue;
      seen.add(key({ ns: ns.name, link }));
      seen.add(key(peer));
      pairs.push([{ ns: ns.name, link }, peer]);
    }
  }
  return pairs;
}

/** A node id from a kernel name: the NODE_ID rules, unique (case-insensitively), never `host` or an ip keyword. */
export function nodeIdFor(name: string, taken: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9_-]/g, '-');
  if (!/^[A-Za-z]/.test(base)) base = `n${base}`;
  base = base.slice(0, 15);
  const free = (id: string) => NODE_ID.test(id) && !taken.has(id.toLowerCase()) && !RESERVED_NAMES.has(id.toLowerCase()) && id.toLowerCase() !== HOST_ID;
  let id = base;
  for (let k = 2; !free(id); k++) id = `${base.slice(0, 15 - String(k).length - 1)}-${k}`;
  taken.add(id.toLowerCase());
  return id;
}

const IFACE_OK = (name: string) => NODE_ID.test(name) && !RESERVED_NAMES.has(name.toLowerCase());

/** Routes as the topology writes them: `default via …`, `PREFIX via …` or `PREFIX dev …`. */
function draftRoutes(routes: KRoute[], ifaces: Set<string>, where: string, notes: string[]) {
  const out: NonNullable<Extract<TopologyNode, { kind: 'namespace' }>['routes']> = [];
  for (const r of routes) {
    if (r.dev && !ifaces.has(r.dev)) {
      notes.push(`route ${r.dst}${r.via ? ` via ${r.via}` : ''} dev ${r.dev} in ${where} was left out: ${r.dev} is not a veth the lab adopts (applying the lab would remove this route)`);
      continue;
    }
    out.push({ to: r.dst, ...(r.via ? { via: r.via } : { dev: r.dev! }) });
  }
  return out;
}

/** Turns a kernel scan into a lab draft. The current namespace ('') is the draft's host context. */
export function draftFromScan(scan: KernelScan, opts: DraftOptions = {}): AdoptDraft {
  const lab = opts.lab ?? 'adopted';
  const only = opts.only ? new Set(opts.only) : null;
  const excluded = new Set(opts.exclude ?? []);
  /** left out by the user's choice */
  const leftOut = (name: string) => excluded.has(name) || (only !== null && !only.has(name));
  const notes: string[] = [];
  const names: Record<string, string> = {};
  const taken = new Set<string>([HOST_ID]);
  const nodes: TopologyNode[] = [];
  const nsNode = new Map<string, string>(); // namespace name -> node id
  const host = scan.namespaces.find((n) => n.name === '');

  // Bridges of the host context (their node id is their kernel name, so it must be a valid id).
  const bridgeNode = new Set<string>();
  for (const l of host?.links ?? []) {
    if (l.kind !== 'bridge' || isOurs(l.mark) || leftOut(l.name)) continue;
    if (!NODE_ID.test(l.name) || RESERVED_NAMES.has(l.name.toLowerCase()) || l.name === HOST_ID) {
      notes.push(`bridge ${l.name} was left out: its name is not a valid node id (1-15 of A-Z a-z 0-9 _ -, starting with a letter)`);
      continue;
    }
    taken.add(l.name.toLowerCase());
    bridgeNode.add(l.name);
    names[l.name] = l.name;
    nodes.push({ id: l.name, kind: 'bridge', ...(l.addresses.length ? { addresses: [...l.addresses] } : {}) });
  }

  // Namespaces in /run/netns that are not nslab's.
  for (const ns of scan.namespaces) {
    if (ns.name === '' || leftOut(ns.name)) continue;
    if (isNslabNamespace(ns)) continue;
    if (!NETNS_NAME.test(ns.name)) {
      notes.push(`namespace ${ns.name} was left out: nslab only takes names of A-Z a-z 0-9 _ - (up to 64)`);
      continue;
    }
    const id = nodeIdFor(ns.name, taken);
    nsNode.set(ns.name, id);
    names[id] = ns.name;
  }

  // Veth pairs between the host context and adopted namespaces (or between two of them).
  const links: Link[] = [];
  const ifacesOf = new Map<string, Set<string>>(); // ns -> adopted interface names
  const endpoint = (e: PairEnd): Endpoint | string => {
    const { ns, link } = e;
    if (isOurs(link.mark)) return `${link.name} carries an nslab mark`;
    if (!IFACE_OK(link.name)) return `interface name ${link.name} is not one nslab accepts`;
    if (ns !== '') {
      const node = nsNode.get(ns);
      if (!node) return `namespace ${ns} is not adopted`;
      if (link.master) return `${link.name} is a port of ${link.master} inside namespace ${ns}`;
      return { node, iface: link.name, ...(link.addresses.length ? { addresses: [...link.addresses] } : {}) };
    }
    if (link.master) {
      if (!bridgeNode.has(link.master)) return `${link.name} is a port of ${link.master}, which is not adopted`;
      if (link.addresses.length) return `${link.name} is a port of ${link.master} and has addresses (${link.addresses.join(', ')}), which a bridge port does not carry in nslab`;
      return { node: link.master, iface: link.name };
    }
    return { node: HOST_ID, iface: link.name, ...(link.addresses.length ? { addresses: [...link.addresses] } : {}) };
  };
  const shown = (e: PairEnd) => `${e.ns || '(host)'}/${e.link.name}`;
  for (const [a, b] of pairVethEnds(scan)) {
    if (isOurs(a.link.mark) || isOurs(b.link.mark)) continue;
    if ([a, b].some((e) => e.ns !== '' && !nsNode.has(e.ns) && (leftOut(e.ns) || isNslabNs(scan, e.ns)))) continue;
    const ea = endpoint(a);
    const eb = endpoint(b);
    const why = typeof ea === 'string' ? ea : typeof eb === 'string' ? eb : a.ns === b.ns ? `both ends are in ${a.ns || 'the host context'}` : null;
    if (why || typeof ea === 'string' || typeof eb === 'string') {
      notes.push(`veth ${shown(a)} <-> ${shown(b)} was left out: ${why}`);
      continue;
    }
    if (ea.node === eb.node) {
      notes.push(`veth ${shown(a)} <-> ${shown(b)} was left out: both ends belong to ${ea.node}`);
      continue;
    }
    // The namespace end first, as the seed lab writes it.
    links.push(a.ns === '' ? { a: eb, b: ea } : { a: ea, b: eb });
    for (const e of [a, b]) ifacesOf.set(e.ns, (ifacesOf.get(e.ns) ?? new Set()).add(e.link.name));
  }

  for (const ns of scan.namespaces) {
    const id = nsNode.get(ns.name);
    if (!id) continue;
    const routes = draftRoutes(ns.routes, ifacesOf.get(ns.name) ?? new Set(), `namespace ${ns.name}`, notes);
    const others = ns.links.filter((l) => l.kind !== 'loopback' && !ifacesOf.get(ns.name)?.has(l.name));
    if (others.length) notes.push(`namespace ${ns.name}: ${others.map((l) => `${l.name} (${l.kind})`).join(', ')} stay as they are; nslab does not manage them`);
    nodes.push({
      id,
      kind: 'namespace',
      netns: ns.name,
      ...(ns.forwarding ? { forwarding: true, role: 'router' as const } : {}),
      ...(routes.length ? { routes } : {}),
    });
  }
  if (host?.routes.length) notes.push(`routes of the host context are the machine's own and are not adopted`);

  const draft: Topology = {
    name: lab,
    description: `Adopted from the kernel: ${Object.values(names).join(', ') || 'nothing found'}.`,
    adopt: true,
    host: { netns: '', ...(host?.forwarding ? { forwarding: true } : {}) },
    nodes,
    links,
  };
  // no positions: the editor lays an adopted lab out with elkjs when it is first opened
  // (lib/editor/layout.ts); until then pictures use the layered default of nodePositions
  const checked = checkTopology(draft);
  return { topology: checked.ok ? checked.topology : draft, names, notes, problems: checked.ok ? [] : checked.problems };
}

function isNslabNs(scan: KernelScan, name: string): boolean {
  const ns = scan.namespaces.find((n) => n.name === name);
  return !!ns && isNslabNamespace(ns);
}
