// Live node views: one `ip -j -batch -` reads a namespace's interfaces, routes and neighbours;
// the server's one kernel monitor (server/kernel/monitor.ts, neighbours included) says "look
// again" (debounced), so an ARP entry appears after a ping without a refresh. Watchers are
// shared and counted; the last one out closes its watch (no `ip -n NS monitor` of its own,
// which would keep a deleted namespace alive).
import type { NodeView } from '@/lib/protocol-tools';
import { runArgv } from '@/server/kernel/exec';
import { watchKernel, type KernelWatch } from '@/server/kernel/monitor';
import { batchArgv, batchStdin, NODE_VIEW, parseIpBatch } from '@/server/kernel/read';
import { nodeServices, watchServices } from '@/server/services/supervisor';
import { interfaceRows, neighRows, routeRows } from './node-view-rows';

const DEBOUNCE_MS = 150;

export async function readNodeView(lab: string, node: string, ns: string): Promise<NodeView> {
  const services = nodeServices(lab, node);
  const base = { lab, node, ns, at: new Date().toISOString(), interfaces: [], routes: [], neighbours: [], ...(services.length ? { services } : {}) };
  const argv = batchArgv(ns, NODE_VIEW);
  const res = await runArgv(argv, { stdin: batchStdin(NODE_VIEW) });
  if (res.exitCode !== 0) return { ...base, error: res.stderr.trim() || `ip exited with code ${res.exitCode}` };
  try {
    const [links, routes, neigh] = parseIpBatch(NODE_VIEW, argv, res.stdout);
    return { ...base, interfaces: interfaceRows(links), routes: routeRows(routes), neighbours: neighRows(neigh) };
  } catch (e) {
    return { ...base, error: e instanceof Error ? e.message : String(e) };
  }
}

type Listener = (view: NodeView) => void;

interface Watch {
  lab: string;
  node: string;
  ns: string;
  monitor: KernelWatch | null;
  /** stops watching the lab's services state */
  unwatchServices: (() => void) | null;
  listeners: Set<Listener>;
  timer: NodeJS.Timeout | null;
}

export class NodeViewWatchers {
  private readonly watches = new Map<string, Watch>();

  /** PID of the kernel monitor the views use (the server's shared one), if any view is open. */
  pids(): number[] {
    const pid = [...this.watches.values()].find((w) => w.monitor)?.monitor?.pid();
    return pid ? [pid] : [];
  }

  /** Subscribes and returns the current view plus the unsubscribe. */
  async watch(lab: string, node: string, ns: string, listener: Listener): Promise<{ view: NodeView; stop: () => void }> {
    const key = `${lab}\0${node}\0${ns}`;
    let w = this.watches.get(key);
    if (!w) {
      w = { lab, node, ns, monitor: null, unwatchServices: null, listeners: new Set(), timer: null };
      this.watches.set(key, w);
      this.startMonitor(w);
    }
    w.listeners.add(listener);
    const watch = w;
    const stop = () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0) this.drop(key, watch);
    };
    await w.monitor?.ready(); // changes from here on are seen, so the view read next stays current
    return { view: await readNodeView(lab, node, ns), stop };
  }

  private startMonitor(w: Watch): void {
    w.monitor = watchKernel(() => [w.ns], () => this.schedule(w), { neigh: true });
    w.unwatchServices = watchServices((lab) => lab === w.lab && this.schedule(w));
  }

  private schedule(w: Watch): void {
    if (w.timer) return;
    w.timer = setTimeout(() => {
      w.timer = null;
      if (!w.listeners.size) return;
      readNodeView(w.lab, w.node, w.ns).then(
        (view) => {
          for (const l of w.listeners) l(view);
        },
        (e: unknown) => console.error(`nslab: reading node ${w.node} of lab ${w.lab} failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    }, DEBOUNCE_MS);
  }

  private drop(key: string, w: Watch): void {
    this.watches.delete(key);
    if (w.timer) clearTimeout(w.timer);
    w.unwatchServices?.();
    const m = w.monitor;
    w.monitor = null;
    m?.close().catch((e: unknown) => console.error(`nslab: closing the view of node ${w.node} failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  async closeAll(): Promise<void> {
    const all = [...this.watches.entries()];
    this.watches.clear();
    await Promise.all(all.map(([, w]) => (w.timer && clearTimeout(w.timer), w.unwatchServices?.(), w.monitor?.close())));
  }
}
