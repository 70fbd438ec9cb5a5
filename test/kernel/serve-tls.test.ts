// Serving beyond localhost (issue 8, point 8): with --tls-cert/--tls-key the real `nslab serve`
// answers over HTTPS (Node's own https: Next pages and socket.io), the token cookie is Secure,
// and plain HTTP gets nothing. Without them, a --host other than loopback warns that the token
// travels in clear. Also: the dashboard's acks carry the same one-sentence errors as the CLI
// (a broken lab, a locked database), and a port in use is one sentence at start-up.
import { execa, type ResultPromise } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@/server/store/store';
import { rmHome, ROOT, SEED, tempHome } from './cli-helpers';

const base = tempHome();
const TOKEN = 'tls-test-token-0123456789abcdef';
const cert = join(base, 'cert.pem');
const key = join(base, 'key.pem');
const otherKey = join(base, 'other-key.pem');
const servers: ResultPromise[] = [];
let port = 3400 + Math.floor(Math.random() * 400);

interface Served {
  proc: ResultPromise;
  stdout: string;
  stderr: string;
  url: string;
}

/** Starts `nslab serve ARGS` and waits for its URL (or its exit). */
async function serve(home: string, ...args: string[]): Promise<Served> {
  const proc = execa('node', [join(ROOT, 'bin/nslab.js'), 'serve', ...args], { env: { NSLAB_HOME: home, NSLAB_TOKEN: TOKEN }, reject: false, buffer: false, cwd: ROOT });
  servers.push(proc);
  const s: Served = { proc, stdout: '', stderr: '', url: '' };
  proc.stderr!.on('data', (d: Buffer) => (s.stderr += String(d)));
  await new Promise<void>((resolve) => {
    proc.stdout!.on('data', (d: Buffer) => {
      s.stdout += String(d);
      const m = /nslab dashboard: (\S+)/.exec(s.stdout);
      if (m) {
        s.url = m[1]!;
        resolve();
      }
    });
    void proc.then(() => resolve());
  });
  return s;
}

async function stop(s: Served): Promise<void> {
  s.proc.kill('SIGTERM');
  await s.proc;
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(url);
  const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { headers, ca: readFileSync(cert), timeout: 20_000 });
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

function ack<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve) => socket.emit(event, payload, (r: T) => resolve(r)));
}

