// Mermaid: the lab as a flowchart, for READMEs, wikis and GitHub issues.
// Every id is sanitized (a node called `end` or `graph` must not read as a keyword) and every
// label is quoted with Mermaid's own entity escapes, so any text a user typed stays text.
import type { Topology } from '../topology';
import { KIND_COLORS } from './colors';
import { diagramLinks, diagramNodes, linkLabel, type DiagramKind } from './describe';

export interface MermaidOptions {
  /** LR: left to right (default); TB: top to bottom */
  direction?: 'LR' | 'TB';
}

/** Node shapes by kind: a bridge is a hexagon, routers are stadiums, the host is double-edged. */
const SHAPES: Record<DiagramKind, [string, string]> = {
  host: ['[[', ']]'],
  namespace: ['[', ']'],
  router: ['([', '])'],
  machine: ['[/', '/]'],
  bridge: ['{{', '}}'],
};

/** The canvas's colours, as the SVG and draw.io exports. */
const classOf = (k: DiagramKind) => `fill:${KIND_COLORS[k].fill},stroke:${KIND_COLORS[k].stroke},color:${KIND_COLORS[k].text}`;
const CLASSES: Record<DiagramKind, string> = {
  host: classOf('host'),
  namespace: classOf('namespace'),
  router: classOf('router'),
  machine: `${classOf('machine')},stroke-dasharray:4 3`,
  bridge: classOf('bridge'),
};

/** Text inside a quoted Mermaid label: quotes, '#', HTML and backticks as entity codes. */
export function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;')
    .replace(/\r?\n/g, '<br/>');
}

/** Ids: `n_` + the node id with anything but letters, digits and '_' as '_', made unique. */
function mermaidIds(ids: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const id of ids) {
    const base = `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let m = base;
    for (let k = 2; used.has(m); k++) m = `${base}_${k}`;
    used.add(m);
    out.set(id, m);
  }
  return out;
}

export function toMermaid(t: Topology, opts: MermaidOptions = {}): string {
  const nodes = diagramNodes(t);
  const ids = mermaidIds(nodes.map((n) => n.id));
  const id = (node: string) => ids.get(node) ?? mermaidIds([node]).get(node)!;
  const lines = [`---`, `title: ${t.name}`, `---`, `flowchart ${opts.direction ?? 'LR'}`];
  for (const d of (t.description ?? '').split('\n').filter((l) => l.trim())) lines.push(`  %% ${d}`);

  const shape = (n: (typeof nodes)[number]) => {
    const [open, close] = SHAPES[n.kind];
    const label = [n.title, ...n.details].map(mermaidText).join('<br/>');
    return `${id(n.id)}${open}"${label}"${close}`;
  };
  // the host is a place holding its bridges, as on the canvas: a subgraph with the host's own
  // box (its facts, where its own links end) and the bridges
  const bridges = nodes.filter((n) => n.kind === 'bridge');
  for (const n of nodes) {
    if (n.kind === 'bridge' || (n.id === 'host' && bridges.length)) continue;
    lines.push(`  ${shape(n)}`);
  }
  if (bridges.length) {
    lines.push(`  subgraph ${id('host')}_ctx["host context"]`);
    for (const n of nodes.filter((m) => m.id === 'host' || m.kind === 'bridge')) lines.push(`    ${shape(n)}`);
    lines.push('  end');
    lines.push(`  style ${id('host')}_ctx ${CLASSES.host}`);
  }
  for (const l of diagramLinks(t)) lines.push(`  ${id(l.a.node)} ---|"${mermaidText(linkLabel(l, t))}"| ${id(l.b.node)}`);

  for (const kind of Object.keys(SHAPES) as DiagramKind[]) {
    const members = nodes.filter((n) => n.kind === kind).map((n) => id(n.id));
    if (!members.length) continue;
    lines.push(`  classDef ${kind} ${CLASSES[kind]}`);
    lines.push(`  class ${members.join(',')} ${kind}`);
  }
  return lines.join('\n') + '\n';
}
