// The only place in nslab that starts processes for the kernel: argv arrays (never a shell),
// never throwing on a non-zero exit, so callers read the kernel's own message. Node's own
// child_process, not execa: starting a process is what nslab does most (one per namespace), and
// execa's wrapping costs the server about 5 ms of CPU per process against 2 ms (measured:
// 100 runs of `setpriv … true`), on the one thread that starts them all.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { argvOf, type Command } from '@/lib/ops';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** One command as it ran, for the command log: `argv` is exactly what a student could type. */
export interface CommandEvent {
  argv: string[];
  stdin?: string;
  exitCode: number;
  stderr: string;
  durationMs: number;
}

export type CommandSink = (e: CommandEvent) => void;

let started = 0;

/**
 * Every kernel command dies with nslab (`setpriv --pdeathsig SIGKILL`): a `kill -9` of the CLI
 * or the server stops the kernel work at that point, and nothing goes on changing the kernel
 * while crash recovery or `nslab clean` runs.
 */
export function diesWithServer(argv: string[]): string[] {
  return ['setpriv', '--pdeathsig', 'SIGKILL', '--', ...argv];
}

/**
 * Fault injection for the crash tests: NSLAB_FAULT=N kills this process (SIGKILL) just before it
 * starts its Nth kernel process; NSLAB_FAULT=N:during, just after it started it;
 * NSLAB_FAULT=N:line:K, when that process (an `nslab-nsctl run`, which does the work of many
 * processes) is about to run its line K: it kills this process then (server/kernel/nsctl.ts).
 */
const FAULT = /^(\d+)(:during|:line:(\d+))?$/.exec(process.env.NSLAB_FAULT ?? '');
function faultAt(n: number, when: 'before' | 'during'): void {
  if (FAULT && !FAULT[3] && Number(FAULT[1]) === n && (FAULT[2] ? 'during' : 'before') === when) process.kill(process.pid, 'SIGKILL');
}
/** The environment that tells process `n` to kill this one at its line K, if NSLAB_FAULT says so. */
function faultEnv(n: number): Record<string, string> | null {
  return FAULT?.[3] && Number(FAULT[1]) === n ? { NSLAB_NSCTL_KILL_AT: FAULT[3] } : null;
}

/** How many processes the kernel layer has started (tests and benchmarks count with it). */
export function processCount(): number {
  return started;
}

/** Runs argv[0] with the rest as arguments; stdin is fed and closed when given. */
export async function runArgv(argv: string[], opts: { stdin?: string; timeoutMs?: number; env?: Record<string, string>; onStdout?: (chunk: string) => void } = {}): Promise<ExecResult> {
  const p = launch(argv, opts.stdin, opts.env);
  return p.feed(opts.stdin, opts);
}

/** A process started ahead of its work, waiting for its standard input (startWaiting). */
export interface Waiting {
  /** Gives it its standard input, closed then; resolves as runArgv does. Once. */
  feed(stdin: string, opts?: { timeoutMs?: number; onStdout?: (chunk: string) => void }): Promise<ExecResult>;
  /** Ends it unused: its standard input closed with nothing on it. */
  close(): void;
}

/**
 * Starts argv[0] with the rest as arguments now, and gives it its standard input later: a
 * program that reads all of its input before it acts (nslab-nsctl) is started while the work it
 * will get is still being planned, so that its own start (a few milliseconds) is not on the way.
 */
export function startWaiting(argv: string[], opts: { env?: Record<string, string> } = {}): Waiting {
  return launch(argv, null, opts.env);
}

/**
 * Starts a kernel process: counted, traced, dying with nslab, and a point the crash tests can kill
 * nslab at. stdin: the text it gets (undefined: none), or null when it is given later (feed).
 */
