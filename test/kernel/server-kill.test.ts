// Issue 8, acceptance 5: the real server (`nslab serve`, a child process here) is killed with
// `kill -9` while a browser has 5 shells (one with a background job), a capture, a node view and
// the lab's live view open: none of the processes it started may remain 1 s later. No fixed
// sleep: the PIDs are polled until they are all gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendants, isAlive } from '@/server/tools/processes';
import { nslabIn, ROOT, SEED, sh, tempHome } from './cli-helpers';
import { until } from './tools-helpers';

const LAB = 'killtest';
const HOST_NS = 'killH';
const NAMESPACES = ['A', 'B', 'C', 'remote'].map((n) => `${LAB}-${n}`).concat(HOST_NS);
const TOKEN = 'kill-test-token-0123456789abcdef';

let home: string;
let server: ChildProcess | null = null;
let socket: Socket | null = null;
let ours: number[] = [];
let nslab: ReturnType<typeof nslabIn>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Direct children of `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
}

beforeAll(async () => {
  home = tempHome();
  nslab = nslabIn(home);
  for (const n of NAMESPACES) if (existsSync(`/run/netns/${n}`)) await sh('ip', 'netns', 'del', n);
  const doc = parse(readFileSync(SEED, 'utf8')) as Record<string, unknown>;
  doc.name = LAB;
  const file = join(home, 'lab.yaml');
  writeFileSync(file, stringify(doc));
  const applied = await nslab('apply', file, '--host-netns', HOST_NS, '-q');
  if (applied.exitCode !== 0) throw new Error(applied.stderr);
});

afterAll(async () => {
  socket?.disconnect();
  if (server?.pid && isAlive(server.pid)) server.kill('SIGKILL');
  for (const pid of ours) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await nslab('destroy', LAB);
  for (const n of NAMESPACES) if (existsSync(`/run/netns/${n}`)) await sh('ip', 'netns', 'del', n);
  rmSync(home, { recursive: true, force: true });
});

async function startServer(): Promise<{ pid: number; url: string }> {
  const port = await freePort();
  // the built dashboard when there is one (npm test builds it), else Next's dev mode
  const dev = existsSync(join(ROOT, '.next', 'BUILD_ID')) ? [] : ['--dev'];
  server = spawn('node', [join(ROOT, 'bin/nslab.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), ...dev], {
    env: { ...process.env, NSLAB_HOME: home, NSLAB_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => out.includes('nslab dashboard:') || server!.exitCode !== null, 90_000, 'the server to start');
  if (!out.includes('nslab dashboard:')) throw new Error(`the server did not start:\n${out}`);
  return { pid: server.pid!, url: `http://127.0.0.1:${port}` };
}

function ask<T = { ok: boolean; message?: string }>(event: string, payload: unknown): Promise<T> {
  return socket!.timeout(20_000).emitWithAck(event, payload) as Promise<T>;
}

describe('kill -9 of the server', () => {
  it('ends its 5 shells (and their jobs), its capture and its monitors within 1 s', async () => {
    const { pid: serverPid, url } = await startServer();
    socket = io(url, { extraHeaders: { authorization: `Bearer ${TOKEN}` }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    let out = '';
    socket.on('term:data', (e: { data: string }) => (out += e.data));

    const terminals: number[] = [];
    for (const node of ['A', 'B', 'C', 'remote', 'host']) {
      const r = await ask<{ ok: boolean; pid: number; id: string; message?: string }>('term:open', { lab: LAB, node, cols: 80, rows: 24 });
      expect(r.ok, r.message).toBe(true);
      terminals.push(r.pid);
      if (node === 'A') {
        await until(() => out.includes('[A]'), 5000, 'the prompt');
        await ask('term:input', { id: r.id, data: 'sleep 300 & echo JOB-STARTED\r' });
        await until(() => /JOB-STARTED\r?\n/.test(out.replace(/echo JOB-STARTED/g, '')), 5000, 'the job');
        // the real server's token is in its environment: the shell cannot read it
        await ask('term:input', { id: r.id, data: `cat /proc/${serverPid}/environ; echo "ENV-RC=$?"\r` });
        await until(() => /ENV-RC=\d+/.test(out), 5000, 'the environ attempt');
        expect(/ENV-RC=(\d+)/.exec(out)![1]).not.toBe('0');
        expect(out).not.toContain(TOKEN);
      }
    }
    const cap = await ask('capture:start', { lab: LAB, node: 'B', iface: 'eth0', filter: '' });
    expect(cap.ok, cap.message).toBe(true);
    expect((await ask('node:watch', { lab: LAB, node: 'C' })).ok).toBe(true);
    expect((await ask('lab:open', { name: LAB })).ok).toBe(true);

    // Everything the server started for the tools begins with `setpriv --pdeathsig`.
    const roots = childrenOf(serverPid).filter((p) => cmdline(p)[0] === 'setpriv' || comm(p) === 'unshare' || comm(p) === 'ip');
    ours = [...new Set(roots.flatMap((p) => [p, ...descendants(p)]))].filter(isAlive);
    for (const t of terminals) expect(ours).toContain(t);
    const names = ours.map(comm);
    expect(names.filter((n) => n === 'bash')).toHaveLength(5);
    expect(names).toContain('sleep');
    expect(names).toContain('tcpdump');
    expect(names.filter((n) => n === 'ip').length).toBeGreaterThanOrEqual(1); // the server's one ip monitor (lab and node views share it)

    process.kill(serverPid, 'SIGKILL');
    const t0 = Date.now();
    let left = ours;
    while (left.length && Date.now() - t0 < 3000) {
      await new Promise((r) => setTimeout(r, 10));
      left = left.filter(isAlive);
    }
    const took = Date.now() - t0;
    expect(left.map((p) => `${p} ${comm(p)}`), 'processes left after kill -9 of the server').toEqual([]);
    expect(took).toBeLessThanOrEqual(1000);
  });
});
