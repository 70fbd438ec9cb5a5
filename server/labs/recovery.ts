// Crash recovery: what an apply killed half-way (kill -9, power loss) was making, made provably
// nslab's own. The journal holds each object's identity from before it existed; a link carries
// its lab's interface group from the instant it exists (lib/names.ts labGroup). Recovery puts
// the missing alias marks on exactly those objects, then resolves the journal: from then on
// the marks alone say what is nslab's, so `nslab clean` removes it and the next apply converges.
// A journaled name that now holds something nslab did not make is left alone and reported: a
// namespace nslab made has its own user namespace (lib/ops.ts netns.add); a half-made one (the
// name's file, no namespace mounted on it yet) is removed with its user namespace file, and so
// is the name's file a destroy killed half-way through a namespace's deletion left behind.
import type { KLink, KNamespace } from '@/lib/kernel-state';
import { labGroup, markLab } from '@/lib/names';
import type { Op } from '@/lib/ops';
import { runOpsTolerant } from '@/server/kernel/driver';
import type { CommandSink } from '@/server/kernel/exec';
import { listNetns, observe } from '@/server/kernel/observer';
import { listUserns, mountedUserns } from '@/server/kernel/userns';
import type { Store } from '@/server/store/store';
import type { LabRepository } from './repository';
import type { CommandLogEntry } from './types';

/**
 * Recovers every lab with an unfinished apply, each under its lock; a lab another process is
 * applying right now is skipped (its apply has not crashed).
 */
export async function recoverAllLabs(repo: LabRepository, sink: (lab: string, phase: () => CommandLogEntry['phase']) => CommandSink): Promise<string[]> {
  const out: string[] = [];
  for (const lab of new Set(repo.store.unfinishedApplies().map((a) => a.lab))) {
    if (!repo.store.locks.acquire(lab, 'recover').ok) continue;
    try {
      out.push(...(await recoverLab(repo, lab, sink(lab, () => 'recover'))));
    } finally {
      repo.store.locks.release(lab);
    }
  }
  return out;
}

/** With the lab's lock held: finishes the marks of its crashed applies and settles its state. */
export async function recoverLab(repo: LabRepository, lab: string, sink: CommandSink): Promise<string[]> {
  if (repo.store.unfinishedApplies(lab).length === 0) return [];
  const report = await recoverApplies(repo.store, lab, sink);
  const row = repo.store.getLab(lab);
  if (row && row.state === 'applying') repo.setState(lab, row.appliedRev !== null ? 'drifted' : 'failed');
  return report;
}

/** Recovers every unfinished apply of `lab` (all labs when undefined); the caller holds the lock. */
export async function recoverApplies(store: Store, lab: string | undefined, sink?: CommandSink): Promise<string[]> {
  const report: string[] = [];
  for (const a of store.unfinishedApplies(lab)) {
    const { ops, notes } = await completionOps(a.lab, store.journaled(a.id));
    const errors = await runOpsTolerant(ops, sink);
    report.push(...notes, ...errors.map((e) => `(not recovered: ${e})`));
    if (errors.length === 0) store.finishApply(a.id, 'crashed', `process ${a.pid} stopped during this ${a.kind}; recovered`);
  }
  return report;
}

/** The marks to finish (and half-made namespace files to remove) for one crashed apply. */
export async function completionOps(lab: string, journaled: Op[]): Promise<{ ops: Op[]; notes: string[] }> {
  const group = labGroup(lab);
  const spaces = new Set<string>();
  for (const op of journaled) {
    if (op.type === 'netns.add' || op.type === 'netns.del' || op.type === 'bridge.add' || op.type === 'vlan.add') spaces.add(op.ns);
    if (op.type === 'veth.add') spaces.add(op.ns).add(op.peerNs);
  }
  if (spaces.size === 0) return { ops: [], notes: [] };
  const files = new Set(await listNetns());
  const usernsFiles = new Set(listUserns());
  const ownUserns = mountedUserns();
  const state = await observe([...spaces]);
  const ops: Op[] = [];
  const notes: string[] = [];
  const ours = (l: KLink | undefined) => !!l && l.group === group;
  const markLink = (ns: string, name: string, mark: string) => {
    const l = state.namespaces[ns]?.links[name];
    if (l && l.mark === null && ours(l)) ops.push({ type: 'link.set', ns, name, mark });
  };
  for (const op of journaled) {
    switch (op.type) {
      case 'netns.add': {
        const n = state.namespaces[op.ns];
        if (!n) {
          // killed between claiming the name (/run/netns/NS) and mounting the namespace on it:
          // the name's file, maybe the user namespace file too (lib/ops.ts netns.add)
          if (files.has(op.ns)) ops.push({ type: 'netns.del', ns: op.ns });
          else if (usernsFiles.has(op.ns)) ops.push({ type: 'userns.del', ns: op.ns });
          break;
        }
        if (n.mark !== null) break;
        // nslab made it only if it has its user namespace (mounted with it by one unshare) and
        // holds nothing but what nslab makes
        if (!ownUserns.has(op.ns)) notes.push(`(left alone: namespace ${op.ns} has no mark and no user namespace of nslab's)`);
        else if (madeByUs(n, group)) ops.push({ type: 'link.set', ns: op.ns, name: 'lo', up: true, mark: op.mark });
        else notes.push(`(left alone: namespace ${op.ns} has no mark and holds interfaces nslab did not make)`);
        break;
      }
      case 'netns.del':
        // killed between unmounting the namespace and removing its name's file (ip netns del
        // does the two one after the other): the file is left, with no namespace on it. The
        // destroy proved the namespace was the lab's before it started; finish it.
        if (!state.namespaces[op.ns] && files.has(op.ns)) ops.push({ type: 'netns.del', ns: op.ns });
        break;
      case 'bridge.add':
      case 'vlan.add':
        markLink(op.ns, op.name, op.mark);
        break;
      case 'veth.add':
        markLink(op.ns, op.name, op.mark);
        markLink(op.peerNs, op.peerName, op.mark);
        break;
      default:
        break;
    }
  }
  return { ops, notes };
}

/** A namespace nslab was creating holds nothing but lo and links of its lab's group. */
function madeByUs(n: KNamespace, group: number): boolean {
  return Object.values(n.links).every((l) => l.name === 'lo' || (l.group === group && (l.mark === null || markLab(l.mark) !== null)));
}
