// Computed routes: the static routes that let every node of a lab reach every other, for a lab
// of segments (bridges and point-to-point links) joined by routers (namespaces that forward) and
// the host. Pure. For each node and each family, every subnet it is not on is routed through
// the nearest router on that subnet (shortest path in hops, breadth first, through forwarding
// nodes only); a namespace that does not forward and whose routes would all leave through one
// gateway gets a single default route to it instead. Routes the lab has already are kept: a
// destination it routes (or a default route through the same gateway) is not added again.
// The host never gets a default route (it may be this machine's own namespace).
import { familyOf, networkOf, parseCidr, parseCidr6 } from './addr';
import { routeDestination } from './compile';
import { contextOf, normalizeLinks } from './model';
import { forwards, HOST_ID, type Route, type Topology } from './topology';

export interface AutoRoute {
  /** a namespace node's id, or `host` */
  node: string;
  route: Route;
}

interface Attachment {
  node: string;
  segment: string;
  /** this node's address on the segment, of the family being routed (no prefix) */
  address: string;
}

type Family = 4 | 6;

const familyOfCidr = (c: string): Family | null => (parseCidr(c) ? 4 : parseCidr6(c) ? 6 : null);

/** The routes to add, host first, then the namespaces in the lab's order; IPv4 before IPv6. */
export function autoRoutes(t: Topology): AutoRoute[] {
  const routed = [HOST_ID, ...t.nodes.filter((n) => n.kind === 'namespace').map((n) => n.id)];
  const out: AutoRoute[] = [];
  const plans = ([4, 6] as const).map((f) => routesOfFamily(t, f));
  for (const node of routed) for (const p of plans) out.push(...(p.get(node) ?? []).map((route) => ({ node, route })));
  return out;
}

/** The nodes that forward packets of this family (IPv6 forwarding of this machine's own namespace is never set). */
function forwarders(t: Topology, f: Family): Set<string> {
  const out = new Set(t.nodes.filter((n) => n.kind === 'namespace' && forwards(n)).map((n) => n.id));
  if (t.host?.forwarding && (f === 4 || !!t.host?.netns)) out.add(HOST_ID);
  return out;
}

function routesOfFamily(t: Topology, f: Family): Map<string, Route[]> {
  const forwarding = forwarders(t, f);
  // attachments: who is on which segment, with which address of family f
  const attachments: Attachment[] = [];
  const prefixOf = new Map<string, string>();
  const attach = (node: string, segment: string, addresses: string[]) => {
    const a = addresses.find((x) => familyOfCidr(x) === f);
    if (!a) return;
    attachments.push({ node, segment, address: a.slice(0, a.indexOf('/')) });
    if (!prefixOf.has(segment)) prefixOf.set(segment, networkOf(a)!);
  };
  for (const n of t.nodes) if (n.kind === 'bridge') attach(HOST_ID, `bridge:${n.id}`, n.addresses ?? []);
  for (const l of normalizeLinks(t)) {
    for (const [e, other] of [[l.a, l.b], [l.b, l.a]] as const) {
      if (e.kind === 'bridge') continue;
      const segment = other.kind === 'bridge' ? `bridge:${other.node}` : `link:${l.id}`;
      attach(contextOf(e.kind, e.node), segment, e.addresses);
    }
  }
  const bySegment = new Map<string, Attachment[]>();
  const byNode = new Map<string, Attachment[]>();
  const push = (m: Map<string, Attachment[]>, k: string, a: Attachment) => {
    const list = m.get(k);
    if (list) list.push(a);
    else m.set(k, [a]);
  };
  for (const a of attachments) {
    push(bySegment, a.segment, a);
    push(byNode, a.node, a);
  }
  const routesOf = new Map<string, Route[]>(t.nodes.flatMap((n) => (n.kind === 'namespace' ? [[n.id, n.routes ?? []] as const] : [])));
  const existing = (node: string): Route[] => (node === HOST_ID ? t.host?.routes : routesOf.get(node)) ?? [];
  const result = new Map<string, Route[]>();
  for (const [src, own] of byNode) {
    const have = existing(src);
    const haveDest = new Set(have.map(routeDestination));
    const defaultDest = f === 4 ? 'default' : '::/0';
    const defaultVia = have.find((r) => routeDestination(r) === defaultDest)?.via;
    // breadth first from src: each node found, with the gateway (src's neighbour) it is reached through
    const gateway = new Map<string, string>([[src, '']]);
    const queue = [src];
    const exitOf = new Map<string, string>(); // segment -> gateway, for segments src is not on
    const mine = new Set(own.map((a) => a.segment));
    for (let i = 0; i < queue.length; i++) {
      const x = queue[i]!;
      if (x !== src && !forwarding.has(x)) continue;
      for (const a of byNode.get(x) ?? []) {
        if (x !== src && !mine.has(a.segment) && !exitOf.has(a.segment)) exitOf.set(a.segment, gateway.get(x)!);
        for (const b of bySegment.get(a.segment) ?? []) {
          if (gateway.has(b.node)) continue;
          gateway.set(b.node, x === src ? b.address : gateway.get(x)!);
          queue.push(b.node);
        }
      }
    }
    const wanted = [...exitOf]
      .map(([segment, via]) => ({ to: prefixOf.get(segment)!, via }))
      .filter((r) => !haveDest.has(r.to) && r.via !== defaultVia)
      .sort((a, b) => a.to.localeCompare(b.to));
    // dedupe destinations (two segments with one prefix are a fault validation reports)
    const seen = new Set<string>();
    let routes: Route[] = wanted.filter((r) => !seen.has(r.to) && seen.add(r.to));
    const gateways = new Set(routes.map((r) => r.via));
    const leaf = src !== HOST_ID && !forwarding.has(src) && defaultVia === undefined;
    if (leaf && gateways.size === 1 && routes.length > 0) routes = [{ to: 'default', via: routes[0]!.via! }];
    if (routes.length) result.set(src, routes);
  }
  return result;
}

/** The lab with these routes added to its nodes (a new object; the input is not changed). */
export function withRoutes(t: Topology, add: AutoRoute[]): Topology {
  const out: Topology = structuredClone(t);
  for (const { node, route } of add) {
    if (node === HOST_ID) {
      out.host ??= {};
      (out.host.routes ??= []).push(route);
      continue;
    }
    const n = out.nodes.find((x) => x.id === node);
    if (n?.kind === 'namespace') (n.routes ??= []).push(route);
  }
  return out;
}

/** One line per route, as the CLI and the dashboard show them before they are added. */
export function autoRouteLines(add: AutoRoute[]): string[] {
  return add.map(({ node, route }) => `+ ${node === HOST_ID ? 'host' : node}: ${route.to}${familyOf(route.via ?? '') === 6 && route.to === 'default' ? ' (IPv6)' : ''} via ${route.via}`);
}
