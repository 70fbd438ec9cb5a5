// `nslab reach`, `nslab check` and `nslab lesson`: the checks of lib/checks.ts against the real
// kernel, the all-pairs reachability matrix, grading against an answer lab, and lessons
// (lessons/<id>/lesson.yaml) step by step. Registered on the program by server/cli/main.ts.
import type { Command } from 'commander';
import { shellQuote } from '@/lib/ops';
import { NslabError } from '@/lib/errors';
import type { CheckResult } from '@/lib/checks';
import type { LabsService } from '@/server/labs/types';
import type { Grade } from '@/server/checks/against';
import type { StepResults } from '@/server/lessons/run';

// What the commands run is loaded when one runs (nslab --help starts with commander alone).
const against = () => import('@/server/checks/against');
const reach = () => import('@/server/checks/reach');
const lessons = () => import('@/server/lessons/load');
const run = () => import('@/server/lessons/run');

const indent = (text: string, by: string) => text.split('\n').map((l) => by + l).join('\n');

/** One check result as text; the evidence when it failed (or always with `evidence`). */
export function formatResult(r: CheckResult, evidence: boolean): string {
  const lines = [`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.title}: ${r.detail}`];
  if (!r.ok || evidence) {
    for (const e of r.evidence) {
      lines.push(`        $ ${shellQuote(e.argv)}${e.exitCode !== 0 ? `   (exit ${e.exitCode})` : ''}`);
      if (e.output) lines.push(indent(e.output, '        '));
    }
  }
  return lines.join('\n');
}

export function formatSteps(lab: string, lessonId: string, steps: StepResults[], evidence: boolean): string {
  const out = [`Lesson ${lessonId} on lab ${lab}:`];
  for (const s of steps) {
    out.push('', `Step ${s.step}: ${s.title}`);
    for (const r of s.results) out.push(formatResult(r, evidence));
  }
  const all = steps.flatMap((s) => s.results);
  const failed = all.filter((r) => !r.ok).length;
  out.push('', failed ? `${failed} of ${all.length} checks failed.` : `All ${all.length} checks passed.`);
  return out.join('\n') + '\n';
}

export function formatGrade(g: Grade): string {
  const out = [g.ok ? `Lab ${g.lab} matches the answer ${g.answer_matrix.lab}: the same reachability and the same routes.` : `Lab ${g.lab} differs from the answer ${g.answer_matrix.lab}:`];
  for (const d of g.differences) out.push(`  - ${d}`);
  if (g.notes.length) out.push(g.ok ? 'Notes:' : 'Likely causes:', ...g.notes.map((n) => `  * ${n}`));
  return out.join('\n') + '\n';
}

const stepNumber = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new NslabError('invalid', `--step: "${v}" is not a step number (1, 2, ...)`);
  return n;
};

