// nft changes are not netlink link events, so the server's `ip monitor` does not see them: where a
// watched lab has (or may have) its NAT table, one `nft monitor` child reports every change of
// that namespace's ruleset. The child lives in the namespace, so it would hold a deleted one
// alive: it is ended as soon as the namespace's file leaves /run/netns (a watch on the folder),
// and whenever the lab's scope no longer has it.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { diesWithServer, startStreaming, type Streaming } from '@/server/kernel/exec';

export interface NftWatch {
  /** the namespaces to watch ('' = this machine's own); starts and ends children to match */
  set(namespaces: string[]): void;
  /** a child is starting (changes made meanwhile may not be reported yet) */
  pending(): boolean;
  close(): void;
}

const NETNS_DIR = '/run/netns';

interface Child {
  run: Streaming;
  /** the child has not printed its first line or been up long enough to listen */
  starting: boolean;
}

/** Reads nft's events in these namespaces; `onChange(ns)` on every event (not debounced). */
export function watchNft(onChange: (ns: string) => void): NftWatch {
  const children = new Map<string, Child>();
  let wanted = new Set<string>();
  let closed = false;
  let dir: FSWatcher | null = null;

  const exists = (ns: string) => ns === '' || existsSync(`${NETNS_DIR}/${ns}`);

  const stop = (ns: string) => {
    const c = children.get(ns);
    if (!c) return;
    children.delete(ns);
    c.run.proc.kill('SIGKILL');
  };

  const start = (ns: string) => {
    const nft = ['nft', 'monitor'];
    const run = startStreaming(diesWithServer(ns ? ['ip', 'netns', 'exec', ns, ...nft] : nft));
    const child: Child = { run, starting: true };
    children.set(ns, child);
    // `nft monitor` prints nothing until a change: give it a moment to open its socket.
    setTimeout(() => (child.starting = false), 200).unref();
    run.proc.stdout?.setEncoding('utf8');
    run.proc.stdout?.on('data', () => {
      if (children.get(ns) === child) onChange(ns);
    });
    void run.ended.then(() => {
      if (children.get(ns) !== child) return;
      // ended by itself (its namespace went away): the next `set` starts another if it is back
      children.delete(ns);
      onChange(ns);
    });
  };

  const sync = () => {
    if (closed) return;
    for (const ns of [...children.keys()]) if (!wanted.has(ns) || !exists(ns)) stop(ns);
    for (const ns of wanted) if (!children.has(ns) && exists(ns)) start(ns);
    const isolated = [...wanted].some((ns) => ns !== '');
    if (isolated && !dir) {
      try {
        dir = watch(NETNS_DIR, () => sync());
      } catch {
        dir = null;
      }
    } else if (!isolated && dir) {
      dir.close();
      dir = null;
    }
  };

  return {
    set(namespaces) {
      wanted = new Set(namespaces);
      sync();
    },
    pending: () => [...children.values()].some((c) => c.starting),
    close() {
      closed = true;
      dir?.close();
      dir = null;
      for (const ns of [...children.keys()]) stop(ns);
    },
  };
}
