// The reconciler: desired (the saved topology, compiled) vs observed (the kernel) -> plan ->
// driver, under the lab's lock, with the journal and crash recovery. Apply, destroy, delete and
// clean are its writers; plans are its readers.
import type { EventEmitter } from 'node:events';
import { compile, type Compiled } from '@/lib/compile';
import { NslabError } from '@/lib/errors';
import { emptyState, type KernelState } from '@/lib/kernel-state';
import { FORWARDING_KEY } from '@/lib/ops';
import { destroyPlan, plan as makePlan } from '@/lib/plan';
import { planView, refuse } from '@/lib/plan-view';
import type { Topology } from '@/lib/topology';
import { assertTopology } from '@/lib/validate';
import { runSteps, type RunResult } from '@/server/kernel/driver';
import type { CommandSink } from '@/server/kernel/exec';
import { listNetns, observe } from '@/server/kernel/observer';
import { listUserns } from '@/server/kernel/userns';
import { ALL_LABS, busyMessage, type LockKind } from '@/server/store/locks';
import type { LabRow } from '@/server/store/store';
import { recoverServices, serviceLines } from '@/server/services/labs';
import { ensureServices, labsWithServices, stopServices } from '@/server/services/supervisor';
import { cleanAll } from './clean';
import type { Reading } from './live-hub';
import { recoverAllLabs, recoverLab } from './recovery';
import { withHost, type LabRepository } from './repository';
import type { ApplyOptions, ApplyResult, CommandLogEntry, LabsEvents, PlanView } from './types';

export interface ReconcilerDeps {
  repo: LabRepository;
  events: EventEmitter<LabsEvents>;
  /** logs a command run for a lab, in this phase */
  sink: (lab: string, phase: () => CommandLogEntry['phase']) => CommandSink;
  /** writes the commands the sinks have logged so far (they are written a round at a time) */
  flush: () => void;
  /** the lab's kernel changed (in these namespaces): tell whoever watches it */
  changed: (lab: string, touched?: string[]) => void;
}

export class Reconciler {
  private readonly repo: LabRepository;

  constructor(private readonly deps: ReconcilerDeps) {
    this.repo = deps.repo;
  }

  private get store() {
    return this.repo.store;
  }

  // --- reading -----------------------------------------------------------------------------

  /** Observes every namespace this lab has or may have left behind. */
  private async observeLab(row: LabRow | null, lab: string, desired: KernelState, hostNs: string, opts: { destroy?: boolean } = {}): Promise<KernelState> {
    const { namespaces, natIn } = await this.scopeOf(row, lab, desired, hostNs);
    return observe(namespaces, { lab, natIn, ...(opts.destroy ? { markOnly: lab, inherited: false } : {}) });
  }

  /** Every namespace this lab has or may have left behind, and where its NAT table may be. */
  async scopeOf(row: LabRow | null, lab: string, desired: KernelState, hostNs: string): Promise<{ namespaces: string[]; natIn: string[] }> {
    const scope = new Set<string>([...Object.keys(desired.namespaces), hostNs]);
    for (const ns of await listNetns()) if (ns.startsWith(`${lab}-`)) scope.add(ns);
    // NAT tables are read (one nft process each) only where the lab has or had NAT.
    const natIn = new Set<string>([hostNs]);
    const nats = (s: KernelState) => Object.values(s.namespaces).filter((n) => n.nat).map((n) => n.name);
    for (const ns of nats(desired)) natIn.add(ns);
    const applied = row && row.appliedRev !== null ? this.store.getRevision(lab, row.appliedRev) : null;
    const hasNat = (t: Topology) => !!t.host?.nat?.length || t.nodes.some((n) => 'nat' in n && !!n.nat?.length);
    if (applied && row && hasNat(applied)) for (const ns of nats(compile(applied, { hostNetns: row.hostNetns }).desired)) natIn.add(ns);
    // Namespaces with a name of their own (`netns`, adopted labs) do not start with `<lab>-`.
    for (const t of [applied, row?.topology]) if (t) for (const n of t.nodes) if (n.kind === 'namespace' && n.netns) scope.add(n.netns);
    return { namespaces: [...scope], natIn: [...natIn] };
  }

