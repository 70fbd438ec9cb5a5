// The labs service: the one facade the CLI and the socket gateway call.
import type { EventEmitter } from 'node:events';
import type { KernelState } from '@/lib/kernel-state';
import type { Plan } from '@/lib/ops';
import type { Topology } from '@/lib/topology';

export type LabState = 'not-applied' | 'applied' | 'drifted' | 'applying' | 'failed';

export interface LabSummary {
  name: string;
  description?: string;
  /** '' = this machine's own namespace; else the isolated host namespace */
  hostNetns: string;
  state: LabState;
  rev: number;
  appliedRev: number | null;
  updatedAt: string;
  nodes: number;
  links: number;
}

export interface LabRecord extends LabSummary {
  topology: Topology;
}

/** One kernel command the server ran, as a student could type it. */
export interface CommandLogEntry {
  lab: string;
  seq: number;
  at: string;
  argv: string[];
  stdin?: string;
  exitCode: number;
  /** kernel's message on failure */
  stderr: string;
  durationMs: number;
  phase: 'apply' | 'rollback' | 'destroy' | 'clean' | 'exec';
}

export interface ApplyProgress {
  lab: string;
  /** index into plan.steps */
  step: number;
  total: number;
  /** index into plan.changes */
  change: number;
  status: 'running' | 'done' | 'failed' | 'undone';
  message?: string;
}

export interface ApplyResult {
  ok: boolean;
  plan: PlanView;
  rev: number;
  /** on failure: what failed, with the kernel's message; the kernel was rolled back */
  error?: { object: string; message: string; rolledBack: boolean };
}

/** What the dashboard draws: the kernel's truth for each node of the lab. */
export interface LiveNode {
  id: string;
  /** the kernel namespace ('' = this machine's own) */
  ns: string;
  exists: boolean;
  /** drift lines for this node (empty = matches the topology) */
  drift: string[];
}

export interface PlanView extends Plan {
  /** identifies this exact plan: pass it to apply to run exactly what was previewed */
  fingerprint: string;
  /** the plan rendered Terraform-style */
  text: string;
}

export interface LiveState {
  lab: string;
  at: string;
  observed: KernelState;
  /** the plan from observed to the lab's saved topology (empty when in sync) */
  plan: PlanView;
  nodes: Record<string, LiveNode>;
}

export interface LabsEvents {
  command: [CommandLogEntry];
  progress: [ApplyProgress];
  /** a lab was created, saved, applied, destroyed or deleted */
  changed: [LabSummary | { name: string; deleted: true }];
  /** fresh kernel truth for a lab (after an apply, or a kernel change seen by the monitor) */
  live: [LiveState];
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
  /** the plan from the kernel's current state to this topology (default: the saved one) */
  plan(name: string, topology?: Topology): Promise<PlanView>;
  /**
   * Applies the saved topology. expectedRev: refuse (version_mismatch) if the lab was saved since;
   * fingerprint: refuse if the plan differs from the one the user previewed (Plan.fingerprint).
   */
  apply(name: string, opts?: { expectedRev?: number; fingerprint?: string; stepDelayMs?: number }): Promise<ApplyResult>;
  destroy(name: string): Promise<ApplyResult>;
  live(name: string): Promise<LiveState>;
  /** watches the kernel for this lab and emits 'live' on every change; returns the unsubscribe */
  watch(name: string): () => void;
  /** recent commands run for this lab, oldest first */
  commandLog(name: string, limit?: number): CommandLogEntry[];
}
