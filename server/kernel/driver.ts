// The kernel driver: runs a plan's steps with as few processes as their order allows, treats
// "exists and is ours" and "already gone" as success, and on a real failure undoes what it did,
// newest first, naming the object and quoting the kernel.
import { commandsFor, type Command, type Op, type PlanStep } from '@/lib/ops';
import { coolNsctl, pooled, pooledJob, runBatch, warmNsctl, type BatchOutcome } from './batch';
import { nsctlDeletes, nsctlUsable } from './nsctl';
import { judgeError } from './benign';
import { failureMessage, objectOf } from './describe';
import { inParallel, type CommandSink } from './exec';
import { Dependencies, nextRound, NSFILE_SLOTS, type Batch, type Job } from './schedule';
import { ensureUsernsSupport } from './userns';

export type StepStatus = 'running' | 'done' | 'failed' | 'undone';

export interface RunHooks {
  onCommand?: CommandSink;
  onStep?: (p: { step: number; status: StepStatus; message?: string }) => void;
  /**
   * awaited before the first command of these steps runs, with the steps a round starts, in plan
   * order (the service writes their journal rows here, in one transaction)
   */
  beforeSteps?: (started: { step: PlanStep; index: number }[]) => void | Promise<void>;
}

export type RunResult =
  | { ok: true }
  | { ok: false; failedStep: number; object: string; message: string; rolledBack: boolean; rollbackErrors: string[] };

/** Batches of different namespaces run side by side, this many at a time (2 cores here). */
const PARALLEL = 4;

interface Failure {
  job: Job;
  message: string;
}

interface ExecuteOptions {
  sink?: CommandSink;
  /** rollback: record failures and go on; otherwise stop at the first real failure */
  tolerant: boolean;
  /** awaited before a round with the steps whose first command is in it */
  onRound?: (jobs: Job[]) => Promise<void>;
  onJobsDone?: (jobs: Job[]) => void;
  /** collects jobs whose error was accepted (exists and ours, or already gone): they changed nothing */
  accepted?: Set<number>;
}

/** Runs of execute under way: the nslab-nsctl processes started ahead end when none is left. */
let executing = 0;

/** Runs jobs round by round (see schedule.ts); returns the failures. */
async function execute(jobs: Job[], opts: ExecuteOptions): Promise<Failure[]> {
  if (jobs.some((j) => j.cmd.tool === 'nsfile')) ensureUsernsSupport();
  executing += 1;
  try {
    return await executeRounds(jobs, opts);
  } finally {
    executing -= 1;
    if (executing === 0) coolNsctl();
  }
}

