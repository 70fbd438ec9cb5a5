// Runs one batch of the schedule: many `ip` lines of one namespace in one `ip [-n NS] -batch -`
// process, commands on namespace files (dd, unshare, umount, rm) one after the other in one
// `sh`, or a single nft/sysctl command. Each line is still logged as the command a student
// could type, with its own result.
import { argvOf, NETNS_DIR, nsfileLine, shellQuote } from '@/lib/ops';
import { byLines, runArgv, runCommand, startWaiting, type CommandSink, type ExecResult, type Waiting } from './exec';
import { kernelMessage } from './messages';
import { NSCTL_PATH, nsctlCan, nsctlLine, nsctlUsable, parseNsctlIpLine, parseNsctlRun } from './nsctl';
import { batchKey, type Batch, type Job } from './schedule';
import { ensureUsernsSupport } from './userns';

/**
 * Called when a line fails, with the kernel's message. Returns whether the batch goes on with
 * the lines after it (a benign error, or a tolerant rollback) or stops there.
 */
export type LineErrorHandler = (job: Job, message: string) => Promise<boolean>;

export interface BatchOutcome {
  /** jobs that ran, successfully or with an error the handler accepted */
  done: Job[];
  /** the job the batch stopped at, if any */
  stopped?: { job: Job; message: string };
}

/**
 * `skip`: jobs not to run (they count as done), e.g. the rest of a namespace's creation when its
 * name was there already and is ours; the error handler may add to it.
 */
export async function runBatch(batch: Batch, sink: CommandSink | undefined, onError: LineErrorHandler, skip?: Set<number>): Promise<BatchOutcome> {
  const done: Job[] = [];
  let rest = batch.jobs;
  const dropSkipped = () => {
    if (!skip?.size) return;
    rest = rest.filter((j) => {
      if (skip.has(j.id)) done.push(j);
      return !skip.has(j.id);
    });
  };
  dropSkipped();
  while (rest.length > 0) {
    const first = rest[0] as Job;
    const nsfiles = batch.key.startsWith('nsfile:');
    if (!nsfiles && !pooled(batch) && (rest.length === 1 || !(batch.key.startsWith('ip:') || batch.key.startsWith('tc:')))) {
      const res = await runCommand(first.cmd, sink);
      if (res.exitCode !== 0 && !(await onError(first, kernelMessage(res.stderr) || `exit code ${res.exitCode}`))) {
        return { done, stopped: { job: first, message: kernelMessage(res.stderr) } };
      }
      done.push(first);
      rest = rest.slice(1);
      dropSkipped();
      continue;
    }
    const { ran, failedAt, message } = nsfiles ? await runNsfileLines(rest, sink) : await runIpLines(first.cmd.ns, rest, sink, first.cmd.tool === 'tc' ? 'tc' : 'ip');
    done.push(...ran);
    if (failedAt === null) break;
    const failed = rest[failedAt] as Job;
    if (!(await onError(failed, message))) return { done, stopped: { job: failed, message } };
    done.push(failed);
    rest = rest.slice(failedAt + 1);
    dropSkipped();
  }
  return { done };
}

const MARK = '@@nslab-line ';

/**
 * What a batch of lines in one process did, line by line: each line that ran is logged as the
 * command it stands for (with its share of the process's time), the failed one with `message`.
 */
function linesDone(jobs: Job[], res: { durationMs: number }, failedAt: number | null, message: string, sink: CommandSink | undefined, failCode = 1) {
  const count = failedAt === null ? jobs.length : failedAt + 1;
  const share = Math.round((res.durationMs / count) * 10) / 10;
  jobs.slice(0, count).forEach((j, i) => {
    const failed = i === failedAt;
    sink?.({ argv: argvOf(j.cmd), exitCode: failed ? failCode : 0, stderr: failed ? message : '', durationMs: share });
  });
  return { ran: jobs.slice(0, failedAt ?? jobs.length), failedAt, message };
}

/** Commands on namespace files: by nslab-nsctl (one process, no fork per command) where it can, else by `sh`. */
function runNsfileLines(jobs: Job[], sink: CommandSink | undefined) {
  return nsctlUsable() && jobs.every((j) => nsctlCan(j.cmd)) ? runNsctlLines(jobs, sink) : runShLines(jobs, sink);
}

