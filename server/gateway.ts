// The socket gateway of the labs: thin by design. Each handler gets its payload checked
// (server/register.ts: role and zod schema; here checkTopology for topologies), calls the labs
// service and returns what the request answers (lib/protocol.ts). Service events are fanned out
// to rooms.
import { NslabError } from '@/lib/errors';
import { capMessage, SOCKET_LIMITS } from '@/lib/limits';
import { LABS_ROOM, labRoom, type RequestName } from '@/lib/protocol';
import type { Topology } from '@/lib/topology';
import { checkTopology, rememberChecked, TopologyError } from '@/lib/validate';
import type { LabsService } from '@/server/labs/types';
import { explain } from './errors';
import { register, type Handler, type NslabServer, type NslabSocket } from './register';

export type { NslabServer, NslabSocket } from './register';

/** Sends every service event to the sockets that want it: lab events to the lab's room. */
export function broadcastLabEvents(io: NslabServer, labs: LabsService): () => void {
  const onCommand: Parameters<typeof labs.events.on<'command'>>[1] = (e) => io.to(labRoom(e.lab)).emit('lab:command', e);
  const onProgress: Parameters<typeof labs.events.on<'progress'>>[1] = (p) => io.to(labRoom(p.lab)).emit('lab:progress', p);
  const onLive: Parameters<typeof labs.events.on<'live'>>[1] = (l) => io.to(labRoom(l.lab)).emit('lab:live', l);
  const onChanged: Parameters<typeof labs.events.on<'changed'>>[1] = (c) => io.to(LABS_ROOM).emit('labs:changed', c);
  const onSaved: Parameters<typeof labs.events.on<'saved'>>[1] = (r) => io.to(labRoom(r.name)).emit('lab:saved', r);
  const onLesson: Parameters<typeof labs.events.on<'lesson'>>[1] = (p) => io.to(labRoom(p.lab)).emit('lab:lesson', p);
  labs.events.on('lesson', onLesson);
  labs.events.on('command', onCommand);
  labs.events.on('progress', onProgress);
  labs.events.on('live', onLive);
  labs.events.on('changed', onChanged);
  labs.events.on('saved', onSaved);
  return () => {
    labs.events.off('lesson', onLesson);
    labs.events.off('saved', onSaved);
    labs.events.off('command', onCommand);
    labs.events.off('progress', onProgress);
    labs.events.off('live', onLive);
    labs.events.off('changed', onChanged);
  };
}

/** Registers the lab requests of one authenticated socket. */
export function registerLabHandlers(io: NslabServer, socket: NslabSocket, labs: LabsService): void {
  // the labs list goes to the instructor only: a seat sees its own lab, never the others
  if (socket.data.role === 'instructor') void socket.join(LABS_ROOM);
  const watching = new Map<string, () => void>();
  // Each open lab is a kernel monitor: capped per connection and for the server (SOCKET_LIMITS).
  const opens = openLabs(io);
  const unwatch = (name: string) => {
    const stop = watching.get(name);
    if (!stop) return;
    stop();
    watching.delete(name);
    opens.total--;
  };
  const on = <E extends RequestName>(event: E, handler: Handler<E>) => register(socket, event, handler);

  on('labs:list', () => ({ labs: labs.list() }));

  on('lab:create', ({ topology, hostNetns }) => ({
    lab: labs.create(checked(topology), hostNetns === undefined ? {} : { hostNetns }),
  }));

  on('lab:open', async ({ name }) => {
    const lab = labs.get(name);
    if (!watching.has(name)) {
      if (watching.size >= SOCKET_LIMITS.labOpensPerSocket)
        throw new NslabError('busy', capMessage('open labs', SOCKET_LIMITS.labOpensPerSocket, 'connection', 'close one (lab:close) first'));
      if (opens.total >= SOCKET_LIMITS.labOpensTotal)
        throw new NslabError('busy', capMessage('open labs', SOCKET_LIMITS.labOpensTotal, 'server', 'close labs in other browsers, or retry later'));
      watching.set(name, labs.watch(name));
      opens.total++;
    }
    await socket.join(labRoom(name));
    const commands = labs.commandLog(name, 300);
    try {
      return { snapshot: { lab, live: await labs.live(name), commands } };
    } catch (e) {
      return { snapshot: { lab, live: null, liveError: messageOf(e), commands } };
    }
  });

  const close = async (name: string) => {
    unwatch(name);
    await socket.leave(labRoom(name));
  };
  (socket.data.closers ??= []).push(close);
  on('lab:close', async ({ name }) => {
    await close(name);
    return {};
  });

  on('lab:save', ({ topology, rev }) => {
    const lab = labs.save(checked(topology), rev);
    io.to(labRoom(lab.name)).emit('lab:saved', lab);
    return { lab };
  });

  on('lab:plan', async ({ name, topology, destroy }) => ({
    plan: await labs.plan(name, topology === undefined ? undefined : checked(topology), destroy ? { destroy } : {}),
  }));

  on('lab:apply', async ({ name, rev, fingerprint, adopt }) => ({
    result: await labs.apply(name, { expectedRev: rev, ...(fingerprint ? { fingerprint } : {}), ...(adopt ? { adopt } : {}) }),
  }));

  on('lab:destroy', async ({ name }) => ({ result: await labs.destroy(name) }));

  on('lab:delete', async ({ name }) => {
    unwatch(name);
    await labs.remove(name);
    return {};
  });

  socket.on('disconnect', () => {
    for (const name of [...watching.keys()]) unwatch(name);
  });
}

const openCounts = new WeakMap<NslabServer, { total: number }>();

/** How many labs all connections of this server have open. */
function openLabs(io: NslabServer): { total: number } {
  let c = openCounts.get(io);
  if (!c) openCounts.set(io, (c = { total: 0 }));
  return c;
}

/** The same schema and rules as files: problems name the field (e.g. links[0].a.addresses[0]). */
function checked(value: unknown): Topology {
  const r = checkTopology(value);
  if (!r.ok) throw new TopologyError(r.problems);
  // the labs service checks it again: unchanged, that costs a JSON.stringify, not a validation
  rememberChecked(r.topology);
  return r.topology;
}

function messageOf(e: unknown): string {
  return explain(e).message;
}
