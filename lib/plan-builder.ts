// The planner's accumulator: changes, their steps tagged with a phase, and conflicts.
// Steps are ordered by phase when the plan is built, so each part of the planner can emit the
// steps of one change together (its deletion half and its creation half) and still get a
// plan where deletions come first, dependents before dependencies, and creations after.
import type { KRoute } from './kernel-state';
import type { Action, Change, Conflict, Op, Plan, PlanStep, ResourceKind } from './ops';

/** Phases in the order they run. */
export const Phase = {
  // Deletions: dependents first.
  deleteNat: 0,
  deleteRoute: 1,
  /** a port leaves its bridge before that bridge may be deleted (its undo must find the bridge) */
  releasePort: 2,
  deleteVeth: 3,
  deleteBridge: 4,
  deleteNamespace: 5,
  // Creations: dependencies first.
  namespace: 6,
  bridge: 7,
  veth: 8,
  linkUpdate: 9,
  /**
   * a bridge this plan makes comes up once its ports' far ends are up (server/kernel/schedule.ts
   * waits for them): its ports forward nothing while it is down, so the IPv6 reports each
   * interface sends as it comes up stop at its own port instead of reaching every port up before
   * it (200 ports: 20,000 deliveries, half of the round of the namespaces' own lines)
   */
  bridgeUp: 10,
  route: 11,
  forwarding: 12,
  nat: 13,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

interface PendingStep {
  op: Op;
  undo: Op[];
  change: number;
  phase: Phase;
  seq: number;
}

export class PlanBuilder {
  private readonly changes: Change[] = [];
  private readonly pending: PendingStep[] = [];
  readonly conflicts: Conflict[] = [];

  constructor(readonly lab: string) {}

  change(action: Action, resource: ResourceKind, address: string, ns: string, details: string[] = []): number {
    this.changes.push({ action, resource, address, ns, details });
    return this.changes.length - 1;
  }

  actionOf(change: number): Action | undefined {
    return this.changes[change]?.action;
  }

  /** Adds a line to a change's details. */
  detail(change: number, line: string): void {
    this.changes[change]?.details.push(line);
  }

  step(change: number, phase: Phase, op: Op, undo: Op[]): void {
    this.pending.push({ op, undo, change, phase, seq: this.pending.length });
  }

  conflict(ns: string, object: string, message: string): void {
    if (!this.conflicts.some((c) => c.ns === ns && c.object === object)) this.conflicts.push({ ns, object, message });
  }

  /** Orders steps by phase (stable), then changes by their first step, and counts like Terraform. */
  build(): Plan {
    const ordered = [...this.pending].sort((a, b) => a.phase - b.phase || a.seq - b.seq);
    const firstStep = new Map<number, number>();
    ordered.forEach((s, i) => {
      if (!firstStep.has(s.change)) firstStep.set(s.change, i);
    });
    const kept = [...firstStep.keys()].sort((a, b) => firstStep.get(a)! - firstStep.get(b)!);
    const renumber = new Map(kept.map((old, i) => [old, i]));
    const changes = kept.map((i) => this.changes[i]!);
    const steps: PlanStep[] = ordered.map((s) => ({ op: s.op, undo: s.undo, change: renumber.get(s.change)! }));
    const count = (a: Action) => changes.filter((c) => c.action === a).length;
    const replaces = count('replace');
    return {
      lab: this.lab,
      changes,
      steps,
      summary: { add: count('create') + replaces, change: count('update'), destroy: count('delete') + replaces },
      conflicts: [...this.conflicts].sort((a, b) => cmp(a.ns, b.ns) || cmp(a.object, b.object)),
    };
  }
}

/** Code-point order, so plans do not depend on the locale. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).sort(cmp);
}

// ---------------------------------------------------------------------------------------------
// Readable names for plan lines.

/** `(in H)`, or `(this machine)` for the machine's own namespace. */
export function inNs(ns: string): string {
  return ns ? `(in ${ns})` : '(this machine)';
}

/** `seed-A/eth0`, or `(this machine)/veth-A`. */
export function endName(ns: string, name: string): string {
  return `${ns || '(this machine)'}/${name}`;
}

export function routeText(r: KRoute): string {
  return [r.dst, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`].filter(Boolean).join(' ');
}

export function listText(items: string[]): string {
  return items.length ? items.join(', ') : '(none)';
}

/** `namespace seed-A`, `this machine's own namespace`, `the host namespace H`. */
export function nsPhrase(ns: string, hostNs: ReadonlySet<string>): string {
  if (!ns) return "this machine's own namespace";
  return hostNs.has(ns) ? `the host namespace ${ns}` : `namespace ${ns}`;
}
