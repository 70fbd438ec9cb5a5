// npm run bench [-- --quick] [-- --only NAME,...]: every speed goal of nslab in one table, each
// beside the baseline it is compared with, measured in the same run (docs/performance.md explains
// each row). --only runs some sections: validate, scale, cli, packets, class, live.
// Runs inside scripts/sandbox (npm run bench does that); --quick uses 50 namespaces (and 250
// for the large lab, 200 for the dashboard, 5 seats for the class) for development.
import { checkTopology } from '@/lib/validate';
import { bridgedLab, linkedLab } from '@/test/scale-labs';
import { benchClass } from './class';
import { benchCliStart, CLI_START_TARGETS } from './cli-start';
import { benchLive } from './live';
import { benchPackets } from './packets';
import { benchScale } from './scale';
import { renderTable, type Row } from './table';

if (process.env.NSLAB_SANDBOX !== '1') {
  console.error('bench: run it in the sandbox: npm run bench');
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const SECTIONS = ['validate', 'scale', 'cli', 'packets', 'class', 'live'];
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : SECTIONS;
for (const o of only) {
  if (!SECTIONS.includes(o)) {
    console.error(`bench: --only ${JSON.stringify(o)} is not a section; use some of ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
}

/** The least time (ms) of five validations (each of `times` in a row, per validation), after two to warm up. */
function bestMs(t: unknown, times = 1): number {
  for (let i = 0; i < 2; i++) checkTopology(t);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    for (let k = 0; k < times; k++) checkTopology(t);
    best = Math.min(best, (performance.now() - start) / times);
  }
  return best;
}

/**
 * Validation of big labs: a 5,000-node lab in well under 100 ms, and linear: 16 times the lab
 * takes about 16 times as long (a little more with the garbage collector), never 256 times.
 */
function benchValidate(): Row[] {
  return ([['5000 nodes', bridgedLab, 5000], ['4000 links', linkedLab, 4000]] as const).flatMap(([what, make, n]) => {
    const t = make(n);
    // a whole number of nodes (5000 / 16 made a lab named "scale312.5", refused at once: 3× too fast)
    const m = Math.round(n / 16);
    const small = make(m);
    for (const [lab, size] of [[t, n], [small, m]] as const) if (!checkTopology(lab).ok) throw new Error(`bench: the generated lab of ${size} is not sound`);
    const best = bestMs(t);
    // the small lab's time per validation over 16 in a row: one alone takes a few milliseconds,
    // where a timer tick or a collection weighs as much as the work
    const ratio = best / Math.max(bestMs(small, 16), 0.05) / (n / (16 * m));
    return [
      { goal: `validate a lab of ${what}`, measured: `${best.toFixed(0)} ms (best of 5)`, target: '< 100 ms', ok: best < 100 },
      { goal: `validate 16 times the lab (${what} vs ${m})`, measured: `${ratio.toFixed(1)}× as long`, target: '< 64× (linear ~16×, quadratic ~256×)', ok: ratio < 64 },
    ];
  });
}

const rows: Row[] = [];
const section = async (key: string, name: string, f: () => Row[] | Promise<Row[]>) => {
  if (!only.includes(key)) return;
  process.stderr.write(`bench: ${name}…\n`);
  try {
    rows.push(...(await f()));
  } catch (e) {
    rows.push({ goal: name, measured: `failed: ${e instanceof Error ? e.message : String(e)}`, target: '', ok: false });
  }
};
await section('validate', 'validation', benchValidate);
await section('scale', 'build, re-plan and destroy through the CLI', () => benchScale({ quick }));
await section('cli', 'CLI start-up', async () => {
  const r = await benchCliStart();
  return (['help', 'status'] as const).map((k) => ({
    goal: `4. CLI start: ${k === 'help' ? 'nslab --help' : 'nslab status (no labs)'}`,
    measured: `${r[k].toFixed(2)} s (median of 10; CPU ${r.cpu[k].toFixed(2)} s)`,
    target: `< ${CLI_START_TARGETS[k]} s`,
    ok: r[k] < CLI_START_TARGETS[k],
  }));
});
await section('packets', 'packets on the canvas', async () => {
  const r = await benchPackets();
  return [
    { goal: 'packet on the wire → its event at the client', measured: `p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms over ${r.pings} pings`, target: 'p95 < 300 ms', ok: r.p95Ms < 300 },
    { goal: `server CPU in the ${r.afterSeconds} s after the pings, the presentation open (V8 giving memory back, once)`, measured: `${r.afterCpuSeconds.toFixed(2)} s`, target: '(for information)', ok: true },
    { goal: `server CPU, a presentation open on an idle lab, over ${r.idleSeconds} s from ${r.afterSeconds} s after the pings`, measured: `${r.idleCpuPercent} % (its taps and samplers ${r.idleChildrenCpuPercent} %; ${r.idleProcesses} processes started)`, target: '< 1 %', ok: r.idleCpuPercent < 1 },
  ];
});
await section('class', 'a class of seats', () => benchClass({ quick }));
// the slowest part (a 1000-namespace lab served to a real browser: about five minutes on 2 cores)
await section('live', 'the dashboard at scale', () => benchLive({ quick }));
console.log(renderTable(rows));
process.exitCode = rows.some((r) => r.ok === false) ? 1 : 0;
