// Topologies read back from the database are checked like files and socket payloads (zod and
// checkTopology): a row damaged by hand, by a disk fault or by an older nslab's bug is reported
// naming the lab and the problem, instead of reaching the planner.
import { NslabError } from '@/lib/errors';
import type { Topology } from '@/lib/topology';
import { checkedText, checkTopology, formatProblem } from '@/lib/validate';

/**
 * Verdicts by lab and text, so listing labs does not validate them all again, and the lab's row
 * and its applied revision (the same text, most of the time) are validated once. A few texts per
 * lab (its row, the applied revision, one being saved), found by comparing the text itself: a
 * key made of the whole text would be copied and hashed on every read, tens of milliseconds for a
 * lab of a thousand namespaces.
 */
const verdicts = new Map<string, { text: string; problem: string | null; topology?: Topology }[]>();
const PER_LAB = 4;

function verdict(lab: string, text: string): { problem: string | null; topology?: Topology } {
  const seen = verdicts.get(lab);
  const hit = seen?.find((v) => v.text === text);
  if (hit) return hit;
  let problem: string | null;
  let topology: Topology | undefined;
  try {
    // a text this process has just checked (the file `nslab apply` read): no second check
    const known = checkedText(text);
    const r = known ? ({ ok: true, topology: known } as const) : checkTopology(JSON.parse(text));
    if (!r.ok) problem = r.problems.slice(0, 3).map(formatProblem).join('; ') + (r.problems.length > 3 ? `; and ${r.problems.length - 3} more` : '');
    else problem = r.topology.name === lab ? null : `it is named "${r.topology.name}"`;
    if (problem === null && r.ok) topology = deepFreeze(r.topology);
  } catch {
    problem = 'it is not JSON';
  }
  if (!seen && verdicts.size >= 1000) verdicts.clear();
  const entry = { text, problem, ...(topology ? { topology } : {}) };
  const list = verdicts.get(lab) ?? [];
  list.unshift(entry);
  if (list.length > PER_LAB) list.pop();
  verdicts.set(lab, list);
  return entry;
}

/** null when the stored text is a valid topology of this lab, else what is wrong with it. */
export function storedProblem(lab: string, text: string): string | null {
  return verdict(lab, text).problem;
}

/**
 * The stored topology, or an NslabError naming the lab, the problem and the fix. It is shared by
 * every reader of the same text and frozen: a caller that wants to change it copies it first
 * (copying a lab of a thousand namespaces on every read cost more than reading it).
 */
export function storedTopology(lab: string, text: string, rev?: number): Topology {
  const { problem, topology } = verdict(lab, text);
  if (problem !== null || !topology) throw brokenLabError(lab, problem ?? 'it could not be read', rev);
  return topology;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function brokenLabError(lab: string, problem: string, rev?: number): NslabError {
  const which = rev === undefined ? `the topology of lab "${lab}"` : `revision ${rev} of lab "${lab}"`;
  const fix =
    rev === undefined
      ? `replace it with a good file of the lab: \`nslab apply FILE\``
      : `run \`nslab clean\` to remove the lab's kernel objects and forget what was applied, then apply it again`;
  return new NslabError('storage', `${which} saved in the database is not valid (${problem}); ${fix}`);
}

/** What a broken lab shows in lists: its name, marked broken, with the problem as its description. */
export function brokenPlaceholder(lab: string, problem: string): Topology {
  const placeholder: Topology = { name: lab, description: `broken: the saved topology is not valid (${problem}); replace it with \`nslab apply FILE\``, nodes: [], links: [] };
  return placeholder;
}