export function registerCheckCommands(program: Command, service: () => Promise<LabsService>): void {
  program
    .command('reach')
    .description('print the all-pairs reachability matrix of a lab: every node pings every address of every other node, in its own namespace')
    .argument('<lab>', 'lab name')
    .option('--json', 'print JSON, with the evidence of each pair (the ping and its output)')
    .action(async (lab: string, opts: { json?: boolean }) => {
      const rec = (await service()).get(lab);
      const m = await (await reach()).reachMatrix(lab, rec.hostNetns, rec.topology);
      process.stdout.write(opts.json ? JSON.stringify(m, null, 2) + '\n' : (await reach()).formatMatrix(m));
    });

  program
    .command('check')
    .description("check a lab against the real kernel: a lesson's checks (--lesson), or an answer lab (--against); exits 0 only when everything passes")
    .argument('<lab>', 'lab name')
    .option('--lesson <id>', 'run the checks of this lesson (lessons/<id>/lesson.yaml)')
    .option('--step <k>', 'with --lesson: only the checks of step k (1 is the first)', stepNumber)
    .option('--against <file>', 'grade the lab against an answer topology file: the reachability matrix and the routes must match (the answer is built on an isolated host for the time of the grading)')
    .option('--evidence', 'show the evidence (commands and their output) of passed checks too')
    .option('--json', 'print JSON: every result with its evidence')
    .addHelpText('after', `
Each check runs confined in its node's namespace; its evidence is the command as you would type
it and what it printed. Exit code: 0 when every check passes, 1 when one fails or on error.
Examples:
  nslab check seed --lesson namespaces-101
  nslab check seed --lesson namespaces-101 --step 9
  nslab check mylab --against examples/seed.yaml`)
    .action(async (lab: string, opts: { lesson?: string; step?: number; against?: string; evidence?: boolean; json?: boolean }) => {
      if (!!opts.lesson === !!opts.against) throw new NslabError('invalid', 'give either --lesson ID or --against FILE');
      if (opts.step !== undefined && !opts.lesson) throw new NslabError('invalid', '--step goes with --lesson');
      const labs = (await service());
      if (opts.against) {
        const answer = (await import('./io')).readTopology(opts.against);
        const g = await (await against()).gradeAgainst(labs, lab, answer);
        process.stdout.write(opts.json ? JSON.stringify(g, null, 2) + '\n' : formatGrade(g));
        if (!g.ok) process.exitCode = 1;
        return;
      }
      const lesson = (await lessons()).loadLesson(opts.lesson!);
      const rec = labs.get(lab);
      if (opts.step !== undefined && (opts.step < 1 || opts.step > lesson.steps.length)) {
        throw new NslabError('invalid', `--step ${opts.step}: lesson "${lesson.id}" has steps 1-${lesson.steps.length}`);
      }
      const steps = await (await run()).checkLesson(rec, lesson, opts.step !== undefined ? [opts.step] : undefined);
      const ok = steps.every((s) => s.results.every((r) => r.ok));
      process.stdout.write(opts.json ? JSON.stringify({ lab, lesson: lesson.id, ok, steps }, null, 2) + '\n' : formatSteps(lab, lesson.id, steps, !!opts.evidence));
      if (!ok) process.exitCode = 1;
    });

  const lesson = program.command('lesson').description('lessons: list them, read one with the commands each step runs, and walk a lab through its steps');

  lesson
    .command('list')
    .description('list the lessons there are')
    .action(async () => {
      const ids = (await lessons()).lessonIds();
      if (!ids.length) return void process.stdout.write('No lessons found.\n');
      for (const id of ids) {
        const l = (await lessons()).loadLesson(id);
        process.stdout.write(`${id.padEnd(24)} ${l.title} (${l.steps.length} steps)\n`);
      }
    });

  lesson
    .command('show')
    .description('print a lesson: each step, its explanation, the commands it runs (from the plan) and its checks')
    .argument('<id>', 'lesson id')
    .option('--lab <name>', 'the lab name the commands are shown for', 'lesson')
    .option('--host-netns <name>', 'the isolated host the commands are shown for (default: this machine)', '')
    .action(async (id: string, opts: { lab: string; hostNetns: string }) => {
      const l = (await lessons()).loadLesson(id);
      const { stepCommands } = await import('@/lib/lessons');
      const out = [`${l.title}`, ...(l.summary ? ['', l.summary.trim()] : [])];
      l.steps.forEach((s, i) => {
        out.push('', `== Step ${i + 1}: ${s.title}`, '', s.explanation.trim(), '', 'Commands (from the plan):');
        out.push(...stepCommands(l, i + 1, opts.lab, opts.hostNetns).map((c) => indent(c, '  $ ').replace(/\n {2}\$ /g, '\n    ')));
        out.push('Checks:', ...s.checks.map((c) => `  - ${c.kind}: ${JSON.stringify(Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'kind')))}`));
      });
      process.stdout.write(out.join('\n') + '\n');
    });

  lesson
    .command('start')
    .description("create a lab at the start of a lesson and apply it")
    .argument('<id>', 'lesson id')
    .argument('<lab>', 'the new lab\'s name')
    .option('--host-netns <name>', "put the lab's host side in an isolated namespace of this name")
    .action(async (id: string, lab: string, opts: { hostNetns?: string }) => {
      const res = await (await run()).startLesson((await service()), lab, (await lessons()).loadLesson(id), opts.hostNetns !== undefined ? { hostNetns: opts.hostNetns } : {});
      if (!res.ok) throw new NslabError('kernel', res.error!.message);
      process.stdout.write(`Lab ${lab} is at the start of lesson ${id}. Next: nslab lesson step ${lab} ${id} 1\n`);
    });

  lesson
    .command('step')
    .description('put a lab where it is after step K of a lesson (forwards or back; 0 = the start) and apply it')
    .argument('<lab>', 'lab name')
    .argument('<id>', 'lesson id')
    .argument('<k>', 'the step (0 = the start)', stepNumber)
    .option('--step-delay <ms>', 'slow motion: wait this long before each kernel step', (v) => Number(v))
    .action(async (lab: string, id: string, k: number, opts: { stepDelay?: number }) => {
      const labs = (await service());
      const l = (await lessons()).loadLesson(id);
      labs.events.on('command', (e) => {
        if (e.lab === lab && e.phase === 'apply') process.stdout.write(`$ ${shellQuote(e.argv)}${e.exitCode ? `   (exit ${e.exitCode}: ${e.stderr})` : ''}\n`);
      });
      const res = await (await run()).goToStep(labs, lab, l, k, opts.stepDelay ? { stepDelayMs: opts.stepDelay } : {});
      if (!res.ok) throw new NslabError('kernel', res.error!.message);
      const s = res.plan.summary;
      process.stdout.write(`Lab ${lab} is at step ${k} of ${l.steps.length}${k ? ` (${l.steps[k - 1]!.title})` : ''}: ${s.add} added, ${s.change} changed, ${s.destroy} destroyed.\n`);
    });
}