  /** Whether a namespace of this name belongs to the lab (its prefix, its host, a node's own name). */
  private inScope(row: LabRow, ns: string): boolean {
    if (ns.startsWith(`${row.name}-`) || ns === row.hostNetns) return true;
    const applied = row.appliedRev !== null ? this.store.getRevision(row.name, row.appliedRev) : null;
    return [applied, row.topology].some((t) => t?.nodes.some((n) => n.kind === 'namespace' && n.netns === ns));
  }

  /** The kernel as it is for this lab, and the plan from there to `topology`. */
  async read(row: LabRow, topology: Topology): Promise<Reading> {
    const compiled = this.compileFor(row, topology);
    const observed = await this.observeLab(row, row.name, compiled.desired, compiled.hostNs);
    return this.planFrom(row, compiled, observed, topology);
  }

  compileFor(row: LabRow, topology: Topology): Compiled {
    return compile(withHost(topology, row.hostNetns), { hostNetns: row.hostNetns });
  }

  /** The plan from this observed state (the live hub's cache, or a fresh read). */
  planFrom(row: LabRow, compiled: Compiled, observed: KernelState, topology: Topology = row.topology): Reading {
    return { compiled, observed, plan: planView(makePlan(row.name, compiled.desired, observed), observed, serviceLines(row.name, topology)) };
  }

  /** The plan for a lab's saved topology (or this one), or for destroying it. */
  async plan(name: string, opts: { topology?: Topology; destroy?: boolean } = {}): Promise<PlanView> {
    const row = this.repo.row(name);
    if (opts.destroy) return (await this.destroyReading(row)).plan;
    return (await this.read(row, opts.topology ? assertTopology(opts.topology) : row.topology)).plan;
  }

  /** The plan for a topology file, without saving anything (the lab may not exist yet). */
  async planTopology(topology: Topology, opts: { hostNetns?: string } = {}): Promise<PlanView> {
    return (await this.readTopology(assertTopology(topology), opts)).plan;
  }

  /** The kernel as it is for a topology file's lab, and the plan to it (hosted: the topology compiled, with its host). */
  private async readTopology(t: Topology, opts: { hostNetns?: string }): Promise<Reading & { hosted: Topology; hostNetns: string }> {
    const hostNetns = this.repo.hostFor(t, opts.hostNetns);
    const hosted = withHost(t, hostNetns);
    const compiled = compile(hosted, { hostNetns });
    const observed = await this.observeLab(this.store.getLab(t.name), t.name, compiled.desired, compiled.hostNs);
    return { compiled, observed, plan: planView(makePlan(t.name, compiled.desired, observed), observed, serviceLines(t.name, t)), hosted, hostNetns };
  }

  /**
   * The plan that removes the lab: everything it has in the kernel, then the machine's own
   * ip_forward put back, once no other applied lab in this machine's namespace still wants it.
   */
  private async destroyReading(row: LabRow): Promise<{ plan: PlanView; observed: KernelState; restores: string[] }> {
    const observed = await this.observeLab(row, row.name, emptyState(), row.hostNetns, { destroy: true });
    const saved = row.hostNetns === '' ? this.store.savedSysctls(row.name).filter((s) => s.key === FORWARDING_KEY) : [];
    const othersNeed = this.store.labHosts().some((l) => l.name !== row.name && l.hostNetns === '' && l.appliedRev !== null && this.store.listedLab(l.name)?.topology.host?.forwarding);
    const restore = saved[0] && !othersNeed ? { forwarding: saved[0].value === '1' } : undefined;
    const stray = listUserns().filter((u) => !observed.namespaces[u] && this.inScope(row, u));
    return { plan: planView(destroyPlan(row.name, observed, restore, stray), observed, serviceLines(row.name, null)), observed, restores: saved.map((s) => s.key) };
  }

  /** A reading settles an applied lab's state: applied when it matches, drifted when not. */
  settle(name: string, reading: Reading): void {
    const row = this.store.getLab(name);
    if (!row || row.appliedRev === null || this.store.locks.holder(name)) return;
    const state = reading.plan.steps.length === 0 ? 'applied' : 'drifted';
    if (row.state !== state && (row.state === 'applied' || row.state === 'drifted')) this.repo.setState(name, state);
  }

  // --- writing -----------------------------------------------------------------------------

