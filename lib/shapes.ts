// Shapes: a whole lab generated from a shape and a size (`nslab new`, the dashboard's New lab),
// with addresses (lib/autoaddr.ts), routes where the shape is routed, and a layout. Pure.
//
// `size` counts the lab's namespaces n1..nN; a star's size counts its spokes, around a centre
// (a bridge, or with --routed the router `hub`). The host takes part in every generated lab, so
// the all-pairs matrix (`nslab reach`) is full with it too: it is linked to the first node (n1,
// or the star's centre) and is never a router.
//
//   routed (--routed): the namespaces are routers joined by point-to-point veths, each link its
//     own /30 from the pool. Every namespace with two or more links forwards (`forwarding: true`,
//     drawn as a router); every node (the host too) gets static routes to every subnet it is not
//     on, via its neighbour on a shortest path, aggregated where neighbouring subnets share a
//     gateway. line: a chain; ring: a cycle (each way round to the nearer end); star: `hub` and
//     N spokes; tree: a binary tree (n1 the root, ni's children n2i and n2i+1); mesh: every
//     namespace linked to every other.
//   layer 2 (default): the same drawing with a bridge (a switch) in place of each router and a
//     namespace on each bridge: one broadcast domain, one subnet, no routes. line: switches
//     s1..sN in a chain; tree: switches in a binary tree; star: one bridge br0 with every
//     namespace on it. A ring or a mesh of bridges is a loop, and nslab's bridges run without
//     STP (a loop floods the segment with its own broadcasts for ever): both need --routed.
import { fromInt, parseCidr, toInt } from './addr';
import { assignAddresses, DEFAULT_POOL, parsePool } from './autoaddr';
import { NslabError } from './errors';
import { LAB_LIMITS } from './limits';
import { HOST_ID, IFACE_NAME, labNameSchema, type Link, type NamespaceNode, type Route, type Topology, type TopologyNode } from './topology';

export const SHAPES = ['line', 'ring', 'star', 'tree', 'mesh'] as const;
export type Shape = (typeof SHAPES)[number];

/** The fewest namespaces each shape takes (a star: spokes). */
export const SHAPE_MIN: Record<Shape, number> = { line: 2, ring: 3, star: 2, tree: 3, mesh: 3 };

/** Shapes that exist only routed: as bridges they would be layer-2 loops. */
export const ROUTED_ONLY: readonly Shape[] = ['ring', 'mesh'];

export interface ShapeOptions {
  shape: Shape;
  size: number;
  routed?: boolean;
  /** the lab's name (default `<shape><size>`, e.g. ring6) */
  name?: string;
  /** where addresses come from (default 10.0.0.0/8) */
  pool?: string;
  /** the isolated host (default `<name>-host`; '' = this machine's own namespace) */
  hostNetns?: string;
}

/** How many nodes, links and ports of the biggest bridge a shape of this size makes. */
export function shapeCounts(shape: Shape, size: number, routed: boolean): { nodes: number; links: number; ports: number } {
  const edges = shape === 'ring' ? size : shape === 'star' ? size : shape === 'mesh' ? (size * (size - 1)) / 2 : size - 1;
  if (routed) return { nodes: size + (shape === 'star' ? 1 : 0), links: edges + 1, ports: 0 };
  if (shape === 'star') return { nodes: size + 1, links: size + 1, ports: size + 1 };
  // a bridge per namespace, the bridges joined as the shape's edges; ports: a tree's switch has a parent, two children and its namespace
  return { nodes: 2 * size, links: size + edges + 1, ports: shape === 'line' ? 3 : 4 };
}

