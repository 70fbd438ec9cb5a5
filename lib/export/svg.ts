// SVG: the lab as a diagram for slides and documentation, drawn without a browser (`nslab export
// --format svg`, and the editor's SVG and PNG export). Nodes sit where the canvas put them (else a
// layered layout); the host is a place holding its bridges, as on the canvas, its facts (forwarding,
// NAT) in its head; each box shows the name and what the node says (addresses, routes, NAT); each
// link is a line with its interface names and addresses at both ends. Only the saved lab is drawn:
// nothing transient (selection, highlights, packets, rates, drift). The canvas's colours; plain
// vector shapes and text, no foreignObject.
import { hostFrame, keepApart, type Rect } from '../editor/frame';
import { HOST_ID, type Topology } from '../topology';
import { nodePositions, type Point } from './auto-layout';
import { CANVAS_COLORS, KIND_COLORS } from './colors';
import { diagramLinks, diagramNodes, netemText, type DiagramNode } from './describe';
import { xmlAttr } from './drawio';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
const TITLE_SIZE = 15;
const LINE_SIZE = 12;
const LABEL_SIZE = 11;
/** A generous average glyph width, so text fits its box in any sans-serif font. */
const charWidth = (size: number) => size * 0.58;
const PAD = 10;
const MARGIN = 40;

const COLORS = KIND_COLORS;

interface Box {
  node: DiagramNode;
  x: number;
  y: number;
  w: number;
  h: number;
}

const esc = (s: string) => xmlAttr(s);
const round = (n: number) => Math.round(n * 10) / 10;

/** A box centred where the canvas has the node (its position is a ~160px node's corner). */
function boxOf(node: DiagramNode, at: Point): Box {
  const widest = Math.max(node.title.length * charWidth(TITLE_SIZE) * 1.12 /* bold */, ...node.details.map((d) => d.length * charWidth(LINE_SIZE)));
  const w = Math.max(110, Math.ceil(widest + 2 * PAD));
  const h = Math.ceil(PAD * 2 + TITLE_SIZE + 4 + node.details.length * (LINE_SIZE + 4));
  return { node, x: at.x + 80 - w / 2, y: at.y, w, h };
}

const GAP_X = 150; // room for the two interface labels of a horizontal link
const GAP_Y = 90; // room for the interface labels of a vertical link

/** The host's head: its title and facts, on top of its frame. */
function headSize(node: DiagramNode): { width: number; height: number } {
  const b = boxOf(node, { x: 0, y: 0 });
  return { width: b.w, height: b.h };
}

/** The host as a frame around its bridges (its head on top), or a plain box when it holds none. */
function frameOf(host: DiagramNode, at: Point, bridges: Box[]): Box {
  if (!bridges.length) return boxOf(host, at);
  const r = hostFrame(bridges.map((b) => ({ x: b.x, y: b.y, width: b.w, height: b.h })), headSize(host), at);
  return { node: host, x: r.x, y: r.y, w: r.width, h: r.height };
}

interface Placed {
  /** the host's frame (when drawn) and every node outside it */
  outer: Box[];
  /** the bridges, inside the host's frame */
  inner: Box[];
}

/**
 * Our boxes carry more text than the canvas's nodes, so the canvas positions are spread out
 * (one factor for the whole picture, keeping its shape) until no two boxes come too close;
 * the host's frame counts as one box, its bridges are kept apart inside it.
 */
function spread(nodes: DiagramNode[], at: Map<string, Point>, drawHost: boolean): Placed {
  const host = nodes.find((n) => n.id === HOST_ID);
  const bridgeNodes = nodes.filter((n) => n.kind === 'bridge');
  const rest = nodes.filter((n) => n.kind !== 'bridge' && n.id !== HOST_ID);
  const place = (s: number): Placed => {
    const p = (id: string) => ({ x: at.get(id)!.x * s, y: at.get(id)!.y * s });
    const inner = bridgeNodes.map((n) => boxOf(n, p(n.id)));
    const outer = rest.map((n) => boxOf(n, p(n.id)));
    if (host && drawHost) outer.unshift(frameOf(host, p(HOST_ID), inner));
    return { outer, inner };
  };
  const clash = (a: Box, b: Box) => a.x < b.x + b.w + GAP_X && b.x < a.x + a.w + GAP_X && a.y < b.y + b.h + GAP_Y && b.y < a.y + a.h + GAP_Y;
  const clashes = (list: Box[]) => list.some((a, i) => list.some((b, j) => j > i && clash(a, b)));
  for (let s = 1; s < 4; s += 0.05) {
    const placed = place(s);
    if (!clashes(placed.outer) && !clashes(placed.inner)) return placed;
  }
  // still too close at 4x: move boxes down until none covers another
  const placed = place(4);
  const rect = (b: Box): Rect => ({ x: b.x, y: b.y, width: b.w, height: b.h });
  const inner = new Map(placed.inner.map((b) => [b.node.id, rect(b)]));
  keepApart(inner, GAP_Y);
  const innerBoxes = placed.inner.map((b) => ({ ...b, y: inner.get(b.node.id)!.y }));
  const outerList = placed.outer.map((b) => (b.node.id === HOST_ID ? frameOf(b.node, { x: 0, y: 0 }, innerBoxes) : b));
  const outer = new Map(outerList.map((b) => [b.node.id, rect(b)]));
  const moved = keepApart(outer, GAP_Y);
  const dy = moved.get(HOST_ID) ?? 0;
  return {
    outer: outerList.map((b) => ({ ...b, y: outer.get(b.node.id)!.y })),
    inner: innerBoxes.map((b) => ({ ...b, y: b.y + dy })),
  };
}

