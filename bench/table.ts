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
