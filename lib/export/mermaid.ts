// Mermaid: the lab as a flowchart, for READMEs, wikis and GitHub issues.
// Every id is sanitized (a node called `end` or `graph` must not read as a keyword) and every
// label is quoted with Mermaid's own entity escapes, so any text a user typed stays text.
import type { Topology } from '../topology';
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

const CLASSES: Record<DiagramKind, string> = {
  host: 'fill:#fff4e0,stroke:#b7791f,color:#3d2a00',
  namespace: 'fill:#e8f0fe,stroke:#3b5fa0,color:#102040',
  router: 'fill:#e6f6ec,stroke:#2f7d4a,color:#0f2f1a',
  machine: 'fill:#f1f1f1,stroke:#555555,color:#222222,stroke-dasharray:4 3',
  bridge: 'fill:#fdecef,stroke:#a33a52,color:#3d0f1a',
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

  for (const n of nodes) {
    const [open, close] = SHAPES[n.kind];
    const label = [n.title, ...n.details].map(mermaidText).join('<br/>');
    lines.push(`  ${id(n.id)}${open}"${label}"${close}`);
  }
  const bridges = nodes.filter((n) => n.kind === 'bridge');
  if (bridges.length) lines.push('  %% bridges live in the host context');
  for (const b of bridges) lines.push(`  ${id('host')} -.- ${id(b.id)}`);
  for (const l of diagramLinks(t)) lines.push(`  ${id(l.a.node)} ---|"${mermaidText(linkLabel(l))}"| ${id(l.b.node)}`);

  for (const kind of Object.keys(SHAPES) as DiagramKind[]) {
    const members = nodes.filter((n) => n.kind === kind).map((n) => id(n.id));
    if (!members.length) continue;
    lines.push(`  classDef ${kind} ${CLASSES[kind]}`);
    lines.push(`  class ${members.join(',')} ${kind}`);
  }
  return lines.join('\n') + '\n';
}
