// The instructor's room over the socket: a class's seats with their labs' states and the step
// each seat's lesson reached (progress in SQLite).
import { NslabError } from '@/lib/errors';
import type { ClassRoom } from '@/lib/protocol';
import type { LabsService } from '@/server/labs/types';
import { loadLesson } from '@/server/lessons/load';
import { register, type NslabSocket } from '@/server/register';
import type { ClassStore } from './store';

export function classRoom(labs: LabsService, classes: ClassStore, name: string): ClassRoom {
  const c = classes.get(name);
  if (!c) throw new NslabError('not_found', `there is no class "${name}"`);
  let steps = 0;
  try {
    steps = loadLesson(c.lesson).steps.length;
  } catch {
    steps = 0;
  }
  const states = new Map(labs.list().map((l) => [l.name, l.state] as const));
  return {
    name: c.name,
    lesson: c.lesson,
    steps,
    seats: classes.seats(name).map((s) => {
      const p = labs.lessonProgress(s.lab);
      return { seat: s.seat, lab: s.lab, revoked: s.revokedAt !== null, state: states.get(s.lab) ?? 'missing', step: p?.step ?? null, passed: p?.passed ?? [], updatedAt: p?.updatedAt ?? null };
    }),
  };
}

export function registerClassHandlers(socket: NslabSocket, deps: { labs: LabsService; classes?: ClassStore }): void {
  register(socket, 'class:show', ({ name }) => {
    if (!deps.classes) throw new NslabError('not_found', 'this server keeps no classes');
    return { room: classRoom(deps.labs, deps.classes, name) };
  });
}