/** The same lines as runShLines, run by nslab-nsctl (server/kernel/nsctl.ts); logged the same way. */
async function runNsctlLines(jobs: Job[], sink: CommandSink | undefined) {
  const stdin = jobs.map((j) => nsctlLine(j.cmd)).join('\n') + '\n';
  const res = await nsctl('run').feed(stdin);
  const { failedAt, message } = parseNsctlRun(res.stdout, res.exitCode, jobs.length, res.stderr);
  return linesDone(jobs, res, failedAt, message, sink);
}

/**
 * Commands on namespace files (lib/ops.ts `nsfile`), one after the other in one `sh` process,
 * which stops at the first that fails. Each line is still logged as the command it runs.
 */
async function runShLines(jobs: Job[], sink: CommandSink | undefined) {
  const argvs = jobs.map((j) => argvOf(j.cmd));
  const script = jobs.map((j, i) => `printf '${MARK}%d\\n' ${i} >&2; ${j.cmd.tool === 'nsfile' ? nsfileLine(j.cmd) : shellQuote(argvs[i]!)} || exit 3`).join('\n') + '\n';
  // the script on standard input (`sh -s`): one argument may hold at most 128 KiB
  const res = await runArgv(['sh', '-s'], { stdin: script });
  // stderr: a mark before each line, then what that line wrote
  const parts = new Map<number, string>();
  let at = -1;
  for (const line of res.stderr.split('\n')) {
    if (line.startsWith(MARK)) at = Number(line.slice(MARK.length));
    else if (at >= 0) parts.set(at, `${parts.get(at) ?? ''}${line}\n`);
  }
  const failedAt = res.exitCode === 0 ? null : Math.max(0, at);
  const message = failedAt === null ? '' : kernelMessage(parts.get(failedAt) ?? '') || `exit code ${res.exitCode}`;
  return linesDone(jobs, res, failedAt, message, sink);
}

/**
 * One `ip -batch -` process (or `tc -batch -`: the same rules); ip stops at the first failing line
 * and names it (`Command failed -:N`).
 * In a named namespace it runs under `nsenter --net=/run/netns/NS`: the same as `ip -n NS` for
 * these lines, without the private copy of the mount table `ip -n` makes (whose cost grows with
 * every namespace mounted: 7 ms against 3 ms of CPU with 1000 namespaces).
 */
async function runIpLines(ns: string, jobs: Job[], sink: CommandSink | undefined, tool: 'ip' | 'tc' = 'ip') {
  const lines = jobs.map((j) => (j.cmd.tool === tool ? j.cmd.args.join(' ') : ''));
  const res =
    tool === 'ip' && ns && nsctlUsable()
      ? await ipInNamespace(ns, lines)
      : await runArgv(ns ? ['nsenter', `--net=${NETNS_DIR}/${ns}`, tool, '-batch', '-'] : [tool, '-batch', '-'], { stdin: lines.join('\n') + '\n' });
  const m = /Command failed -:(\d+)/.exec(res.stderr);
  // Without a line number ip failed before reading any line (e.g. the namespace is missing).
  const failedAt = res.exitCode === 0 ? null : m ? Number(m[1]) - 1 : 0;
  const message = kernelMessage(res.stderr) || (failedAt === null ? '' : `exit code ${res.exitCode}`);
  return linesDone(jobs, res, failedAt, message, sink, res.exitCode || 1);
}

/**
 * Whether a batch's `ip -batch` goes through the shared nslab-nsctl process of its round (a named
 * namespace and nslab-nsctl usable): the driver then starts all of a round's such batches at once.
 */
export function pooled(batch: Batch): boolean {
  return pooledKey(batch.key);
}

/** Whether a job goes on a pooled batch (see pooled), by the batch key the schedule gave it. */
export function pooledJob(job: Job): boolean {
  return pooledKey(batchKey(job));
}

function pooledKey(key: string | null): boolean {
  return key !== null && key.startsWith('ip:') && key !== 'ip:' && nsctlUsable();
}

