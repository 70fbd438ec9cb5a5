// Automatic layout with elkjs (layered, top to bottom): the host is a place holding its bridges,
// the namespaces on the bridges go below it, and a node linked to the host itself ("another
// machine" beyond the NAT) goes beside it, as the tutorial draws them. Sizes are the canvas's
// measured ones where known, so boxes never overlap; what grows later is kept apart by the canvas.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { normalizeLinks } from '../model';
import { HOST_ID, type Topology } from '../topology';
import { FRAME_PAD, BOX_GAP, keepApart, type Rect } from './frame';

export interface Size {
  width: number;
  height: number;
}

export const LAYOUT_DEFAULT_SIZE: Size = { width: 176, height: 64 };
/** the host's head above its bridges, when the canvas has not measured it */
export const LAYOUT_HEAD: Size = { width: 240, height: 110 };
const SIDE_GAP = 140;

/** Positions for every node of the lab and the host (the host's is its frame's corner). */
export async function autoLayout(t: Topology, sizes: Record<string, Size> = {}, head: Size = LAYOUT_HEAD): Promise<Record<string, { x: number; y: number }>> {
  const size = (id: string) => sizes[id] ?? LAYOUT_DEFAULT_SIZE;
  const bridges = t.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id);
  const bridgeSet = new Set(bridges);
  const links = normalizeLinks(t);
  // nodes linked to the host itself and to no bridge go beside the host
  const onHost = new Set<string>();
  const onBridge = new Set<string>();
  for (const l of links) {
    for (const [me, other] of [[l.a.node, l.b.node], [l.b.node, l.a.node]] as const) {
      if (other === HOST_ID && me !== HOST_ID) onHost.add(me);
      if (bridgeSet.has(other)) onBridge.add(me);
    }
  }
  const beside = bridges.length ? t.nodes.filter((n) => onHost.has(n.id) && !onBridge.has(n.id) && n.kind !== 'bridge').map((n) => n.id) : [];
  const besideSet = new Set(beside);

  // edges point away from the host: breadth-first distance from it (bridges are in it)
  const adjacent = new Map<string, string[]>();
  const join = (a: string, b: string) => {
    adjacent.set(a, [...(adjacent.get(a) ?? []), b]);
    adjacent.set(b, [...(adjacent.get(b) ?? []), a]);
  };
  for (const b of bridges) join(HOST_ID, b);
  for (const l of links) join(l.a.node, l.b.node);
  const depth = new Map<string, number>([[HOST_ID, 0]]);
  const queue = [HOST_ID];
  while (queue.length) {
    const id = queue.shift()!;
    for (const next of adjacent.get(id) ?? []) if (!depth.has(next)) depth.set(next, depth.get(id)! + 1), queue.push(next);
  }
  const d = (id: string) => depth.get(id) ?? Number.MAX_SAFE_INTEGER;

  const hostChildren: ElkNode[] = bridges.map((id) => ({ id, ...size(id) }));
  const host: ElkNode = bridges.length
    ? {
        id: HOST_ID,
        children: hostChildren,
        layoutOptions: {
          'elk.padding': `[top=${head.height + FRAME_PAD},left=${FRAME_PAD},bottom=${FRAME_PAD},right=${FRAME_PAD}]`,
          'elk.nodeSize.minimum': `(${head.width},${head.height})`,
          'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        },
      }
    : { id: HOST_ID, ...(sizes[HOST_ID] ?? head) };
  const others: ElkNode[] = t.nodes.filter((n) => n.kind !== 'bridge' && !besideSet.has(n.id)).map((n) => ({ id: n.id, ...size(n.id) }));
  const edges: ElkExtendedEdge[] = [];
  links.forEach((l, i) => {
    if (besideSet.has(l.a.node) || besideSet.has(l.b.node)) return;
    if (l.a.node === l.b.node) return;
    const [from, to] = d(l.a.node) <= d(l.b.node) ? [l.a.node, l.b.node] : [l.b.node, l.a.node];
    // a link between the host and its own bridge stays inside the frame: no edge needed for the layers
    if (from === HOST_ID && bridgeSet.has(to)) return;
    edges.push({ id: `e${i}`, sources: [from], targets: [to] });
  });
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.spacing.nodeNode': '70',
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.edgeRouting': 'POLYLINE',
    },
    children: [host, ...others],
    edges,
  };
  const elk = new ELK();
  const out = await elk.layout(graph);

  const at: Record<string, { x: number; y: number }> = {};
  const boxes = new Map<string, Rect>();
  let hostBox: Rect = { x: 0, y: 0, ...LAYOUT_DEFAULT_SIZE };
  for (const c of out.children ?? []) {
    const r = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0), width: c.width ?? LAYOUT_DEFAULT_SIZE.width, height: c.height ?? LAYOUT_DEFAULT_SIZE.height };
    at[c.id] = { x: r.x, y: r.y };
    if (c.id === HOST_ID) {
      if (bridges.length) r.width = Math.max(r.width, head.width);
      hostBox = r;
      for (const b of c.children ?? []) at[b.id] = { x: Math.round(r.x + (b.x ?? 0)), y: Math.round(r.y + (b.y ?? 0)) };
    }
    boxes.set(c.id, r);
  }
  // beside the host, top-aligned, one under the other
  let y = hostBox.y;
  for (const id of beside) {
    const s = size(id);
    at[id] = { x: hostBox.x + hostBox.width + SIDE_GAP, y };
    boxes.set(id, { ...at[id]!, ...s });
    y += s.height + BOX_GAP;
  }
  // anything the side placement now covers moves down
  const moved = keepApart(boxes);
  for (const [id, dy] of moved) {
    at[id] = { x: at[id]!.x, y: at[id]!.y + dy };
    if (id === HOST_ID) for (const b of bridges) at[b] = { x: at[b]!.x, y: at[b]!.y + dy };
  }
  return at;
}
