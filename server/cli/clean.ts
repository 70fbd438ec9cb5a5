// `nslab clean`: sweep every object nslab marked as its own (and namespaces the journal says it
// was creating when it crashed), restore host sysctls it changed, and mark all labs not applied.
import { FORWARDING_KEY } from '@/lib/ops';
import type { Labs } from '@/server/labs/service';
import { runCommand } from '@/server/kernel/exec';
import { sweep } from '@/server/kernel/sweep';

export async function cleanAll(labs: Labs): Promise<string[]> {
  const store = labs.store;
  const removed = await sweep({ candidates: store.journaledNetns() }, (e) => {
    store.addCommand({ lab: '', at: new Date().toISOString(), argv: e.argv, exitCode: e.exitCode, stderr: e.stderr, durationMs: e.durationMs, phase: 'clean' });
  });
  const restored = new Set<string>();
  for (const s of store.savedSysctls()) {
    if (s.key === FORWARDING_KEY && !restored.has(s.key)) {
      const res = await runCommand({ tool: 'sysctl', ns: '', args: ['-w', `${s.key}=${s.value}`] });
      if (res.exitCode === 0) removed.push(`(restored ${s.key}=${s.value} on this machine)`);
      restored.add(s.key);
    }
    store.forgetSysctl(s.lab, s.key);
  }
  for (const l of store.listLabs()) if (l.state !== 'not-applied' || l.appliedRev !== null) store.setState(l.name, 'not-applied', null);
  store.forgetJournal();
  return removed;
}
