// One row of `npm run bench`'s table: a goal, what was measured (with the baseline of the same
// run), the target, and whether it holds (null: not measured here, and the row says why).
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

/** The median of some measurements. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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
