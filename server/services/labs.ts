// Services as the labs service sees them: the plan's service lines, and what a server finds at
// start (services of labs that are no longer applied are stopped; an applied lab whose
// supervisor died gets its services started again).
import { serviceChanges, servicesOf } from '@/lib/services';
import type { Topology } from '@/lib/topology';
import { ensureServices, labsWithServices, readRecord, runningServices, stopServices, supervisorAlive } from './supervisor';

/** `+ service A: cmd` / `- service A: cmd`: from what runs now to `topology`'s services (null: none, a destroy). */
export function serviceLines(lab: string, topology: Topology | null): string[] {
  return serviceChanges(topology ? servicesOf(topology) : [], runningServices(lab));
}

/**
 * At a server's start: the lab's own record decides. A lab that is gone or not applied loses its
 * services; an applied lab with services whose supervisor is gone (it crashed or was killed)
 * gets them again. `applied(lab)`: the lab's applied topology and host, or null.
 */
export async function recoverServices(applied: (lab: string) => { topology: Topology; hostNetns: string } | null, labs: string[]): Promise<void> {
  for (const lab of labsWithServices()) if (!applied(lab)) await stopServices(lab);
  for (const lab of labs) {
    const a = applied(lab);
    if (!a || !servicesOf(a.topology).length) continue;
    const r = readRecord(lab);
    if (!r || !supervisorAlive(r)) await ensureServices(lab, a.topology, a.hostNetns);
  }
}
