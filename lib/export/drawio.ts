// draw.io / diagrams.net: an uncompressed .drawio file in which every node keeps its canvas
// position and every link its interface names and addresses, so a student can annotate the lab.
import type { Topology } from '../topology';
import { hostFrame } from '../editor/frame';
import { HOST_ID } from '../topology';
import { nodePositions } from './auto-layout';
import { KIND_COLORS } from './colors';
import { diagramLinks, diagramNodes, linkLabel, type DiagramKind } from './describe';

const SIZE: Record<DiagramKind, { width: number; height: number }> = {
  host: { width: 180, height: 70 },
  namespace: { width: 140, height: 60 },
  router: { width: 140, height: 60 },
  machine: { width: 150, height: 60 },
  bridge: { width: 160, height: 50 },
};

const colours = (k: DiagramKind) => `fillColor=${KIND_COLORS[k].fill};strokeColor=${KIND_COLORS[k].stroke};fontColor=${KIND_COLORS[k].text};`;

/** The canvas's colours (as the SVG and Mermaid exports); shapes say the kind: a bridge is a hexagon, the host a double box (a container holding its bridges). */
const STYLE: Record<DiagramKind, string> = {
  host: `shape=process;whiteSpace=wrap;html=0;${colours('host')}`,
  namespace: `rounded=1;whiteSpace=wrap;html=0;${colours('namespace')}`,
  router: `ellipse;whiteSpace=wrap;html=0;${colours('router')}`,
  machine: `rounded=0;dashed=1;whiteSpace=wrap;html=0;${colours('machine')}`,
  bridge: `shape=hexagon;perimeter=hexagonPerimeter2;size=0.15;whiteSpace=wrap;html=0;${colours('bridge')}`,
};
/** the host holding bridges: a container with its text at the top */
const HOST_CONTAINER = `rounded=1;arcSize=4;container=1;collapsible=0;whiteSpace=wrap;html=0;verticalAlign=top;align=left;spacingLeft=10;spacingTop=6;${colours('host')}`;
/** the host's text above its bridges: one line per fact */
const headHeight = (lines: number) => 16 + 16 * lines;

const EDGE_STYLE = 'endArrow=none;html=0;rounded=0;labelBackgroundColor=#ffffff;fontSize=10;';

/** XML attribute text: markup characters, quotes and line breaks as references. */
export function xmlAttr(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r?\n/g, '&#10;')
    .replace(/\t/g, '&#9;')
    // characters XML 1.0 cannot carry at all
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

const attrs = (a: Record<string, string | number>) =>
  Object.entries(a)
    .map(([k, v]) => `${k}="${xmlAttr(String(v))}"`)
    .join(' ');

export const cellId = (kind: 'node' | 'link', id: string) => `${kind}-${id}`;

export function toDrawio(t: Topology): string {
  const positions = nodePositions(t);
  const cells: string[] = ['<mxCell id="0"/>', '<mxCell id="1" parent="0"/>'];
  const nodes = diagramNodes(t);
  const bridges = nodes.filter((n) => n.kind === 'bridge');
  // the host holds its bridges, as on the canvas: a container around them, its facts on top
  const host = nodes.find((n) => n.id === HOST_ID)!;
  const around = bridges.length
    ? hostFrame(
        bridges.map((b) => ({ ...positions.get(b.id)!, ...SIZE.bridge })),
        { width: 260, height: headHeight(1 + host.details.length) },
        positions.get(HOST_ID)!,
      )
    : null;
  // (coordinates so far out that the frame's size is lost in rounding: the host stays a plain box)
  const frame = around && around.width > 0 && around.height > 0 && bridges.every((b) => positions.get(b.id)!.x - around.x > 0) ? around : null;
  for (const n of nodes) {
    const p = positions.get(n.id)!;
    const value = [n.title, ...n.details].join('\n');
    const inHost = frame && n.kind === 'bridge';
    const geometry = n.id === HOST_ID && frame ? frame : { x: inHost ? p.x - frame.x : p.x, y: inHost ? p.y - frame.y : p.y, ...SIZE[n.kind] };
    const style = n.id === HOST_ID && frame ? HOST_CONTAINER : STYLE[n.kind];
    cells.push(
      `<mxCell ${attrs({ id: cellId('node', n.id), value, style, vertex: 1, parent: inHost ? cellId('node', HOST_ID) : 1 })}>` +
        `<mxGeometry ${attrs({ x: geometry.x, y: geometry.y, width: geometry.width, height: geometry.height, as: 'geometry' })}/></mxCell>`,
    );
  }
  for (const l of diagramLinks(t)) {
    cells.push(
      `<mxCell ${attrs({ id: cellId('link', l.id), value: linkLabel(l, t), style: EDGE_STYLE, edge: 1, parent: 1, source: cellId('node', l.a.node), target: cellId('node', l.b.node) })}>` +
        `<mxGeometry relative="1" as="geometry"/></mxCell>`,
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<mxfile ${attrs({ host: 'nslab', type: 'device' })}>`,
    `  <diagram ${attrs({ id: `nslab-${t.name}`, name: t.name })}>`,
    `    <mxGraphModel ${attrs({ grid: 1, gridSize: 10, guides: 1, tooltips: 1, connect: 1, arrows: 1, fold: 1, page: 0, pageScale: 1, math: 0, shadow: 0 })}>`,
    '      <root>',
    ...cells.map((c) => `        ${c}`),
    '      </root>',
    '    </mxGraphModel>',
    '  </diagram>',
    '</mxfile>',
    '',
  ].join('\n');
}