async function executeRounds(jobs: Job[], opts: ExecuteOptions): Promise<Failure[]> {
  // The nslab-nsctl processes of the first round start now, while the round is worked out: one
  // per slot of namespace files (a plan makes or removes its namespaces first; batch.ts warmNsctl)
  const nsfileNs = new Set<string>();
  for (const j of jobs) {
    const ns = j.cmd.tool === 'nsfile' ? j.cmd.netns : nsctlDeletes(j.cmd);
    if (ns !== null) nsfileNs.add(ns);
  }
  if (nsfileNs.size > 0) warmNsctl('run', Math.min(NSFILE_SLOTS, nsfileNs.size));
  // The first round runs while the dependencies of the rest are worked out (tens of
  // milliseconds for a large lab): it looks only at the jobs up to the last one on a namespace's
  // files (a plan makes its namespaces first); a later job that was ready then starts a round
  // later, never sooner than its dependencies allow.
  const index = new Dependencies(jobs);
  index.upTo(jobs.findLastIndex((j) => j.cmd.tool === 'nsfile') + 1);
  const deps = index.deps;
  const done = new Set<number>();
  const failures: Failure[] = [];
  let pending = jobs;
  /** `afterCreate` commands of steps whose object was there already (and ours): they must not run */
  const skip = new Set<number>();
  while (pending.length > 0) {
    const skipped = pending.filter((j) => skip.has(j.id));
    if (skipped.length > 0) {
      for (const j of skipped) {
        done.add(j.id);
        opts.accepted?.add(j.id);
      }
      opts.onJobsDone?.(skipped);
      pending = pending.filter((j) => !done.has(j.id));
      continue;
    }
    const known = index.known;
    const round = nextRound(known < jobs.length ? pending.filter((j) => j.id < known) : pending, deps, done, { nsctlDeletes: nsctlUsable() });
    if (round.length === 0) {
      if (known === jobs.length) break;
      index.upTo(jobs.length);
      continue;
    }
    await opts.onRound?.(round.flatMap((b) => b.jobs));
    // a batch's jobs are done as it ends (their steps reported while the round's others run)
    const finished = (o: BatchOutcome) => {
      for (const j of o.done) {
        done.add(j.id);
        if (skip.has(j.id)) opts.accepted?.add(j.id);
      }
      opts.onJobsDone?.(o.done);
      return o;
    };
    const runOne = (batch: Batch) =>
      runBatch(batch, opts.sink, async (job, message) => {
        const verdict = await judgeError(job, message, opts.sink);
        if (verdict.ok) {
          opts.accepted?.add(job.id);
          // e.g. the namespace's name was there already and it is ours: do not make it again
          if (job.cmd.tool === 'nsfile' && !job.cmd.afterCreate) {
            for (const j of jobs) if (j.step === job.step && j.cmd.tool === 'nsfile' && j.cmd.afterCreate) skip.add(j.id);
          }
          return true;
        }
        failures.push({ job, message: failureMessage(job.op, message, verdict.hint) });
        // Going on past a failure (rollback, clean): never with the rest of the same step, which
        // counts on what the failed command did (e.g. a namespace whose name was taken by someone
        // else: neither mount a namespace on that name nor mark what is there as ours).
        if (opts.tolerant) for (const j of jobs) if (j.step === job.step && j.id > job.id) skip.add(j.id);
        return opts.tolerant;
      }, skip).then(finished);
    // pooled ip batches all start now: they share one nslab-nsctl process, which runs a few at a time
    const together = round.filter(pooled);
    const others = round.filter((b) => !pooled(b));
    const running = Promise.all([inParallel(together, together.length, runOne), inParallel(others, PARALLEL, runOne)]);
    // A round after this one has pooled ip batches: their nslab-nsctl starts while this round
    // runs, once this round's own took the one waiting (from an immediate queued before this one)
    const now = new Set<number>();
    for (const b of round) for (const j of b.jobs) now.add(j.id);
    if (pending.some((j) => !now.has(j.id) && pooledJob(j))) {
      setImmediate(() => {
        // (not once every run has ended: nothing would end it)
        if (executing > 0) warmNsctl('ip');
      });
    }
    // the round's processes start first (pooled ones from an immediate queued before this one)
    if (index.known < jobs.length) await new Promise<void>((resolve) => setImmediate(() => resolve(index.upTo(jobs.length))));
    await running;
    if (failures.length > 0 && !opts.tolerant) break;
    pending = pending.filter((j) => !done.has(j.id));
  }
  return failures.sort((a, b) => a.job.id - b.job.id);
}

function jobsOf(steps: { op: PlanStep['op']; step: number }[]): Job[] {
  let id = 0;
  return steps.flatMap(({ op, step }) => commandsFor(op).map((cmd) => ({ id: id++, step, op, cmd: viaBatch(cmd) })));
}

/**
 * A sysctl inside a namespace becomes an `ip -batch` line of the machine's own namespace:
 * `netns exec NS sysctl ...` (ip forks it), so 200 namespaces cost one ip process, not 200.
 */
function viaBatch(cmd: Command): Command {
  if (cmd.tool !== 'sysctl' || !cmd.ns) return cmd;
  return { tool: 'ip', ns: '', args: ['netns', 'exec', cmd.ns, 'sysctl', ...cmd.args] };
}

/** Deletions that a later `netns del` of the same namespace does anyway. */
const ELIDABLE = new Set<Op['type']>(['route.del', 'addr.del', 'link.del', 'nft.del', 'link.set', 'netem.del']);

/**
 * Steps the driver need not run because a later step deletes their namespace (with everything
 * in it), mapped to that step. They still count as done, and are undone if that deletion is.
 */
function elisions(steps: PlanStep[]): Map<number, number> {
  const deletedAt = new Map<string, number>();
  steps.forEach((s, i) => {
    if (s.op.type === 'netns.del') deletedAt.set(s.op.ns, i);
  });
  const out = new Map<number, number>();
  steps.forEach((s, i) => {
    const at = 'ns' in s.op && s.op.ns ? deletedAt.get(s.op.ns) : undefined;
    if (at !== undefined && at > i && ELIDABLE.has(s.op.type)) out.set(i, at);
  });
  return out;
}

