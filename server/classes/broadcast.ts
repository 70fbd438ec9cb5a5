// Broadcast: the instructor shows one of their labs to every seat of a class, read-only, until
// they stop. Kept in the server's memory (a restart stops it). A seat's connection joins its
// class's room; while a broadcast is on it may view that lab (lab:open, lab:close, its packets)
// and nothing more: server/register.ts checks it with `viewable`, like every other seat request.
import { NslabError } from '@/lib/errors';
import { classRoomName } from '@/lib/protocol';
import type { LabsService } from '@/server/labs/types';
import type { NslabServer, NslabSocket } from '@/server/register';
import type { ClassStore } from './store';

const registries = new WeakMap<NslabServer, Map<string, string>>();

/** class name → the lab broadcast to it, for this server */
function broadcasts(io: NslabServer): Map<string, string> {
  let m = registries.get(io);
  if (!m) registries.set(io, (m = new Map()));
  return m;
}

export function broadcastOf(io: NslabServer, cls: string): string | null {
  return broadcasts(io).get(cls) ?? null;
}

/** A seat's connection: in its class's room, and the lab it may view is whatever is broadcast now. */
export function joinClass(io: NslabServer, socket: NslabSocket, cls: string): void {
  socket.data.class = cls;
  socket.data.viewable = () => broadcastOf(io, cls);
  void socket.join(classRoomName(cls));
}

/**
 * Starts (lab) or stops (null) the class's broadcast. The lab must exist and be no seat's lab.
 * When a broadcast stops or changes, every seat of the class that had the old lab open is made
 * to close it (its room, its kernel watch, its packets), and every seat hears the new state.
 */
export async function setBroadcast(io: NslabServer, labs: LabsService, classes: ClassStore, cls: string, lab: string | null): Promise<string | null> {
  if (!classes.get(cls)) throw new NslabError('not_found', `there is no class "${cls}"`);
  if (lab !== null) {
    labs.get(lab);
    const seat = classes.seatByLab(lab);
    if (seat) throw new NslabError('invalid', `lab "${lab}" is seat ${seat.seat} of class "${seat.class}"; broadcast one of your own labs`);
  }
  const before = broadcastOf(io, cls);
  if (lab === null) broadcasts(io).delete(cls);
  else broadcasts(io).set(cls, lab);
  if (before && before !== lab) {
    for (const s of io.sockets.sockets.values()) {
      if (s.data.role === 'seat' && s.data.class === cls) for (const close of s.data.closers ?? []) await close(before);
    }
  }
  io.to(classRoomName(cls)).emit('class:broadcast', { name: cls, lab });
  return lab;
}
