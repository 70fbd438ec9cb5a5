// How fast the nslab command starts (issue 10, goal 4): `nslab --help`, and `nslab status` with an
// empty NSLAB_HOME (no labs), each run as a user types it (`node bin/nslab.js …`, the JavaScript
// build of the sources as they are now); the median wall time of 10 runs of each.
// `npm run bench` prints it in its table; alone: `npx tsx bench/cli-start.ts` (no sandbox needed:
// neither command touches the kernel).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildCli, ROOT } from '../scripts/build-cli.mjs';

const run = promisify(execFile);

/** The goals, in seconds. */
export const CLI_START_TARGETS = { help: 0.25, status: 0.4 } as const;
const RUNS = 10;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function wall(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t = performance.now();
  await run(argv[0]!, argv.slice(1), { env, cwd: ROOT });
  return (performance.now() - t) / 1000;
}

/** Median seconds of 10 runs each of `nslab --help` and `nslab status` with no labs. */
export async function benchCliStart(): Promise<{ help: number; status: number }> {
  await buildCli(); // the build of the sources as they are (a no-op when it is current)
  const home = mkdtempSync(join(tmpdir(), 'nslab-bench-cli-'));
  const env = { ...process.env, NSLAB_HOME: home, NSLAB_REQUIRE_BUILD: '1' };
  const nslab = ['node', join(ROOT, 'bin/nslab.js')];
  try {
    await wall([...nslab, 'status'], env); // makes the database: the runs measured find it there
    const help: number[] = [];
    const status: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      help.push(await wall([...nslab, '--help'], env));
      status.push(await wall([...nslab, 'status'], env));
    }
    return { help: median(help), status: median(status) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The floor: Node.js starting and doing nothing, median of 10 runs. */
export async function benchNodeStart(): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await wall(['node', '-e', '0'], process.env));
  return median(xs);
}

/** The two rows of the bench's table: what, measured, goal, ✓/✗. */
export function cliStartRows(r: { help: number; status: number }): string[][] {
  return [
    ['CLI start: nslab --help', `${r.help.toFixed(2)} s`, `< ${CLI_START_TARGETS.help} s`, r.help < CLI_START_TARGETS.help ? '✓' : '✗'],
    ['CLI start: nslab status (no labs)', `${r.status.toFixed(2)} s`, `< ${CLI_START_TARGETS.status} s`, r.status < CLI_START_TARGETS.status ? '✓' : '✗'],
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const r = await benchCliStart();
  const node = await benchNodeStart();
  const rows = [['', 'median of 10', 'goal', ''], ...cliStartRows(r), ['(node -e 0, the floor)', `${node.toFixed(2)} s`, '', '']];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd());
}
