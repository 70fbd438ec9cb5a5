// Sends one request and waits for its acknowledgement; a lost connection or a timeout becomes
// an `{ ok: false }` answer like any other, so callers handle one shape.
import { payloadBytes, SOCKET_LIMITS, tooLargeMessage } from '@/lib/limits';
import type { Ack, RequestName, RequestPayload } from '@/lib/protocol';
import type { NslabClientSocket } from './types';

/** Applies can take a while on big labs; plans and saves are quick. */
const TIMEOUT_MS: Partial<Record<RequestName, number>> = { 'lab:apply': 300_000, 'lab:destroy': 300_000, 'lab:delete': 300_000 };

export async function request<E extends RequestName>(socket: NslabClientSocket, event: E, payload: RequestPayload<E>): Promise<Ack<E>> {
  const timeout = TIMEOUT_MS[event] ?? 30_000;
  // The server refuses a message over its limit, and engine.io drops the connection on a much
  // bigger one: say so before sending (only topologies can get that big).
  if (event === 'lab:create' || event === 'lab:save' || event === 'lab:plan') {
    const bytes = payloadBytes(payload);
    if (bytes > SOCKET_LIMITS.messageBytes) return { ok: false, code: 'invalid', message: tooLargeMessage(event, bytes) };
  }
  try {
    // socket.io's typed emitWithAck cannot follow a generic event name; payloads are checked server-side
    const timed = socket.timeout(timeout) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<E>> };
    return await timed.emitWithAck(event, payload);
  } catch {
    return { ok: false, code: 'internal', message: socket.connected ? `the server did not answer ${event} in ${timeout / 1000} s` : 'not connected to the nslab server; is it still running?' };
  }
}
