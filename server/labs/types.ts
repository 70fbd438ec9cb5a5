// The labs service: the one facade the CLI and the socket gateway call.
import type { EventEmitter } from 'node:events';
import type { ApplyProgress, ApplyResult, CommandLogEntry, LabRecord, LabSummary, LessonProgress, LiveState, PlanView } from '@/lib/labs-types';
import type { Topology } from '@/lib/topology';

// the wire types live in lib (the browser uses them too); the server's code keeps importing them from here
export type {
  ApplyProgress,
  ApplyResult,
  CommandLogEntry,
  LabRecord,
  LabState,
  LabSummary,
  LiveNode,
  LiveState,
  LessonProgress,
  PlanView,
} from '@/lib/labs-types';

export interface LabsEvents {
  command: [CommandLogEntry];
  progress: [ApplyProgress];
  /** a lab was created, saved, applied, destroyed or deleted */
  changed: [LabSummary | { name: string; deleted: true }];
  /** fresh kernel truth for a lab (after an apply, or a kernel change seen by the monitor) */
  live: [LiveState];
  /** a new revision of a lab was saved by another process (the CLI, another server) */
  saved: [LabRecord];
  /** a lab's lesson progress was written (a step run or checked) */
  lesson: [LessonProgress];
}

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

export interface LabsService {
  readonly events: EventEmitter<LabsEvents>;
  list(): LabSummary[];
  get(name: string): LabRecord;
  /** hostNetns: where the lab's host side lives ('' = this machine); default: topology.host.netns */
  create(topology: Topology, opts?: { hostNetns?: string }): LabRecord;
  /** saves a new revision; throws version_mismatch when expectedRev is stale */
  save(topology: Topology, expectedRev: number): LabRecord;
  /** deletes the lab's record; destroys its kernel objects first */
  remove(name: string): Promise<void>;
  /** the plan from the kernel's current state to this topology (default: the saved one), or (destroy) to none of the lab */
  plan(name: string, topology?: Topology, opts?: { destroy?: boolean }): Promise<PlanView>;
  /**
   * Applies the saved topology. expectedRev: refuse (version_mismatch) if the lab was saved since;
   * fingerprint: refuse if the plan differs from the one the user previewed (Plan.fingerprint);
   * adopt: the user confirmed the plan's takeovers. Busy (another process holds the lab's lock).
   */
  apply(name: string, opts?: ApplyOptions): Promise<ApplyResult>;
  destroy(name: string): Promise<ApplyResult>;
  live(name: string): Promise<LiveState>;
  /** watches the kernel for this lab and emits 'live' on every change; returns the unsubscribe */
  watch(name: string): () => void;
  /** recent commands run for this lab, oldest first */
  commandLog(name: string, limit?: number): CommandLogEntry[];
  /** the lab's progress through a lesson (null: none), kept with the lab */
  lessonProgress(name: string): LessonProgress | null;
  setLessonProgress(progress: Omit<LessonProgress, 'updatedAt'>): LessonProgress;

  // The CLI's and the server's own needs:
  /** the plan for a topology file, saving nothing (the lab may not exist yet) */
  planTopology(topology: Topology, opts?: { hostNetns?: string }): Promise<PlanView>;
  /** `nslab apply FILE`: plan (shown by onPlan), refuse or save, apply, all under the lab's lock */
  applyTopology(topology: Topology, opts?: Omit<ApplyOptions, 'expectedRev' | 'fingerprint'> & { hostNetns?: string; onPlan?: (plan: PlanView) => void }): Promise<ApplyResult>;
  /** replaces a lab whose stored topology is broken by this one; true when it did */
  replaceBroken(topology: Topology): boolean;
  /** `nslab clean`: what it removed, one line each */
  clean(): Promise<string[]>;
  /** finishes what crashed applies left (the server at start, the CLI before status) */
  recoverAll(): Promise<string[]>;
  /** emits what other processes write to the shared store (the server) */
  watchStore(intervalMs?: number): void;
  close(): Promise<void>;
}
