// The labs service: the one facade behind the CLI and the socket gateway, composed of four parts
// with one job each: the repository (lab records and the host policy), the reconciler (plan,
// apply, destroy, delete, clean, recovery, under the lab's lock), the live hub (kernel watchers
// and live state) and the store sync (changes made by other processes).
import { EventEmitter } from 'node:events';
import type { Topology } from '@/lib/topology';
import type { CommandSink } from '@/server/kernel/exec';
import { Store } from '@/server/store/store';
import { LiveHub } from './live-hub';
import { Reconciler } from './reconciler';
import { LabRepository } from './repository';
import { StoreSync } from './store-sync';
import type { ApplyOptions, ApplyResult, CommandLogEntry, LabRecord, LabsEvents, LabsService, LabSummary, LessonProgress, LiveState, PlanView } from './types';

export type { ApplyOptions } from './types';

export interface LabsServiceOptions {
  /** the state folder (NSLAB_HOME) */
  home?: string;
}

export function createLabsService(opts: LabsServiceOptions = {}): LabsService {
  return new Labs(new Store(opts.home));
}

/** Commands logged within this long of each other are written together. */
const COMMAND_LOG_EVERY_MS = 50;

export class Labs implements LabsService {
  readonly events = new EventEmitter<LabsEvents>();
  private readonly sync: StoreSync;
  private readonly repo: LabRepository;
  private readonly reconciler: Reconciler;
  private readonly hub: LiveHub;
  /** commands logged, not yet written (see flushCommands; COMMAND_LOG_EVERY_MS) */
  private unlogged: Omit<CommandLogEntry, 'seq'>[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly store: Store) {
    this.events.setMaxListeners(0);
    this.sync = new StoreSync(store, this.events);
    this.repo = new LabRepository(store, this.events, this.sync);
    this.hub = new LiveHub({
      repo: this.repo,
      events: this.events,
      read: (row, topology) => this.reconciler.read(row, topology),
      compile: (row, topology) => this.reconciler.compileFor(row, topology),
      scope: (row, compiled) => this.reconciler.scopeOf(row, row.name, compiled.desired, compiled.hostNs),
      planFrom: (row, compiled, observed) => this.reconciler.planFrom(row, compiled, observed),
      onRead: (name, reading) => this.reconciler.settle(name, reading),
    });
    this.reconciler = new Reconciler({ repo: this.repo, events: this.events, sink: (lab, phase) => this.sink(lab, phase), flush: () => this.flushCommands(), changed: (lab, touched) => this.hub.push(lab, touched ? { touched } : {}) });
  }

  /** Emits what other processes (the CLI) write to the store, as if it happened here (the server calls this). */
  watchStore(intervalMs = 500): void {
    this.sync.start(intervalMs);
  }

  async close(): Promise<void> {
    this.flushCommands();
    this.sync.stop();
    await this.hub.close();
    this.store.close();
  }

  // --- records -----------------------------------------------------------------------------

  list(): LabSummary[] {
    return this.repo.list();
  }

  get(name: string): LabRecord {
    return this.repo.get(name);
  }

  create(topology: Topology, opts: { hostNetns?: string } = {}): LabRecord {
    return this.repo.create(topology, opts);
  }

  save(topology: Topology, expectedRev: number): LabRecord {
    return this.repo.save(topology, expectedRev);
  }

  /** Replaces a lab whose stored topology is broken by this one; true when it did. */
  replaceBroken(topology: Topology): boolean {
    return this.repo.replaceBroken(topology);
  }

  remove(name: string): Promise<void> {
    return this.reconciler.remove(name);
  }

  commandLog(name: string, limit = 500): CommandLogEntry[] {
    this.flushCommands(); // what this process logged a moment ago is part of the answer
    return this.store.commands(name, limit);
  }

  lessonProgress(name: string): LessonProgress | null {
    return this.store.lessonProgress(name);
  }

  setLessonProgress(progress: Omit<LessonProgress, 'updatedAt'>): LessonProgress {
    this.repo.row(progress.lab);
    const saved = this.store.setLessonProgress(progress);
    this.events.emit('lesson', saved);
    return saved;
  }

  // --- the kernel --------------------------------------------------------------------------

  /** The plan to the saved topology comes from the live hub's cache (brought up to date) when the lab is watched. */
  async plan(name: string, topology?: Topology, opts: { destroy?: boolean } = {}): Promise<PlanView> {
    if (!topology && !opts.destroy) {
      const cached = await this.hub.cachedPlan(name);
      if (cached) return cached;
    }
    return this.reconciler.plan(name, { ...(topology ? { topology } : {}), ...opts });
  }

  planTopology(topology: Topology, opts: { hostNetns?: string } = {}): Promise<PlanView> {
    return this.reconciler.planTopology(topology, opts);
  }

  apply(name: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return this.reconciler.apply(name, opts);
  }

  applyTopology(topology: Topology, opts: Parameters<LabsService['applyTopology']>[1] = {}): Promise<ApplyResult> {
    return this.reconciler.applyTopology(topology, opts);
  }

  destroy(name: string): Promise<ApplyResult> {
    return this.reconciler.destroy(name);
  }

  clean(): Promise<string[]> {
    return this.reconciler.clean();
  }

  recoverAll(): Promise<string[]> {
    return this.reconciler.recoverAll();
  }

  /** Reads the kernel for the lab; an applied lab's state follows what the reading shows. */
  async live(name: string): Promise<LiveState> {
    const { live, reading } = await this.hub.read(name);
    this.reconciler.settle(name, reading);
    return live;
  }

  watch(name: string): () => void {
    return this.hub.watch(name);
  }

  /** Logs a command run for a lab, and tells every listener. */
  private sink(lab: string, phase: () => CommandLogEntry['phase']): CommandSink {
    return (e) => {
      this.unlogged.push({ lab, at: new Date().toISOString(), argv: e.argv, ...(e.stdin ? { stdin: e.stdin } : {}), exitCode: e.exitCode, stderr: e.stderr, durationMs: e.durationMs, phase: phase() });
      // a timer, not an immediate: the next round's processes (started from immediates) start
      // before this write, which then runs while they work; and the batches of a round, which
      // now report as each ends, share a write (a commit each was more work than theirs)
      if (this.unlogged.length === 1) this.flushTimer = setTimeout(() => this.flushCommands(), COMMAND_LOG_EVERY_MS);
    };
  }

  /**
   * Writes the commands logged since the last write, in one transaction, and tells every
   * listener. Commands reported in one turn of the event loop (a batch's lines, a round's
   * batches) share a commit: one per command cost more than the kernel work of a large apply.
   * The reconciler calls it when an operation ends, so nothing waits past it.
   */
  private flushCommands(): void {
    // a write made sooner leaves no timer behind: the CLI's process ends as soon as it closes
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const list = this.unlogged;
    if (list.length === 0) return;
    this.unlogged = [];
    for (const entry of this.store.addCommands(list)) {
      this.sync.ownCommand(entry.seq);
      this.events.emit('command', entry);
    }
  }
}
