// Wires adopting onto one authenticated socket (server/sockets.ts calls this for every socket it
// accepted, like the tools), through server/register.ts like every request. Nothing here
// changes the kernel: the scan is read-only, and the lab it becomes is created (and later
// applied) through the labs service like any other.
import { adoptFromKernel } from '@/server/kernel/adopt';
import type { LabsService } from '@/server/labs/types';
import { register, type NslabSocket } from '@/server/register';

export interface AdoptDeps {
  labs: LabsService;
}

export function registerAdoptHandlers(socket: NslabSocket, deps: AdoptDeps): void {
  register(socket, 'adopt:scan', async ({ lab, exclude }) => {
    // A default name that no existing lab has, so "Create lab" works at once.
    const taken = new Set(deps.labs.list().map((l) => l.name));
    let name = lab ?? 'adopted';
    for (let k = 2; !lab && taken.has(name); k++) name = `adopted-${k}`;
    const { scan, ...draft } = await adoptFromKernel({ lab: name, ...(exclude ? { exclude } : {}) });
    return { scan, draft };
  });
}
