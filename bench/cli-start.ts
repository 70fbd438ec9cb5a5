// How fast the nslab command starts (issue 10, goal 4): `nslab --help`, and `nslab status` with an
// empty NSLAB_HOME (no labs), each run as a user types it (`node bin/nslab.js …`, the JavaScript
// build of the sources as they are now); the median wall time of 10 runs of each.
// The bench's table takes its rows from benchCliStart() and cliStartRows(); alone it is
// `npm run bench:cli` (no sandbox needed: neither command touches the kernel).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildCli, ROOT } from '../scripts/build-cli.mjs';
import { median, medianOf, userEnv } from './table';

const run = promisify(execFile);

/** The goals, in seconds. */
export const CLI_START_TARGETS = { help: 0.25, status: 0.4 } as const;
const RUNS = 10;


/** CPU seconds of this process's children that have ended (Linux: /proc/self/stat, 1/100 s). */
function childrenCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime + cstime
}

/** One run: its wall time, and the CPU time it took (which a busy machine does not inflate). */
async function once(argv: string[], env: NodeJS.ProcessEnv): Promise<{ wall: number; cpu: number }> {
  const c = childrenCpu();
  const t = performance.now();
  await run(argv[0]!, argv.slice(1), { env, cwd: ROOT });
  return { wall: (performance.now() - t) / 1000, cpu: childrenCpu() - c };
}
const wall = async (argv: string[], env: NodeJS.ProcessEnv) => (await once(argv, env)).wall;

export interface CliStart {
  /** median wall seconds of `nslab --help` */
  help: number;
  /** median wall seconds of `nslab status` with no labs */
  status: number;
  /** their median CPU seconds: on a busy machine the wall times grow, these much less */
  cpu: { help: number; status: number };
}

/** Median seconds of 10 runs each of `nslab --help` and `nslab status` with no labs. */
export async function benchCliStart(): Promise<CliStart> {
  await buildCli(); // the build of the sources as they are (a no-op when it is current)
  const home = mkdtempSync(join(tmpdir(), 'nslab-bench-cli-'));
  const env = userEnv({ NSLAB_HOME: home, NSLAB_REQUIRE_BUILD: '1' });
  const nslab = [join(ROOT, 'bin/nslab.js')];
  try {
    await wall([...nslab, 'status'], env); // makes the database: the runs measured find it there
    const help: { wall: number; cpu: number }[] = [];
    const status: { wall: number; cpu: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      help.push(await once([...nslab, '--help'], env));
      status.push(await once([...nslab, 'status'], env));
    }
    return { help: medianOf(help, 'wall'), status: medianOf(status, 'wall'), cpu: { help: medianOf(help, 'cpu'), status: medianOf(status, 'cpu') } };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The floor: Node.js starting and doing nothing, median of 10 runs. */
export async function benchNodeStart(): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await wall(['node', '-e', '0'], userEnv()));
  return median(xs);
}

/** The two rows of the bench's table: what, measured (CPU), goal, ✓/✗ (of the wall time). */
export function cliStartRows(r: CliStart): string[][] {
  const row = (what: string, k: 'help' | 'status') => [what, `${r[k].toFixed(2)} s (cpu ${r.cpu[k].toFixed(2)} s)`, `< ${CLI_START_TARGETS[k]} s`, r[k] < CLI_START_TARGETS[k] ? '✓' : '✗'];
  return [row('CLI start: nslab --help', 'help'), row('CLI start: nslab status (no labs)', 'status')];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const r = await benchCliStart();
  const node = await benchNodeStart();
  const rows = [['', 'median of 10', 'goal', ''], ...cliStartRows(r), ['(node -e 0: Node.js alone)', `${node.toFixed(2)} s`, '', '']];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd());
}
