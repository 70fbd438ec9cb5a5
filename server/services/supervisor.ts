// Services of a lab (a node's `run`, lib/services.ts): one supervisor process per lab runs them.
// It is started detached, by whoever applies the lab (`nslab apply` or the server), so services
// keep running after the CLI returns and across a restart of the server; it runs each command
// confined to its node exactly as a terminal is (server/kernel/confine.ts: the node's network
// namespace, a private pid and mount namespace, user nobody with only network capabilities), and
// reports to the lab's state file, /run/nslab/services/LAB.json, which the dashboard's node
// view reads (and watches). The program itself is server/services/supervisor-script.ts.
//
// Ownership before any signal: the state file names the supervisor's pid and start time (and
// each service's pid, start time and network namespace inode); nslab signals a pid only when
// its start time (and, for the supervisor, its command line; for a service, its namespace)
// still match, so a recycled pid is never hit. Never by name.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { nodeNamespace } from '@/lib/compile';
import { NslabError } from '@/lib/errors';
import { IDMAP_DIR, NSLAB_RUN_DIR } from '@/lib/ops';
import { shortHash } from '@/lib/names';
import { SERVICE_LINES, servicesOf, type ServiceState, type ServiceStatus } from '@/lib/services';
import type { Topology } from '@/lib/topology';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { installFile } from '@/server/kernel/userns';
import { processStart } from '@/server/store/locks';
import { SUPERVISOR_SCRIPT } from './supervisor-script';

export const SERVICES_DIR = `${NSLAB_RUN_DIR}/services`;
export const SUPERVISOR_PATH = `${IDMAP_DIR}/nslab-supervise.mjs`;

export const statePath = (lab: string) => `${SERVICES_DIR}/${lab}.json`;
const specPath = (lab: string) => `${SERVICES_DIR}/${lab}.spec.json`;

interface RecordedService extends Omit<ServiceStatus, 'lines'> {
  ns: string;
  nsInode: number | null;
  pid: number | null;
  pidStart: string | null;
  lines: string[];
}

/** What the supervisor writes. */
export interface ServicesRecord {
  lab: string;
  hash: string;
  pid: number;
  start: string | null;
  stopping: boolean;
  services: RecordedService[];
}

const STATES: ServiceState[] = ['starting', 'running', 'restarting', 'exited', 'stopped'];

/** The lab's state file, checked, or null (none, or unreadable: then nothing is trusted to it). */
export function readRecord(lab: string): ServicesRecord | null {
  try {
    const r = JSON.parse(readFileSync(statePath(lab), 'utf8')) as ServicesRecord;
    const ok = r && r.lab === lab && Number.isInteger(r.pid) && r.pid > 1 && Array.isArray(r.services) && r.services.every((s) => typeof s.node === 'string' && typeof s.command === 'string' && STATES.includes(s.state) && Array.isArray(s.lines));
    return ok ? r : null;
  } catch {
    return null;
  }
}

/** The command line of a process, its NULs as spaces ('' if gone). */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The supervisor of this record is alive: same pid, same start time, running our program for this lab. */
export function supervisorAlive(r: ServicesRecord): boolean {
  return r.start !== null && processStart(r.pid) === r.start && cmdline(r.pid).includes(`${SUPERVISOR_PATH} ${specPath(r.lab)}`);
}

/** A service process of this record is alive: same pid, same start time, still in the namespace it was started in. */
function serviceAlive(s: RecordedService): boolean {
  if (!s.pid || !s.pidStart || processStart(s.pid) !== s.pidStart) return false;
  if (s.nsInode === null) return true; // its namespace had no file when it started: pid and start time alone
  try {
    // the recorded pid is the confined chain's first process: nsenter moved it into the node's namespace
    return statSync(`/proc/${s.pid}/ns/net`).ino === s.nsInode;
  } catch {
    return false;
  }
}

/** What runs now for a lab (nothing when its supervisor is gone). */
export function runningServices(lab: string): { node: string; command: string }[] {
  const r = readRecord(lab);
  return r && supervisorAlive(r) && !r.stopping ? r.services.map((s) => ({ node: s.node, command: s.command })) : [];
}

