// Lessons and checks on the real kernel (inside scripts/sandbox, isolated hosts only):
// - namespaces-101 end to end: before each step every one of its checks fails, after it they pass;
// - acceptance 1: `nslab check --lesson` passes on a fresh seed lab; with the NAT table deleted by
//   hand exactly the NAT step's checks fail, with their evidence;
// - acceptance 2: `nslab check --against examples/seed.yaml` passes for seed and names the
//   difference for a lab where C has a wrong address;
// - `nslab reach` on a lab of 20 nodes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheck } from '@/lib/checks';
import { assertTopology } from '@/lib/validate';
import { runCheck } from '@/server/checks/run';
import { createLabsService } from '@/server/labs/service';
import type { LabsService } from '@/server/labs/types';
import { loadLesson } from '@/server/lessons/load';
import { checkLessonStep, goToStep, startLesson } from '@/server/lessons/run';
import { netnsList, nslabIn, rmHome, rootSnapshot, SEED, sh, tempHome, usernsList, writeVariant } from './cli-helpers';

const lesson = loadLesson('namespaces-101');

async function removeLab(labs: LabsService, name: string): Promise<void> {
  await labs.remove(name).catch(() => undefined);
  for (const ns of netnsList().filter((n) => n.startsWith(`${name}-`) || n === `${name}H`)) await sh('ip', 'netns', 'del', ns);
}

