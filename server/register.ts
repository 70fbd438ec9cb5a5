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
  type SeatScope,
  type ServerToClientEvents,
} from '@/lib/protocol';
import { formatProblem, TopologyError, zodProblems } from '@/lib/validate';
import { explain } from './errors';

/** What the server keeps on each socket: its role, set when it connects (server/sockets.ts). */
export interface SocketData {
  role?: Role;
  /** a seat's own lab (the only lab a seat's requests may name) */
  lab?: string;
  /** a seat's class */
  class?: string;
  /** for a seat: the lab its class's instructor broadcasts now (the one other lab it may view), or null */
  viewable?: () => string | null;
  /**
   * What closes everything this connection watches of a lab (its room and kernel watch in
   * server/gateway.ts, its packets in server/tools/register.ts), as when a broadcast it was
   * viewing stops.
   */
  closers?: ((lab: string) => Promise<void>)[];
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
  readonly [E in RequestName]: { readonly schema: { safeParse(value: unknown): z.ZodSafeParseResult<ParsedPayload<E>> }; readonly role: Role; readonly seat?: SeatScope };
};
const checks: Checks = requests;

/** Registers the handler of one request on one socket. */
export function register<E extends RequestName>(socket: NslabSocket, event: E, handler: Handler<E>): void {
  const name: RequestName = event;
  socket.on(name, async (payload: unknown, ack: unknown) => {
    const reply = (res: Ack<E>) => {
      if (typeof ack === 'function') ack(res);
    };
    reply(await answer(socket.data.role, event, handler, payload, socket.data.lab, socket.data.viewable?.() ?? null));
  });
}

/**
 * The answer to one request: refused, invalid, or what the handler made of it. `seatLab`: for a
 * seat, its own lab, the only one its requests may name; `viewable`: the lab its class's
 * instructor broadcasts now, which it may only view (requests whose scope says `view`).
 */
export async function answer<E extends RequestName>(role: Role | undefined, event: E, handler: Handler<E>, payload: unknown, seatLab?: string, viewable?: string | null): Promise<Ack<E>> {
  const spec = checks[event];
  if (!role || !mayCall(role, spec.role)) {
    return failure('forbidden', `${event} is for the instructor; this connection is ${role ? `a ${role}` : 'not signed in'}`);
  }
  const parsed = spec.schema.safeParse(payload ?? {});
  if (!parsed.success) {
    const problems = zodProblems(parsed.error);
    return failure('invalid', `${event}: ${problems.map(formatProblem).join('; ')}`, problems);
  }
  if (role === 'seat') {
    const refused = seatRefusal(event, spec.seat, parsed.data, seatLab, viewable);
    if (refused) return failure('forbidden', refused);
  }
  try {
    const data = await handler(parsed.data);
    return Object.assign({ ok: true as const }, data);
  } catch (e) {
    return toFailure(e);
  }
}

/**
 * Why a seat may not send this request with this payload, or null: its own lab only, never the
 * host context; a viewing request (lab:open, lab:close) also the lab being broadcast to its class.
 */
export function seatRefusal(event: string, scope: SeatScope | undefined, payload: unknown, seatLab: string | undefined, viewable?: string | null): string | null {
  if (!scope || !seatLab) return `${event} is for the instructor; this connection is a seat`;
  if ('owned' in scope) return null;
  const field = (name: string) => (typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined);
  const lab = field(scope.lab);
  if (scope.view && viewable && lab === viewable && lab !== seatLab) return null;
  if (lab !== seatLab) return `${event}: this seat may only use its own lab "${seatLab}", not ${JSON.stringify(lab)}${viewable ? ` (it may only view "${viewable}", the lab its instructor shows)` : ''}`;
  if (scope.node && field(scope.node) === 'host') return `${event}: a seat has no access to the host context of its lab, only to its namespaces`;
  return null;
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