export async function runSteps(steps: PlanStep[], hooks: RunHooks = {}): Promise<RunResult> {
  const elided = elisions(steps);
  const jobs = jobsOf(steps.flatMap((s, i) => (elided.has(i) ? [] : [{ op: s.op, step: i }])));
  const left = steps.map(() => 0);
  for (const j of jobs) left[j.step] = (left[j.step] ?? 0) + 1;
  /** steps without commands, in order, from the first not yet started */
  const empty = steps.flatMap((_, i) => (left[i] === 0 ? [i] : []));
  let nextEmpty = 0;
  const started = new Set<number>();
  const accepted = new Set<number>();
  /** steps that changed the kernel: at least one command of theirs ran and succeeded */
  const changed = new Set<number>();

  // Steps start in plan order (journal row, then 'running'); a step without commands starts
  // and ends in its turn.
  const startSteps = async (list: number[]) => {
    const fresh = [...new Set(list)].filter((i) => !started.has(i));
    if (fresh.length === 0) return;
    for (const i of fresh) started.add(i);
    await hooks.beforeSteps?.(fresh.map((i) => ({ step: steps[i] as PlanStep, index: i })));
    for (const i of fresh) {
      hooks.onStep?.({ step: i, status: 'running' });
      if (left[i] === 0) hooks.onStep?.({ step: i, status: 'done' });
    }
  };
  const startJobs = async (round: Job[]) => {
    const list: number[] = [];
    for (const i of [...new Set(round.map((j) => j.step))].sort((a, b) => a - b)) {
      // the steps without commands before it start first, in plan order
      while (nextEmpty < empty.length && (empty[nextEmpty] as number) < i) list.push(empty[nextEmpty++] as number);
      list.push(i);
    }
    await startSteps(list);
  };

  let failures: Failure[];
  try {
    failures = await execute(jobs, {
      tolerant: false,
      ...(hooks.onCommand ? { sink: hooks.onCommand } : {}),
      onRound: startJobs,
      accepted,
      onJobsDone: (done) => {
        for (const j of done) {
          if (!accepted.has(j.id)) changed.add(j.step);
          left[j.step] = (left[j.step] ?? 1) - 1;
          if (left[j.step] === 0) hooks.onStep?.({ step: j.step, status: 'done' });
        }
      },
    });
    if (failures.length === 0) await startSteps(steps.map((_, i) => i));
  } catch (e) {
    for (const [i, by] of elided) if (changed.has(by)) changed.add(i);
    await rollback(steps, started, changed, hooks);
    throw e;
  }
  const first = failures[0];
  if (!first) return { ok: true };
  for (const [i, by] of elided) if (changed.has(by)) changed.add(i);

  hooks.onStep?.({ step: first.job.step, status: 'failed', message: first.message });
  const rollbackErrors = await rollback(steps, started, changed, hooks);
  return { ok: false, failedStep: first.job.step, object: objectOf(first.job.op), message: first.message, rolledBack: rollbackErrors.length === 0, rollbackErrors };
}

/**
 * Undoes every step that changed something, newest first; undo ops treat "already gone" as done.
 * A step that changed nothing (its create failed, or found its object already there and ours)
 * is not undone: that would delete what was there before, maybe someone else's.
 */
async function rollback(steps: PlanStep[], started: Set<number>, changed: Set<number>, hooks: RunHooks): Promise<string[]> {
  const order = [...started].sort((a, b) => b - a);
  const jobs = jobsOf(order.filter((i) => changed.has(i)).flatMap((i) => (steps[i]?.undo ?? []).map((op) => ({ op, step: i }))));
  const failures = await execute(jobs, { tolerant: true, ...(hooks.onCommand ? { sink: hooks.onCommand } : {}) });
  for (const i of order) hooks.onStep?.({ step: i, status: 'undone' });
  return failures.map((f) => f.message);
}

/**
 * Runs ops without rollback, going on past failures (as `nslab clean` does); returns the
 * failures as messages. "Already gone" is success, as everywhere.
 */
export async function runOpsTolerant(ops: Op[], sink?: CommandSink): Promise<string[]> {
  const failures = await execute(jobsOf(ops.map((op, step) => ({ op, step }))), { tolerant: true, ...(sink ? { sink } : {}) });
  return failures.map((f) => f.message);
}