/** How many `ip -batch` processes nslab-nsctl runs side by side (2 cores here). */
const IP_PARALLEL = 4;

type NsctlMode = 'run' | 'ip';
const NSCTL_ARGV: Record<NsctlMode, string[]> = { run: ['perl', NSCTL_PATH, 'run'], ip: ['perl', NSCTL_PATH, 'ip', String(IP_PARALLEL)] };

/** nslab-nsctl processes started ahead (warmNsctl), waiting for their work. */
const warm: Record<NsctlMode, Waiting[]> = { run: [], ip: [] };

/** An nslab-nsctl process for this mode: one started ahead if there is one, else a new one. */
function nsctl(mode: NsctlMode): Waiting {
  const ready = warm[mode].shift();
  if (ready) return ready;
  ensureUsernsSupport();
  return startWaiting(NSCTL_ARGV[mode]);
}

/**
 * Starts nslab-nsctl processes ahead, so that `count` of this mode are waiting: the driver does it
 * when it knows the rounds to come will need them. Each costs perl's start (about 10 ms) and the
 * fork of nslab's own large process; started while nslab works out the round, they are ready when
 * it begins. Never started without nslab-nsctl; coolNsctl ends those not used.
 */
export function warmNsctl(mode: NsctlMode, count = 1): void {
  if (!nsctlUsable()) return;
  ensureUsernsSupport();
  while (warm[mode].length < count) warm[mode].push(startWaiting(NSCTL_ARGV[mode]));
}

/** Ends the nslab-nsctl processes started ahead and not used (they exit at once, with nothing done). */
export function coolNsctl(): void {
  for (const mode of ['run', 'ip'] as const) for (const w of warm[mode].splice(0)) w.close();
}

interface IpRequest {
  ns: string;
  lines: string[];
  resolve: (r: ExecResult) => void;
}
let queued: IpRequest[] = [];

/**
 * `ip -batch -` with these lines in namespace NS, as `nsenter --net=/run/netns/NS ip -batch -`
 * runs it. Batches asked for in the same turn of the event loop (a round of the schedule) share
 * one nslab-nsctl process, which forks each `ip` itself: starting a process from nslab's own
 * large process costs several times what the small one pays (a profile of 200 namespaces: 1.6 s
 * of nslab's thread in spawn).
 */
function ipInNamespace(ns: string, lines: string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    queued.push({ ns, lines, resolve });
    if (queued.length === 1) setImmediate(() => void flushIp());
  });
}

async function flushIp(): Promise<void> {
  const reqs = queued;
  queued = [];
  const stdin = reqs.map((r) => [r.ns, ...r.lines].join('\t')).join('\n') + '\n';
  // Each batch is answered as its line arrives (its commands logged, its steps done, while the
  // others still run); the answers that arrive together share the time since the ones before.
  const answered = new Set<number>();
  let last = performance.now();
  const onStdout = byLines((lines) => {
    const now: { r: IpRequest; exitCode: number; stderr: string }[] = [];
    for (const line of lines) {
      const got = parseNsctlIpLine(line);
      const r = got ? reqs[got.index] : undefined;
      if (!got || !r || answered.has(got.index)) continue;
      answered.add(got.index);
      now.push({ r, exitCode: got.exitCode, stderr: got.stderr });
    }
    if (now.length === 0) return;
    const at = performance.now();
    const durationMs = Math.round(((at - last) / now.length) * 10) / 10;
    last = at;
    for (const a of now) a.r.resolve({ exitCode: a.exitCode, stderr: a.stderr, stdout: '', durationMs });
  });
  const res = await nsctl('ip').feed(stdin, { timeoutMs: 60_000 + 200 * reqs.length, onStdout });
  const rest = reqs.length - answered.size;
  const durationMs = rest ? Math.round(((performance.now() - last) / rest) * 10) / 10 : 0;
  reqs.forEach((r, i) => {
    if (answered.has(i)) return;
    // no answer for this batch: nslab-nsctl ended (killed, or perl failed) before it did
    r.resolve({ exitCode: res.exitCode || 1, stdout: '', stderr: res.stderr.trim() || `nslab-nsctl ended with exit code ${res.exitCode} before the batch in ${r.ns} did`, durationMs });
  });
}
