// The labs service: the one facade behind the CLI and the socket gateway.
// desired (the saved topology, compiled) vs observed (the kernel) -> plan -> driver -> journal.
import { EventEmitter } from 'node:events';
import { compile } from '@/lib/compile';
import { nodeDrift } from '@/lib/drift';
import { NslabError } from '@/lib/errors';
import { emptyState, type KernelState } from '@/lib/kernel-state';
import { shortHash } from '@/lib/names';
import { FORWARDING_KEY, type Plan } from '@/lib/ops';
import { plan as makePlan } from '@/lib/plan';
import { renderPlan, takeovers } from '@/lib/plan-text';
import type { Topology } from '@/lib/topology';
import { assertTopology } from '@/lib/validate';
import { runSteps, type RunResult } from '@/server/kernel/driver';
import type { CommandSink } from '@/server/kernel/exec';
import { watchKernel } from '@/server/kernel/monitor';
import { listNetns, observe } from '@/server/kernel/observer';
import { ALL_LABS, busyMessage, type LockKind } from '@/server/store/locks';
import { Store, type LabRow } from '@/server/store/store';
import { cleanKernel } from './clean';
import { recoverApplies } from './recovery';
import type {
  ApplyResult,
  CommandLogEntry,
  LabRecord,
  LabsEvents,
  LabsService,
  LabSummary,
  LiveNode,
  LiveState,
  PlanView,
} from './types';

export interface ApplyOptions {
  /** refuse (version_mismatch) if the lab was saved since this revision */
  expectedRev?: number;
  /** refuse if the plan differs from the one the user previewed */
  fingerprint?: string;
  /** slow motion for teaching: wait this long before each step, one step at a time */
  stepDelayMs?: number;
  /** the user confirmed taking over the objects the plan lists in `takeovers` (an adopted lab) */
  adopt?: boolean;
}

export interface LabsServiceOptions {
  /** the state folder (NSLAB_HOME) */
  home?: string;
}

export function createLabsService(opts: LabsServiceOptions = {}): Labs {
  return new Labs(new Store(opts.home));
}

export function planView(p: Plan, observed: KernelState): PlanView {
  return { ...p, fingerprint: shortHash(JSON.stringify(p.steps.map((s) => s.op))), text: renderPlan(p), takeovers: takeovers(p, observed) };
}

/** The host context a lab uses: chosen at creation and kept until the lab is destroyed. */
function hostOf(row: LabRow): string {
  return row.hostNetns;
}

export class Labs implements LabsService {
  readonly events = new EventEmitter<LabsEvents>();
  private readonly watchers = new Map<string, { count: number; close: () => Promise<void>; refresh: () => void }>();

  constructor(readonly store: Store) {
    this.events.setMaxListeners(0);
  }

  /**
   * Recovers what crashed applies (kill -9, power loss) left, lab by lab, each under its lock
   * (a lab another process is applying right now is skipped: its apply is not crashed). The
   * server runs this at start, the CLI before each command; `withLock` runs it too.
   */
  async recoverAll(): Promise<string[]> {
    const labs = [...new Set(this.store.unfinishedApplies().map((a) => a.lab))];
    const out: string[] = [];
    for (const lab of labs) {
      if (!this.store.locks.acquire(lab, 'recover').ok) continue;
      try {
        out.push(...(await this.recover(lab)));
      } finally {
        this.store.locks.release(lab);
      }
    }
    return out;
  }

  /** With the lab's lock held: finishes the marks of a crashed apply and settles the lab's state. */
  private async recover(lab: string): Promise<string[]> {
    if (this.store.unfinishedApplies(lab).length === 0) return [];
    const report = await recoverApplies(this.store, lab, this.commandSink(lab, () => 'recover'));
    const row = this.store.getLab(lab);
    if (row && row.state === 'applying') this.setState(lab, row.appliedRev !== null ? 'drifted' : 'failed');
    return report;
  }

