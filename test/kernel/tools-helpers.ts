// A real socket.io server with every handler a socket of `nslab serve` gets (server/sockets.ts), a seed lab
// applied on an isolated host, and a client: the tools tests talk to the server as a browser does.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { parse } from 'yaml';
import { assertTopology } from '@/lib/validate';
import { createLabsService } from '@/server/labs/service';
import { descendants, isAlive as alive } from '@/server/tools/processes';
import type { NslabServer } from '@/server/register';
import { acceptSocket } from '@/server/sockets';
import { SEED, sh } from './cli-helpers';

export const LAB = 'tools';
export const HOST_NS = 'toolsH';

export interface ToolsServer {
  url: string;
  io: NslabServer;
  labs: ReturnType<typeof createLabsService>;
  close: () => Promise<void>;
}

/** `home`: the state folder (default: a fresh one in the temporary folder); removed on close either way. */
export async function startToolsServer(home = mkdtempSync(join(tmpdir(), 'nslab-tools-'))): Promise<ToolsServer> {
  const labs = createLabsService({ home });
  const http: HttpServer = createServer();
  const io: NslabServer = new Server(http);
  io.on('connection', (socket) => acceptSocket(io, socket, { labs }));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url, io, labs,
    close: async () => {
      await new Promise<void>((r) => io.close(() => r()));
      await labs.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The seed lab, renamed so it never meets another test's namespaces. */
export async function applySeed(server: ToolsServer): Promise<void> {
  const doc = parse(readFileSync(SEED, 'utf8')) as Record<string, unknown>;
  doc.name = LAB;
  server.labs.create(assertTopology(doc), { hostNetns: HOST_NS });
  const r = await server.labs.apply(LAB);
  if (!r.ok) throw new Error(`apply failed: ${JSON.stringify(r.error)}`);
}

export async function destroySeed(server: ToolsServer): Promise<void> {
  await server.labs.destroy(LAB).catch(() => undefined);
  for (const ns of ['A', 'B', 'C', 'remote'].map((n) => `${LAB}-${n}`).concat(HOST_NS)) {
    if (existsSync(`/run/netns/${ns}`)) await sh('ip', 'netns', 'del', ns);
  }
}

export function client(url: string): Promise<ClientSocket> {
  const s = connect(url, { transports: ['websocket'], forceNew: true });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

/** Emits a request and resolves with its ack. */
export function request<T = Record<string, unknown>>(s: ClientSocket, event: string, payload: unknown): Promise<T> {
  return s.timeout(20_000).emitWithAck(event, payload) as Promise<T>;
}

/** Resolves with the first event that satisfies `test`, or rejects after `ms`. */
export function waitForEvent<T>(s: ClientSocket, event: string, test: (e: T) => boolean, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(event, on);
      reject(new Error(`no ${event} matched within ${ms} ms`));
    }, ms);
    const on = (e: T) => {
      if (!test(e)) return;
      clearTimeout(timer);
      s.off(event, on);
      resolve(e);
    };
    s.on(event, on);
  });
}

/** A live (not zombie) process: the same check the server uses when it ends a session. */
export { isAlive as alive } from '@/server/tools/processes';

/** PIDs of live processes whose command is `name` (to check nothing of ours is left). */
export function pidsOf(name: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSyncSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name && alive(Number(entry))) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * The PID, as the server sees it, of process `inner` of the private pid namespace a confined
 * shell started at `root` runs in (`echo $!` in such a shell prints the namespace's own number).
 */
export function outerPid(root: number, inner: number): number {
  for (const pid of descendants(root)) {
    try {
      const ids = (/^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '').trim().split(/\s+/).map(Number);
      if (ids.length > 1 && ids[ids.length - 1] === inner) return pid;
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process ${inner} in the pid namespace below ${root}`);
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(fn: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
