// Crash safety at every point (issue: trust under faults). A 60-namespace lab is applied by the
// real `nslab` command, which is killed with SIGKILL at kill points spread over the whole apply
// (NSLAB_FAULT=N: just before, or while, its Nth kernel process runs: namespace creation,
// marks, veths, addresses, routes, forwarding, NAT). After each kill, either `nslab clean`
// or the next apply recovers; `clean` then leaves no object of the lab, hand-made objects made
// before the run (a namespace, a bridge, a veth pair, nft tables named like nslab's) all survive,
// and a fresh apply converges (its plan is empty). The same for kills during destroy and clean.
import '../sandbox-guard';
import { execa, type ResultPromise } from 'execa';
import { io as connect } from 'socket.io-client';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { labGroup, natTable } from '@/lib/names';
import { netnsList, removeNamespaces, rmHome, ROOT, sh, tempHome, usernsList } from './cli-helpers';
import { writeFileSync } from 'node:fs';

const LAB = 'crash';
const HOST = 'crashH';
const N = 60;
const home = tempHome();
const file = join(home, 'crash.yaml');
const HAND = { ns: 'handmade', bridge: 'hm-br0', veth: ['hm-v0', 'hm-v1'], tables: ['nslab_handmade', natTable(LAB)] };

interface Run {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

async function nslab(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r = await execa('node', [join(ROOT, 'bin/nslab.js'), ...args], { env: { NSLAB_HOME: home, ...env }, reject: false, timeout: 120_000 });
  return { exitCode: r.exitCode, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function ok(args: string[]): Promise<Run> {
  const r = await nslab(args);
  expect(r.exitCode, `nslab ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

function topology() {
  const ids = Array.from({ length: N }, (_, i) => `n${i}`);
  return {
    name: LAB,
    host: { netns: HOST, forwarding: true, nat: [{ source: '10.9.0.0/16', out: 'up0' }] },
    nodes: [
      { id: 'br0', kind: 'bridge', addresses: ['10.9.0.1/16'] },
      ...ids.map((id) => ({ id, kind: 'namespace', routes: [{ to: 'default', via: '10.9.0.1' }] })),
      { id: 'far', kind: 'namespace', role: 'machine' },
    ],
    links: [
      ...ids.map((id, i) => ({ a: { node: id, iface: 'eth0', addresses: [`10.9.${(i + 2) >> 8}.${(i + 2) & 255}/16`] }, b: { node: 'br0', iface: `v-${id}` } })),
      { a: { node: 'host', iface: 'up0', addresses: ['198.51.100.1/24'] }, b: { node: 'far', iface: 'eth0', addresses: ['198.51.100.2/24'] } },
    ],
  };
}

async function makeHandmade(): Promise<void> {
  await sh('ip', 'netns', 'add', HAND.ns);
  await sh('ip', 'link', 'add', 'name', HAND.bridge, 'type', 'bridge');
  await sh('ip', 'link', 'add', 'name', HAND.veth[0]!, 'type', 'veth', 'peer', 'name', HAND.veth[1]!);
  for (const t of HAND.tables) await execa('nft', ['-f', '-'], { input: `table ip ${t} {\n\tchain c {\n\t}\n}\n` });
}

async function removeHandmade(): Promise<void> {
  await removeNamespaces([HAND.ns]);
  for (const l of [HAND.bridge, HAND.veth[0]!]) await sh('ip', 'link', 'del', 'dev', l);
  for (const t of HAND.tables) await sh('nft', 'delete', 'table', 'ip', t);
}

/** What is left of the lab, and what is missing of the hand-made objects: both must be empty. */
async function leftovers(): Promise<{ lab: string[]; handmadeMissing: string[] }> {
  const lab: string[] = netnsList().filter((n) => n.startsWith(`${LAB}-`) || n === HOST);
  // no user namespace file of any namespace is left behind either
  lab.push(...usernsList().map((u) => `userns ${u}`));
  const links = JSON.parse((await sh('ip', '-j', '-d', 'link', 'show')).stdout) as { ifname: string; ifalias?: string; group?: string }[];
  for (const l of links) if (l.ifalias?.startsWith('nslab:') || String(l.group) === String(labGroup(LAB))) lab.push(`link ${l.ifname}`);
  const tables = (JSON.parse((await sh('nft', '-j', 'list', 'tables', 'ip')).stdout).nftables as { table?: { name: string } }[]).flatMap((t) => (t.table ? [t.table.name] : []));
  for (const t of tables) if (!HAND.tables.includes(t)) lab.push(`nft ${t}`);
  const names = new Set(links.map((l) => l.ifname));
  const handmadeMissing = [
    ...(netnsList().includes(HAND.ns) ? [] : [`netns ${HAND.ns}`]),
    ...[HAND.bridge, ...HAND.veth].filter((l) => !names.has(l)),
    ...HAND.tables.filter((t) => !tables.includes(t)),
  ];
  return { lab, handmadeMissing };
}

async function expectClean(): Promise<void> {
  expect(await leftovers()).toEqual({ lab: [], handmadeMissing: [] });
}

async function expectConverged(): Promise<void> {
  const p = await nslab(['plan', file, '--detailed-exitcode']);
  expect(p.exitCode, `plan after recovery:\n${p.stdout}${p.stderr}`).toBe(0);
}

/**
 * Every point a run can be killed at (NSLAB_FAULT values), from its process trace: before and
 * while each kernel process runs, and before each line of an `nslab-nsctl run`, which does the
 * work of many processes (namespace files of many namespaces) in one.
 */
function pointsOf(trace: string): string[] {
  const all = trace.split('\n');
  const procs = all.filter((l) => l.startsWith('[proc] '));
  // a process started ahead of its work says how many lines it got when it gets them
  const later = new Map<number, number>();
  for (const l of all) {
    const m = /^\[proc-stdin\] (\d+) <<(\d+)$/.exec(l);
    if (m) later.set(Number(m[1]), Number(m[2]));
  }
  return procs.flatMap((l, i) => {
    const n = i + 1;
    const lines = /nslab-nsctl (?:run|ip \d+) <<(\d+|later)$/.exec(l);
    const count = !lines ? 0 : lines[1] === 'later' ? (later.get(n) ?? 0) : Number(lines[1]);
    return [`${n}`, `${n}:during`, ...Array.from({ length: count }, (_, k) => `${n}:line:${k}`)];
  });
}

/** `count` kill points spread evenly over all of a run's points. */
function killPoints(points: string[], count: number): string[] {
  return Array.from({ length: count }, (_, k) => points[Math.min(points.length - 1, Math.round(((k + 1) * points.length) / (count + 1)))]!);
}

/** Every point a command can be killed at, from a run that is not killed. */
async function pointsOfRun(args: string[]): Promise<string[]> {
  const r = await nslab(args, { NSLAB_TRACE_PROCESSES: '1' });
  expect(r.exitCode, r.stderr).toBe(0);
  return pointsOf(r.stderr);
}

const PORT = 3317;
const TOKEN = 'crash0c0ffee0c0ffee0c0ffee0c0ffee';

/**
 * `nslab serve` applies the lab for a dashboard (a socket.io client sends lab:apply), with
 * NSLAB_FAULT set: the server kills itself at that kernel process. Returns whether it was
 * killed, and the points it could be killed at (from its NSLAB_TRACE_PROCESSES trace).
 */
async function serverApply(fault?: string): Promise<{ killed: boolean; points: string[] }> {
  const server: ResultPromise = execa('node', [join(ROOT, 'bin/nslab.js'), 'serve', '--port', String(PORT)], {
    env: { NSLAB_HOME: home, NSLAB_TOKEN: TOKEN, NSLAB_TRACE_PROCESSES: '1', ...(fault ? { NSLAB_FAULT: fault } : {}) },
    reject: false,
  });
  let trace = '';
  server.stderr?.on('data', (d: Buffer) => {
    trace += String(d);
  });
  try {
    const socket = await until(async () => {
      const s = connect(`http://127.0.0.1:${PORT}`, { extraHeaders: { authorization: `Bearer ${TOKEN}` }, transports: ['websocket'], reconnection: false, forceNew: true });
      return new Promise<typeof s>((resolve, reject) => {
        s.once('connect', () => resolve(s));
        s.once('connect_error', (e) => { s.close(); reject(e); });
      });
    });
    const list = (await socket.timeout(20_000).emitWithAck('labs:list', {})) as { labs: { name: string; rev: number }[] };
    const rev = list.labs.find((l) => l.name === LAB)?.rev ?? 0;
    const exited = server.then(() => 'exited' as const);
    const ack = socket.timeout(120_000).emitWithAck('lab:apply', { name: LAB, rev }).then((a: { ok: boolean; message?: string }) => a);
    const first = await Promise.race([exited, ack.catch(() => 'exited' as const)]);
    socket.close();
    if (first !== 'exited') expect(first.ok, first.message).toBe(true);
    const res = await (first === 'exited' ? server : (server.kill('SIGTERM'), server));
    return { killed: res.signal === 'SIGKILL', points: pointsOf(trace) };
  } finally {
    if (server.pid && server.exitCode === null) server.kill('SIGKILL');
    await server;
  }
}

async function until<T>(fn: () => Promise<T>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

beforeAll(async () => {
  writeFileSync(file, stringify(topology()));
  await makeHandmade();
});

afterAll(async () => {
  await nslab(['clean']);
  await removeNamespaces(netnsList().filter((n) => n.startsWith(`${LAB}-`) || n === HOST));
  await removeHandmade();
  rmHome(home);
});

// Each case runs the CLI several times (and the server starts Next): generous time, never a target.
const SLOW = 600_000;

describe('a kill -9 at any point of an apply, destroy or clean', () => {
  let applyPoints: string[] = [];
  let destroyPoints: string[] = [];
  let cleanPoints: string[] = [];

  it('measures the clean runs it will cut short', async () => {
    applyPoints = await pointsOfRun(['apply', '-q', file]);
    await expectConverged();
    destroyPoints = await pointsOfRun(['destroy', LAB]);
    await expectClean();
    await ok(['apply', '-q', file]);
    cleanPoints = await pointsOfRun(['clean']);
    await expectClean();
    // every namespace's creation and removal has points of its own
    expect(applyPoints.length).toBeGreaterThan(N);
    expect(destroyPoints.length).toBeGreaterThan(N);
    expect(cleanPoints.length).toBeGreaterThan(N);
  }, SLOW);

  it.each(Array.from({ length: 16 }, (_, i) => i))('apply killed at point %i of 16: recovered, cleaned, converges', async (k) => {
    const at = killPoints(applyPoints, 16)[k]!;
    const killed = await nslab(['apply', '-q', file], { NSLAB_FAULT: at });
    expect(killed.signal, `apply with NSLAB_FAULT=${at} was not killed: ${killed.stderr}`).toBe('SIGKILL');
    if (k % 2 === 0) {
      // `nslab clean` right after the crash removes everything of the lab, and nothing else.
      await ok(['clean']);
      await expectClean();
      await ok(['apply', '-q', file]);
      await expectConverged();
    } else {
      // The next apply recovers by itself and converges; then clean removes it all.
      await ok(['apply', '-q', file]);
      await expectConverged();
    }
    await ok(['clean']);
    await expectClean();
  }, SLOW);

  it.each(Array.from({ length: 6 }, (_, i) => i))('destroy killed at point %i of 6: clean removes the rest', async (k) => {
    await ok(['apply', '-q', file]);
    const at = killPoints(destroyPoints, 6)[k]!;
    const killed = await nslab(['destroy', LAB], { NSLAB_FAULT: at });
    expect(killed.signal, `destroy with NSLAB_FAULT=${at} was not killed: ${killed.stderr}`).toBe('SIGKILL');
    if (k % 2 === 0) {
      await ok(['clean']);
    } else {
      await ok(['destroy', LAB]);
    }
    await expectClean();
    await ok(['apply', '-q', file]);
    await expectConverged();
    await ok(['destroy', LAB]);
    await expectClean();
  }, SLOW);

  it('the server killed at 15 points of an apply it runs for a dashboard: clean removes it all, the next apply converges', async () => {
    // The lab's record exists (the CLI made it above) and the kernel has nothing of it.
    await expectClean();
    const full = await serverApply();
    expect(full.killed).toBe(false);
    await expectConverged();
    await ok(['clean']);
    await expectClean();
    for (const [i, at] of killPoints(full.points, 15).entries()) {
      const run = await serverApply(at);
      expect(run.killed, `server with NSLAB_FAULT=${at} of ${full.points.length} points was not killed`).toBe(true);
      if (i % 3 === 2) {
        // Now and then the next apply recovers by itself and converges, before clean.
        await ok(['apply', '-q', file]);
        await expectConverged();
      }
      await ok(['clean']);
      await expectClean();
    }
  }, SLOW);

  it.each([0, 1, 2])('clean killed at point %i of 3: the next clean finishes', async (k) => {
    await ok(['apply', '-q', file]);
    const at = killPoints(cleanPoints, 3)[k]!;
    const killed = await nslab(['clean'], { NSLAB_FAULT: at });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    await ok(['clean']);
    await expectClean();
  }, SLOW);
});
