// Positions for nodes the canvas has not placed yet: a simple layered layout, the host on top,
// then each node one layer below its nearest neighbour towards the host (bridges count as
// neighbours of the host, since they live in its context).
import { normalizeLinks } from '../model';
import { HOST_ID, type Topology } from '../topology';

export interface Point {
  x: number;
  y: number;
}

export const LAYER_GAP = 160;
export const COLUMN_GAP = 200;

/** Every node's position (host included): the layout's where it has one, else a layered default. */
export function nodePositions(t: Topology): Map<string, Point> {
  const ids = [HOST_ID, ...t.nodes.map((n) => n.id)];
  const adjacent = new Map<string, string[]>(ids.map((id) => [id, []]));
  const join = (a: string, b: string) => {
    adjacent.get(a)?.push(b);
    adjacent.get(b)?.push(a);
  };
  for (const n of t.nodes) if (n.kind === 'bridge') join(HOST_ID, n.id);
  for (const l of normalizeLinks(t)) join(l.a.node, l.b.node);

  // Breadth-first from the host; nodes it cannot reach go one layer below the deepest.
  const layer = new Map<string, number>([[HOST_ID, 0]]);
  const queue = [HOST_ID];
  while (queue.length) {
    const id = queue.shift()!;
    for (const next of adjacent.get(id) ?? []) {
      if (layer.has(next)) continue;
      layer.set(next, layer.get(id)! + 1);
      queue.push(next);
    }
  }
  const deepest = Math.max(...layer.values());
  for (const id of ids) if (!layer.has(id)) layer.set(id, deepest + 1);

  const rows = new Map<number, string[]>();
  for (const id of ids) rows.set(layer.get(id)!, [...(rows.get(layer.get(id)!) ?? []), id]);
  const placed = t.layout?.nodes ?? {};
  const out = new Map<string, Point>();
  for (const [depth, row] of rows) {
    row.forEach((id, i) => {
      const p = placed[id];
      out.set(id, p ? { x: p.x, y: p.y } : { x: Math.round((i - (row.length - 1) / 2) * COLUMN_GAP), y: depth * LAYER_GAP });
    });
  }
  return new Map(ids.map((id) => [id, out.get(id)!]));
}
