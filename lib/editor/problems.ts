// Where a validation problem shows in the editor: at the field whose path it names, and as a
// badge on the node (or link) that field belongs to.
import { HOST_ID, type Topology } from '../topology';
import type { Problem } from '../validate';
import { linkIds } from './ids';

export interface ProblemOwner {
  node?: string;
  edge?: string;
}

/** The node or link a problem path is about: nodes[2]... -> that node, links[0].a... -> that link and node. */
export function problemOwner(t: Topology, path: string): ProblemOwner {
  const node = /^nodes\[(\d+)\]/.exec(path);
  if (node) {
    const n = t.nodes[Number(node[1])];
    return n ? { node: n.id } : {};
  }
  const link = /^links\[(\d+)\](?:\.([ab]))?/.exec(path);
  if (link) {
    const index = Number(link[1]);
    const l = t.links[index];
    if (!l) return {};
    const edge = linkIds(t)[index];
    const side = link[2] as 'a' | 'b' | undefined;
    return { ...(edge ? { edge } : {}), ...(side ? { node: l[side].node } : {}) };
  }
  if (path.startsWith('host')) return { node: HOST_ID };
  return {};
}

/** Problems counted per node id and per edge id (for the badges on the canvas). */
export function problemCounts(t: Topology, problems: Problem[]): { nodes: Record<string, number>; edges: Record<string, number> } {
  const nodes: Record<string, number> = {};
  const edges: Record<string, number> = {};
  for (const p of problems) {
    const o = problemOwner(t, p.path);
    if (o.node) nodes[o.node] = (nodes[o.node] ?? 0) + 1;
    if (o.edge) edges[o.edge] = (edges[o.edge] ?? 0) + 1;
  }
  return { nodes, edges };
}

const ALSO = /^(.*) \(also ([^)\s]+)\)$/;

/**
 * The problems at exactly this field, or inside it (a list's items) when `within` is set. A
 * clash between two fields ("address 10.0.0.3 is used twice (also links[1].a.addresses[0])") is
 * shown at both, each naming the other, so it shows at the field where it was typed, whichever
 * of the two that was.
 */
export function problemsAt(problems: Problem[], path: string, within = false): Problem[] {
  const here = (at: string) => at === path || (within && (at.startsWith(`${path}.`) || at.startsWith(`${path}[`)));
  const out: Problem[] = [];
  for (const p of problems) {
    if (here(p.path)) out.push(p);
    else {
      const also = ALSO.exec(p.message);
      if (also && here(also[2]!)) out.push({ ...p, path: also[2]!, message: `${also[1]} (also ${p.path})` });
    }
  }
  return out;
}