function launch(argv: string[], stdin: string | undefined | null, givenEnv: Record<string, string> | undefined) {
  const [file, ...args] = argv;
  if (!file) throw new Error('runArgv: empty argv');
  const n = (started += 1);
  const trace = process.env.NSLAB_TRACE_PROCESSES;
  // `<<K`: K lines on standard input (an nslab-nsctl run has a kill point before each); for a
  // process started ahead, a `[proc-stdin] N <<K` line says so when it gets them
  const lines = (text: string) => ` <<${text.split('\n').filter(Boolean).length}`;
  if (trace) process.stderr.write(`[proc] ${argv.join(' ')}${typeof stdin === 'string' ? lines(stdin) : stdin === null ? ' <<later' : ''}\n`);
  faultAt(n, 'before');
  const fault = faultEnv(n);
  let t0 = performance.now();
  const [wrapper, ...wrapped] = diesWithServer(argv);
  // a given environment replaces the server's own (confined tools never see its token)
  const env = (givenEnv ? { ...givenEnv, ...fault } : fault ? { ...process.env, ...fault } : process.env) as NodeJS.ProcessEnv;
  const stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] = [stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  const child: ChildProcess = spawn(wrapper!, wrapped, { stdio, env });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let onStdout: ((chunk: string) => void) | undefined;
  child.stdout!.on('data', (d: Buffer) => {
    out.push(d);
    onStdout?.(d.toString('utf8'));
  });
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  let failure: Error | undefined;
  child.on('error', (e) => (failure = e));
  // a child that ends without reading all of its input is not an error of ours
  child.stdin?.on('error', () => {});
  const closed = new Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ...(failure ? { error: failure } : {}) })),
  );
  if (FAULT) setTimeout(() => faultAt(n, 'during'), 2).unref();
  let fed = false;
  const feed = async (text: string | undefined, o: { timeoutMs?: number; onStdout?: (chunk: string) => void } = {}): Promise<ExecResult> => {
    if (fed) throw new Error('runArgv: a process is given its input once');
    fed = true;
    onStdout = o.onStdout;
    if (stdin === null) {
      if (trace) process.stderr.write(`[proc-stdin] ${n}${lines(text ?? '')}\n`);
      // its time is its work's, from now
      t0 = performance.now();
    }
    if (text !== undefined) child.stdin!.end(text);
    // stopped when it takes too long (SIGTERM, as spawn's own timeout does): this process only
    const timer = setTimeout(() => child.kill('SIGTERM'), o.timeoutMs ?? 60_000);
    const r = await closed;
    clearTimeout(timer);
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    if (trace) process.stderr.write(`[proc-end] at ${Math.round(t0)} ms, ${durationMs} ms: ${argv[0]} ${argv[1] ?? ''} ${argv[2] ?? ''}\n`);
    // killed by a signal (a timeout) or not started: 127, with why
    const exitCode = typeof r.code === 'number' ? r.code : 127;
    const stderr = r.stderr || (exitCode === 127 ? (r.error?.message ?? `${file} was stopped (timeout or signal)`) : '');
    return { exitCode, stdout: r.stdout, stderr, durationMs };
  };
  const close = () => {
    if (fed) return;
    fed = true;
    child.stdin?.end();
  };
  return { feed, close };
}

/**
 * A read the server repeats every second while a lab is open (the link counters, the NAT
 * counters): node's own execFile, about a third of execa's CPU per process, which is most of what
 * an idle open lab costs. Read-only commands only (no stdin, no fault injection); still dies with
 * nslab and is counted.
 */
export function runFrequentRead(argv: string[], timeoutMs = 10_000): Promise<ExecResult> {
  const [wrapper, ...wrapped] = diesWithServer(argv);
  started += 1;
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(wrapper!, wrapped, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 127) : 0;
      resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) || (error && code === 127 ? error.message : ''), durationMs: Math.round((performance.now() - t0) * 10) / 10 });
    });
  });
}

/**
 * A handler of a process's output as it comes: `onLines` gets the complete lines of each chunk
 * (a line cut at the chunk's end waits for the rest).
 */
export function byLines(onLines: (lines: string[]) => void): (chunk: string) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (lines.length) onLines(lines);
  };
}

/** A process that runs until it is stopped (a monitor), read as it writes. */
export interface Streaming {
  proc: ChildProcess;
  /** how it ended: its exit code, or the signal that stopped it (both null: it could not start) */
  ended: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a long-running reader (`ip monitor`, `nft monitor`) with standard output piped and
 * standard input and error closed; the caller wraps argv with diesWithServer. Node's own spawn:
 * execa's module graph cost every `nslab` command 10s of milliseconds at start for two monitors
 * only the server runs.
 */
export function startStreaming(argv: string[]): Streaming {
  const [file, ...args] = argv;
  if (!file) throw new Error('startStreaming: empty argv');
  const proc = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const ended = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('error', () => resolve({ exitCode: null, signal: null }));
    proc.once('close', (exitCode, signal) => resolve({ exitCode, signal }));
  });
  return { proc, ended };
}

/** Runs one command of `lib/ops.ts` alone and reports it to the sink as the argv that ran. */
export async function runCommand(cmd: Command, sink?: CommandSink): Promise<ExecResult> {
  const argv = argvOf(cmd);
  const stdin = cmd.tool === 'nft' ? cmd.stdin : undefined;
  const res = await runArgv(argv, stdin !== undefined ? { stdin } : {});
  sink?.({ argv, ...(stdin !== undefined ? { stdin } : {}), exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
  return res;
}

/** Runs a read-only command (ip -j ... show, nft list) and reports it like any other. */
export async function runRead(argv: string[], sink?: CommandSink): Promise<ExecResult> {
  const res = await runArgv(argv);
  sink?.({ argv, exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
  return res;
}

/** `ip [-n NS] ARGS`, the prefix a student would type for a namespace. */
export function ipArgv(ns: string, ...args: string[]): string[] {
  return ns ? ['ip', '-n', ns, ...args] : ['ip', ...args];
}

/** Runs `limit` tasks at a time, keeping results in order. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