  /**
   * `nslab clean`: under the lock of every lab, recovers crashed applies, removes every object
   * that carries an nslab mark, restores the host sysctls nslab changed, and marks every lab
   * not applied.
   */
  async clean(): Promise<string[]> {
    return this.withLock(ALL_LABS, 'clean', async () => {
      const recovered = await recoverApplies(this.store, undefined, this.commandSink('', () => 'clean'));
      const removed = await cleanKernel(this.store, this.commandSink('', () => 'clean'));
      for (const l of this.store.listLabs()) if (l.state !== 'not-applied' || l.appliedRev !== null) this.setState(l.name, 'not-applied', null);
      return [...recovered.filter((r) => r.startsWith('(')), ...removed];
    });
  }

  private storeWatch: { timer: NodeJS.Timeout; version: number; labs: Map<string, string>; lastCommand: number; own: Set<number> } | null = null;

  /**
   * Notices what other processes (the CLI) write to the store: labs created, saved, applied or
   * deleted, and the commands they ran, and emits them as if they happened here. The server
   * calls this; the CLI does not need it.
   */
  watchStore(intervalMs = 500): void {
    if (this.storeWatch) return;
    const key = (l: LabRow) => `${l.rev}/${l.appliedRev}/${l.state}/${l.hostNetns}`;
    const w = {
      version: this.store.dataVersion(),
      labs: new Map(this.store.listLabs().map((l) => [l.name, key(l)])),
      lastCommand: this.store.lastCommandId(),
      own: new Set<number>(),
      timer: setInterval(() => {
        const v = this.store.dataVersion();
        if (v === w.version) return;
        w.version = v;
        const rows = this.store.listLabs();
        for (const row of rows) {
          const before = w.labs.get(row.name);
          if (before === key(row)) continue;
          const revChanged = before?.split('/')[0] !== String(row.rev);
          w.labs.set(row.name, key(row));
          this.events.emit('changed', summary(row));
          if (revChanged) this.events.emit('saved', { ...summary(row), topology: row.topology });
        }
        for (const name of [...w.labs.keys()]) {
          if (!rows.some((r) => r.name === name)) {
            w.labs.delete(name);
            this.events.emit('changed', { name, deleted: true });
          }
        }
        for (const c of this.store.commandsAfter(w.lastCommand)) {
          w.lastCommand = Math.max(w.lastCommand, c.seq);
          if (!w.own.delete(c.seq)) this.events.emit('command', c);
        }
      }, intervalMs),
    };
    w.timer.unref();
    this.storeWatch = w;
  }

  close(): Promise<void> {
    if (this.storeWatch) clearInterval(this.storeWatch.timer);
    this.storeWatch = null;
    for (const t of this.liveTimers.values()) clearTimeout(t);
    this.liveTimers.clear();
    const closing = [...this.watchers.values()].map((w) => w.close());
    this.watchers.clear();
    return Promise.all(closing).then(() => this.store.close());
  }

  // --- records -----------------------------------------------------------------------------

  list(): LabSummary[] {
    return this.store.listLabs().map(summary);
  }

  get(name: string): LabRecord {
    const row = this.store.getLab(name);
    if (!row) throw new NslabError('not_found', `no lab named "${name}" (see \`nslab status\` for the labs there are)`);
    return { ...summary(row), topology: row.topology };
  }

  create(topology: Topology, opts: { hostNetns?: string } = {}): LabRecord {
    const t = assertTopology(topology);
    if (this.store.getLab(t.name)) throw new NslabError('exists', `a lab named "${t.name}" exists already`);
    const hostNetns = opts.hostNetns ?? t.host?.netns ?? '';
    this.checkHostFree(t.name, hostNetns);
    this.store.insertLab(withHost(t, hostNetns), hostNetns);
    const rec = this.get(t.name);
    this.emitChanged(this.store.getLab(t.name)!);
    return rec;
  }