describe('namespaces-101, step by step on the kernel', () => {
  const home = mkdtempSync(join(tmpdir(), 'nslab-lesson-'));
  const labs = createLabsService({ home });
  const LAB = 'l101';
  const lab = { name: LAB, hostNetns: `${LAB}H` };
  let before = '';

  beforeAll(async () => {
    before = await rootSnapshot();
  });

  afterAll(async () => {
    await removeLab(labs, LAB);
    await labs.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('before each step its checks fail; after it they pass; back to step 0 removes it all', async () => {
    const started = await startLesson(labs, LAB, lesson, { hostNetns: lab.hostNetns });
    expect(started.ok).toBe(true);
    for (let k = 1; k <= lesson.steps.length; k++) {
      const pre = await checkLessonStep(lab, lesson, k);
      const passedEarly = pre.results.filter((r) => r.ok).map((r) => `${k}: ${r.title}: ${r.detail}`);
      expect(passedEarly, `step ${k} (${pre.title}) checks that pass before the step`).toEqual([]);
      // every failure says why and (but for a node that does not exist yet) shows a command
      for (const r of pre.results) expect(r.detail.length).toBeGreaterThan(0);
      const applied = await goToStep(labs, LAB, lesson, k);
      expect(applied.ok, JSON.stringify(applied.error)).toBe(true);
      const post = await checkLessonStep(lab, lesson, k);
      const failed = post.results.filter((r) => !r.ok).map((r) => `${k}: ${r.title}: ${r.detail}`);
      expect(failed, `step ${k} (${post.title}) checks that fail after the step`).toEqual([]);
      for (const r of post.results) if (r.kind !== 'exists') expect(r.evidence.length).toBeGreaterThan(0);
    }
    // the whole lesson still passes at the end (later steps broke nothing earlier)
    for (let k = 1; k <= lesson.steps.length; k++) {
      const again = await checkLessonStep(lab, lesson, k);
      expect(again.results.filter((r) => !r.ok).map((r) => r.title), `step ${k} at the end`).toEqual([]);
    }
    // back to step 3: the addresses are gone again, and step 4's checks fail
    expect((await goToStep(labs, LAB, lesson, 3)).ok).toBe(true);
    expect((await checkLessonStep(lab, lesson, 4)).results.every((r) => !r.ok)).toBe(true);
    expect((await checkLessonStep(lab, lesson, 3)).results.every((r) => r.ok)).toBe(true);
    expect((await goToStep(labs, LAB, lesson, 0)).ok).toBe(true);
    expect(netnsList().filter((n) => n.startsWith(`${LAB}-`))).toEqual([]);
    expect(await rootSnapshot()).toBe(before);
  }, 600_000);

  it('no-reach passes only when the ping gets no answer, and a check on a missing node fails with a reason', async () => {
    expect((await goToStep(labs, LAB, lesson, 5)).ok).toBe(true);
    const env = { lab: LAB, hostNs: lab.hostNetns, topology: labs.get(LAB).topology };
    const yes = await runCheck(env, parseCheck({ 'no-reach': { from: 'A', to: 'B' } }));
    expect(yes.ok).toBe(false);
    expect(yes.evidence[0]!.argv.join(' ')).toMatch(new RegExp(`^ip netns exec ${LAB}-A ping -n -c 2 -i 0\\.2 -W 1 -e \\d+ 10\\.0\\.0\\.3$`));
    const no = await runCheck(env, parseCheck({ 'no-reach': { from: 'A', to: '203.0.113.2' } }));
    expect(no.ok).toBe(true);
    const ghost = await runCheck(env, parseCheck({ reach: { from: 'ghost', to: 'A' } }));
    expect([ghost.ok, ghost.detail]).toEqual([false, `lab "${LAB}" has no node "ghost"`]);
    const down = await runCheck(env, parseCheck({ link: { node: 'A', iface: 'eth0', state: 'DOWN' } }));
    expect([down.ok, down.detail]).toEqual([false, 'eth0 is UP (the kernel\'s operational state: UP)']);
    const route = await runCheck(env, parseCheck({ route: { node: 'A', to: 'default' } }));
    expect(route.ok).toBe(false);
    expect(route.detail).toMatch(/^no route to default \(the routes are: 10\.0\.0\.0\/24 dev eth0\)$/);
    expect(route.evidence[0]!.output).toMatch(/10\.0\.0\.0\/24 dev eth0 proto kernel scope link src 10\.0\.0\.2/);
  }, 120_000);
});

describe('nslab check and nslab reach (the command, as a user runs it)', () => {
  let home: string;
  let nslab: ReturnType<typeof nslabIn>;
  let dir: string;
  let before = '';

  beforeAll(async () => {
    before = await rootSnapshot();
    home = tempHome();
    nslab = nslabIn(home);
    dir = mkdtempSync(join(tmpdir(), 'nslab-check-'));
  });

  afterAll(async () => {
    for (const lab of ['seed', 'wrongc', 'reach20']) await nslab('destroy', lab);
    for (const ns of netnsList().filter((n) => /^(seed|wrongc|reach20|grade-)/.test(n) || ['seedH', 'wrongcH', 'reach20H'].includes(n))) await sh('ip', 'netns', 'del', ns);
    rmHome(home);
    rmSync(dir, { recursive: true, force: true });
    expect(await rootSnapshot()).toBe(before);
  });

  it('acceptance 1: a fresh seed lab passes every check of namespaces-101; without its NAT rule exactly the NAT checks fail, with evidence', async () => {
    expect((await nslab('apply', SEED, '--host-netns', 'seedH', '-q')).exitCode).toBe(0);
    const ok = await nslab('check', 'seed', '--lesson', 'namespaces-101');
    expect(ok.stderr).toBe('');
    expect(ok.exitCode, ok.stdout).toBe(0);
    const total = lesson.steps.reduce((n, s) => n + s.checks.length, 0);
    expect(ok.stdout).toContain(`All ${total} checks passed.`);

    // the NAT rule, deleted by hand
    expect((await sh('ip', 'netns', 'exec', 'seedH', 'nft', 'delete', 'table', 'ip', 'nslab_seed')).exitCode).toBe(0);
    const bad = await nslab('check', 'seed', '--lesson', 'namespaces-101', '--json');
    expect(bad.exitCode).toBe(1);
    const report = JSON.parse(bad.stdout) as { ok: boolean; steps: { step: number; results: { ok: boolean; kind: string; title: string; evidence: { argv: string[]; output: string }[] }[] }[] };
    expect(report.ok).toBe(false);
    const natStep = lesson.steps.findIndex((s) => s.checks.some((c) => c.kind === 'nat-used')) + 1;
    const failed = report.steps.flatMap((s) => s.results.filter((r) => !r.ok).map((r) => ({ step: s.step, ...r })));
    expect(failed.map((f) => f.step)).toEqual(lesson.steps[natStep - 1]!.checks.map(() => natStep));
    for (const f of failed) {
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.evidence[0]!.argv.slice(0, 3)).toEqual(['ip', 'netns', 'exec']);
      expect(f.evidence[0]!.output.length).toBeGreaterThan(0);
    }
    expect(failed.find((f) => f.kind === 'nat-used')!.evidence[0]!.output).toMatch(/No such file or directory/);
    // the text report shows the evidence of what failed
    const text = await nslab('check', 'seed', '--lesson', 'namespaces-101', '--step', String(natStep));
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/FAIL {2}A reaches remote/);
    expect(text.stdout).toContain('$ ip netns exec seedH nft list table ip nslab_seed');
    // apply repairs it, and the step passes again
    expect((await nslab('apply', SEED, '-q')).exitCode).toBe(0);
    expect((await nslab('check', 'seed', '--lesson', 'namespaces-101', '--step', String(natStep))).exitCode).toBe(0);
  }, 300_000);

  it('acceptance 2: --against examples/seed.yaml passes for seed and names the difference when C has a wrong address', async () => {
    const same = await nslab('check', 'seed', '--against', SEED);
    expect(same.exitCode, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^Lab seed matches the answer seed/);
    const file = writeVariant(dir, readFileSync(SEED, 'utf8'), (doc) => {
      doc.name = 'wrongc';
      const links = doc.links as { a: { node: string; addresses?: string[] } }[];
      links.find((l) => l.a.node === 'C')!.a.addresses = ['10.0.0.14/24'];
    });
    expect((await nslab('apply', file, '--host-netns', 'wrongcH', '-q')).exitCode).toBe(0);
    const diff = await nslab('check', 'wrongc', '--against', SEED);
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toMatch(/^Lab wrongc differs from the answer seed:/);
    expect(diff.stdout).toContain('reachability A -> C: in the answer A reaches C; here A does not reach C (10.0.0.4 did not answer)');
    expect(diff.stdout).toContain('addresses of C: 10.0.0.14/24 on eth0 here, 10.0.0.4/24 on eth0 in the answer');
    // every difference is about C, and only C's addresses differ
    expect(diff.stdout.split('\n').filter((l) => l.startsWith('  - ')).every((l) => /\bC\b/.test(l))).toBe(true);
    expect(diff.stdout.split('\n').filter((l) => l.startsWith('  * '))).toEqual(['  * addresses of C: 10.0.0.14/24 on eth0 here, 10.0.0.4/24 on eth0 in the answer']);
    // nothing of the answers built for grading is left
    expect(netnsList().filter((n) => n.startsWith('grade-'))).toEqual([]);
    expect(usernsList().filter((n) => n.startsWith('grade-'))).toEqual([]);
    expect(JSON.parse((await nslab('status', '--json')).stdout).map((l: { name: string }) => l.name).sort()).toEqual(['seed', 'wrongc']);
  }, 300_000);

  it('nslab reach: the all-pairs matrix of a 20-node lab, pings in parallel', async () => {
    const doc = {
      name: 'reach20',
      nodes: [{ id: 'br0', kind: 'bridge', addresses: ['10.9.0.1/24'] }, ...Array.from({ length: 19 }, (_, i) => ({ id: `n${i}`, kind: 'namespace' }))],
      links: Array.from({ length: 19 }, (_, i) => ({ a: { node: `n${i}`, iface: 'eth0', addresses: [`10.9.0.${i + 2}/24`] }, b: { node: 'br0', iface: `v${i}` } })),
    };
    const file = join(dir, 'reach20.yaml');
    writeFileSync(file, JSON.stringify(assertTopology(doc)));
    expect((await nslab('apply', file, '--host-netns', 'reach20H', '-q')).exitCode).toBe(0);
    const t0 = Date.now();
    const r = await nslab('reach', 'reach20', '--json');
    const wall = Date.now() - t0;
    expect(r.exitCode, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { nodes: string[]; cells: { from: string; to: string; reached: string[]; missed: string[] }[]; ms: number };
    expect(m.nodes.length).toBe(20);
    expect(m.cells.length).toBe(20 * 19);
    expect(m.cells.filter((c) => c.missed.length || !c.reached.length)).toEqual([]);
    // a few seconds on an idle machine; a loose bound here (the machine is shared)
    console.log(`nslab reach, 20 nodes: matrix ${m.ms} ms, command ${wall} ms`);
    expect(m.ms).toBeLessThan(30_000);
    // one node taken down by hand: its row and column are "no"
    await sh('ip', '-n', 'reach20-n3', 'link', 'set', 'eth0', 'down');
    const r2 = JSON.parse((await nslab('reach', 'reach20', '--json')).stdout) as typeof m;
    const broken = r2.cells.filter((c) => c.missed.length).map((c) => `${c.from}>${c.to}`).sort();
    const want = r2.nodes.filter((n) => n !== 'n3').flatMap((n) => [`${n}>n3`, `n3>${n}`]).sort();
    expect(broken).toEqual(want);
    expect(existsSync('/run/netns/reach20-n3')).toBe(true);
  }, 300_000);
});
