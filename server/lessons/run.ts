// A lesson on a lab: put the lab at a step (forwards, or back to an earlier step) through the
// labs service, so what runs is the plan's own commands (the command log shows them), and run a
// step's checks against the kernel, reading node addresses from the lesson's lab at that step.
import { NslabError } from '@/lib/errors';
import { topologyAt, type Lesson, type StepResults } from '@/lib/lessons';
import type { Topology } from '@/lib/topology';
import type { ApplyResult, LabRecord, LabsService } from '@/server/labs/types';
import { runChecks } from '@/server/checks/run';

export type { StepResults } from '@/lib/lessons';

/** The lab after `step` steps, with the lab's name and host, keeping where the user moved nodes on the canvas. */
export function labAtStep(lesson: Lesson, step: number, current: { name: string; hostNetns: string; topology: Topology }): Topology {
  const t = topologyAt(lesson, step, current.name, current.hostNetns);
  const ids = new Set(['host', ...t.nodes.map((n) => n.id)]);
  const moved = Object.fromEntries(Object.entries(current.topology.layout?.nodes ?? {}).filter(([id]) => ids.has(id)));
  return { ...t, layout: { nodes: { ...(t.layout?.nodes ?? {}), ...moved } } };
}

function checkStep(lesson: Lesson, step: number): void {
  if (!Number.isInteger(step) || step < 0 || step > lesson.steps.length) {
    throw new NslabError('invalid', `step ${step} is not a step of lesson "${lesson.id}" (0 = the start, 1-${lesson.steps.length})`);
  }
}

/** Saves the lab as it is after `step` steps of the lesson (0 = the start) and applies it. */
export async function goToStep(labs: LabsService, lab: string, lesson: Lesson, step: number, opts: { stepDelayMs?: number; onSaved?: (rec: LabRecord) => void } = {}): Promise<ApplyResult> {
  checkStep(lesson, step);
  const rec = labs.get(lab);
  const saved = labs.save(labAtStep(lesson, step, rec), rec.rev);
  opts.onSaved?.(saved);
  return labs.apply(lab, { expectedRev: saved.rev, ...(opts.stepDelayMs ? { stepDelayMs: opts.stepDelayMs } : {}) });
}

/** Creates lab `lab` at the start of the lesson and applies it. */
export async function startLesson(labs: LabsService, lab: string, lesson: Lesson, opts: { hostNetns?: string } = {}): Promise<ApplyResult> {
  const t = topologyAt(lesson, 0, lab);
  labs.create(t, opts.hostNetns !== undefined ? { hostNetns: opts.hostNetns } : {});
  return labs.apply(lab);
}

/** Runs the checks of step `step` (1-based) against lab `lab`. */
export async function checkLessonStep(lab: { name: string; hostNetns: string }, lesson: Lesson, step: number): Promise<StepResults> {
  checkStep(lesson, step);
  if (step === 0) throw new NslabError('invalid', 'the start of a lesson has no checks; steps are 1-' + lesson.steps.length);
  const s = lesson.steps[step - 1]!;
  const topology = topologyAt(lesson, step, lab.name, lab.hostNetns);
  const results = await runChecks({ lab: lab.name, hostNs: lab.hostNetns, topology }, s.checks);
  return { step, title: s.title, results };
}

/** Runs the checks of every step (or of the steps given), in order. */
export async function checkLesson(lab: { name: string; hostNetns: string }, lesson: Lesson, steps?: number[]): Promise<StepResults[]> {
  const out: StepResults[] = [];
  for (const k of steps ?? lesson.steps.map((_, i) => i + 1)) out.push(await checkLessonStep(lab, lesson, k));
  return out;
}
