// The socket.io server of `nslab serve`: its options (who may connect, how big a message may be)
// and what every accepted socket gets (the guard, the lab, tool and adopt handlers).
// server/main.ts creates it on its HTTP server; tests create it on a plain one.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server, type Socket } from 'socket.io';
import { PACKET_OVERHEAD, SOCKET_LIMITS, tooLargeMessage } from '@/lib/limits';
import { requestSchemas, type ClientToServerEvents, type ServerToClientEvents } from '@/lib/protocol';
import { adoptRequestSchemas } from '@/lib/protocol-adopt';
import { toolRequestSchemas } from '@/lib/protocol-tools';
import { registerAdoptHandlers } from '@/server/adopt/register';
import type { LabsService } from '@/server/labs/types';
import { registerToolHandlers } from '@/server/tools/register';
import { isAuthorized, isSameOrigin } from './auth';
import { registerLabHandlers, type NslabServer, type NslabSocket } from './gateway';

/** Every request a client may send; anything else is answered `invalid`. */
export const KNOWN_REQUESTS: ReadonlySet<string> = new Set([
  ...Object.keys(requestSchemas),
  ...Object.keys(toolRequestSchemas),
  ...Object.keys(adoptRequestSchemas),
]);

export function createSocketServer(http: HttpServer | HttpsServer, opts: { token: string; labs: LabsService; scheme?: 'http' | 'https'; allowHostShell?: boolean }): NslabServer {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    destroyUpgrade: false,
    // engine.io refuses (closes the connection on) anything bigger; up to that, guardSocket
    // answers a message over SOCKET_LIMITS.messageBytes with a clear error
    maxHttpBufferSize: SOCKET_LIMITS.transportBytes,
    allowRequest: (req, callback) => callback(null, isSameOrigin(req, opts.scheme ?? 'http') && isAuthorized(req, opts.token)),
  });
  io.on('connection', (socket) => {
    guardSocket(socket);
    registerLabHandlers(io, socket, opts.labs);
    registerToolHandlers(io as unknown as Server, socket as unknown as Socket, { labs: opts.labs, allowHostShell: !!opts.allowHostShell });
    registerAdoptHandlers(io as unknown as Server, socket as unknown as Socket, { labs: opts.labs });
  });
  return io;
}

/**
 * Runs before any handler: a request that is not one of KNOWN_REQUESTS, or that is bigger than
 * SOCKET_LIMITS.messageBytes, is answered `{ ok: false, code: 'invalid', message }` (when the
 * client asked for an answer) and goes no further.
 */
export function guardSocket(socket: NslabSocket | Socket): void {
  // The size of the message being decoded, as it came over the wire: engine.io announces each
  // packet just before socket.io decodes it (binary attachments follow their message).
  let bytes = 0;
  socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
    if (packet.type !== 'message') return;
    const data = packet.data;
    if (typeof data === 'string') bytes = Buffer.byteLength(data);
    else if (data && typeof data === 'object' && 'byteLength' in data) bytes += Number((data as { byteLength: number }).byteLength);
  });
  (socket as Socket).use((packet, next) => {
    const [event] = packet;
    const ack = packet.length > 1 ? packet[packet.length - 1] : undefined;
    const reply = typeof ack === 'function' ? (ack as (res: unknown) => void) : () => undefined;
    const name = typeof event === 'string' ? event : String(event);
    if (!KNOWN_REQUESTS.has(name)) {
      reply({ ok: false, code: 'invalid', message: `unknown request ${JSON.stringify(name.slice(0, 64))}` });
      return;
    }
    if (bytes > SOCKET_LIMITS.messageBytes + PACKET_OVERHEAD) {
      reply({ ok: false, code: 'invalid', message: tooLargeMessage(name, bytes) });
      return;
    }
    next();
  });
}
