// The live hub: kernel watchers for the labs someone has open, and the live state derived from
// what the kernel has (nodes, drift) that is streamed to them. Reading is pure: what a reading
// means for a lab's state (applied or drifted) is decided by the caller (`onRead`).
//
// Each watched lab keeps what the kernel has (its observed state) in a cache: the first reading
// fills it; a kernel event in namespace X (the server's one `ip monitor`, or an nft change where
// the lab has NAT: ./nft-watch.ts) marks only X dirty; the next reading reads only the dirty
// namespaces again (and those that appeared in or vanished from /run/netns, or entered the
// lab's scope) and plans from the cache. A plan asked for while the lab is watched is computed
// from the cache (brought up to date first: only what changed is read, nothing when it is
// clean); an apply never uses it (it reads the
// kernel afresh under the lab's lock), and the namespaces an apply touched are read again after.
import type { EventEmitter } from 'node:events';
import { appendFileSync } from 'node:fs';
import type { Compiled } from '@/lib/compile';
import { nodeDrift } from '@/lib/drift';
import type { KernelState } from '@/lib/kernel-state';
import type { Topology } from '@/lib/topology';
import { watchKernel, type KernelWatch } from '@/server/kernel/monitor';
import { listNetns, observe } from '@/server/kernel/observer';
import { pairVeths } from '@/server/kernel/read';
import type { LabRow } from '@/server/store/store';
import { watchNft, type NftWatch } from './nft-watch';
import type { LabRepository } from './repository';
import type { LabsEvents, LiveNode, LiveState, PlanView } from './types';

export interface Reading {
  compiled: Compiled;
  observed: KernelState;
  plan: PlanView;
}

export interface LabScope {
  /** every namespace the lab has or may have left behind ('' = this machine's own) */
  namespaces: string[];
  /** where its NAT table may be */
  natIn: string[];
}

export interface LiveHubDeps {
  repo: LabRepository;
  events: EventEmitter<LabsEvents>;
  /** the kernel as it is for this lab, and the plan to its saved topology (a fresh read) */
  read: (row: LabRow, topology: Topology) => Promise<Reading>;
  /** the lab compiled for this topology, as the reconciler does */
  compile: (row: LabRow, topology: Topology) => Compiled;
  /** what a reading of the lab reads */
  scope: (row: LabRow, compiled: Compiled) => Promise<LabScope>;
  /** the plan from an observed state */
  planFrom: (row: LabRow, compiled: Compiled, observed: KernelState) => Reading;
  /** told of each reading pushed to the watchers */
  onRead: (name: string, reading: Reading) => void;
}

/** The observed state of one watched lab, kept current by kernel events. */
interface Cache {
  observed: KernelState | null;
  /** the namespaces (and NAT places) the cache holds a reading of */
  scope: Set<string>;
  natIn: Set<string>;
  /** namespaces to read again */
  dirty: Set<string>;
  /** everything must be read again (a restart of the monitor, a lab saved under another host) */
  all: boolean;
  /** the readings in flight: at most two, one of them of big namespaces only (see `update`) */
  readings: Map<Promise<Reading>, { bigOnly: boolean }>;
  /** readings are numbered as they start; a namespace keeps the result of the newest one */
  seq: number;
  merged: Map<string, number>;
  /** the compiled saved topology, by revision */
  compiled: { key: string; value: Compiled; filtersVlans: boolean } | null;
  /** the namespaces the monitor watches (the compiled lab's and the last scope) */
  watched: string[];
}

interface Watcher {
  count: number;
  kernel: KernelWatch;
  nft: NftWatch;
  cache: Cache;
}

/** NSLAB_TRACE_LIVE=FILE: one line per reading of a watched lab (what was read, how long it took) */
const TRACE = process.env.NSLAB_TRACE_LIVE;

/** A namespace with more links than this is read after the small ones that changed with it. */
const BIG_NAMESPACE_LINKS = 64;

/** Whether the cache holds namespace `ns` with more links than that. */
const isBig = (c: Cache, ns: string) => Object.keys(c.observed?.namespaces[ns]?.links ?? {}).length > BIG_NAMESPACE_LINKS;

/** Bursts of kernel events within this many ms become one reading. */
const COALESCE_MS = 25;

