// `nslab clean`: finds every object that carries nslab's mark (or only one lab's) and removes
// it. The mark is the only proof: namespaces by the alias of their lo, interfaces by their
// alias, nft tables by their comment (never by their name); a namespace's user namespace file
// goes with it, and one whose namespace is gone is removed too. Unmarked objects are never touched;
// what a crashed apply left half-marked is finished by crash recovery (server/labs/recovery.ts)
// before a sweep runs.
import type { KNamespace } from '@/lib/kernel-state';
import { markLab, MARK_PREFIX } from '@/lib/names';
import { usernsPath, type Op } from '@/lib/ops';
import { runOpsTolerant } from './driver';
import { inParallel, runArgv, type CommandSink } from './exec';
import { listNetns, observe, readNat } from './observer';
import { commandText, parseNftTables } from './read';
import { listUserns } from './userns';

export interface SweepOptions {
  /** only this lab's objects (default: every lab's) */
  lab?: string;
}

export type Leftover =
  | { kind: 'netns'; ns: string; mark: string }
  | { kind: 'link'; ns: string; name: string; mark: string }
  | { kind: 'nft'; ns: string; table: string }
  /** a user namespace file whose network namespace is gone (a crash between the two removals) */
  | { kind: 'userns'; ns: string }
  /**
   * a namespace's name file with no namespace on it, beside its user namespace file: a removal
   * cut short between unmounting the namespace and removing the file
   */
  | { kind: 'netns-file'; ns: string };

function where(ns: string): string {
  return ns ? `namespace ${ns}` : `this machine's own namespace`;
}

export function describeLeftover(l: Leftover): string {
  switch (l.kind) {
    case 'netns':
      return `namespace ${l.ns} (${l.mark})`;
    case 'link':
      return `interface ${l.name} in ${where(l.ns)} (${l.mark})`;
    case 'nft':
      return `nft table ip ${l.table} in ${where(l.ns)}`;
    case 'userns':
      return `user namespace file ${usernsPath(l.ns)} (its network namespace is gone)`;
    case 'netns-file':
      return `namespace file /run/netns/${l.ns} with no namespace on it, and its user namespace file`;
  }
}

/** Names of nft tables (family ip) in a namespace. */
async function nftTables(ns: string): Promise<string[]> {
  const nft = ['nft', '-j', 'list', 'tables', 'ip'];
  const argv = ns ? ['ip', 'netns', 'exec', ns, ...nft] : nft;
  const res = await runArgv(argv);
  if (res.exitCode !== 0) return [];
  return parseNftTables(commandText(argv), res.stdout);
}

export async function findLeftovers(opts: SweepOptions = {}): Promise<Leftover[]> {
  const ours = (mark: string | null | undefined): mark is string => !!mark && markLab(mark) !== null && (!opts.lab || markLab(mark) === opts.lab);
  const state = await observe(['', ...(await listNetns())]);
  const out: Leftover[] = [];
  const keep: KNamespace[] = [];
  for (const n of Object.values(state.namespaces)) {
    if (n.name !== '' && ours(n.mark)) out.push({ kind: 'netns', ns: n.name, mark: n.mark });
    else if (!n.mark?.startsWith(MARK_PREFIX)) keep.push(n);
  }
  // In namespaces that stay (this machine's own and foreign ones): marked links and nft tables.
  for (const n of keep) {
    for (const l of Object.values(n.links)) if (l.name !== 'lo' && ours(l.mark)) out.push({ kind: 'link', ns: n.name, name: l.name, mark: l.mark });
  }
  // nslab names its tables nslab_<lab>, so only those can be its own; the comment decides.
  const tables = await inParallel(keep, 4, async (n) => {
    const named = (await nftTables(n.name)).filter((t) => t.startsWith('nslab_'));
    const read = await Promise.all(named.map((t) => readNat(n.name, t)));
    return read.flatMap((t) => (t && ours(t.mark) ? [t.table] : []));
  });
  keep.forEach((n, i) => {
    for (const t of tables[i] ?? []) out.push({ kind: 'nft', ns: n.name, table: t });
  });
  // /run/nslab/userns is nslab's own: a file there without its network namespace is a leftover
  // of some lab (one with its namespace goes with it, by netns.del); a sweep of every lab removes it
  if (!opts.lab) {
    const names = new Set(await listNetns());
    for (const u of listUserns()) {
      if (!names.has(u)) out.push({ kind: 'userns', ns: u });
      // the name's file is there but no namespace is mounted on it: nslab's user namespace file
      // says nslab made a namespace of this name, whose deletion was cut short
      else if (!state.namespaces[u]) out.push({ kind: 'netns-file', ns: u });
    }
  }
  return out;
}

/** Removes the leftovers: links and tables first, then namespaces. Returns what was removed. */
export async function sweep(opts: SweepOptions, sink?: CommandSink): Promise<string[]> {
  const found = await findLeftovers(opts);
  const ops: Op[] = [
    ...found.flatMap((l): Op[] => (l.kind === 'link' ? [{ type: 'link.del', ns: l.ns, name: l.name }] : [])),
    ...found.flatMap((l): Op[] => (l.kind === 'nft' ? [{ type: 'nft.del', ns: l.ns, table: l.table }] : [])),
    ...found.flatMap((l): Op[] => (l.kind === 'netns' || l.kind === 'netns-file' ? [{ type: 'netns.del', ns: l.ns }] : [])),
    ...found.flatMap((l): Op[] => (l.kind === 'userns' ? [{ type: 'userns.del', ns: l.ns }] : [])),
  ];
  const errors = await runOpsTolerant(ops, sink);
  if (errors.length === 0) return found.map(describeLeftover);
  // Report only what is really gone, and why the rest is not.
  const still = new Set((await findLeftovers(opts)).map(describeLeftover));
  return [...found.map(describeLeftover).filter((d) => !still.has(d)), ...errors.map((e) => `(not removed: ${e})`)];
}
