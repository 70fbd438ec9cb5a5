// The class requests of a socket (lib/protocol.ts): the instructor lists, creates and ends
// classes, watches a class's room (each seat's lab live: its kernel state, saves, commands and
// lesson progress pushed to this socket) and broadcasts a lab to its seats; a seat asks what is
// broadcast to it.
import { NslabError } from '@/lib/errors';
import { classRoomName, type ClassRoom, type RequestName, type SeatLabView } from '@/lib/protocol';
import type { LabsEvents, LabsService } from '@/server/labs/types';
import { loadLesson } from '@/server/lessons/load';
import { register, type Handler, type NslabServer, type NslabSocket } from '@/server/register';
import { broadcastOf, setBroadcast } from './broadcast';
import { createClass, endClass } from './classes';
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

/** One seat's lab for the room's thumbnail: its record, its live state (null when unreadable), its last command. */
async function seatView(labs: LabsService, lab: string): Promise<SeatLabView | null> {
  try {
    const record = labs.get(lab);
    const live = await labs.live(lab).catch(() => null);
    return { lab: record, live, lastCommandAt: labs.commandLog(lab, 1).at(-1)?.at ?? null };
  } catch {
    return null;
  }
}

export function registerClassHandlers(io: NslabServer, socket: NslabSocket, deps: { labs: LabsService; classes?: ClassStore }): void {
  const { labs } = deps;
  const on = <E extends RequestName>(event: E, handler: Handler<E>) => register(socket, event, handler);
  const store = () => {
    if (!deps.classes) throw new NslabError('not_found', 'this server keeps no classes');
    return deps.classes;
  };

  // the room this connection watches: one class at a time
  let watched: { name: string; stop: () => void } | null = null;
  const unwatch = () => {
    watched?.stop();
    if (watched) void socket.leave(classRoomName(watched.name));
    watched = null;
  };
  socket.on('disconnect', unwatch);

  on('class:show', ({ name }) => ({ room: classRoom(labs, store(), name) }));

  on('class:list', () => ({ classes: store().list().map((c) => ({ ...c, broadcast: broadcastOf(io, c.name) })) }));

  on('class:create', async ({ name, lesson, seats, step }) => ({
    seats: await createClass(labs, store(), { name, lesson, seats, ...(step !== undefined ? { step } : {}), onProgress: (done, total) => socket.emit('class:progress', { name, done, total }) }),
  }));

  on('class:end', async ({ name }) => {
    const classes = store();
    if (classes.get(name) && broadcastOf(io, name)) await setBroadcast(io, labs, classes, name, null);
    if (watched?.name === name) unwatch();
    return { removed: await endClass(labs, classes, name) };
  });

  on('class:watch', async ({ name }) => {
    const room = classRoom(labs, store(), name);
    unwatch();
    const known = new Set(labs.list().map((l) => l.name));
    const seatLabs = new Set(room.seats.map((s) => s.lab).filter((lab) => known.has(lab)));
    const stops = [...seatLabs].map((lab) => labs.watch(lab));
    // each seat lab's pushes, to this socket only (the editor's rooms are left alone)
    const forward = <K extends 'live' | 'saved' | 'lesson' | 'command'>(event: K, lab: (...a: LabsEvents[K]) => string, send: (...a: LabsEvents[K]) => void) => {
      const fn = (...a: LabsEvents[K]) => {
        if (seatLabs.has(lab(...a))) send(...a);
      };
      (labs.events.on as (e: K, f: typeof fn) => void)(event, fn);
      return () => (labs.events.off as (e: K, f: typeof fn) => void)(event, fn);
    };
    const offs = [
      forward('live', (l) => l.lab, (l) => socket.emit('lab:live', l)),
      forward('saved', (r) => r.name, (r) => socket.emit('lab:saved', r)),
      forward('lesson', (p) => p.lab, (p) => socket.emit('lab:lesson', p)),
      forward('command', (c) => c.lab, (c) => socket.emit('lab:command', c)),
    ];
    watched = { name, stop: () => [...stops, ...offs].forEach((f) => f()) };
    await socket.join(classRoomName(name));
    const views = await Promise.all([...seatLabs].map((lab) => seatView(labs, lab)));
    return { room, labs: views.filter((v): v is SeatLabView => v !== null), broadcast: broadcastOf(io, name) };
  });

  on('class:unwatch', () => {
    unwatch();
    return {};
  });

  on('class:broadcast', async ({ name, lab }) => ({ broadcast: await setBroadcast(io, labs, store(), name, lab) }));

  // the seat's own lab only (register.ts checked it): what its class is shown; the instructor's pages are never replaced
  on('class:broadcasting', () => {
    const cls = socket.data.role === 'seat' ? socket.data.class : undefined;
    return { broadcast: cls ? broadcastOf(io, cls) : null, seat: cls !== undefined };
  });
}