/** The services of one node as the node view shows them (none when the lab's supervisor is gone). */
export function nodeServices(lab: string, node: string): ServiceStatus[] {
  const r = readRecord(lab);
  if (!r) return [];
  const alive = supervisorAlive(r);
  return r.services
    .filter((s) => s.node === node)
    .map((s) => ({
      node: s.node,
      command: s.command,
      state: alive || s.state === 'exited' ? s.state : 'stopped',
      code: s.code,
      signal: s.signal,
      restarts: s.restarts,
      lines: s.lines.slice(-SERVICE_LINES),
    }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(test: () => boolean, ms: number): Promise<boolean> {
  for (let t = 0; t < ms; t += 50) {
    if (test()) return true;
    await sleep(50);
  }
  return test();
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops the lab's services, whatever state they are in: the supervisor (if it is ours) gets
 * SIGTERM and ends them; whatever of a recorded service is still alive after that (its pid, start
 * time and namespace still match) loses its whole process group. Then the state file goes.
 */
export async function stopServices(lab: string): Promise<void> {
  const r = readRecord(lab);
  if (r && supervisorAlive(r)) {
    kill(r.pid, 'SIGTERM');
    if (!(await until(() => !supervisorAlive(r), 6000))) kill(r.pid, 'SIGKILL');
    await until(() => !supervisorAlive(r), 2000);
  }
  for (const s of r?.services ?? []) {
    if (!serviceAlive(s)) continue;
    kill(-s.pid!, 'SIGKILL');
    kill(s.pid!, 'SIGKILL');
    await until(() => !serviceAlive(s), 2000);
  }
  rmSync(statePath(lab), { force: true });
  rmSync(specPath(lab), { force: true });
}

/** The supervisor's spec: for each service, the confined argv and environment it runs. */
function specOf(lab: string, t: Topology, hostNetns: string) {
  const services = servicesOf(t).map((s) => {
    const ns = nodeNamespace(t, s.node, hostNetns)!;
    return { node: s.node, ns, command: s.command, argv: confinedArgv(ns, s.argv, { service: true }), env: { ...confinedEnv(s.node), PYTHONUNBUFFERED: '1' } };
  });
  const hash = shortHash(JSON.stringify(services.map((s) => [s.node, s.ns, s.command])));
  return { lab, hash, state: statePath(lab), lines: SERVICE_LINES, services };
}

/**
 * Makes the lab's supervisor run exactly the services of `t` (the topology just applied): none
 * left when it has none; an unchanged set keeps running; a changed set is stopped and started
 * again. Resolves once the supervisor has started them (its first state written).
 */
export async function ensureServices(lab: string, t: Topology, hostNetns: string): Promise<void> {
  const spec = specOf(lab, t, hostNetns);
  const r = readRecord(lab);
  if (r && supervisorAlive(r) && !r.stopping && r.hash === spec.hash) return;
  if (r || !spec.services.length) await stopServices(lab);
  if (!spec.services.length) return;
  mkdirSync(SERVICES_DIR, { recursive: true, mode: 0o700 });
  mkdirSync(IDMAP_DIR, { recursive: true, mode: 0o755 });
  installFile(SUPERVISOR_PATH, SUPERVISOR_SCRIPT, 0o700);
  writeFileSync(specPath(lab), JSON.stringify(spec), { mode: 0o600 });
  const child = spawn(process.execPath, [SUPERVISOR_PATH, specPath(lab), lab], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } as Record<string, string> as NodeJS.ProcessEnv,
  });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new NslabError('kernel', `could not start the services of lab "${lab}": node did not start`);
  if (!(await until(() => readRecord(lab)?.pid === pid, 10_000))) {
    kill(pid, 'SIGKILL');
    throw new NslabError('kernel', `the services of lab "${lab}" did not start within 10 s; see ${statePath(lab)}`);
  }
}

/** Labs with a state file (a supervisor running, or one that died). */
export function labsWithServices(): string[] {
  try {
    return readdirSync(SERVICES_DIR).flatMap((f) => (/^[a-z0-9-]+\.json$/.test(f) ? [f.slice(0, -5)] : []));
  } catch {
    return [];
  }
}

/**
 * Calls `changed(lab)` when a lab's state file changes (debounced by the supervisor's own 100 ms).
 * One watcher per process, shared.
 */
let watcher: FSWatcher | null = null;
const listeners = new Set<(lab: string) => void>();
export function watchServices(changed: (lab: string) => void): () => void {
  listeners.add(changed);
  if (!watcher) {
    mkdirSync(SERVICES_DIR, { recursive: true, mode: 0o700 });
    watcher = watch(SERVICES_DIR, (_event, file) => {
      const m = file ? /^([a-z0-9-]+)\.json$/.exec(String(file)) : null;
      if (m) for (const l of listeners) l(m[1]!);
    });
    watcher.on('error', () => undefined);
    watcher.unref();
  }
  return () => {
    listeners.delete(changed);
    if (!listeners.size) {
      watcher?.close();
      watcher = null;
    }
  };
}
