// The one `ip monitor` of the server: a single `ip monitor all-nsid label …` child sees links,
// addresses, routes, forwarding and neighbours in the current namespace and in every namespace
// that has an id here, and is shared by every watcher (lab live state and node views alike).
// Started with the first watcher, ended with the last; restarted with backoff if it ends (never
// the server's end). Running from the current namespace, it holds no other namespace alive.
import { byLines, diesWithServer, startStreaming, type Streaming } from './exec';

/** Restarts of a monitor that ended wait 100 ms, then twice as long each time, up to this. */
const MAX_BACKOFF_MS = 5_000;
/** A monitor that ran this long before it ended starts its backoff again from the beginning. */
const STABLE_MS = 10_000;
const ARGV = ['ip', 'monitor', 'all-nsid', 'label', 'link', 'address', 'route', 'netconf', 'neigh'];

export interface MonitorEvent {
  /** `current`, or the nsid (here) of the namespace it happened in */
  nsid: string;
  /** LINK, ADDR, ROUTE, NETCONF, NEIGH */
  kind: string;
  /**
   * IPv6 the kernel makes by itself (a link-local or host address, a link-local, multicast or
   * local-table route, a neighbour, an interface's netconf): what a lab's live state leaves out.
   * Global IPv6 addresses and routes, and IPv6 forwarding (netconf `all`), are lab state.
   */
  ipv6?: boolean;
  /**
   * A bridge's note about one of its ports (an AF_BRIDGE link message: no qdisc, a master). A
   * bridge sends one for every port when multicast snooping changes its mind, for seconds
   * after a port comes up; they change nothing nslab reads but a port's VLANs.
   */
  portInfo?: boolean;
}

/** Route types `ip monitor` may print before a route's destination. */
const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'anycast', 'unreachable', 'prohibit', 'blackhole', 'throw', 'nat']);

/** Whether an event's text (after its [nsid][KIND] labels) is IPv6 the kernel makes itself (see `ipv6`). */
function isIpv6(kind: string, text: string): boolean {
  const words = text.trim().split(/\s+/);
  if (words[0] === 'Deleted') words.shift();
  switch (kind) {
    case 'ADDR': {
      const scope = words[words.indexOf('scope') + 1];
      return words.includes('inet6') && (scope === 'link' || scope === 'host');
    }
    case 'NETCONF':
      return (words[0] === 'inet6' || words[0] === 'ipv6') && words[1] !== 'all';
    case 'NEIGH':
      return (words[0] ?? '').includes(':');
    case 'ROUTE': {
      const type = ROUTE_TYPES.has(words[0] ?? '') ? words.shift() : 'unicast';
      const dst = words[0] ?? '';
      if (!dst.includes(':')) return false;
      return type !== 'unicast' || dst.startsWith('fe80:') || dst.startsWith('ff') || words.includes('local');
    }
    default:
      return false;
  }
}

export interface MonitorSubscriber {
  event(e: MonitorEvent): void;
  /** the child was restarted: events may have been lost */
  restarted(): void;
}

/** `[nsid 3][LINK]2: eth0: …` -> { nsid: '3', kind: 'LINK' }; continuation lines are null. */
export function parseMonitorLine(line: string): MonitorEvent | null {
  const m = /^\[nsid (\w+)\](?:\[(\w+)\])?/.exec(line);
  if (!m) return null;
  const kind = m[2] ?? '';
  const text = line.slice(m[0].length);
  if (isIpv6(kind, text)) return { nsid: m[1] as string, kind, ipv6: true };
  if (kind === 'LINK' && / master /.test(text) && !/ qdisc /.test(text) && !text.startsWith('Deleted')) return { nsid: m[1] as string, kind, portInfo: true };
  return { nsid: m[1] as string, kind };
}

const subscribers = new Set<MonitorSubscriber>();
let child: Streaming | null = null;
let restarts = 0;
let restartTimer: NodeJS.Timeout | null = null;

function start(): void {
  const startedAt = Date.now();
  const c = startStreaming(diesWithServer(ARGV)); // dies with the server, even by kill -9
  child = c;
  c.proc.stdout?.setEncoding('utf8');
  c.proc.stdout?.on(
    'data',
    byLines((lines) => {
      for (const line of lines) {
        const e = parseMonitorLine(line);
        if (e) for (const s of subscribers) s.event(e);
      }
    }),
  );
  void c.ended.then((r) => {
    if (child !== c) return; // ended on purpose
    child = null;
    if (Date.now() - startedAt > STABLE_MS) restarts = 0;
    const wait = Math.min(MAX_BACKOFF_MS, 100 * 2 ** restarts++);
    console.error(`nslab: the kernel monitor (ip monitor) ended (${r.signal ?? `exit ${r.exitCode}`}); restarting in ${wait} ms`);
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (!subscribers.size) return;
      start();
      for (const s of subscribers) s.restarted();
    }, wait);
  });
}

/** Subscribes to the shared monitor (starting it); the returned close ends it after the last one. */
export function subscribeMonitor(s: MonitorSubscriber): () => Promise<void> {
  subscribers.add(s);
  if (!child && !restartTimer) start();
  return async () => {
    if (!subscribers.delete(s) || subscribers.size) return;
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = null;
    restarts = 0;
    const c = child;
    child = null;
    c?.proc.kill('SIGTERM');
    await c?.ended;
  };
}

/** The running child's pid (tests kill it to see the watchers recover). */
export function monitorPid(): number | undefined {
  return child?.proc.pid;
}