  async apply(name: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return this.withLock(name, 'apply', () => this.applyLocked(name, opts));
  }

  /**
   * A topology file applied as `nslab apply` does, under the lab's lock from the first read of
   * the kernel to the last command: the plan is shown (onPlan), and a plan that is refused
   * (conflicts, or takeovers not confirmed) saves nothing and reserves no host namespace.
   */
  async applyTopology(topology: Topology, opts: Omit<ApplyOptions, 'expectedRev' | 'fingerprint'> & { hostNetns?: string; onPlan?: (plan: PlanView) => void } = {}): Promise<ApplyResult> {
    const t = assertTopology(topology);
    const { onPlan, hostNetns, ...rest } = opts;
    const host = hostNetns !== undefined ? { hostNetns } : {};
    return this.withLock(t.name, 'apply', async () => {
      const planned = await this.readTopology(t, host);
      onPlan?.(planned.plan);
      refuse('apply', t.name, planned.plan, rest.adopt);
      const rec = this.repo.upsert(t, host);
      // Under the same lock, the kernel read for the plan shown is the one the apply runs from,
      // when the lab was saved as exactly what was planned (else it is read again).
      const row = this.repo.row(rec.name);
      const same = row.hostNetns === planned.hostNetns && JSON.stringify(row.topology) === JSON.stringify(planned.hosted);
      return this.applyLocked(rec.name, { ...rest, expectedRev: rec.rev, fingerprint: planned.plan.fingerprint }, same ? planned : undefined);
    });
  }

  private async applyLocked(name: string, opts: ApplyOptions, reading?: Reading): Promise<ApplyResult> {
    const row = this.repo.row(name);
    if (opts.expectedRev !== undefined && opts.expectedRev !== row.rev) {
      throw new NslabError('version_mismatch', `lab "${name}" is at revision ${row.rev}, not ${opts.expectedRev}; reload it and review the plan again`);
    }
    const { observed, plan } = reading ?? (await this.read(row, row.topology));
    if (opts.fingerprint && opts.fingerprint !== plan.fingerprint) {
      throw new NslabError('version_mismatch', `the kernel changed since the plan was shown; review the new plan and apply again`);
    }
    refuse('apply', name, plan, opts.adopt);
    return this.run(row, 'apply', plan, observed, opts.stepDelayMs ?? 0);
  }

  async destroy(name: string): Promise<ApplyResult> {
    return this.withLock(name, 'destroy', () => this.destroyLocked(name));
  }

  /** Deletes the lab's record, destroying its kernel objects first. */
  async remove(name: string): Promise<void> {
    await this.withLock(name, 'delete', async () => {
      const row = this.repo.row(name);
      if (row.appliedRev !== null || row.state !== 'not-applied') {
        const res = await this.destroyLocked(name);
        if (!res.ok) throw new NslabError('kernel', `could not destroy lab "${name}" before deleting it: ${res.error?.message}`);
      }
      this.repo.delete(name);
    });
  }

  private async destroyLocked(name: string): Promise<ApplyResult> {
    const row = this.repo.row(name);
    const { plan, observed, restores } = await this.destroyReading(row);
    const res = await this.run(row, 'destroy', plan, observed);
    if (res.ok) for (const key of restores) this.store.forgetSysctl(name, key);
    return res;
  }

