// A class: a lesson and N seats. Each seat is a lab of its own, `<class>-<seat>`, on an isolated
// host `<class>-<seat>-h` (so every seat has the same addresses side by side), with a personal
// token (stored hashed, revocable). Ending the class destroys every seat's lab.
import { randomBytes } from 'node:crypto';
import { NslabError } from '@/lib/errors';
import type { CreatedSeat } from '@/lib/protocol';
import { LAB_NAME } from '@/lib/topology';
import { inParallel } from '@/server/kernel/exec';
import type { LabsService } from '@/server/labs/types';
import { loadLesson } from '@/server/lessons/load';
import { goToStep, startLesson } from '@/server/lessons/run';
import type { ClassStore, SeatRow } from './store';

export const MAX_SEATS = 200;
/** Class names: the seat labs `<class>-<seat>` and their hosts `<class>-<seat>-h` must be valid names. */
export const CLASS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/;

/** a seat made: its token (shown once: only its hash is kept) and the path a browser opens with it */
export type { CreatedSeat };

export const seatLab = (cls: string, seat: number) => `${cls}-${seat}`;

export async function createClass(labs: LabsService, store: ClassStore, opts: { name: string; lesson: string; seats: number; step?: number; parallel?: number; onProgress?: (done: number, total: number) => void }): Promise<CreatedSeat[]> {
  const { name, seats } = opts;
  if (!CLASS_NAME.test(name)) throw new NslabError('invalid', `class name "${name}" is not valid: use 1-16 of a-z, 0-9 and '-', starting and ending with a letter or digit`);
  if (!Number.isInteger(seats) || seats < 1 || seats > MAX_SEATS) throw new NslabError('invalid', `--seats: ${seats} is not a number of seats (1-${MAX_SEATS})`);
  if (store.get(name)) throw new NslabError('exists', `a class named "${name}" exists already; end it first (nslab class end ${name})`);
  const lesson = loadLesson(opts.lesson);
  const step = opts.step ?? 0;
  if (step < 0 || step > lesson.steps.length) throw new NslabError('invalid', `--step ${step}: lesson "${lesson.id}" has steps 0-${lesson.steps.length}`);
  const made: CreatedSeat[] = [];
  for (let seat = 1; seat <= seats; seat++) {
    const lab = seatLab(name, seat);
    if (!LAB_NAME.test(lab) || !LAB_NAME.test(`${lab}-h`)) throw new NslabError('invalid', `class name "${name}" is too long for ${seats} seats (lab "${lab}")`);
    const existing = labs.list().find((l) => l.name === lab);
    if (existing) throw new NslabError('exists', `lab "${lab}" exists already; a class's seats need their own labs (delete it, or choose another class name)`);
    const token = randomBytes(24).toString('base64url');
    made.push({ seat, lab, token, join: `/join/${token}` });
  }
  store.insert({ name, lesson: lesson.id, seats }, made);
  let done = 0;
  opts.onProgress?.(0, seats);
  try {
    await inParallel(made, opts.parallel ?? 4, async (s) => {
      const started = await startLesson(labs, s.lab, lesson, { hostNetns: `${s.lab}-h` });
      if (!started.ok) throw new NslabError('kernel', `seat ${s.seat} (lab ${s.lab}): ${started.error?.message}`);
      if (step > 0) {
        const at = await goToStep(labs, s.lab, lesson, step);
        if (!at.ok) throw new NslabError('kernel', `seat ${s.seat} (lab ${s.lab}): ${at.error?.message}`);
      }
      labs.setLessonProgress({ lab: s.lab, lesson: lesson.id, step, passed: [] });
      opts.onProgress?.(++done, seats);
    });
  } catch (e) {
    await endClass(labs, store, name).catch(() => undefined);
    throw e;
  }
  return made;
}

export function revokeSeat(store: ClassStore, name: string, seat: number): void {
  if (!store.get(name)) throw new NslabError('not_found', `there is no class "${name}"`);
  if (!store.revoke(name, seat)) throw new NslabError('not_found', `class "${name}" has no seat ${seat} with a valid token (seats 1-${store.get(name)!.seats})`);
}

/** Destroys and deletes every seat's lab, then the class; what it removed, one lab per line. */
export async function endClass(labs: LabsService, store: ClassStore, name: string): Promise<string[]> {
  const cls = store.get(name);
  if (!cls) throw new NslabError('not_found', `there is no class "${name}"`);
  const seats: SeatRow[] = store.seats(name);
  const known = new Set(labs.list().map((l) => l.name));
  const removed: string[] = [];
  const failed: string[] = [];
  await inParallel(seats, 4, async (s) => {
    if (!known.has(s.lab)) return;
    try {
      await labs.remove(s.lab);
      removed.push(s.lab);
    } catch (e) {
      failed.push(`${s.lab}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  if (failed.length) throw new NslabError('kernel', `class "${name}" could not end: ${failed.join('; ')}; run \`nslab class end ${name}\` again`);
  store.delete(name);
  return removed.sort();
}