beforeAll(() => {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) {
    execFileSync('npx', ['next', 'build'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  }
  const req = (k: string, c?: string) => [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', k, '-out', c ?? join(base, 'unused.pem'),
  ];
  execFileSync('openssl', req(key, cert), { stdio: 'ignore' });
  execFileSync('openssl', req(otherKey), { stdio: 'ignore' });
}, 600_000);

afterAll(async () => {
  for (const p of servers) p.kill('SIGTERM');
  await Promise.allSettled(servers);
  rmHome(base);
});

describe('nslab serve over HTTPS', () => {
  let s: Served;
  let socket: Socket;
  const home = join(base, 'home');

  beforeAll(async () => {
    mkdirSync(home);
    s = await serve(home, '--host', '127.0.0.1', '--port', String(++port), '--tls-cert', cert, '--tls-key', key);
    expect(s.url, s.stderr).toBe(`https://127.0.0.1:${port}/?token=${TOKEN}`);
  }, 120_000);

  afterAll(async () => {
    socket?.close();
    await stop(s);
  });

  it('gives the token cookie over HTTPS, Secure, and serves the dashboard with it', async () => {
    expect(s.stderr).not.toMatch(/warning/);
    const login = await get(s.url);
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^nslab_token=tls-test-token-0123456789abcdef; /);
    expect(cookie.split(/;\s*/)).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict']));
    const page = await get(`https://127.0.0.1:${port}/`, { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<html/);
    expect((await get(`https://127.0.0.1:${port}/`)).status).toBe(401);
  }, 60_000);

  it('answers nothing over plain HTTP', async () => {
    const plain = await get(`http://127.0.0.1:${port}/?token=${TOKEN}`).catch((e: Error) => ({ status: -1, headers: {}, body: e.message }));
    expect([200, 303, 401]).not.toContain(plain.status);
    expect(JSON.stringify(plain.headers)).not.toContain(TOKEN);
  });

  it('serves socket.io over TLS; its acks carry one-sentence errors (broken lab, locked database)', async () => {
    socket = connect(`https://127.0.0.1:${port}`, { transports: ['websocket'], extraHeaders: { cookie: `nslab_token=${TOKEN}` }, ca: readFileSync(cert), reconnection: false } as never);
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    // A lab whose stored topology was damaged: listed as broken, refused when opened.
    const seed = parse(readFileSync(SEED, 'utf8')) as Record<string, unknown>;
    const store = new Store(home);
    store.insertLab({ ...seed, name: 'ok' } as never, '');
    store.db.prepare(`INSERT INTO labs (name, topology, rev, created_at, updated_at) VALUES ('bad', '{"name":"bad","nodes":7}', 1, 'x', 'x')`).run();
    store.close();
    const list = await ack<{ ok: true; labs: { name: string; state: string }[] }>(socket, 'labs:list', {});
    expect(list.labs.map((l) => `${l.name}:${l.state}`)).toEqual(['bad:broken', 'ok:not-applied']);
    const open = await ack<{ ok: false; code: string; message: string }>(socket, 'lab:open', { name: 'bad' });
    expect(open).toMatchObject({ ok: false, code: 'storage' });
    expect(open.message).toMatch(/^the topology of lab "bad" saved in the database is not valid \(nodes: .*\); replace it with a good file of the lab: `nslab apply FILE`$/);
    // Another nslab holds the database's write lock: creating a lab answers busy, naming it.
    const holder = execa('node', ['--import', 'tsx', 'test/kernel/fixtures/hold-store.ts', home], { cwd: ROOT, reject: false, buffer: false });
    servers.push(holder);
    let out = '';
    const pid = await new Promise<number>((resolve) =>
      holder.stdout!.on('data', (d: Buffer) => {
        out += String(d);
        const m = /holding (\d+)\n/.exec(out);
        if (m) resolve(Number(m[1]));
      }),
    );
    const created = await ack<{ ok: false; code: string; message: string }>(socket, 'lab:create', { topology: { ...seed, name: 'new' } });
    holder.kill('SIGTERM');
    await holder;
    expect(created).toMatchObject({ ok: false, code: 'busy' });
    expect(created.message).toMatch(new RegExp(`^another nslab is using NSLAB_HOME \\S+ \\(pid ${pid}\\); wait for it to finish, or stop it, and try again$`));
  }, 60_000);
});

describe('nslab serve start-up', () => {
  it('warns that the token travels in clear on a non-loopback --host without TLS, and not with TLS', async () => {
    const home = join(base, 'warn');
    mkdirSync(home);
    const clear = await serve(home, '--host', '0.0.0.0', '--port', String(++port));
    expect(clear.url).toBe(`http://0.0.0.0:${port}/?token=${TOKEN}`);
    expect(clear.stderr).toMatch(/^nslab: warning: listening on 0\.0\.0\.0, which other machines can reach, over plain HTTP: the access token travels in clear .*; give --tls-cert FILE and --tls-key FILE to serve over HTTPS\n$/);
    await stop(clear);
    const tls = await serve(home, '--host', '0.0.0.0', '--port', String(++port), '--tls-cert', cert, '--tls-key', key);
    expect(tls.url).toBe(`https://0.0.0.0:${port}/?token=${TOKEN}`);
    expect(tls.stderr).toBe('');
    await stop(tls);
  }, 120_000);

  it('refuses a key that is not the certificate\'s, and a port in use, in one sentence', async () => {
    const home = join(base, 'refuse');
    mkdirSync(home);
    const mismatch = await serve(home, '--port', String(++port), '--tls-cert', cert, '--tls-key', otherKey);
    expect((await mismatch.proc).exitCode).toBe(1);
    expect(mismatch.stderr).toMatch(/^nslab: cannot serve HTTPS with the certificate \S+cert\.pem and the key \S+other-key\.pem: the key is not the private key of that certificate; give a PEM certificate and its matching private key .*\n$/);
    const taken = createServer();
    const busyPort = ++port;
    await new Promise<void>((r) => taken.listen(busyPort, '127.0.0.1', () => r()));
    const inUse = await serve(home, '--port', String(busyPort));
    expect((await inUse.proc).exitCode).toBe(1);
    taken.close();
    expect(inUse.stderr).toBe(`nslab: 127.0.0.1 port ${busyPort} is already in use; stop the other server, or choose another --port\n`);
  }, 120_000);
});


