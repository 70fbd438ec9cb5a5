// Listens for kernel changes instead of polling: one `ip monitor all-nsid` child sees links,
// addresses, routes and forwarding in the current namespace and in every namespace that has an
// id here (`ip netns set NAME auto` gives one). A watch on /run/netns sees namespaces come and
// go. Unlike an `ip -n NS monitor` per namespace, this child holds no namespace alive, so a
// deleted namespace really goes away (and takes its veth ends with it).
import { watch, type FSWatcher } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { diesWithServer, runArgv } from './exec';

import { listNetns } from './observer';
import { nsidsFrom, parseIpNsids } from './read';

const DEBOUNCE_MS = 100;
/** Restarts of a monitor that ended wait 100 ms, then twice as long each time, up to this. */
const MAX_BACKOFF_MS = 5_000;
/** A monitor that ran this long before it ended starts its backoff again from the beginning. */
const STABLE_MS = 10_000;

export interface KernelWatch {
  /** re-reads the namespaces to watch (call after creating or deleting some) */
  refresh(): void;
  /** the running `ip monitor` child's pid (tests kill it to see the watch recover) */
  pid(): number | undefined;
  close(): Promise<void>;
}

/** Namespace ids of the current namespace's peers: nsid -> name. */
async function readNsids(): Promise<Map<string, string>> {
  const res = await runArgv(['ip', '-j', 'netns', 'list-id']);
  const ids = res.exitCode === 0 ? nsidsFrom(parseIpNsids('ip -j netns list-id', res.stdout)) : new Map<number, string | null>();
  return new Map([...ids].flatMap(([id, name]) => (name ? [[String(id), name] as const] : [])));
}

export function watchKernel(getNamespaces: () => string[], onChange: (ns: string) => void): KernelWatch {
  let closed = false;
  let nsids = new Map<string, string>();
  let known: Set<string> | null = null;
  const timers = new Map<string, NodeJS.Timeout>();
  /** ids seen in events before we knew their namespace */
  const unknownIds = new Set<string>();

  const changed = (ns: string) => {
    if (closed || !getNamespaces().includes(ns) || timers.has(ns)) return;
    timers.set(
      ns,
      setTimeout(() => {
        timers.delete(ns);
        if (!closed) onChange(ns);
      }, DEBOUNCE_MS),
    );
  };

  /** Gives every watched namespace an id here, so the monitor reports its changes. */
  let refreshing: Promise<void> | null = null;
  let again = false;
  const doRefresh = async () => {
    const present = new Set(await listNetns());
    const wanted = getNamespaces().filter((ns) => ns && present.has(ns));
    nsids = await readNsids();
    const named = new Set(nsids.values());
    const missing = wanted.filter((ns) => !named.has(ns));
    for (const ns of missing) await runArgv(['ip', 'netns', 'set', ns, 'auto']);
    if (missing.length) nsids = await readNsids();
    for (const id of unknownIds) {
      const ns = nsids.get(id);
      if (ns) changed(ns);
    }
    unknownIds.clear();
    // Namespaces that appeared or vanished since the last look are changes too.
    if (known) for (const ns of getNamespaces()) if (ns && present.has(ns) !== known.has(ns)) changed(ns);
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

  // One `ip monitor` child, restarted with backoff if it ever ends (never the server's end):
  // after a restart every watched namespace counts as changed, since events may have been lost.
  let child: ResultPromise | null = null;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  const start = () => {
    if (closed) return;
    // setpriv --pdeathsig: the monitor dies with the server, even by kill -9
    const [file, ...args] = diesWithServer(['ip', 'monitor', 'all-nsid', 'link', 'address', 'route', 'netconf']);
    const startedAt = Date.now();
    const c: ResultPromise = execa(file!, args, { reject: false, buffer: false, stdin: 'ignore', stderr: 'ignore' });
    child = c;
    let partial = '';
    c.stdout?.setEncoding('utf8');
    c.stdout?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    void c.then((r) => {
      if (closed || child !== c) return;
      child = null;
      if (Date.now() - startedAt > STABLE_MS) restarts = 0;
      const wait = Math.min(MAX_BACKOFF_MS, 100 * 2 ** restarts++);
      console.error(`nslab: the kernel monitor (ip monitor) ended (${r.signal ?? `exit ${r.exitCode}`}); restarting in ${wait} ms`);
      restartTimer = setTimeout(() => {
        restartTimer = null;
        start();
        changed('');
        for (const ns of getNamespaces()) changed(ns);
      }, wait);
    });
  };
  const onLine = (line: string) => {
    const m = /^\[nsid (\w+)\]/.exec(line);
    if (!m) return;
    const id = m[1] as string;
    if (id === 'current') return changed('');
    const ns = nsids.get(id);
    if (ns) return changed(ns);
    // an id assigned since we last looked (e.g. by a veth crossing over)
    unknownIds.add(id);
    refresh();
  };
  start();

  let dirWatch: FSWatcher | null = null;
  try {
    dirWatch = watch('/run/netns', () => refresh());
  } catch {
    dirWatch = null; // no /run/netns yet: only the current namespace can be watched
  }
  refresh();

  return {
    refresh,
    pid: () => child?.pid,
    async close() {
      if (closed) return;
      closed = true;
      dirWatch?.close();
      if (restartTimer) clearTimeout(restartTimer);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      child?.kill('SIGTERM');
      await child;
      await refreshing;
    },
  };
}