  private async run(row: LabRow, kind: 'apply' | 'destroy', plan: PlanView, observed: KernelState, stepDelayMs = 0): Promise<ApplyResult> {
    const name = row.name;
    refuse(kind, name, plan, true);
    // Remember the machine's own forwarding value before nslab first changes it.
    for (const s of plan.steps) {
      if (s.op.type === 'sysctl.set' && s.op.ns === '') {
        const before = observed.namespaces['']?.forwarding;
        if (before !== undefined) this.store.saveSysctlOnce(name, s.op.key, before ? '1' : '0');
      }
    }
    // services hold their namespaces: they stop before anything of the lab is destroyed
    if (kind === 'destroy') await stopServices(name);
    const applyId = this.store.beginApply(name, kind, kind === 'apply' ? row.rev : null);
    const phase = kind === 'apply' ? 'apply' : 'destroy';
    this.repo.setState(name, 'applying');
    let rollingBack = false;
    let result: RunResult;
    try {
      result = await runSteps(plan.steps, {
        beforeSteps: async (started) => {
          this.store.journalMany(applyId, name, started.map(({ step, index }) => ({ step: index, op: step.op })));
          if (stepDelayMs > 0) await new Promise((r) => setTimeout(r, stepDelayMs * started.length));
        },
        onCommand: this.deps.sink(name, () => (rollingBack ? 'rollback' : phase)),
        onStep: (p) => {
          if (p.status === 'failed') rollingBack = true;
          this.deps.events.emit('progress', { lab: name, step: p.step, total: plan.steps.length, change: plan.steps[p.step]?.change ?? -1, status: p.status, ...(p.message ? { message: p.message } : {}) });
        },
      });
    } catch (e) {
      // The rollback may be incomplete: the apply stays unfinished, so recovery finishes the marks.
      this.store.markUnresolved(applyId, String(e));
      this.repo.setState(name, 'failed');
      throw e;
    }
    if (result.ok) {
      this.store.finishApply(applyId, 'done');
      if (kind === 'apply') this.repo.setState(name, 'applied', row.rev);
      else this.repo.setState(name, 'not-applied', null);
    } else {
      if (result.rolledBack) this.store.finishApply(applyId, 'failed', result.message);
      else this.store.markUnresolved(applyId, result.message);
      this.repo.setState(name, kind === 'apply' && row.appliedRev !== null ? 'drifted' : 'failed');
    }
    // the namespaces the steps name, and the far end of each veth deleted
    const touched = new Set<string>();
    for (const { op } of plan.steps) {
      touched.add(op.ns);
      if (op.type === 'veth.add') touched.add(op.peerNs);
      const peer = op.type === 'link.del' ? observed.namespaces[op.ns]?.links[op.name]?.peer : undefined;
      if (peer) touched.add(peer.ns);
    }
    this.deps.changed(name, [...touched]);
    // services start once the lab is up (and follow a changed `run` on every apply)
    if (kind === 'apply' && result.ok) await ensureServices(name, row.topology, row.hostNetns);
    return {
      ok: result.ok,
      plan,
      rev: row.rev,
      ...(result.ok ? {} : { error: { object: result.object, message: result.message, rolledBack: result.rolledBack } }),
    };
  }

  // --- recovery and clean ------------------------------------------------------------------

  /** Recovers what crashed applies left (see recovery.ts); the server runs it at start. */
  async recoverAll(): Promise<string[]> {
    try {
      const out = await recoverAllLabs(this.repo, this.deps.sink);
      // only applied labs can have services; their names and hosts, without reading every lab
      const hosts = new Map(this.store.labHosts().flatMap((l) => (l.appliedRev !== null ? [[l.name, { rev: l.appliedRev, hostNetns: l.hostNetns }] as const] : [])));
      const applied = (lab: string) => {
        const h = hosts.get(lab);
        if (!h) return null;
        // an applied revision whose saved topology is broken has no services to bring back
        try {
          const t = this.store.getRevision(lab, h.rev);
          return t ? { topology: t, hostNetns: h.hostNetns } : null;
        } catch {
          return null;
        }
      };
      await recoverServices(applied, [...hosts.keys()]);
      return out;
    } finally {
      this.deps.flush();
    }
  }

  /** `nslab clean` (see clean.ts), under the lock of every lab. */
  clean(): Promise<string[]> {
    return this.withLock(ALL_LABS, 'clean', async () => {
      for (const lab of labsWithServices()) await stopServices(lab);
      return cleanAll(this.repo, this.deps.sink('', () => 'clean'));
    });
  }

  /**
   * Runs a writer under the lab's lock (ALL_LABS: every lab's), shared with every other nslab
   * process; a crashed apply of the lab is recovered first. Busy: the holder's pid and what it does.
   */
  private async withLock<T>(scope: string, kind: LockKind, fn: () => Promise<T>): Promise<T> {
    const got = this.store.locks.acquire(scope, kind);
    if (!got.ok) throw new NslabError('busy', busyMessage(got.holder));
    try {
      if (scope !== ALL_LABS) await recoverLab(this.repo, scope, this.deps.sink(scope, () => 'recover'));
      return await fn();
    } finally {
      this.deps.flush();
      this.store.locks.release(scope);
    }
  }
}
