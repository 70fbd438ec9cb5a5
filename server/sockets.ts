// The socket.io server of `nslab serve`: its options (who may connect, how big a message may be)
// and what every accepted socket gets (its role, the guard, the lab, tool and adopt handlers).
// server/main.ts creates it on its HTTP server; tests create it on a plain one.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server } from 'socket.io';
import { PACKET_OVERHEAD, SOCKET_LIMITS, tooLargeMessage } from '@/lib/limits';
import { isRequestName, type ClientToServerEvents, type Role, type ServerToClientEvents } from '@/lib/protocol';
import { registerAdoptHandlers } from '@/server/adopt/register';
import type { LabsService } from '@/server/labs/types';
import { joinClass } from '@/server/classes/broadcast';
import { registerClassHandlers } from '@/server/classes/register';
import type { ClassStore } from '@/server/classes/store';
import { registerLessonHandlers } from '@/server/lessons/register';
import { registerToolHandlers } from '@/server/tools/register';
import { isSameOrigin, whoIs, type SeatLookup } from './auth';
import { registerLabHandlers } from './gateway';
import type { NslabServer, NslabSocket, SocketData } from './register';

export function createSocketServer(http: HttpServer | HttpsServer, opts: { token: string; labs: LabsService; scheme?: 'http' | 'https'; allowHostShell?: boolean; seatOf?: SeatLookup; classes?: ClassStore }): NslabServer {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(http, {
    destroyUpgrade: false,
    // engine.io refuses (closes the connection on) anything bigger; up to that, guardSocket
    // answers a message over SOCKET_LIMITS.messageBytes with a clear error
    maxHttpBufferSize: SOCKET_LIMITS.transportBytes,
    allowRequest: (req, callback) => callback(null, isSameOrigin(req, opts.scheme ?? 'http') && whoIs(req, opts.token, opts.seatOf) !== null),
  });
  io.on('connection', (socket) => {
    // the instructor (the server's token), or a seat (its token's cookie): its own lab only
    const who = whoIs(socket.request, opts.token, opts.seatOf);
    if (!who) return void socket.disconnect(true);
    acceptSocket(io, socket, { labs: opts.labs, allowHostShell: !!opts.allowHostShell, role: who.role, ...(who.role === 'seat' ? { lab: who.lab, ...(who.class ? { seatClass: who.class } : {}) } : {}), ...(opts.classes ? { classes: opts.classes } : {}) });
  });
  return io;
}

/**
 * What every connection gets: its role (allowRequest let in only the server's token, which is
 * the instructor's), the guard, and the handlers of every request.
 */
export function acceptSocket(io: NslabServer, socket: NslabSocket, opts: { labs: LabsService; allowHostShell?: boolean; role?: Role; lab?: string; seatClass?: string; classes?: ClassStore }): void {
  socket.data.role = opts.role ?? 'instructor';
  if (opts.lab !== undefined) socket.data.lab = opts.lab;
  // a seat hears its class's broadcast, and may view the lab broadcast while it is on
  if (opts.role === 'seat' && opts.seatClass) joinClass(io, socket, opts.seatClass);
  guardSocket(socket);
  registerLabHandlers(io, socket, opts.labs);
  registerToolHandlers(io, socket, { labs: opts.labs, allowHostShell: !!opts.allowHostShell });
  registerAdoptHandlers(socket, { labs: opts.labs });
  registerLessonHandlers(io, socket, opts.labs);
  registerClassHandlers(io, socket, { labs: opts.labs, ...(opts.classes ? { classes: opts.classes } : {}) });
}

/**
 * Runs before any handler: a request that is not in the registry (lib/protocol.ts), or that is
 * bigger than SOCKET_LIMITS.messageBytes, is answered `{ ok: false, code: 'invalid', message }`
 * (when the client asked for an answer) and goes no further.
 */
export function guardSocket(socket: NslabSocket): void {
  // The size of the message being decoded, as it came over the wire: engine.io announces each
  // packet just before socket.io decodes it (binary attachments follow their message).
  let bytes = 0;
  socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
    if (packet.type !== 'message') return;
    const data = packet.data;
    if (typeof data === 'string') bytes = Buffer.byteLength(data);
    else if (data && typeof data === 'object' && 'byteLength' in data) bytes += Number(data.byteLength);
  });
  socket.use((packet, next) => {
    const [event] = packet;
    const ack: unknown = packet.length > 1 ? packet[packet.length - 1] : undefined;
    const reply = (res: { ok: false; code: 'invalid'; message: string }) => {
      if (typeof ack === 'function') ack(res);
    };
    const name = typeof event === 'string' ? event : String(event);
    if (!isRequestName(name)) {
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
