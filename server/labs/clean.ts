// What `nslab clean` does to the kernel once crashed applies are recovered: remove every object
// that carries an nslab mark, then put back the host sysctls nslab changed. The caller holds
// the lock of every lab (server/store/locks.ts), so no apply can save a value meanwhile.
import { FORWARDING_KEY } from '@/lib/ops';
import { runCommand, type CommandSink } from '@/server/kernel/exec';
import { sweep } from '@/server/kernel/sweep';
import type { Store } from '@/server/store/store';

export async function cleanKernel(store: Store, sink?: CommandSink): Promise<string[]> {
  const removed = await sweep({}, sink);
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
  return removed;
}
