// The one way the dashboard sends a request: `request(socket, event, payload)` waits for its
// acknowledgement as long as the registry says (lib/protocol.ts); a lost connection, a timeout
// or an answer of the wrong shape becomes an `{ ok: false }` answer like any other, so callers
// handle one shape.
import { payloadBytes, SOCKET_LIMITS, tooLargeMessage } from '@/lib/limits';
import { isAck, requests, type Ack, type RequestName, type RequestPayload } from '@/lib/protocol';
import type { NslabClientSocket } from './types';

/**
 * What request() needs of a socket: send one event and wait for its answer. (socket.io's typed
 * emitWithAck cannot follow a generic event name; the answer is checked with isAck instead.)
 */
interface AckEmitter {
  emitWithAck(event: string, payload: unknown): Promise<unknown>;
}

export async function request<E extends RequestName>(socket: NslabClientSocket, event: E, payload: RequestPayload<E>): Promise<Ack<E>> {
  const timeout = requests[event].timeoutMs;
  // The server refuses a message over its limit, and engine.io drops the connection on a much
  // bigger one: say so before sending (only topologies get that big).
  const bytes = payloadBytes(payload);
  if (bytes > SOCKET_LIMITS.messageBytes) return { ok: false, code: 'invalid', message: tooLargeMessage(event, bytes) };
  let answer: unknown;
  try {
    // emitWithAck needs its socket as `this`: call it on the timed socket, do not detach it
    const timed: AckEmitter = socket.timeout(timeout);
    answer = await timed.emitWithAck(event, payload);
  } catch {
    return { ok: false, code: 'internal', message: socket.connected ? `the server did not answer ${event} in ${timeout / 1000} s` : 'not connected to the nslab server; is it still running?' };
  }
  return isAck(answer, event) ? answer : { ok: false, code: 'internal', message: `the server's answer to ${event} is not an answer; is it the same version as this page? reload it` };
}