  save(topology: Topology, expectedRev: number): LabRecord {
    const t = assertTopology(topology);
    const row = this.store.getLab(t.name);
    if (!row) throw new NslabError('not_found', `no lab named "${t.name}"`);
    const wanted = t.host?.netns ?? '';
    let hostNetns = row.hostNetns;
    if (wanted !== row.hostNetns) {
      if (row.appliedRev !== null) {
        // Moving a live lab between this machine and an isolated host is a destroy and a new apply.
        if (wanted !== '') {
          throw new NslabError('invalid', `lab "${t.name}" is applied with its host side in ${row.hostNetns ? `namespace ${row.hostNetns}` : 'this machine'}; destroy it first to move it to ${wanted}`);
        }
      } else {
        this.checkHostFree(t.name, wanted);
        hostNetns = wanted;
      }
    }
    const saved = this.store.saveLab(withHost(t, hostNetns), expectedRev, hostNetns);
    if (!saved) {
      throw new NslabError('version_mismatch', `lab "${t.name}" was changed elsewhere (now revision ${row.rev}, you edited ${expectedRev}); reload it and make your change again`);
    }
    this.emitChanged(saved);
    return this.get(t.name);
  }

  async remove(name: string): Promise<void> {
    await this.withLock(name, 'delete', async () => {
      const row = this.row(name);
      if (row.appliedRev !== null || row.state !== 'not-applied') {
        const res = await this.destroyLocked(name);
        if (!res.ok) throw new NslabError('kernel', `could not destroy lab "${name}" before deleting it: ${res.error?.message}`);
      }
      this.store.deleteLab(name);
    });
    this.storeWatch?.labs.delete(name);
    this.events.emit('changed', { name, deleted: true });
  }

  commandLog(name: string, limit = 500): CommandLogEntry[] {
    return this.store.commands(name, limit);
  }

  // --- kernel ------------------------------------------------------------------------------

  /** Observes every namespace this lab has or may have left behind. */
  private async observeLab(lab: string, desired: KernelState, hostNs: string): Promise<KernelState> {
    const scope = new Set<string>([...Object.keys(desired.namespaces), hostNs]);
    for (const ns of await listNetns()) if (ns.startsWith(`${lab}-`)) scope.add(ns);
    // NAT tables are read (one nft process each) only where the lab has or had NAT.
    const natIn = new Set<string>([hostNs]);
    const nats = (s: KernelState) => Object.values(s.namespaces).filter((n) => n.nat).map((n) => n.name);
    for (const ns of nats(desired)) natIn.add(ns);
    const row = this.store.getLab(lab);
    const applied = row && row.appliedRev !== null ? this.store.getRevision(lab, row.appliedRev) : null;
    const was = applied ? compile(applied, { hostNetns: row!.hostNetns }).desired : null;
    if (was) for (const ns of nats(was)) natIn.add(ns);
    // Namespaces with a name of their own (`netns`, adopted labs) do not start with `<lab>-`.
    for (const t of [applied, row?.topology]) if (t) for (const n of t.nodes) if (n.kind === 'namespace' && n.netns) scope.add(n.netns);
    return observe([...scope], { lab, natIn: [...natIn] });
  }

  private async computePlan(row: LabRow, topology: Topology) {
    const compiled = compile(topology, { hostNetns: hostOf(row) });
    const observed = await this.observeLab(row.name, compiled.desired, compiled.hostNs);
    return { compiled, observed, plan: planView(makePlan(row.name, compiled.desired, observed), observed) };
  }

  /**
   * Where a lab's host side lives. An explicit choice wins; an applied lab keeps its host
   * until it is destroyed (moving a live lab is a destroy and an apply, never a surprise).
   */
  resolveHost(topology: Topology, explicit?: string): string {
    const row = this.store.getLab(topology.name);
    const fromFile = topology.host?.netns ?? '';
    const applied = row && row.appliedRev !== null;
    const wanted = explicit ?? (fromFile || (applied ? row.hostNetns : ''));
    if (applied && wanted !== row.hostNetns) {
      const where = (h: string) => (h ? `namespace ${h}` : 'this machine');
      throw new NslabError('invalid', `lab "${topology.name}" is applied with its host side in ${where(row.hostNetns)}; run \`nslab destroy ${topology.name}\` first to move it to ${where(wanted)}`);
    }
    return wanted;
  }

