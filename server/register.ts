// The one way a request reaches a handler: `register(socket, event, handler)` checks the role the
// socket carries against the request's role (lib/protocol.ts), checks the payload with the
// request's schema, runs the handler, and acknowledges `{ ok: true, ...answer }` or, whatever
// went wrong, one Failure from `toFailure` (server/errors.ts says database and file errors as one
// sentence). The labs gateway, the tools and adopting all register their handlers here.
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';
import { NslabError } from '@/lib/errors';
import {
  mayCall,
  requests,
  type Ack,
  type ClientToServerEvents,
  type Failure,
  type ParsedPayload,
  type RequestName,
  type ResponseData,
  type Role,
  type ServerToClientEvents,
} from '@/lib/protocol';
import { formatProblem, TopologyError, zodProblems } from '@/lib/validate';
import { explain } from './errors';

/** What the server keeps on each socket: its role, set when it connects (server/sockets.ts). */
export interface SocketData {
  role?: Role;
}

type ServerEvents = Record<string, never>;
export type NslabServer = Server<ClientToServerEvents, ServerToClientEvents, ServerEvents, SocketData>;
export type NslabSocket = Socket<ClientToServerEvents, ServerToClientEvents, ServerEvents, SocketData>;

export type Handler<E extends RequestName> = (payload: ParsedPayload<E>) => Promise<ResponseData<E>> | ResponseData<E>;

/** A cap of the tools was reached (terminals, captures, node views): answered with code 'limit'. */
export class LimitError extends NslabError {
  constructor(message: string) {
    super('busy', message);
  }
}

/** The registry seen per request (checked against it here): each schema parses to its request's payload. */
type Checks = {
  readonly [E in RequestName]: { readonly schema: { safeParse(value: unknown): z.ZodSafeParseResult<ParsedPayload<E>> }; readonly role: Role };
};
const checks: Checks = requests;

/** Registers the handler of one request on one socket. */
export function register<E extends RequestName>(socket: NslabSocket, event: E, handler: Handler<E>): void {
  const name: RequestName = event;
  socket.on(name, async (payload: unknown, ack: unknown) => {
    const reply = (res: Ack<E>) => {
      if (typeof ack === 'function') ack(res);
    };
    reply(await answer(socket.data.role, event, handler, payload));
  });
}

/** The answer to one request: refused, invalid, or what the handler made of it. */
export async function answer<E extends RequestName>(role: Role | undefined, event: E, handler: Handler<E>, payload: unknown): Promise<Ack<E>> {
  const spec = checks[event];
  if (!role || !mayCall(role, spec.role)) {
    return failure('forbidden', `${event} is for the ${spec.role}; this connection is ${role ? `a ${role}` : 'not signed in'}`);
  }
  const parsed = spec.schema.safeParse(payload ?? {});
  if (!parsed.success) {
    const problems = zodProblems(parsed.error);
    return failure('invalid', `${event}: ${problems.map(formatProblem).join('; ')}`, problems);
  }
  try {
    const data = await handler(parsed.data);
    return Object.assign({ ok: true as const }, data);
  } catch (e) {
    return toFailure(e);
  }
}

function failure(code: Failure['code'], message: string, problems?: Failure['problems']): Failure {
  return { ok: false, code, message, ...(problems ? { problems } : {}) };
}

/** Any error, as the one sentence its person reads. */
export function toFailure(e: unknown): Failure {
  if (e instanceof TopologyError) return failure('invalid', e.message, e.problems);
  if (e instanceof LimitError) return failure('limit', e.message);
  if (e instanceof NslabError) return failure(e.code, e.message);
  // Database and file errors become the same one sentence the CLI prints (server/errors.ts);
  // only errors nobody foresaw leave their stack, in the server's log.
  const said = explain(e);
  if (said.code === 'internal') console.error('nslab: unexpected error answering a request', e);
  return failure(said.code, said.message);
}
