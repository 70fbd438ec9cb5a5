// The live hub: kernel watchers for the labs someone has open, and the live state derived from
// what the kernel has (nodes, drift) that is streamed to them. Reading is pure: what a reading
// means for a lab's state (applied or drifted) is decided by the caller (`onRead`).
import type { EventEmitter } from 'node:events';
import type { Compiled } from '@/lib/compile';
import { compile } from '@/lib/compile';
import { nodeDrift } from '@/lib/drift';
import type { KernelState } from '@/lib/kernel-state';
import type { Topology } from '@/lib/topology';
import { watchKernel } from '@/server/kernel/monitor';
import type { LabRow } from '@/server/store/store';
import type { LabRepository } from './repository';
import type { LabsEvents, LiveNode, LiveState, PlanView } from './types';

export interface Reading {
  compiled: Compiled;
  observed: KernelState;
  plan: PlanView;
}

export interface LiveHubDeps {
  repo: LabRepository;
  events: EventEmitter<LabsEvents>;
  /** the kernel as it is for this lab, and the plan to its saved topology */
  read: (row: LabRow, topology: Topology) => Promise<Reading>;
  /** told of each reading pushed to the watchers */
  onRead: (name: string, reading: Reading) => void;
}

interface Watcher {
  count: number;
  close: () => Promise<void>;
  refresh: () => void;
}

/** Bursts of kernel events within this many ms become one reading. */
const COALESCE_MS = 50;

export class LiveHub {
  private readonly watchers = new Map<string, Watcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: LiveHubDeps) {}

  /** A fresh reading of the lab, as live state. */
  async live(name: string): Promise<LiveState> {
    return (await this.read(name)).live;
  }

  async read(name: string): Promise<{ live: LiveState; reading: Reading }> {
    const row = this.deps.repo.row(name);
    const reading = await this.deps.read(row, row.topology);
    return { live: liveState(row, reading), reading };
  }

  /** Watches the kernel for this lab and pushes live state on every change; returns the unsubscribe. */
  watch(name: string): () => void {
    let w = this.watchers.get(name);
    if (!w) {
      const first = this.deps.repo.row(name);
      const scope = () => {
        const r = this.deps.repo.store.getLab(name) ?? first;
        return Object.keys(compile(r.topology, { hostNetns: r.hostNetns }).desired.namespaces);
      };
      const k = watchKernel(scope, () => this.push(name));
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

  /** Reads the lab again soon and emits its live state (coalescing bursts of kernel events). */
  push(name: string): void {
    this.watchers.get(name)?.refresh();
    // Nobody listening (the CLI): no need to read the kernel again.
    if (this.timers.has(name) || this.deps.events.listenerCount('live') === 0) return;
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        if (!this.deps.repo.store.getLab(name)) return;
        this.read(name).then(
          ({ live, reading }) => {
            this.deps.onRead(name, reading);
            this.deps.events.emit('live', live);
          },
          (e: unknown) => console.error(`nslab: reading lab ${name} failed: ${e instanceof Error ? e.message : String(e)}`),
        );
      }, COALESCE_MS),
    );
  }

  async close(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const closing = [...this.watchers.values()].map((w) => w.close());
    this.watchers.clear();
    await Promise.all(closing);
  }
}

/** What the dashboard draws for each node: its namespace, whether it exists, its drift. */
function liveState(row: LabRow, { compiled, observed, plan }: Reading): LiveState {
  const drift = nodeDrift(row.topology, compiled, observed, plan);
  const bridges = new Set(row.topology.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id));
  const nodes: Record<string, LiveNode> = {};
  for (const [id, ns] of Object.entries(compiled.nodeNs)) {
    const o = observed.namespaces[ns];
    nodes[id] = { id, ns, exists: !!o && (!bridges.has(id) || !!o.links[id]), drift: drift[id] ?? [] };
  }
  return { lab: row.name, at: new Date().toISOString(), observed, plan, nodes };
}