  /** Creates the lab, or saves this topology as its next revision (as a file import does). */
  upsert(topology: Topology, opts: { hostNetns?: string } = {}): LabRecord {
    const t = assertTopology(topology);
    const hostNetns = this.resolveHost(t, opts.hostNetns);
    const row = this.store.getLab(t.name);
    if (!row) return this.create(t, { hostNetns });
    if (row.hostNetns !== hostNetns) {
      this.checkHostFree(t.name, hostNetns);
      this.store.setHostNetns(t.name, hostNetns);
    }
    if (JSON.stringify(withHost(t, hostNetns)) === JSON.stringify(row.topology)) return this.get(t.name);
    return this.save(withHost(t, hostNetns), row.rev);
  }

  /** The plan for a topology file, without saving anything (the lab may not exist yet). */
  async planTopology(topology: Topology, opts: { hostNetns?: string } = {}): Promise<PlanView> {
    const t = assertTopology(topology);
    const hostNetns = this.resolveHost(t, opts.hostNetns);
    const compiled = compile(withHost(t, hostNetns), { hostNetns });
    const observed = await this.observeLab(t.name, compiled.desired, compiled.hostNs);
    return planView(makePlan(t.name, compiled.desired, observed), observed);
  }

  async plan(name: string, topology?: Topology): Promise<PlanView> {
    const row = this.row(name);
    const t = topology ? assertTopology(topology) : row.topology;
    return (await this.computePlan(row, withHost(t, row.hostNetns))).plan;
  }

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
    return this.withLock(t.name, 'apply', async () => {
      const planned = await this.planTopology(t, opts.hostNetns !== undefined ? { hostNetns: opts.hostNetns } : {});
      opts.onPlan?.(planned);
      refuse('apply', t.name, planned, opts.adopt);
      const rec = this.upsert(t, opts.hostNetns !== undefined ? { hostNetns: opts.hostNetns } : {});
      const { onPlan: _, hostNetns: __, ...rest } = opts;
      return this.applyLocked(rec.name, { ...rest, expectedRev: rec.rev, fingerprint: planned.fingerprint });
    });
  }

  private async applyLocked(name: string, opts: ApplyOptions): Promise<ApplyResult> {
    const row = this.row(name);
    if (opts.expectedRev !== undefined && opts.expectedRev !== row.rev) {
      throw new NslabError('version_mismatch', `lab "${name}" is at revision ${row.rev}, not ${opts.expectedRev}; reload it and review the plan again`);
    }
    const { observed, plan } = await this.computePlan(row, row.topology);
    if (opts.fingerprint && opts.fingerprint !== plan.fingerprint) {
      throw new NslabError('version_mismatch', `the kernel changed since the plan was shown; review the new plan and apply again`);
    }
    refuse('apply', name, plan, opts.adopt);
    return this.run(row, 'apply', plan, observed, opts.stepDelayMs ?? 0);
  }

  async destroy(name: string): Promise<ApplyResult> {
    return this.withLock(name, 'destroy', () => this.destroyLocked(name));
  }

  private async destroyLocked(name: string): Promise<ApplyResult> {
    {
      const row = this.row(name);
      const hostNs = hostOf(row);
      const desired = emptyState();
      const observed = await this.observeLab(name, desired, hostNs);
      const plan = makePlan(name, desired, observed);
      // Restore what nslab changed in the machine's own namespace (ip_forward), once no other
      // applied lab in this machine's namespace still wants it.
      const restores = this.store.savedSysctls(name).filter(() => hostNs === '');
      const othersNeed = this.store.listLabs().some((l) => l.name !== name && l.hostNetns === '' && l.appliedRev !== null && l.topology.host?.forwarding);
      if (!othersNeed) {
        for (const s of restores) {
          if (s.key !== FORWARDING_KEY) continue;
          const current = observed.namespaces['']?.forwarding;
          const value = s.value === '1' ? '1' : '0';
          if (current !== undefined && (current ? '1' : '0') !== value) {
            plan.steps.push({ op: { type: 'sysctl.set', ns: '', key: FORWARDING_KEY, value }, undo: [{ type: 'sysctl.set', ns: '', key: FORWARDING_KEY, value: current ? '1' : '0' }], change: plan.changes.length });
            plan.changes.push({ action: 'update', resource: 'forwarding', address: 'forwarding (this machine)', ns: '', details: [`restore ${FORWARDING_KEY} to ${value}`] });
            plan.summary.change += 1;
          }
        }
      }
      const res = await this.run(row, 'destroy', planView(plan, observed), observed);
      if (res.ok) for (const s of restores) this.store.forgetSysctl(name, s.key);
      return res;
    }
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
    const applyId = this.store.beginApply(name, kind, kind === 'apply' ? row.rev : null);
    const phase = kind === 'apply' ? 'apply' : 'destroy';
    this.setState(name, 'applying');
    let rollingBack = false;
    let result: RunResult;
    try {
      result = await runSteps(plan.steps, {
        beforeStep: async (step, index) => {
          this.store.journal(applyId, name, index, step.op);
          if (stepDelayMs > 0) await new Promise((r) => setTimeout(r, stepDelayMs));
        },
        onCommand: this.commandSink(name, () => (rollingBack ? 'rollback' : phase)),
        onStep: (p) => {
          if (p.status === 'failed') rollingBack = true;
          this.events.emit('progress', { lab: name, step: p.step, total: plan.steps.length, change: plan.steps[p.step]?.change ?? -1, status: p.status, ...(p.message ? { message: p.message } : {}) });
        },
      });
    } catch (e) {
      // The rollback may be incomplete: the apply stays unfinished, so recovery finishes the marks.
      this.store.markUnresolved(applyId, String(e));
      this.setState(name, 'failed');
      throw e;
    }
    if (result.ok) {
      this.store.finishApply(applyId, 'done');
      if (kind === 'apply') this.setState(name, 'applied', row.rev);
      else this.setState(name, 'not-applied', null);
    } else {
      if (result.rolledBack) this.store.finishApply(applyId, 'failed', result.message);
      else this.store.markUnresolved(applyId, result.message);
      this.setState(name, kind === 'apply' && row.appliedRev !== null ? 'drifted' : 'failed');
    }
    this.pushLive(name);
    return {
      ok: result.ok,
      plan,
      rev: row.rev,
      ...(result.ok ? {} : { error: { object: result.object, message: result.message, rolledBack: result.rolledBack } }),
    };
  }

  async live(name: string): Promise<LiveState> {
    const row = this.row(name);
    const { compiled, observed, plan } = await this.computePlan(row, row.topology);
    const drift = nodeDrift(row.topology, compiled, observed);
    const nodes: Record<string, LiveNode> = {};
    for (const [id, ns] of Object.entries(compiled.nodeNs)) {
      const o = observed.namespaces[ns];
      const isBridge = row.topology.nodes.some((n) => n.id === id && n.kind === 'bridge');
      nodes[id] = { id, ns, exists: !!o && (!isBridge || !!o.links[id]), drift: drift[id] ?? [] };
    }
    // A lab that was applied and no longer matches has drifted; reflect that in its state.
    if (row.appliedRev !== null && !this.store.locks.holder(name)) {
      const inSync = plan.steps.length === 0;
      const state = inSync ? 'applied' : 'drifted';
      if (row.state !== state && (row.state === 'applied' || row.state === 'drifted')) this.setState(name, state);
    }
    return { lab: name, at: new Date().toISOString(), observed, plan, nodes };
  }

  watch(name: string): () => void {
    let w = this.watchers.get(name);
    if (!w) {
      const row = this.row(name);
      const scope = () => {
        const r = this.store.getLab(name) ?? row;
        return Object.keys(compile(r.topology, { hostNetns: r.hostNetns }).desired.namespaces);
      };
      const k = watchKernel(scope, () => this.pushLive(name));
      w = { count: 0, close: k.close, refresh: k.refresh };
      this.watchers.set(name, w);
    }
    w.count += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const cur = this.watchers.get(name);
      if (cur && --cur.count === 0) {
        this.watchers.delete(name);
        void cur.close();
      }
    };
  }

  // --- helpers -----------------------------------------------------------------------------

  private liveTimers = new Map<string, NodeJS.Timeout>();

  /** Emits fresh live state soon (coalescing bursts of kernel events). */
  private pushLive(name: string): void {
    this.watchers.get(name)?.refresh();
    // Nobody listening (the CLI): no need to read the kernel again.
    if (this.liveTimers.has(name) || this.events.listenerCount('live') === 0) return;
    this.liveTimers.set(
      name,
      setTimeout(() => {
        this.liveTimers.delete(name);
        if (!this.store.getLab(name)) return;
        this.live(name).then(
          (l) => this.events.emit('live', l),
          () => undefined,
        );
      }, 50),
    );
  }

  private commandSink(lab: string, phase: () => CommandLogEntry['phase']): CommandSink {
    return (e) => {
      const entry = this.store.addCommand({ lab, at: new Date().toISOString(), argv: e.argv, ...(e.stdin ? { stdin: e.stdin } : {}), exitCode: e.exitCode, stderr: e.stderr, durationMs: e.durationMs, phase: phase() });
      this.storeWatch?.own.add(entry.seq);
      this.events.emit('command', entry);
    };
  }

  private row(name: string): LabRow {
    const row = this.store.getLab(name);
    if (!row) throw new NslabError('not_found', `no lab named "${name}" (see \`nslab status\` for the labs there are)`);
    return row;
  }

  private setState(name: string, state: LabRow['state'], appliedRev?: number | null): void {
    this.store.setState(name, state, appliedRev);
    const row = this.store.getLab(name);
    if (row) this.emitChanged(row);
  }

  /** Emits a lab's new summary, and remembers it so the store watch does not emit it again. */
  private emitChanged(row: LabRow): void {
    this.storeWatch?.labs.set(row.name, `${row.rev}/${row.appliedRev}/${row.state}/${row.hostNetns}`);
    this.events.emit('changed', summary(row));
  }

  /** An isolated host belongs to one lab. */
  private checkHostFree(lab: string, hostNetns: string): void {
    if (!hostNetns) return;
    const other = this.store.listLabs().find((l) => l.name !== lab && l.hostNetns === hostNetns);
    if (other) throw new NslabError('invalid', `host.netns: namespace "${hostNetns}" is already the host of lab "${other.name}"; choose another name`);
  }

  /**
   * Runs a writer under the lab's lock (ALL_LABS: every lab's), shared with every other nslab
   * process; a crashed apply of the lab is recovered first. Busy: the holder's pid and what it does.
   */
  async withLock<T>(scope: string, kind: LockKind, fn: () => Promise<T>): Promise<T> {
    const got = this.store.locks.acquire(scope, kind);
    if (!got.ok) throw new NslabError('busy', busyMessage(got.holder));
    try {
      if (scope !== ALL_LABS) await this.recover(scope);
      return await fn();
    } finally {
      this.store.locks.release(scope);
    }
  }
}

