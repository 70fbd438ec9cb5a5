// What every part of the planner shares: the two states, each namespace's status, and which
// links this plan takes away (routes through them vanish with them, so they are re-planned).
import type { KernelState, KNamespace } from './kernel-state';
import { HOST_ID } from './topology';
import { markLab, netnsMark } from './names';
import { PlanBuilder, sortedKeys } from './plan-builder';

/**
 * create: ours to make; keep: ours, exists; delete: ours, not wanted;
 * shared: not ours to own (the machine's own, or foreign) but may hold our links, routes, NAT;
 * conflict: wanted, but a namespace of that name exists and is not ours.
 */
export type NsStatus = 'create' | 'keep' | 'delete' | 'shared' | 'conflict';

export interface NsView {
  name: string;
  status: NsStatus;
  want: KNamespace | undefined;
  have: KNamespace | undefined;
}

export class PlanContext {
  readonly builder: PlanBuilder;
  readonly views = new Map<string, NsView>();
  /** host contexts ('' always): for readable messages and for creating veths from the host side */
  readonly hostNs = new Set<string>();
  /** `ns/name` of links this plan deletes (a veth's peer included) */
  readonly deleted = new Set<string>();
  /** `ns/name` of links whose routes the kernel drops during this plan (deleted, down, last address gone) */
  /** links whose routes the kernel drops (re-created, down, or losing their last address), with the change that does it */
  readonly disrupted = new Map<string, number>();
  /** `ns/name` of ports that leave their bridge in the deletion phase */
  readonly released = new Set<string>();

  constructor(
    readonly lab: string,
    readonly desired: KernelState,
    readonly observed: KernelState,
  ) {
    this.builder = new PlanBuilder(lab);
    const hostMark = netnsMark(lab, HOST_ID);
    for (const k of [...Object.values(desired.namespaces), ...Object.values(observed.namespaces)]) {
      if (k.mark === hostMark) this.hostNs.add(k.name);
    }
    const names = new Set([...sortedKeys(desired.namespaces), ...sortedKeys(observed.namespaces)]);
    for (const name of [...names].sort()) {
      const want = desired.namespaces[name];
      const have = observed.namespaces[name];
      this.views.set(name, { name, want, have, status: this.statusOf(want, have) });
    }
  }

  ours(mark: string | null | undefined): boolean {
    return markLab(mark) === this.lab;
  }

  isHostNs(ns: string): boolean {
    return ns === '' || this.hostNs.has(ns);
  }

  /** A link goes away: routes through it go with it. */
  gone(key: string, change: number): void {
    this.deleted.add(key);
    this.disrupted.set(key, change);
  }

  private statusOf(want: KNamespace | undefined, have: KNamespace | undefined): NsStatus {
    const ours = !!have && this.ours(have.mark);
    // An adopted lab takes over a namespace nobody marked (made by hand); another lab's stays a conflict.
    const adoptable = !!want?.adopt && !!have && markLab(have.mark) === null;
    if (want?.owned) return !have ? 'create' : ours || adoptable ? 'keep' : 'conflict';
    if (want) return 'shared';
    return ours && have?.name !== '' ? 'delete' : 'shared';
  }
}
