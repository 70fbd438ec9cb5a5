// The labs' wire types: what the server sends the dashboard and the CLI (lab summaries and
// records, the command log, apply progress and results, the live kernel state). Plain types,
// shared by lib/protocol.ts and the server's labs service (server/labs/types.ts re-exports them).
import type { KernelState } from './kernel-state';
import type { Plan } from './ops';
import type { Topology } from './topology';

/** 'broken': its saved topology does not pass validation (it is listed, and cannot be opened) */
export type LabState = 'not-applied' | 'applied' | 'drifted' | 'applying' | 'failed' | 'broken';

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
  phase: 'apply' | 'rollback' | 'destroy' | 'clean' | 'recover' | 'exec';
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
  /** objects nslab did not make that this plan takes over (an `adopt: true` lab): applying needs the user's confirmation */
  takeovers: string[];
  /** services to start (`+ service A: cmd`) or stop (`- service …`) after the kernel changes (lib/services.ts) */
  services?: string[];
}

export interface LiveState {
  lab: string;
  at: string;
  observed: KernelState;
  /** the plan from observed to the lab's saved topology (empty when in sync) */
  plan: PlanView;
  nodes: Record<string, LiveNode>;
}

/** A lab walked through a lesson: the step it is at (0 = the start) and the steps whose checks all passed when last run. */
export interface LessonProgress {
  lab: string;
  lesson: string;
  step: number;
  passed: number[];
  updatedAt: string;
}