/** Where the line from the box's centre towards (tx, ty) leaves the box. */
function exitPoint(b: Box, tx: number, ty: number): Point {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const s = Math.min(dx ? b.w / 2 / Math.abs(dx) : Infinity, dy ? b.h / 2 / Math.abs(dy) : Infinity);
  return { x: cx + dx * s, y: cy + dy * s };
}

function nodeSvg(b: Box): string {
  const c = COLORS[b.node.kind];
  const shape =
    b.node.kind === 'router'
      ? `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="${Math.min(b.h / 2, 24)}" fill="${c.fill}" stroke="${c.stroke}" stroke-width="2"/>`
      : `<rect x="${round(b.x)}" y="${round(b.y)}" width="${round(b.w)}" height="${round(b.h)}" rx="8" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${b.node.kind === 'host' ? 2 : 1.5}"/>`;
  // a frame's text is its head, on the left at the top; a box's text is centred
  const frame = b.node.kind === 'host' && b.h > headSize(b.node).height + 1;
  const x = round(frame ? b.x + PAD : b.x + b.w / 2);
  const anchor = frame ? 'start' : 'middle';
  const lines = [
    `<text x="${x}" y="${round(b.y + PAD + TITLE_SIZE)}" font-size="${TITLE_SIZE}" font-weight="700" fill="${c.text}" text-anchor="${anchor}">${esc(b.node.title)}</text>`,
    ...b.node.details.map(
      (d, i) => `<text x="${x}" y="${round(b.y + PAD + TITLE_SIZE + 4 + (i + 1) * (LINE_SIZE + 4))}" font-size="${LINE_SIZE}" fill="${CANVAS_COLORS.muted}" text-anchor="${anchor}">${esc(d)}</text>`,
    ),
  ];
  return `<g class="node" data-id="${esc(b.node.id)}">${shape}${lines.join('')}</g>`;
}

interface Label {
  x: number;
  y: number;
  lines: string[];
}

function labelSize(lines: string[]): { w: number; h: number } {
  return { w: Math.max(...lines.map((s) => s.length * charWidth(LABEL_SIZE))) + 8, h: lines.length * (LABEL_SIZE + 3) + 4 };
}

function labelSvg(l: Label): string {
  const { w, h } = labelSize(l.lines);
  const x = l.x - w / 2;
  const y = l.y - h / 2;
  const text = l.lines
    .map((s, i) => `<text x="${round(l.x)}" y="${round(y + 2 + (i + 1) * (LABEL_SIZE + 3) - 3)}" font-size="${LABEL_SIZE}" fill="${CANVAS_COLORS.ink}" text-anchor="middle">${esc(s)}</text>`)
    .join('');
  return `<rect x="${round(x)}" y="${round(y)}" width="${round(w)}" height="${round(h)}" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="${CANVAS_COLORS.line}" stroke-width="0.8"/>${text}`;
}

/** Is the host worth drawing: something ends on it, or it routes, forwards or masquerades. */
function hostUsed(t: Topology): boolean {
  const h = t.host;
  return !!(h?.forwarding || h?.routes?.length || h?.nat?.length || t.links.some((l) => l.a.node === HOST_ID || l.b.node === HOST_ID));
}

const MAX_EXTENT = 20_000;

/** Canvas positions moved to start at 0; a layout too far-flung for a picture is laid out afresh. */
function picturePositions(t: Topology): Map<string, Point> {
  let at = nodePositions(t);
  const extent = (m: Map<string, Point>) => {
    const v = [...m.values()];
    return Math.max(...v.map((p) => p.x)) - Math.min(...v.map((p) => p.x)) + Math.max(...v.map((p) => p.y)) - Math.min(...v.map((p) => p.y));
  };
  if (!(extent(at) <= MAX_EXTENT)) at = nodePositions({ ...t, layout: undefined });
  const minX = Math.min(...[...at.values()].map((p) => p.x));
  const minY = Math.min(...[...at.values()].map((p) => p.y));
  return new Map([...at].map(([id, p]) => [id, { x: p.x - minX, y: p.y - minY }]));
}

