// Grading a lab against an answer lab (`nslab check LAB --against ANSWER.yaml`): the answer is
// built for real, for the time of the grading, as a lab of its own on an isolated host (so the
// same addresses live side by side), and both are read from the kernel. The reachability
// matrices (each node of the lab pinging the addresses the answer's nodes have) and the routes of
// each node must match; the report names each difference, and the addresses each node has where
// they differ, as the likely cause.
import { randomBytes } from 'node:crypto';
import { compile } from '@/lib/compile';
import type { KRoute } from '@/lib/kernel-state';
import { contextOf, normalizeLinks } from '@/lib/model';
import { HOST_ID, type Topology } from '@/lib/topology';
import { NslabError } from '@/lib/errors';
import type { LabsService } from '@/server/labs/types';
import { cellOf, reachMatrix, type ReachMatrix } from './reach';

export interface Grade {
  lab: string;
  ok: boolean;
  /** what differs, one sentence each (empty when ok) */
  differences: string[];
  /** addresses that differ: the likely cause of a difference (not graded on their own) */
  notes: string[];
  lab_matrix: ReachMatrix;
  answer_matrix: ReachMatrix;
}

const routeText = (r: KRoute) => `${r.dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;

/** Static routes per node, as the kernel has them; in the host context only those through the lab's interfaces. */
async function routesByNode(labs: LabsService, lab: string): Promise<Map<string, string[]>> {
  const rec = labs.get(lab);
  const live = await labs.live(lab);
  const { nodeNs } = compile(rec.topology, { hostNetns: rec.hostNetns });
  const hostIfaces = new Set<string>(rec.topology.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id));
  for (const l of normalizeLinks(rec.topology)) for (const e of [l.a, l.b]) if (contextOf(e.kind, e.node) === HOST_ID) hostIfaces.add(e.iface);
  const out = new Map<string, string[]>();
  for (const node of [HOST_ID, ...rec.topology.nodes.filter((n) => n.kind === 'namespace').map((n) => n.id)]) {
    const ns = live.observed.namespaces[nodeNs[node] ?? ''];
    if (!ns) continue;
    const routes = node === HOST_ID ? ns.routes.filter((r) => r.dev !== undefined && hostIfaces.has(r.dev)) : ns.routes;
    out.set(node, routes.map(routeText).sort());
  }
  return out;
}

/** The answer as a lab of its own: a fresh name, an isolated host, no kernel names of its own. */
export function answerLab(answer: Topology, name: string): Topology {
  return {
    ...answer,
    name,
    host: { ...(answer.host ?? {}), netns: `${name}-h` },
    nodes: answer.nodes.map((n) => (n.kind === 'namespace' ? (({ netns: _netns, ...rest }) => rest)(n) : n)),
    adopt: undefined,
  };
}

/** The differences of two matrices and route sets, one sentence each. */
export function compare(lab: ReachMatrix, answer: ReachMatrix, labRoutes: Map<string, string[]>, answerRoutes: Map<string, string[]>): { differences: string[]; notes: string[] } {
  const differences: string[] = [];
  const notes: string[] = [];
  const labNodes = new Set([...lab.nodes, ...lab.missing]);
  for (const n of [...answer.nodes, ...answer.missing]) if (!labNodes.has(n)) differences.push(`node ${n} of the answer is not in the lab`);
  for (const n of lab.missing) if (answer.nodes.includes(n)) differences.push(`node ${n} is not in the kernel (apply the lab)`);
  const answerNodes = new Set([...answer.nodes, ...answer.missing]);
  for (const n of labNodes) if (!answerNodes.has(n)) differences.push(`node ${n} is not in the answer`);

  const say = { all: 'reaches', some: 'reaches some addresses of', none: 'does not reach' } as const;
  for (const a of answer.cells) {
    const l = lab.cells.find((c) => c.from === a.from && c.to === a.to);
    if (!l) continue;
    const want = cellOf(a);
    const have = cellOf(l);
    if (want === have) continue;
    const tried = [...l.reached.map((x) => `${x} answered`), ...l.missed.map((x) => `${x} did not answer`)].join(', ') || `${a.to} has no address`;
    differences.push(`reachability ${a.from} -> ${a.to}: in the answer ${a.from} ${say[want]} ${a.to}; here ${a.from} ${say[have]} ${a.to} (${tried})`);
  }
  for (const [node, want] of answerRoutes) {
    if (!labNodes.has(node)) continue;
    const have = labRoutes.get(node) ?? [];
    const missingRoutes = want.filter((r) => !have.includes(r));
    const extra = have.filter((r) => !want.includes(r));
    if (missingRoutes.length) differences.push(`routes of ${node}: missing ${missingRoutes.join('; ')}${extra.length ? `, and has ${extra.join('; ')} instead` : ''}`);
    else if (extra.length) differences.push(`routes of ${node}: has ${extra.join('; ')}, which the answer has not`);
  }
  for (const node of answer.nodes) {
    if (!lab.addresses[node]) continue;
    const fmt = (list: { iface: string; address: string }[]) => list.map((a) => `${a.address} on ${a.iface}`).sort();
    const want = fmt(answer.addresses[node] ?? []);
    const have = fmt(lab.addresses[node] ?? []);
    if (want.join() !== have.join()) notes.push(`addresses of ${node}: ${have.join(', ') || 'none'} here, ${want.join(', ') || 'none'} in the answer`);
  }
  return { differences, notes };
}

/**
 * Grades lab `lab` against the answer topology: builds the answer on an isolated host of its own,
 * reads both, and removes the answer again (also when something fails).
 */
export async function gradeAgainst(labs: LabsService, lab: string, answer: Topology): Promise<Grade> {
  const rec = labs.get(lab);
  const name = `grade-${randomBytes(4).toString('hex')}`;
  labs.create(answerLab(answer, name));
  try {
    const applied = await labs.apply(name);
    if (!applied.ok) throw new NslabError('kernel', `the answer could not be built for grading: ${applied.error?.message ?? 'apply failed'}`);
    // the answer's matrix, then the lab's pinging the answer's addresses: a node at a wrong address is not reached
    const answerMatrix = await reachMatrix(name, `${name}-h`, labs.get(name).topology);
    const labMatrix = await reachMatrix(lab, rec.hostNetns, rec.topology, { targets: answerMatrix.addresses });
    const [labRoutes, answerRoutes] = await Promise.all([routesByNode(labs, lab), routesByNode(labs, name)]);
    answerMatrix.lab = answer.name;
    const { differences, notes } = compare(labMatrix, answerMatrix, labRoutes, answerRoutes);
    return { lab, ok: differences.length === 0, differences, notes, lab_matrix: labMatrix, answer_matrix: answerMatrix };
  } finally {
    await labs.remove(name).catch(() => undefined);
  }
}
