// A seat's connection reaches its own lab only (issue 12, acceptance 4 over sockets): two labs on
// the real kernel, a socket accepted as the seat of lab s1; every request of the registry, aimed
// at lab s2, is refused (forbidden, or for what a connection owns by id, not found) and nothing
// of s2 changes in the kernel; a terminal on the host context of its own lab is refused too, and
// one in its own namespace opens. The seat never hears of other labs (labs:changed).
// Broadcast: while the instructor broadcasts lab s2 to the seat's class, the seat may view s2
// (lab:open, lab:close, its packets) and nothing else of it; when the broadcast stops, viewing is
// refused again and the seat is taken out of s2's rooms (its live state, its packets).
import '../sandbox-guard';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRequestName, labRoom, packetsRoom, requests, type Role } from '@/lib/protocol';
import { ClassStore } from '@/server/classes/store';
import { broadcastLabEvents } from '@/server/gateway';
import { createLabsService } from '@/server/labs/service';
import type { NslabServer } from '@/server/register';
import { acceptSocket } from '@/server/sockets';
import { Store } from '@/server/store/store';
import { closeToolsRuntime } from '@/server/tools/register';
import { bridgedLab } from '../scale-labs';
import { netnsList, rmHome, sh, tempHome } from './cli-helpers';

const home = tempHome();
const labs = createLabsService({ home });
const http = createServer();
const io: NslabServer = new Server(http);
const clients: ClientSocket[] = [];
let url = '';
const stop = broadcastLabEvents(io, labs);
// class c1 has one seat, lab s1; s2 is the instructor's own lab
const classDb = new Store(home);
const classes = new ClassStore(classDb.db);

io.on('connection', (socket) => {
  const q = socket.handshake.query;
  const role: Role = q.role === 'seat' ? 'seat' : 'instructor';
  acceptSocket(io, socket, { labs, role, classes, ...(typeof q.lab === 'string' ? { lab: q.lab } : {}), ...(typeof q.class === 'string' ? { seatClass: q.class } : {}) });
});

function client(query: Record<string, string>): Promise<ClientSocket> {
  const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false, query });
  clients.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

type Answer = { ok: boolean; code?: string; message?: string };
const send = (s: ClientSocket, event: string, payload: unknown) => s.timeout(30_000).emitWithAck(event, payload) as Promise<Answer>;

