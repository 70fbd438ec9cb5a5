// Listens for kernel changes instead of polling: the server's one `ip monitor all-nsid` child
// (./monitor-child.ts) sees links, addresses, routes, forwarding and neighbours in the current
// namespace and in every namespace that has an id here (`ip netns set NAME auto` gives one); a
// watch maps ids to the namespaces it watches. A watch on /run/netns sees namespaces come and
// go. Unlike an `ip -n NS monitor` per namespace, the child holds no namespace alive, so a
// deleted namespace really goes away (and takes its veth ends with it).
import { watch, type FSWatcher } from 'node:fs';
import { runArgv } from './exec';
import { monitorPid, subscribeMonitor } from './monitor-child';
import { nsctlUsable, parseNsctlNsids } from './nsctl';
import { listNetns } from './observer';
import { nsidsFrom, parseIpNsids } from './read';
import { nsctlArgv } from './userns';

const DEBOUNCE_MS = 100;

export interface KernelWatch {
  /** re-reads the namespaces to watch (call after creating or deleting some) */
  refresh(): void;
  /** settles when the first look has given the watched namespaces their ids (events flow from then on) */
  ready(): Promise<void>;
  /** the running `ip monitor` child's pid (tests kill it to see the watch recover) */
  pid(): number | undefined;
  /** a change may be on its way: a notice waits out its debounce, or ids are being given */
  pending(): boolean;
  close(): Promise<void>;
}

/** Namespace ids of the current namespace's peers: nsid -> name. */
async function readNsids(): Promise<Map<string, string>> {
  const res = await runArgv(['ip', '-j', 'netns', 'list-id']);
  const ids = res.exitCode === 0 ? nsidsFrom(parseIpNsids('ip -j netns list-id', res.stdout)) : new Map<number, string | null>();
  return new Map([...ids].flatMap(([id, name]) => (name ? [[String(id), name] as const] : [])));
}

/**
 * The ids of these namespaces here (nsid -> name), giving one to each of `assign` that has none:
 * one nslab-nsctl process asks the kernel name by name. (`ip netns list-id` is one dump that the
 * kernel ends after a buffer's worth, about 130 ids, so past that it names nobody; and `ip netns
 * set NS auto` is a line each.) Null when nslab-nsctl cannot run here.
 */
async function nsctlNsids(names: Iterable<string>, assign: Set<string>): Promise<Map<string, string> | null> {
  if (!nsctlUsable()) return null;
  const res = await runArgv(nsctlArgv('nsids', [...names].map((ns) => (assign.has(ns) ? `+${ns}` : ns))));
  if (res.exitCode !== 0) return null;
  return new Map([...parseNsctlNsids(res.stdout)].map(([name, id]) => [String(id), name]));
}

export interface WatchOptions {
  /** neighbour (ARP) changes count too (node views); a lab's live state ignores them */
  neigh?: boolean;
  /** the kernel's own IPv6 events (link-local addresses, their routes, neighbours) count too; a lab's live state ignores them */
  ipv6?: boolean;
  /** a bridge's notes about its ports count too (MonitorEvent.portInfo): only VLANs show there */
  portInfo?: () => boolean;
  /** bursts within this many ms in one namespace are one notice (default 100) */
  debounceMs?: number;
}

export function watchKernel(getNamespaces: () => string[], onChange: (ns: string) => void, opts: WatchOptions = {}): KernelWatch {
  let closed = false;
  let nsids = new Map<string, string>();
  let known: Set<string> | null = null;
  const timers = new Map<string, NodeJS.Timeout>();
  /** ids seen in events before we knew their namespace */
  const unknownIds = new Set<string>();
  /**
   * ids still unnamed after a look (a namespace not in /run/netns, such as a container's): their
   * events are not ours and do not make us look again until something else does
   */
  let strangers = new Set<string>();

  const debounceMs = opts.debounceMs ?? DEBOUNCE_MS;
  const changed = (ns: string) => {
    if (closed || !getNamespaces().includes(ns) || timers.has(ns)) return;
    if (debounceMs <= 0) return onChange(ns);
    timers.set(
      ns,
      setTimeout(() => {
        timers.delete(ns);
        if (!closed) onChange(ns);
      }, debounceMs),
    );
  };

  /** Gives every watched namespace an id here, so the monitor reports its changes. */
  let refreshing: Promise<void> | null = null;
  let again = false;
  const doRefresh = async () => {
    strangers = new Set();
    const present = new Set(await listNetns());
    const wanted = getNamespaces().filter((ns) => ns && present.has(ns));
    const before = new Set(nsids.values());
    // every namespace's id (so events of namespaces not watched are known and ignored), giving
    // the watched ones an id where they have none
    const read = await nsctlNsids(present, new Set(wanted));
    let missing: string[];
    if (read) {
      nsids = read;
      missing = wanted.filter((ns) => !before.has(ns));
    } else {
      // without nslab-nsctl (NSLAB_NSCTL=0, an unknown architecture): `ip netns list-id` names
      // only the ids of its one dump, so on a machine with more than about 130 namespaces the
      // later ones are read again at every look
      nsids = await readNsids();
      const named = new Set(nsids.values());
      missing = wanted.filter((ns) => !named.has(ns));
      // one `ip -batch` for all of them (a process each is seconds for a thousand namespaces)
      if (missing.length) {
        await runArgv(['ip', '-force', '-batch', '-'], { stdin: missing.map((ns) => `netns set ${ns} auto\n`).join('') });
        nsids = await readNsids();
      }
    }
    for (const id of unknownIds) {
      const ns = nsids.get(id);
      if (ns) changed(ns);
      else strangers.add(id);
    }
    unknownIds.clear();
    // Namespaces that appeared or vanished since the last look are changes too, and so are those
    // that only now have an id (what happened in them before was not reported).
    if (known) {
      for (const ns of getNamespaces()) if (ns && present.has(ns) !== known.has(ns)) changed(ns);
      for (const ns of missing) changed(ns);
    }
    known = present;
  };
  const refresh = () => {
    if (closed) return;
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = doRefresh()
      .catch(() => undefined)
      .finally(() => {
        refreshing = null;
        if (again && !closed) {
          again = false;
          refresh();
        }
      });
  };

  // The shared `ip monitor` child (./monitor-child.ts): after a restart every watched namespace
  // counts as changed, since events may have been lost.
  const unsubscribe = subscribeMonitor({
    event: ({ nsid, kind, ipv6, portInfo }) => {
      if (kind === 'NEIGH' && !opts.neigh) return;
      if (ipv6 && opts.ipv6 === false) return;
      if (portInfo && opts.portInfo && !opts.portInfo()) return;
      if (nsid === 'current') return changed('');
      const ns = nsids.get(nsid);
      if (ns) return changed(ns);
      if (strangers.has(nsid)) return;
      // an id assigned since we last looked (e.g. by a veth crossing over)
      unknownIds.add(nsid);
      refresh();
    },
    restarted: () => {
      changed('');
      for (const ns of getNamespaces()) changed(ns);
    },
  });

  let dirWatch: FSWatcher | null = null;
  try {
    dirWatch = watch('/run/netns', () => refresh());
  } catch {
    dirWatch = null; // no /run/netns yet: only the current namespace can be watched
  }
  refresh();
  const first: Promise<void> = refreshing ?? Promise.resolve();

  return {
    refresh,
    ready: () => first,
    pid: monitorPid,
    pending: () => timers.size > 0 || unknownIds.size > 0 || refreshing !== null,
    async close() {
      if (closed) return;
      closed = true;
      dirWatch?.close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await unsubscribe();
      await refreshing;
    },
  };
}
