// Wires adopting onto one authenticated socket (server/main.ts calls this for every socket the
// gateway accepted, like the tools). Each handler validates its payload with
// lib/protocol-adopt.ts and acknowledges `{ ok: true, ... }` or `{ ok: false, code, message }`.
// Nothing here changes the kernel: the scan is read-only, and the lab it becomes is created
// (and later applied) through the labs service like any other.
import type { Server, Socket } from 'socket.io';
import { NslabError } from '@/lib/errors';
import { adoptRequestSchemas, type AdoptAck, type AdoptFailure, type AdoptRequestName, type AdoptResponseData } from '@/lib/protocol-adopt';
import { formatProblem, zodProblems } from '@/lib/validate';
import { adoptFromKernel } from '@/server/kernel/adopt';
import type { LabsService } from '@/server/labs/types';

export interface AdoptDeps {
  labs: LabsService;
}

type Parsed<E extends AdoptRequestName> = ReturnType<(typeof adoptRequestSchemas)[E]['parse']>;

export function registerAdoptHandlers(_io: Server, socket: Socket, deps: AdoptDeps): void {
  const on = <E extends AdoptRequestName>(event: E, fn: (p: Parsed<E>) => Promise<AdoptResponseData[E]>) => {
    const name: string = event;
    socket.on(name, async (payload: unknown, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (res: AdoptAck<E>) => void) : () => undefined;
      const parsed = adoptRequestSchemas[event].safeParse(payload ?? {});
      if (!parsed.success) {
        reply(failure('invalid', `${event}: ${zodProblems(parsed.error).map(formatProblem).join('; ')}`));
        return;
      }
      try {
        reply({ ok: true, ...(await fn(parsed.data as Parsed<E>)) } as AdoptAck<E>);
      } catch (e) {
        reply(e instanceof NslabError ? failure(e.code, e.message) : failure('internal', e instanceof Error ? e.message : String(e)));
      }
    });
  };

  on('adopt:scan', async ({ lab, exclude }) => {
    // A default name that no existing lab has, so "Create lab" works at once.
    const taken = new Set(deps.labs.list().map((l) => l.name));
    let name = lab ?? 'adopted';
    for (let k = 2; !lab && taken.has(name); k++) name = `adopted-${k}`;
    const { scan, ...draft } = await adoptFromKernel({ lab: name, ...(exclude ? { exclude } : {}) });
    return { scan, draft };
  });
}

function failure(code: AdoptFailure['code'], message: string): AdoptFailure {
  return { ok: false, code, message };
}
