// Roles over real sockets (server/sockets.ts, server/register.ts): one socket.io server, one
// connection accepted as the instructor and one as a seat. Every request of the registry
// reaches a handler for the instructor (a payload with a stray field is answered `invalid`,
// naming the request), and is refused `forbidden` to the seat before its handler runs: a seat's
// lab:create creates nothing.
import '../sandbox-guard';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRequestName, requests, type Role } from '@/lib/protocol';
import { createLabsService } from '@/server/labs/service';
import type { NslabServer } from '@/server/register';
import { acceptSocket } from '@/server/sockets';
import { closeToolsRuntime } from '@/server/tools/register';
import { bridgedLab } from '../scale-labs';
import { rmHome, tempHome } from './cli-helpers';

const home = tempHome();
const labs = createLabsService({ home });
const http = createServer();
const io: NslabServer = new Server(http);
const clients: ClientSocket[] = [];
let url = '';

// The role each connection gets, by the query it connects with (only in this test).
io.on('connection', (socket) => {
  const role: Role = socket.handshake.query.role === 'seat' ? 'seat' : 'instructor';
  acceptSocket(io, socket, { labs, role });
});

function client(role: Role): Promise<ClientSocket> {
  const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { role } });
  clients.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

type Answer = { ok: boolean; code?: string; message?: string };
const send = (s: ClientSocket, event: string, payload: unknown) => s.timeout(20_000).emitWithAck(event, payload) as Promise<Answer>;

const names = Object.keys(requests).filter(isRequestName);

beforeAll(async () => {
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of clients) s.disconnect();
  await new Promise<void>((r) => io.close(() => r()));
  await closeToolsRuntime(io);
  await labs.close();
  rmHome(home);
});

describe('a request whose role does not match', () => {
  it('every request of the registry reaches its handler for the instructor, and every instructor request is forbidden to a seat', async () => {
    const instructor = await client('instructor');
    const seat = await client('seat');
    for (const name of names) {
      const asInstructor = await send(instructor, name, { 'stray field': 1 });
      expect(asInstructor, name).toMatchObject({ ok: false, code: 'invalid' });
      expect(asInstructor.message?.startsWith(`${name}: `), asInstructor.message).toBe(true);
      const asSeat = await send(seat, name, { 'stray field': 1 });
      // what a seat may send is checked for its payload first, then for its lab (test/kernel/seats.test.ts)
      if (requests[name].role === 'seat') expect(asSeat, name).toMatchObject({ ok: false, code: 'invalid' });
      else expect(asSeat, name).toEqual({ ok: false, code: 'forbidden', message: `${name} is for the instructor; this connection is a seat` });
    }
  });

  it("a seat's lab:create creates nothing; the instructor's does, on the same server", async () => {
    const seat = await client('seat');
    const instructor = await client('instructor');
    const topology = bridgedLab(3, 'roles');
    expect(await send(seat, 'lab:create', { topology })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(labs.list().map((l) => l.name)).not.toContain('roles');
    expect(await send(instructor, 'lab:create', { topology })).toMatchObject({ ok: true });
    expect((await send(seat, 'lab:delete', { name: 'roles' })).code).toBe('forbidden');
    expect(labs.list().map((l) => l.name)).toContain('roles');
    expect(await send(instructor, 'lab:delete', { name: 'roles' })).toMatchObject({ ok: true });
  });

  it('an unknown request is still answered invalid, whatever the role', async () => {
    const seat = await client('seat');
    expect(await send(seat, 'lab:explode', {})).toMatchObject({ ok: false, code: 'invalid', message: 'unknown request "lab:explode"' });
  });
});
