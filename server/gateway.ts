// The socket gateway: thin by design. Each handler validates its payload (zod, and
// checkTopology for topologies), calls the labs service, and acknowledges
// `{ ok: true, ... }` or `{ ok: false, code, message }`. Service events are fanned out to rooms.
import type { Server, Socket } from 'socket.io';
import { NslabError, type ErrorCode } from '@/lib/errors';
import {
  LABS_ROOM,
  labRoom,
  requestSchemas,
  type Ack,
  type ClientToServerEvents,
  type Failure,
  type RequestName,
  type ResponseData,
  type ServerToClientEvents,
} from '@/lib/protocol';
import type { Topology } from '@/lib/topology';
import { checkTopology, formatProblem, TopologyError, zodProblems, type Problem } from '@/lib/validate';
import type { LabsService } from '@/server/labs/types';
import { explain } from './errors';

export type NslabServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type NslabSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Sends every service event to the sockets that want it: lab events to the lab's room. */
export function broadcastLabEvents(io: NslabServer, labs: LabsService): () => void {
  const onCommand: Parameters<typeof labs.events.on<'command'>>[1] = (e) => io.to(labRoom(e.lab)).emit('lab:command', e);
  const onProgress: Parameters<typeof labs.events.on<'progress'>>[1] = (p) => io.to(labRoom(p.lab)).emit('lab:progress', p);
  const onLive: Parameters<typeof labs.events.on<'live'>>[1] = (l) => io.to(labRoom(l.lab)).emit('lab:live', l);
  const onChanged: Parameters<typeof labs.events.on<'changed'>>[1] = (c) => io.to(LABS_ROOM).emit('labs:changed', c);
  const onSaved: Parameters<typeof labs.events.on<'saved'>>[1] = (r) => io.to(labRoom(r.name)).emit('lab:saved', r);
  labs.events.on('command', onCommand);
  labs.events.on('progress', onProgress);
  labs.events.on('live', onLive);
  labs.events.on('changed', onChanged);
  labs.events.on('saved', onSaved);
  return () => {
    labs.events.off('saved', onSaved);
    labs.events.off('command', onCommand);
    labs.events.off('progress', onProgress);
    labs.events.off('live', onLive);
    labs.events.off('changed', onChanged);
  };
}

/** Registers the lab requests of one authenticated socket. */
export function registerLabHandlers(io: NslabServer, socket: NslabSocket, labs: LabsService): void {
  void socket.join(LABS_ROOM);
  const watching = new Map<string, () => void>();
  const on = <E extends RequestName>(event: E, fn: (payload: ParsedPayload<E>) => Promise<ResponseData[E]> | ResponseData[E]) =>
    handle(socket, event, fn);

  on('labs:list', () => ({ labs: labs.list() }));

  on('lab:create', ({ topology, hostNetns }) => ({
    lab: labs.create(checked(topology), hostNetns === undefined ? {} : { hostNetns }),
  }));

  on('lab:open', async ({ name }) => {
    const lab = labs.get(name);
    await socket.join(labRoom(name));
    if (!watching.has(name)) watching.set(name, labs.watch(name));
    const commands = labs.commandLog(name, 300);
    try {
      return { snapshot: { lab, live: await labs.live(name), commands } };
    } catch (e) {
      return { snapshot: { lab, live: null, liveError: messageOf(e), commands } };
    }
  });

  on('lab:close', async ({ name }) => {
    watching.get(name)?.();
    watching.delete(name);
    await socket.leave(labRoom(name));
    return {};
  });

  on('lab:save', ({ topology, rev }) => {
    const lab = labs.save(checked(topology), rev);
    io.to(labRoom(lab.name)).emit('lab:saved', lab);
    return { lab };
  });

  on('lab:plan', async ({ name, topology }) => ({
    plan: await labs.plan(name, topology === undefined ? undefined : checked(topology)),
  }));

  on('lab:apply', async ({ name, rev, fingerprint }) => ({
    result: await labs.apply(name, { expectedRev: rev, ...(fingerprint ? { fingerprint } : {}) }),
  }));

  on('lab:destroy', async ({ name }) => ({ result: await labs.destroy(name) }));

  on('lab:delete', async ({ name }) => {
    watching.get(name)?.();
    watching.delete(name);
    await labs.remove(name);
    return {};
  });

  socket.on('disconnect', () => {
    for (const stop of watching.values()) stop();
    watching.clear();
  });
}

type ParsedPayload<E extends RequestName> = ReturnType<(typeof requestSchemas)[E]['parse']>;

function handle<E extends RequestName>(
  socket: NslabSocket,
  event: E,
  fn: (payload: ParsedPayload<E>) => Promise<ResponseData[E]> | ResponseData[E],
): void {
  const listener = async (payload: unknown, ack: unknown) => {
    const reply = typeof ack === 'function' ? (ack as (res: Ack<E>) => void) : () => undefined;
    const parsed = requestSchemas[event].safeParse(payload ?? {});
    if (!parsed.success) {
      const problems = zodProblems(parsed.error);
      reply(failure('invalid', `${event}: ${problems.map(formatProblem).join('; ')}`, problems));
      return;
    }
    try {
      const data = await fn(parsed.data as ParsedPayload<E>);
      reply({ ok: true, ...data } as Ack<E>);
    } catch (e) {
      reply(toFailure(e));
    }
  };
  // socket.io's typed `on` cannot follow a generic event name; the payload is validated above.
  (socket as unknown as { on(event: string, fn: typeof listener): void }).on(event, listener);
}

/** The same schema and rules as files: problems name the field (e.g. links[0].a.addresses[0]). */
function checked(value: unknown): Topology {
  const r = checkTopology(value);
  if (!r.ok) throw new TopologyError(r.problems);
  return r.topology;
}

function failure(code: ErrorCode, message: string, problems?: Problem[]): Failure {
  return { ok: false, code, message, ...(problems ? { problems } : {}) };
}

export function toFailure(e: unknown): Failure {
  if (e instanceof TopologyError) return failure('invalid', e.message, e.problems);
  if (e instanceof NslabError) return failure(e.code, e.message);
  // Database and file errors become the same one sentence the CLI prints (server/errors.ts);
  // only errors nobody foresaw leave their stack, in the server's log.
  const said = explain(e);
  if (said.code === 'internal') console.error('nslab gateway: unexpected error', e);
  return failure(said.code, said.message);
}

function messageOf(e: unknown): string {
  return explain(e).message;
}
