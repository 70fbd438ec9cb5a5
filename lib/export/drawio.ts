// draw.io / diagrams.net: an uncompressed .drawio file in which every node keeps its canvas
// position and every link its interface names and addresses, so a student can annotate the lab.
import type { Topology } from '../topology';
import { nodePositions } from './auto-layout';
import { diagramLinks, diagramNodes, linkLabel, type DiagramKind } from './describe';

const SIZE: Record<DiagramKind, { width: number; height: number }> = {
  host: { width: 180, height: 70 },
  namespace: { width: 140, height: 60 },
  router: { width: 140, height: 60 },
  machine: { width: 150, height: 60 },
  bridge: { width: 160, height: 50 },
};

/** Colours match the Mermaid export; shapes say the kind: a bridge is a hexagon, the host a double box. */
const STYLE: Record<DiagramKind, string> = {
  host: 'shape=process;whiteSpace=wrap;html=0;fillColor=#fff4e0;strokeColor=#b7791f;fontColor=#3d2a00;',
  namespace: 'rounded=1;whiteSpace=wrap;html=0;fillColor=#e8f0fe;strokeColor=#3b5fa0;fontColor=#102040;',
  router: 'ellipse;whiteSpace=wrap;html=0;fillColor=#e6f6ec;strokeColor=#2f7d4a;fontColor=#0f2f1a;',
  machine: 'rounded=0;dashed=1;whiteSpace=wrap;html=0;fillColor=#f1f1f1;strokeColor=#555555;fontColor=#222222;',
  bridge: 'shape=hexagon;perimeter=hexagonPerimeter2;size=0.15;whiteSpace=wrap;html=0;fillColor=#fdecef;strokeColor=#a33a52;fontColor=#3d0f1a;',
};

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
  for (const n of diagramNodes(t)) {
    const p = positions.get(n.id)!;
    const value = [n.title, ...n.details].join('\n');
    cells.push(
      `<mxCell ${attrs({ id: cellId('node', n.id), value, style: STYLE[n.kind], vertex: 1, parent: 1 })}>` +
        `<mxGeometry ${attrs({ x: p.x, y: p.y, ...SIZE[n.kind], as: 'geometry' })}/></mxCell>`,
    );
  }
  for (const l of diagramLinks(t)) {
    cells.push(
      `<mxCell ${attrs({ id: cellId('link', l.id), value: linkLabel(l), style: EDGE_STYLE, edge: 1, parent: 1, source: cellId('node', l.a.node), target: cellId('node', l.b.node) })}>` +
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