async function kernelOf(lab: string): Promise<string> {
  const parts: string[] = [];
  for (const ns of netnsList().filter((n) => n.startsWith(`${lab}-`)).sort()) {
    // names, IPv4 addresses, routes and rules (link states and IPv6 link-local addresses settle on their own after an apply)
    const links = JSON.parse((await sh('ip', '-n', ns, '-j', '-4', 'addr')).stdout || '[]') as { ifname: string; addr_info?: { local?: string; prefixlen?: number }[] }[];
    const names = JSON.parse((await sh('ip', '-n', ns, '-j', 'link')).stdout || '[]') as { ifname: string }[];
    parts.push(ns, names.map((l) => l.ifname).sort().join(' '), links.map((l) => `${l.ifname} ${(l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`).join(' ')}`).join('\n'), (await sh('ip', '-n', ns, 'route')).stdout, (await sh('ip', 'netns', 'exec', ns, 'nft', '-s', 'list', 'ruleset')).stdout);
  }
  return parts.join('\n');
}

beforeAll(async () => {
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  for (const name of ['s1', 's2']) {
    labs.create(bridgedLab(2, name), { hostNetns: `${name}-h` });
    const r = await labs.apply(name);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
  }
  classes.insert({ name: 'c1', lesson: 'namespaces-101', seats: 1 }, [{ seat: 1, lab: 's1', token: 'seat-one-token-0123456789' }]);
}, 120_000);

afterAll(async () => {
  for (const s of clients) s.disconnect();
  stop();
  await new Promise<void>((r) => io.close(() => r()));
  await closeToolsRuntime(io);
  for (const name of ['s1', 's2', 's3']) await labs.remove(name).catch(() => undefined);
  await labs.close();
  classDb.close();
  rmHome(home);
});

/** A valid payload of each request, aimed at lab s2 (a new request must be added here). */
const atS2: Record<string, unknown> = {
  'labs:list': {},
  'lab:create': { topology: bridgedLab(1, 's3'), hostNetns: 's3-h' },
  'lab:open': { name: 's2' },
  'lab:close': { name: 's2' },
  'lab:save': { topology: bridgedLab(3, 's2'), rev: 1 },
  'lab:plan': { name: 's2' },
  'lab:apply': { name: 's2', rev: 1 },
  'lab:destroy': { name: 's2' },
  'lab:delete': { name: 's2' },
  'term:open': { lab: 's2', node: 'n0' },
  'term:input': { id: 'term-1', data: 'ip link add x type dummy\r' },
  'term:resize': { id: 'term-1', cols: 80, rows: 24 },
  'term:close': { id: 'term-1' },
  'node:watch': { lab: 's2', node: 'n0' },
  'node:unwatch': { lab: 's2', node: 'n0' },
  'probe:run': { lab: 's2', kind: 'ping', source: 'n0', target: 'n1' },
  'packets:watch': { lab: 's2' },
  'packets:unwatch': { lab: 's2' },
  'capture:start': { lab: 's2', node: 'n0', iface: 'any' },
  'capture:stop': { id: 'cap-1' },
  'capture:download': { id: 'cap-1' },
  'capture:discard': { id: 'cap-1' },
  'adopt:scan': {},
  'lesson:list': {},
  'lesson:open': { lab: 's2', id: 'namespaces-101' },
  'lesson:step': { lab: 's2', step: 0 },
  'lesson:check': { lab: 's2', step: 1 },
  'class:show': { name: 'c1' },
  'class:list': {},
  'class:create': { name: 'c9', lesson: 'namespaces-101', seats: 1 },
  'class:end': { name: 'c1' },
  'class:watch': { name: 'c1' },
  'class:unwatch': { name: 'c1' },
  'class:broadcast': { name: 'c1', lab: 's2' },
  'class:broadcasting': { lab: 's2' },
};

/**
 * Sends every request of the registry, aimed at s2, from the seat: each is refused (forbidden, or
 * not_found for what a connection owns by id) but those in `viewing`; s2 does not change in the kernel.
 */
async function sweepAtS2(seat: ClientSocket, viewing: string[] = []): Promise<void> {
  const names = Object.keys(requests).filter(isRequestName);
  expect(names.filter((n) => !(n in atS2)), 'requests without a sample payload here').toEqual([]);
  const before = await kernelOf('s2');
  const rev = labs.get('s2').rev;
  for (const name of names) {
    const a = await send(seat, name, atS2[name]);
    const owned = requests[name].role === 'seat' && 'owned' in (requests[name] as { seat?: object }).seat!;
    if (viewing.includes(name)) expect([name, a.ok], a.message).toEqual([name, true]);
    else if (owned) expect([name, a.ok, a.code]).toEqual([name, false, 'not_found']);
    else expect([name, a.ok, a.code], a.message).toEqual([name, false, 'forbidden']);
  }
  expect(await kernelOf('s2')).toBe(before);
  expect(labs.get('s2').rev).toBe(rev);
  expect(labs.list().map((l) => l.name).sort()).toEqual(['s1', 's2']);
  expect(labs.lessonProgress('s2')).toBeNull();
}

describe('a seat token opens only its seat', () => {
  it('every request aimed at another lab is refused, and that lab does not change in the kernel', async () => {
    const seat = await client({ role: 'seat', lab: 's1', class: 'c1' });
    const heard: unknown[] = [];
    seat.on('labs:changed', (c: unknown) => heard.push(c));
    await sweepAtS2(seat);
    // the instructor's change to another lab is not told to the seat
    const instructor = await client({ role: 'instructor' });
    expect((await send(instructor, 'lab:create', { topology: bridgedLab(1, 's3'), hostNetns: 's3-h' })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).toEqual([]);
    await labs.remove('s3');
  }, 180_000);

  it('a broadcast lab: the seat may only view it, and only while the broadcast is on', async () => {
    const seat = await client({ role: 'seat', lab: 's1', class: 'c1' });
    const instructor = await client({ role: 'instructor' });
    const pushes: unknown[] = [];
    seat.on('class:broadcast', (b: unknown) => pushes.push(b));
    // a seat's lab is not the instructor's to broadcast; a class that is not there is named
    expect(await send(instructor, 'class:broadcast', { name: 'c1', lab: 's1' })).toMatchObject({ ok: false, code: 'invalid', message: 'lab "s1" is seat 1 of class "c1"; broadcast one of your own labs' });
    expect(await send(instructor, 'class:broadcast', { name: 'c2', lab: 's2' })).toMatchObject({ ok: false, code: 'not_found' });
    expect(await send(seat, 'class:broadcasting', { lab: 's1' })).toEqual({ ok: true, broadcast: null, seat: true });
    expect(await send(instructor, 'class:broadcast', { name: 'c1', lab: 's2' })).toEqual({ ok: true, broadcast: 's2' });
    await expect.poll(() => pushes).toEqual([{ name: 'c1', lab: 's2' }]);
    expect(await send(seat, 'class:broadcasting', { lab: 's1' })).toEqual({ ok: true, broadcast: 's2', seat: true });
    // the instructor's pages are never replaced by a broadcast, even a seat lab's
    expect(await send(instructor, 'class:broadcasting', { lab: 's1' })).toEqual({ ok: true, broadcast: null, seat: false });
    // every request but viewing is refused, and s2 does not change
    await sweepAtS2(seat, ['lab:open', 'lab:close', 'packets:watch', 'packets:unwatch']);
    const opened = (await send(seat, 'lab:open', { name: 's2' })) as Answer & { snapshot?: { lab: { name: string } } };
    expect(opened.snapshot?.lab.name).toBe('s2');
    expect((await send(seat, 'packets:watch', { lab: 's2' })).ok).toBe(true);
    const inRoom = async () => [
      (await io.in(labRoom('s2')).fetchSockets()).some((s) => s.data.role === 'seat'),
      (await io.in(packetsRoom('s2')).fetchSockets()).some((s) => s.data.role === 'seat'),
    ];
    expect(await inRoom()).toEqual([true, true]);
    // stopped: the seat hears it, is out of s2's room, and may no longer view it
    expect(await send(instructor, 'class:broadcast', { name: 'c1', lab: null })).toEqual({ ok: true, broadcast: null });
    await expect.poll(() => pushes.length).toBe(2);
    expect(pushes[1]).toEqual({ name: 'c1', lab: null });
    expect(await inRoom()).toEqual([false, false]);
    await sweepAtS2(seat);
    expect(await send(seat, 'class:broadcasting', { lab: 's1' })).toEqual({ ok: true, broadcast: null, seat: true });
  }, 180_000);

  it('its own lab: open it, a terminal in its namespace; never a shell in its host context', async () => {
    const seat = await client({ role: 'seat', lab: 's1' });
    expect((await send(seat, 'lab:open', { name: 's1' })).ok).toBe(true);
    const host = await send(seat, 'term:open', { lab: 's1', node: 'host' });
    expect(host).toEqual({ ok: false, code: 'forbidden', message: 'term:open: a seat has no access to the host context of its lab, only to its namespaces' });
    const term = (await send(seat, 'term:open', { lab: 's1', node: 'n0' })) as Answer & { id?: string };
    expect(term.ok, term.message).toBe(true);
    expect((await send(seat, 'term:close', { id: term.id })).ok).toBe(true);
    // a terminal another connection opened is not the seat's
    const instructor = await client({ role: 'instructor' });
    const theirs = (await send(instructor, 'term:open', { lab: 's1', node: 'n1' })) as Answer & { id?: string };
    expect(theirs.ok).toBe(true);
    expect((await send(seat, 'term:input', { id: theirs.id, data: 'echo hi\r' })).code).toBe('not_found');
    await send(instructor, 'term:close', { id: theirs.id });
  }, 60_000);
});