export class LiveHub {
  private readonly watchers = new Map<string, Watcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: LiveHubDeps) {}

  /** The lab's live state: from the cache (brought up to date) when the lab is watched, else a fresh reading. */
  async live(name: string): Promise<LiveState> {
    return (await this.read(name)).live;
  }

  async read(name: string, beside = false): Promise<{ live: LiveState; reading: Reading }> {
    const w = this.watchers.get(name);
    if (w) {
      const reading = await this.update(name, w, beside);
      return { live: liveState(this.deps.repo.row(name), reading), reading };
    }
    const row = this.deps.repo.row(name);
    const reading = await this.deps.read(row, row.topology);
    return { live: liveState(row, reading), reading };
  }

  /**
   * The plan to the saved topology from the cache, when the lab is watched: what kernel events
   * marked dirty is read first (nothing when the cache is clean), so the plan is as fresh as a
   * full reading at the cost of the namespaces that changed. Null when the lab is not watched,
   * or while the monitor is still giving ids to new namespaces (then the caller reads the kernel).
   */
  async cachedPlan(name: string): Promise<PlanView | null> {
    const w = this.watchers.get(name);
    if (!w) return null;
    for (let i = 0; i < 25 && (w.kernel.pending() || w.nft.pending()); i++) await new Promise((r) => setTimeout(r, 20));
    if (w.kernel.pending() || w.nft.pending() || this.watchers.get(name) !== w) return null;
    return (await this.update(name, w)).plan;
  }

  /** Watches the kernel for this lab and pushes live state on every change; returns the unsubscribe. */
  watch(name: string): () => void {
    let w = this.watchers.get(name);
    if (!w) {
      const cache: Cache = { observed: null, scope: new Set(), natIn: new Set(), dirty: new Set(), all: true, readings: new Map(), seq: 0, merged: new Map(), compiled: null, watched: [] };
      const first = this.deps.repo.row(name);
      cache.watched = Object.keys(this.compiled(first, cache).desired.namespaces);
      const dirty = (ns: string) => {
        cache.dirty.add(ns);
        this.push(name, { only: ns });
      };
      // no debounce here: the hub coalesces, and a reading reads only the dirty namespaces
      // a bridge's notes about its ports matter only where a bridge filters VLANs
      const kernel = watchKernel(() => cache.watched, dirty, { debounceMs: 0, ipv6: false, portInfo: () => !!cache.compiled?.filtersVlans });
      const nft = watchNft(dirty);
      w = { count: 0, kernel, nft, cache };
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
        void cur.kernel.close();
        cur.nft.close();
      }
    };
  }

  /**
   * Reads the lab again soon and emits its live state (coalescing bursts of kernel events).
   * Without `only` (an apply or destroy ran, or someone asks): every namespace counts as changed.
   */
  push(name: string, opts: { only?: string; touched?: string[] } = {}): void {
    const w = this.watchers.get(name);
    if (w && opts.only === undefined) {
      if (opts.touched) for (const ns of opts.touched) w.cache.dirty.add(ns);
      else w.cache.all = true;
      w.kernel.refresh();
    }
    // Nobody listening (the CLI): no need to read the kernel again.
    if (this.timers.has(name) || this.deps.events.listenerCount('live') === 0) return;
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        if (!this.deps.repo.store.hasLab(name)) return;
        this.read(name, true).then(
          ({ live, reading }) => {
            this.deps.onRead(name, reading);
            this.deps.events.emit('live', live);
          },
          (e: unknown) => {
            if (!this.deps.repo.store.hasLab(name)) return; // deleted meanwhile: nothing to show
            console.error(`nslab: reading lab ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
          },
        );
      }, COALESCE_MS),
    );
  }

  async close(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const closing = [...this.watchers.values()].map((w) => {
      w.nft.close();
      return w.kernel.close();
    });
    this.watchers.clear();
    await Promise.all(closing);
  }

  // --- the cache ---------------------------------------------------------------------------

  /** The saved topology compiled, once per revision. */
  private compiled(row: LabRow, c: Cache): Compiled {
    const key = `${row.rev}\0${row.hostNetns}\0${row.updatedAt}`;
    if (c.compiled?.key !== key) {
      const value = this.deps.compile(row, row.topology);
      const filtersVlans = Object.values(value.desired.namespaces).some((n) => Object.values(n.links).some((l) => l.vlanFiltering));
      c.compiled = { key, value, filtersVlans };
    }
    return c.compiled.value;
  }

  /**
   * Brings the cache up to date and plans from it: one reading at a time, but for one case
   * (`beside`, a live update): while a reading of big namespaces only is in flight (a host with a
   * port for each of a thousand namespaces takes a few tenths of a second), small namespaces
   * that changed are read beside it, so a change in one shows without waiting for the host.
   * Each namespace keeps the result of the reading that started last.
   */
  private async update(name: string, w: Watcher, beside = false): Promise<Reading> {
    const c = w.cache;
    for (;;) {
      const running = [...c.readings];
      if (!running.length) break;
      if (beside && running.length === 1 && running[0]![1].bigOnly && c.observed && !c.all && [...c.dirty].some((ns) => !isBig(c, ns))) break;
      await Promise.race(running.map(([p]) => p.catch(() => undefined)));
    }
    const how = { bigOnly: false };
    const p = this.refill(name, w, how);
    c.readings.set(p, how);
    try {
      return await p;
    } finally {
      c.readings.delete(p);
    }
  }

  private async refill(name: string, w: Watcher, how: { bigOnly: boolean }): Promise<Reading> {
    const c = w.cache;
    // Events before the monitor gave the lab's namespaces their ids would be lost: wait for it.
    await w.kernel.ready();
    const t0 = performance.now();
    const row = this.deps.repo.row(name);
    const compiled = this.compiled(row, c);
    const [scope, present] = await Promise.all([this.deps.scope(row, compiled), listNetns()]);
    const inScope = new Set(scope.namespaces);
    const natIn = new Set(scope.natIn);
    const have = new Set(present);
    const full = !c.observed || c.all;
    const toRead = new Set<string>();
    if (full) for (const ns of inScope) toRead.add(ns);
    else {
      const obs = c.observed!;
      for (const ns of inScope) {
        if (!c.scope.has(ns) || c.dirty.has(ns) || (ns === '' || have.has(ns)) !== !!obs.namespaces[ns]) toRead.add(ns);
      }
      for (const ns of natIn) if (!c.natIn.has(ns)) toRead.add(ns);
    }
    c.dirty.clear();
    c.all = false;
    // A namespace with many links (a host context with a port per namespace) takes long to read:
    // when small ones changed too (a hand-made change in a namespace also moves its veth peer
    // on the host), they are read and shown first, and the big one right after.
    const deferred = full ? [] : [...toRead].filter((ns) => isBig(c, ns));
    let later = 0;
    if (deferred.length && deferred.length < toRead.size) {
      later = deferred.length;
      for (const ns of deferred) {
        toRead.delete(ns);
        c.dirty.add(ns);
      }
      setTimeout(() => this.watchers.get(name) === w && this.push(name, { only: deferred[0]! }), 0);
    }
    how.bigOnly = !full && toRead.size > 0 && [...toRead].every((ns) => isBig(c, ns));
    const seq = ++c.seq;
    // What the monitor watches follows the scope (a namespace left from the applied revision too).
    const watched = [...new Set([...Object.keys(compiled.desired.namespaces), ...inScope])];
    if (watched.length !== c.watched.length || watched.some((ns, i) => ns !== c.watched[i])) {
      c.watched = watched;
      w.kernel.refresh();
    }
    w.nft.set(scope.natIn);
    let observed: KernelState;
    try {
      const part = await observe([...toRead], { lab: row.name, natIn: scope.natIn.filter((ns) => toRead.has(ns)), inherited: full });
      observed = full ? { namespaces: {} } : { ...c.observed!, namespaces: { ...c.observed!.namespaces } };
      if (full) {
        if (part.newNamespaceForwarding !== undefined) observed.newNamespaceForwarding = part.newNamespaceForwarding;
      }
      for (const ns of toRead) {
        // a reading that started later (beside this one) has already put its newer result here
        if ((c.merged.get(ns) ?? 0) > seq) {
          if (full && c.observed?.namespaces[ns]) observed.namespaces[ns] = c.observed.namespaces[ns];
          continue;
        }
        c.merged.set(ns, seq);
        const n = part.namespaces[ns];
        if (n) observed.namespaces[ns] = n;
        else delete observed.namespaces[ns];
      }
      for (const ns of Object.keys(observed.namespaces)) if (!inScope.has(ns)) delete observed.namespaces[ns];
      // Veth ends pair across namespaces: pair them again over the whole lab.
      for (const n of Object.values(observed.namespaces)) for (const l of Object.values(n.links)) if (l.peer) delete l.peer;
      pairVeths(observed.namespaces);
    } catch (e) {
      c.all = true; // nothing is known for sure: the next reading reads everything
      throw e;
    }
    c.observed = observed;
    c.scope = inScope;
    c.natIn = natIn;
    const reading = this.deps.planFrom(row, compiled, observed);
    if (TRACE) appendFileSync(TRACE, `${new Date().toISOString()} ${name}: read ${toRead.size} namespace(s) (${[...toRead].slice(0, 3).join(' ')}${toRead.size > 3 ? ' …' : ''})${full ? ', all' : ''}${later ? `, ${later} big one(s) next` : ''} in ${Math.round(performance.now() - t0)} ms\n`);
    return reading;
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