/** The largest size within the limits (LAB_LIMITS) for a shape. */
export function shapeMax(shape: Shape, routed: boolean): number {
  const fits = (s: number) => {
    const c = shapeCounts(shape, s, routed);
    return c.nodes <= LAB_LIMITS.nodes && c.links <= LAB_LIMITS.links && c.ports <= LAB_LIMITS.bridgePorts;
  };
  let lo = SHAPE_MIN[shape];
  let hi = LAB_LIMITS.nodes;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const isShape = (s: string): s is Shape => (SHAPES as readonly string[]).includes(s);

/** What is wrong with these options, as one sentence with the fix; null when they make a lab. */
export function shapeProblem(o: { shape: string; size: number; routed?: boolean; name?: string; pool?: string }): string | null {
  if (!isShape(o.shape)) return `shape "${o.shape}" is not one nslab makes: use ${SHAPES.slice(0, -1).join(', ')} or mesh`;
  const routed = !!o.routed;
  const what = `a ${routed ? 'routed' : 'layer-2'} ${o.shape}`;
  if (!Number.isInteger(o.size) || o.size < 1) return `size ${JSON.stringify(o.size)} is not a whole number of namespaces; use ${SHAPE_MIN[o.shape]} or more`;
  if (o.size < SHAPE_MIN[o.shape]) return `a ${o.shape} needs at least ${SHAPE_MIN[o.shape]} ${o.shape === 'star' ? 'spokes' : 'namespaces'}; use size ${SHAPE_MIN[o.shape]} or more`;
  if (!routed && ROUTED_ONLY.includes(o.shape))
    return `a ${o.shape} of bridges is a layer-2 loop, and nslab's bridges run without STP (the loop would flood it with its own broadcasts); make it routed (--routed), or choose line, star or tree`;
  const c = shapeCounts(o.shape, o.size, routed);
  const max = shapeMax(o.shape, routed);
  if (c.nodes > LAB_LIMITS.nodes)
    return `size ${o.size} is too big for ${what}: it makes ${c.nodes} nodes, over the limit of ${LAB_LIMITS.nodes} nodes per generated lab; use size ${max} or less`;
  if (c.links > LAB_LIMITS.links)
    return `size ${o.size} is too big for ${what}: it makes ${c.links} links, over the limit of ${LAB_LIMITS.links} links per generated lab; use size ${max} or less`;
  if (c.ports > LAB_LIMITS.bridgePorts)
    return `size ${o.size} is too big for ${what}: its bridge would have ${c.ports} ports and a Linux bridge takes at most ${LAB_LIMITS.bridgePorts}; use size ${max} or less, or make it routed`;
  if (o.name !== undefined) {
    const r = labNameSchema.safeParse(o.name);
    if (!r.success) return r.error.issues[0]!.message;
  }
  if (o.pool !== undefined) {
    try {
      parsePool(o.pool);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return null;
}

/**
 * The kernel's neighbour (ARP) table is one for all network namespaces of the machine, at most
 * net.ipv4.neigh.default.gc_thresh3 entries (1024 by default; settable only in the machine's own
 * namespace). Past it, a new neighbour fails with "No buffer space available".
 */
export const NEIGH_TABLE = 1024;

/** What to know about a shape that is not wrong: each a sentence (none for most). */
export function shapeNotes(o: { shape: Shape; size: number; routed?: boolean }): string[] {
  if (o.routed || shapeProblem(o)) return [];
  // one segment: the namespaces and the host, each with every other as a neighbour
  const n = o.size + 1;
  if (n * (n - 1) <= NEIGH_TABLE) return [];
  return [
    `a layer-2 ${o.shape} of ${o.size} puts ${n} nodes on one segment; for every pair to talk at once the kernel needs ${n * (n - 1)} ARP entries, and its table, shared by every namespace of the machine, holds ${NEIGH_TABLE} by default (net.ipv4.neigh.default.gc_thresh3), so \`nslab reach\` may see "No buffer space available"; --routed keeps each table small`,
  ];
}

interface Pos {
  x: number;
  y: number;
}

/** Positions of the shape's N main nodes (routers or switches), and where the host goes. */
function places(shape: Shape, n: number): Pos[] {
  const STEP = 200;
  if (shape === 'line') return Array.from({ length: n }, (_, i) => ({ x: i * STEP, y: 0 }));
  if (shape === 'tree') {
    // rows by depth; across, the order of an in-order walk, so no two nodes share a column
    const column = new Array<number>(n + 1);
    let next = 0;
    const walk = (i: number) => {
      if (i > n) return;
      walk(2 * i);
      column[i] = next++;
      walk(2 * i + 1);
    };
    walk(1);
    return Array.from({ length: n }, (_, k) => ({ x: (column[k + 1]! - column[1]!) * 180, y: Math.floor(Math.log2(k + 1)) * 200 }));
  }
  // ring, mesh and a star's spokes: a circle, the first at the top (a star's spokes half a step on, so none is under the host)
  const r = Math.max(240, Math.round((n * STEP) / (2 * Math.PI)));
  const offset = shape === 'star' ? 0.5 : 0;
  return Array.from({ length: n }, (_, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * (i + offset)) / n;
    return { x: Math.round(r * Math.cos(a)), y: Math.round(r * Math.sin(a)) };
  });
}

/** Merges neighbouring blocks [network, prefix] that together make one aligned bigger block. */
export function aggregate(blocks: [number, number][]): [number, number][] {
  const sorted = [...blocks].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const b of sorted) {
    out.push(b);
    while (out.length >= 2) {
      const [n2, p2] = out[out.length - 1]!;
      const [n1, p1] = out[out.length - 2]!;
      if (p1 !== p2 || p1 === 0 || n1 % 2 ** (33 - p1) !== 0 || n2 !== n1 + 2 ** (32 - p1)) break;
      out.splice(-2, 2, [n1, p1 - 1]);
    }
  }
  return out;
}

/**
 * Static routes for a lab of point-to-point links (every link one subnet, the nodes joined as a
 * graph): for each node, every subnet it is not on, via the neighbour on a shortest path to the
 * subnet's nearer end (breadth first, ties to the earlier link), aggregated per gateway.
 */
function shortestPathRoutes(t: Topology): Map<string, Route[]> {
  const ids = [HOST_ID, ...t.nodes.filter((n) => n.kind === 'namespace').map((n) => n.id)];
  const index = new Map(ids.map((id, i) => [id, i] as const));
  const edges = t.links.map((l) => {
    const a = parseCidr(l.a.addresses![0]!)!;
    const b = parseCidr(l.b.addresses![0]!)!;
    const net = toInt(a.network.split('/')[0]!);
    return { u: index.get(l.a.node)!, v: index.get(l.b.node)!, ua: a.address, va: b.address, net, prefix: a.prefix };
  });
  const adj: { to: number; edge: number }[][] = ids.map(() => []);
  edges.forEach((e, k) => {
    adj[e.u]!.push({ to: e.v, edge: k });
    adj[e.v]!.push({ to: e.u, edge: k });
  });
  const routes = new Map<string, Route[]>();
  const dist = new Int32Array(ids.length);
  const first = new Int32Array(ids.length); // the neighbour a shortest path starts with
  for (let s = 0; s < ids.length; s++) {
    dist.fill(-1);
    dist[s] = 0;
    const queue = [s];
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q]!;
      for (const { to } of adj[u]!) {
        if (dist[to] !== -1) continue;
        dist[to] = dist[u]! + 1;
        first[to] = u === s ? to : first[u]!;
        queue.push(to);
      }
    }
    const byGateway = new Map<string, [number, number][]>();
    const gatewayOf = (nb: number) => {
      const k = adj[s]!.find((a) => a.to === nb)!.edge;
      return edges[k]!.u === nb ? edges[k]!.ua : edges[k]!.va;
    };
    const gateways = new Map<number, string>();
    for (const e of edges) {
      if (e.u === s || e.v === s || dist[e.u] === -1) continue;
      const near = dist[e.u]! <= dist[e.v]! ? e.u : e.v;
      const nb = first[near]!;
      let via = gateways.get(nb);
      if (via === undefined) gateways.set(nb, (via = gatewayOf(nb)));
      const list = byGateway.get(via);
      if (list) list.push([e.net, e.prefix]);
      else byGateway.set(via, [[e.net, e.prefix]]);
    }
    const list: Route[] = [];
    for (const [via, blocks] of byGateway) for (const [net, p] of aggregate(blocks)) list.push({ to: `${fromInt(net)}/${p}`, via });
    if (list.length) routes.set(ids[s]!, list);
  }
  return routes;
}

