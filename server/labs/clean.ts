// `nslab clean`. The caller holds the lock of every lab (server/store/locks.ts), so no apply can
// change the kernel or save a host value meanwhile.
import { FORWARDING_KEY } from '@/lib/ops';
import { runCommand, type CommandSink } from '@/server/kernel/exec';
import { sweep } from '@/server/kernel/sweep';
import { recoverApplies } from './recovery';
import type { LabRepository } from './repository';

/**
 * With every lab's lock held: recovers crashed applies, removes every object that carries an
 * nslab mark, restores the host sysctls nslab changed, and marks every lab not applied.
 */
export async function cleanAll(repo: LabRepository, sink?: CommandSink): Promise<string[]> {
  const store = repo.store;
  const recovered = await recoverApplies(store, undefined, sink);
  const removed = [...recovered.filter((r) => r.startsWith('(')), ...(await sweep({}, sink))];
  const restored = new Set<string>();
  for (const s of store.savedSysctls()) {
    if (s.key === FORWARDING_KEY && !restored.has(s.key)) {
      const res = await runCommand({ tool: 'sysctl', ns: '', args: ['-w', `${s.key}=${s.value}`] }, sink);
      if (res.exitCode !== 0) {
        removed.push(`(not restored: ${s.key}=${s.value} on this machine: ${res.stderr.trim()})`);
        continue;
      }
      removed.push(`(restored ${s.key}=${s.value} on this machine)`);
      restored.add(s.key);
    }
    store.forgetSysctl(s.lab, s.key);
  }
  for (const l of store.listLabs()) if (l.state !== 'not-applied' || l.appliedRev !== null) repo.setState(l.name, 'not-applied', null);
  return removed;
}
