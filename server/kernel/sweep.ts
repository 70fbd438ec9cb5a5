// `nslab clean` and crash recovery: finds every object nslab marked as its own (or only one
// lab's), plus namespaces the journal says nslab was creating when it stopped (created, but not
// yet marked: nothing in them but lo), and removes them. Unmarked objects are never touched.
import type { KNamespace } from '@/lib/kernel-state';
import { isNatTable, MARK_PREFIX, natTable } from '@/lib/names';
import type { Op } from '@/lib/ops';
import { runOpsTolerant } from './driver';
import { inParallel, runArgv, type CommandSink } from './exec';
import { listNetns, observe } from './observer';

export interface SweepOptions {
  /** only this lab's objects (default: every lab's) */
  lab?: string;
  /** namespace names the journal says nslab was creating */
  candidates?: string[];
}

export type Leftover =
  | { kind: 'netns'; ns: string; mark: string | null }
  | { kind: 'link'; ns: string; name: string; mark: string }
  | { kind: 'nft'; ns: string; table: string };

function where(ns: string): string {
  return ns ? `namespace ${ns}` : `this machine's own namespace`;
}

export function describeLeftover(l: Leftover): string {
  switch (l.kind) {
    case 'netns':
      return `namespace ${l.ns}${l.mark ? ` (${l.mark})` : ' (unmarked, left half-made by nslab)'}`;
    case 'link':
      return `interface ${l.name} in ${where(l.ns)} (${l.mark})`;
    case 'nft':
      return `nft table ip ${l.table} in ${where(l.ns)}`;
  }
}

/** nft tables (family ip) in a namespace. */
async function nftTables(ns: string): Promise<string[]> {
  const nft = ['nft', '-j', 'list', 'tables', 'ip'];
  const res = await runArgv(ns ? ['ip', 'netns', 'exec', ns, ...nft] : nft);
  if (res.exitCode !== 0) return [];
  const items = (JSON.parse(res.stdout || '{}') as { nftables?: Array<{ table?: { name: string } }> }).nftables ?? [];
  return items.flatMap((i) => (i.table ? [i.table.name] : []));
}

export async function findLeftovers(opts: SweepOptions = {}): Promise<Leftover[]> {
  const prefix = opts.lab ? `${MARK_PREFIX}${opts.lab}:` : MARK_PREFIX;
  const ours = (mark: string | null) => !!mark && mark.startsWith(prefix);
  const candidates = new Set(opts.candidates ?? []);
  const state = await observe(['', ...(await listNetns())]);
  const out: Leftover[] = [];
  const keep: KNamespace[] = [];
  for (const n of Object.values(state.namespaces)) {
    const halfMade = candidates.has(n.name) && n.mark === null && Object.keys(n.links).every((l) => l === 'lo');
    if (n.name !== '' && (ours(n.mark) || halfMade)) out.push({ kind: 'netns', ns: n.name, mark: n.mark });
    else if (!n.mark?.startsWith(MARK_PREFIX)) keep.push(n);
  }
  // In namespaces that stay (this machine's own and foreign ones): marked links and nft tables.
  for (const n of keep) {
    for (const l of Object.values(n.links)) if (l.mark && ours(l.mark) && l.name !== 'lo') out.push({ kind: 'link', ns: n.name, name: l.name, mark: l.mark });
  }
  const tables = await inParallel(keep, 4, (n) => nftTables(n.name));
  keep.forEach((n, i) => {
    for (const t of tables[i] ?? []) if (opts.lab ? t === natTable(opts.lab) : isNatTable(t)) out.push({ kind: 'nft', ns: n.name, table: t });
  });
  return out;
}

/** Removes the leftovers: links and tables first, then namespaces. Returns what was removed. */
export async function sweep(opts: SweepOptions, sink?: CommandSink): Promise<string[]> {
  const found = await findLeftovers(opts);
  const ops: Op[] = [
    ...found.flatMap((l): Op[] => (l.kind === 'link' ? [{ type: 'link.del', ns: l.ns, name: l.name }] : [])),
    ...found.flatMap((l): Op[] => (l.kind === 'nft' ? [{ type: 'nft.del', ns: l.ns, table: l.table }] : [])),
    ...found.flatMap((l): Op[] => (l.kind === 'netns' ? [{ type: 'netns.del', ns: l.ns }] : [])),
  ];
  const errors = await runOpsTolerant(ops, sink);
  if (errors.length === 0) return found.map(describeLeftover);
  // Report only what is really gone, and why the rest is not.
  const still = new Set((await findLeftovers(opts)).map(describeLeftover));
  return [...found.map(describeLeftover).filter((d) => !still.has(d)), ...errors.map((e) => `(not removed: ${e})`)];
}