/** The lab a shape makes: nodes, links, addresses, routes (routed) and a layout. Throws an NslabError('invalid') naming what is wrong. */
export function generateShape(opts: ShapeOptions): Topology {
  const routed = !!opts.routed;
  const problem = shapeProblem({ ...opts, routed });
  if (problem) throw new NslabError('invalid', problem);
  const { shape, size } = opts;
  const name = opts.name ?? `${shape}${size}`;
  const pool = opts.pool ?? DEFAULT_POOL;

  const nodes: TopologyNode[] = [];
  const links: Link[] = [];
  const layout: Record<string, Pos> = {};
  const ns = (i: number) => `n${i}`;
  /** The shape's edges between its main nodes (1-based), in an order that keeps subtrees' subnets together. */
  const edges: [number, number][] = [];
  if (shape === 'line' || shape === 'ring') for (let i = 1; i < size; i++) edges.push([i, i + 1]);
  if (shape === 'ring') edges.push([size, 1]);
  if (shape === 'tree') {
    const walk = (i: number) => {
      for (const c of [2 * i, 2 * i + 1]) {
        if (c > size) continue;
        edges.push([i, c]);
        walk(c);
      }
    };
    walk(1);
  }
  if (shape === 'mesh') for (let i = 1; i <= size; i++) for (let j = i + 1; j <= size; j++) edges.push([i, j]);
  const at = places(shape, size);

  if (routed) {
    const main = (i: number) => ns(i);
    const centre = shape === 'star' ? 'hub' : main(1);
    const degree = new Map<string, number>([[centre, 1]]); // the host's link
    const p2p = (u: string, v: string) => {
      links.push({ a: { node: u, iface: `to-${v}` }, b: { node: v, iface: `to-${u}` } });
      degree.set(u, (degree.get(u) ?? 0) + 1);
      degree.set(v, (degree.get(v) ?? 0) + 1);
    };
    p2p(HOST_ID, centre);
    if (shape === 'star') for (let i = 1; i <= size; i++) p2p('hub', main(i));
    else for (const [u, v] of edges) p2p(main(u), main(v));
    const ids = shape === 'star' ? ['hub', ...Array.from({ length: size }, (_, i) => main(i + 1))] : Array.from({ length: size }, (_, i) => main(i + 1));
    for (const id of ids) {
      const node: NamespaceNode = { id, kind: 'namespace' };
      if ((degree.get(id) ?? 0) >= 2) Object.assign(node, { role: 'router', forwarding: true });
      nodes.push(node);
    }
    if (shape === 'star') {
      layout.hub = { x: 0, y: 0 };
      at.forEach((p, i) => (layout[main(i + 1)] = p));
    } else at.forEach((p, i) => (layout[main(i + 1)] = p));
    const c = layout[centre]!;
    const top = Math.min(...Object.values(layout).map((p) => p.y));
    layout[HOST_ID] = { x: c.x, y: Math.min(c.y, top) - 200 };
  } else {
    const sw = (i: number) => (shape === 'star' ? 'br0' : `s${i}`);
    const centre = sw(1);
    const port = (bridge: string, other: string) => `${bridge}-${other}`;
    for (const b of shape === 'star' ? ['br0'] : Array.from({ length: size }, (_, i) => sw(i + 1))) nodes.push({ id: b, kind: 'bridge' });
    for (let i = 1; i <= size; i++) nodes.push({ id: ns(i), kind: 'namespace' });
    links.push({ a: { node: HOST_ID, iface: `to-${centre}` }, b: { node: centre, iface: port(centre, HOST_ID) } });
    for (const [u, v] of edges) links.push({ a: { node: sw(u), iface: port(sw(u), sw(v)) }, b: { node: sw(v), iface: port(sw(v), sw(u)) } });
    for (let i = 1; i <= size; i++) links.push({ a: { node: ns(i), iface: 'eth0' }, b: { node: sw(i), iface: port(sw(i), ns(i)) } });
    if (shape === 'star') {
      layout.br0 = { x: 0, y: 0 };
      at.forEach((p, i) => (layout[ns(i + 1)] = p));
    } else {
      // the namespaces in a row below all the switches (the canvas frames the host with its bridges)
      const below = Math.max(...at.map((p) => p.y)) + 200;
      at.forEach((p, i) => {
        layout[sw(i + 1)] = p;
        layout[ns(i + 1)] = { x: p.x, y: below };
      });
    }
    const c = layout[centre]!;
    const top = Math.min(...Object.values(layout).map((p) => p.y));
    layout[HOST_ID] = { x: c.x, y: Math.min(c.y, top) - 200 };
  }

  for (const l of links) {
    for (const e of [l.a, l.b]) {
      if (e.iface && !IFACE_NAME.test(e.iface)) throw new NslabError('invalid', `interface name "${e.iface}" would be over 15 bytes (the kernel's limit); use a shorter lab or fewer namespaces`);
    }
  }
  const bare: Topology = {
    name,
    description: `${routed ? 'A routed' : 'A layer-2'} ${shape} of ${size} ${shape === 'star' ? 'spokes' : 'namespaces'}, made by nslab new.`,
    host: { netns: opts.hostNetns ?? `${name}-host` },
    nodes,
    links,
    layout: { nodes: Object.fromEntries(Object.entries(layout).map(([k, p]) => [k, { x: p.x, y: p.y }])) },
  };
  const t = assignAddresses(bare, { pool }).topology;
  if (routed) {
    const routes = shortestPathRoutes(t);
    for (const n of t.nodes) if (n.kind === 'namespace' && routes.has(n.id)) n.routes = routes.get(n.id);
    if (routes.has(HOST_ID)) t.host = { ...t.host, routes: routes.get(HOST_ID) };
  }
  return t;
}
