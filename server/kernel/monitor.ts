// Listens for kernel changes instead of polling: one `ip monitor all-nsid` child sees links,
// addresses, routes and forwarding in the current namespace and in every namespace that has an
// id here (`ip netns set NAME auto` gives one). A watch on /run/netns sees namespaces come and
// go. Unlike an `ip -n NS monitor` per namespace, this child holds no namespace alive, so a
// deleted namespace really goes away (and takes its veth ends with it).
import { watch, type FSWatcher } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { diesWithServer } from './confine';
import { runArgv } from './exec';
import { listNetns } from './observer';

const DEBOUNCE_MS = 100;

export interface KernelWatch {
  /** re-reads the namespaces to watch (call after creating or deleting some) */
  refresh(): void;
  close(): Promise<void>;
}

/** Namespace ids of the current namespace's peers: nsid -> name. */
async function readNsids(): Promise<Map<string, string>> {
  const res = await runArgv(['ip', '-j', 'netns', 'list-id']);
  const list = res.exitCode === 0 ? (JSON.parse(res.stdout || '[]') as Array<{ nsid: number; name?: string }>) : [];
  return new Map(list.filter((e) => e.name).map((e) => [String(e.nsid), e.name as string]));
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

  // setpriv --pdeathsig: the monitor dies with the server, even by kill -9
  const [file, ...args] = diesWithServer(['ip', 'monitor', 'all-nsid', 'link', 'address', 'route', 'netconf']);
  const child: ResultPromise = execa(file!, args, {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stderr: 'ignore',
  });
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\[nsid (\w+)\]/.exec(line);
      if (!m) continue;
      const id = m[1] as string;
      if (id === 'current') changed('');
      else {
        const ns = nsids.get(id);
        if (ns) changed(ns);
        else {
          // an id assigned since we last looked (e.g. by a veth crossing over)
          unknownIds.add(id);
          refresh();
        }
      }
    }
  });

  let dirWatch: FSWatcher | null = null;
  try {
    dirWatch = watch('/run/netns', () => refresh());
  } catch {
    dirWatch = null; // no /run/netns yet: only the current namespace can be watched
  }
  refresh();

  return {
    refresh,
    async close() {
      if (closed) return;
      closed = true;
      dirWatch?.close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      child.kill('SIGTERM');
      await child;
      await refreshing;
    },
  };
}
