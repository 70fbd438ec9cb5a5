// One row of `npm run bench`'s table: a goal, what was measured (with the baseline of the same
// run), the target, and whether it holds (null: not measured here, and the row says why).
import { readFileSync } from 'node:fs';

export interface Row {
  goal: string;
  measured: string;
  target: string;
  ok: boolean | null;
}

const mark = (ok: boolean | null) => (ok === null ? '–' : ok ? '✓' : '✗');

/** The table as Markdown (docs/performance.md shows the same table). */
export function renderTable(rows: Row[]): string {
  const out = ['| | goal | measured | target |', '|---|---|---|---|'];
  for (const r of rows) out.push(`| ${mark(r.ok)} | ${r.goal} | ${r.measured} | ${r.target} |`);
  return out.join('\n');
}

/** CPU time since boot, in clock ticks: the part spent working (not idle, not waiting for disk) and all of it. */
function cpuTicks(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  // user, nice, system, irq, softirq (steal, the hypervisor's, is the machine's host at work)
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0);
  return { busy, total };
}

/**
 * Waits until the machine is quiet: three 50 ms spells in a row with under a tenth of its CPU at
 * work (at most `maxMs`). After `ip netns del` returns, the kernel frees the namespace in the
 * background (its network devices, routes, sysctl tables): for 200 namespaces, about 0.2 s of
 * CPU in the next few tenths of a second. A build timed right after a teardown shared the CPU
 * with it, nslab's second-long one far more than the plain script's six seconds; each timed
 * step now starts on a quiet machine, whichever tool it is.
 */
export async function settle(maxMs = 3000): Promise<void> {
  const start = Date.now();
  let prev = cpuTicks();
  let quiet = 0;
  while (quiet < 3 && Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 50));
    const now = cpuTicks();
    const total = now.total - prev.total;
    quiet = total > 0 && (now.busy - prev.busy) / total < 0.1 ? quiet + 1 : 0;
    prev = now;
  }
}

/** The median of some measurements. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The median of one field of some runs' measurements. */
export function medianOf<K extends string>(runs: readonly Record<K, number>[], key: K): number {
  return median(runs.map((r) => r[key]));
}

/**
 * The environment the bench runs commands in: its own, without Node's settings (NODE_OPTIONS,
 * NODE_EXTRA_CA_CERTS, ...), which a user's shell does not carry. The machine the bench was
 * developed on set NODE_EXTRA_CA_CERTS for its own tools, and Node 20 then reads that whole CA
 * bundle at every start (70 ms, against a 40 ms start), though nslab makes no TLS connection.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NODE_') && v !== undefined) env[k] = v;
  // (NODE_ENV is left out too: Next's typing of the environment calls it required)
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}