/** Refuses a plan with foreign objects in the way, or one that takes objects over unconfirmed. */
function refuse(kind: 'apply' | 'destroy', name: string, plan: PlanView, adopt: boolean | undefined): void {
  if (plan.conflicts.length) {
    const list = plan.conflicts.map((c) => `- ${c.message}`).join('\n');
    throw new NslabError('conflict', `cannot ${kind} lab "${name}": objects that are not this lab's are in the way:\n${list}`, plan.conflicts);
  }
  if (plan.takeovers.length && !adopt) {
    throw new NslabError('confirm', `lab "${name}" would take over ${plan.takeovers.length} object(s) that nslab did not make: ${plan.takeovers.join(', ')}; confirm that nslab may adopt them (nslab apply --adopt, or the confirmation in the dashboard's Apply dialog)`, plan.takeovers);
  }
}

function withHost(t: Topology, hostNetns: string): Topology {
  return { ...t, host: { ...(t.host ?? {}), netns: hostNetns } };
}

function summary(row: LabRow): LabSummary {
  return {
    name: row.name,
    ...(row.topology.description ? { description: row.topology.description } : {}),
    hostNetns: row.hostNetns,
    state: row.state,
    rev: row.rev,
    appliedRev: row.appliedRev,
    updatedAt: row.updatedAt,
    nodes: row.topology.nodes.length,
    links: row.topology.links.length,
  };
}