export function toSvg(t: Topology): string {
  const positions = picturePositions(t);
  const drawHost = hostUsed(t) || t.nodes.some((n) => n.kind === 'bridge');
  const placed = spread(diagramNodes(t), positions, drawHost);
  // the host's frame first, then what it holds, then the rest (later boxes are drawn on top)
  const order = [...placed.outer.filter((b) => b.node.id === HOST_ID), ...placed.inner, ...placed.outer.filter((b) => b.node.id !== HOST_ID)];
  const boxes = new Map(order.map((b) => [b.node.id, b]));

  const edges: string[] = [];
  const labels: Label[] = [];
  for (const l of diagramLinks(t)) {
    const a = boxes.get(l.a.node);
    const b = boxes.get(l.b.node);
    if (!a || !b) continue;
    const pa = exitPoint(a, b.x + b.w / 2, b.y + b.h / 2);
    const pb = exitPoint(b, a.x + a.w / 2, a.y + a.h / 2);
    edges.push(`<line class="link" data-id="${esc(l.id)}" x1="${round(pa.x)}" y1="${round(pa.y)}" x2="${round(pb.x)}" y2="${round(pb.y)}" stroke="${CANVAS_COLORS.edge}" stroke-width="1.8"/>`);
    // Each end's label sits on the line near its own node, so it is clear which end it names.
    const at = (from: Point, to: Point, lines: string[]) => {
      const len = Math.hypot(to.x - from.x, to.y - from.y) || 1;
      const [ux, uy] = [(to.x - from.x) / len, (to.y - from.y) / len];
      const { w, h } = labelSize(lines);
      // Just clear of the node's border, whichever way the line leaves it.
      const d = Math.min(Math.abs(ux) * (w / 2) + Math.abs(uy) * (h / 2) + 8, len * 0.45);
      labels.push({ x: from.x + ux * d, y: from.y + uy * d, lines });
    };
    // and the VLANs at that end (lib/vlan.ts), as the canvas writes them
    at(pa, pb, [l.a.iface, ...l.a.addresses, ...(l.a.vlan ? [l.a.vlan] : [])]);
    at(pb, pa, [l.b.iface, ...l.b.addresses, ...(l.b.vlan ? [l.b.vlan] : [])]);
    const netem = netemText(t, l);
    if (netem) labels.push({ x: (pa.x + pb.x) / 2, y: (pa.y + pb.y) / 2, lines: [netem] });
  }

  // The picture's extent: every box and label, with a margin.
  const xs: number[] = [];
  const ys: number[] = [];
  for (const b of boxes.values()) xs.push(b.x, b.x + b.w), ys.push(b.y, b.y + b.h);
  for (const l of labels) {
    const w = Math.max(...l.lines.map((s) => s.length * charWidth(LABEL_SIZE))) / 2 + 6;
    xs.push(l.x - w, l.x + w), ys.push(l.y - 20, l.y + 20);
  }
  if (!xs.length) xs.push(0, 200), ys.push(0, 100);
  const minX = Math.floor(Math.min(...xs) - MARGIN);
  const minY = Math.floor(Math.min(...ys) - MARGIN);
  const width = Math.ceil(Math.max(...xs) + MARGIN - minX);
  const height = Math.ceil(Math.max(...ys) + MARGIN - minY) + 24;

  const title = `<text x="${minX + MARGIN / 2}" y="${minY - 4}" font-size="14" fill="${CANVAS_COLORS.muted}">${esc(`lab ${t.name}`)}</text>`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${minX} ${minY - 24} ${width} ${height}" font-family="${esc(FONT)}">`,
    `<title>${esc(`nslab lab ${t.name}`)}</title>`,
    `<rect x="${minX}" y="${minY - 24}" width="${width}" height="${height}" fill="#ffffff"/>`,
    title,
    // the host's frame under the links that cross it, the boxes over them
    `<g class="frames">${[...boxes.values()].filter((b) => b.node.id === HOST_ID).map(nodeSvg).join('')}</g>`,
    `<g class="links">${edges.join('')}</g>`,
    `<g class="nodes">${[...boxes.values()].filter((b) => b.node.id !== HOST_ID).map(nodeSvg).join('')}</g>`,
    `<g class="labels">${labels.map(labelSvg).join('')}</g>`,
    `</svg>`,
    '',
  ].join('\n');
}
