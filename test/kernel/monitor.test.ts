// The kernel monitor (inside the sandbox): a change in a watched namespace is reported within a
// second, bursts are merged, unwatched namespaces stay quiet, and closing leaves no child.
import '../sandbox-guard';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { watchKernel } from '@/server/kernel/monitor';
import { removeNamespaces, sh, uniqueLab } from './helpers';

const made: string[] = [];
afterEach(async () => {
  await removeNamespaces(made.splice(0));
});

/** PIDs of this process's children, from /proc (every thread's list). */
function children(): number[] {
  const tasks = readdirSync(`/proc/${process.pid}/task`);
  return tasks.flatMap((t) => readFileSync(`/proc/${process.pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether process `pid` listens to the kernel: it holds a NETLINK_ROUTE socket subscribed to
 * some multicast groups (/proc/PID/net/netlink, columns: sk Eth Pid Groups … Inode).
 */
function listening(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m ? [m[1]] : [];
      }),
    );
    return readFileSync(`/proc/${pid}/net/netlink`, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .some((c) => c[1] === '0' && /[1-9a-f]/.test(c[3] ?? '') && inodes.has(c[9]));
  } catch {
    return false; // the process is gone, or not started yet
  }
}

/** Whether the kernel has given namespace `ns` an id here (`ip netns list-id`). */
async function hasId(ns: string): Promise<boolean> {
  const r = await sh('ip', '-j', 'netns', 'list-id');
  return (JSON.parse(r.stdout || '[]') as { name?: string }[]).some((e) => e.name === ns);
}

/** Polls an async condition (a kernel read) until it holds. */
async function untilAsync(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await sleep(20);
  }
}

async function until(cond: () => boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await sleep(10);
  }
  return performance.now() - t0;
}

describe('watchKernel', () => {
  it('fires within a second of a link going down, merges bursts, ignores others, leaves no child', async () => {
    const lab = uniqueLab('m');
    made.push(`${lab}-`);
    const [A, B] = [`${lab}-A`, `${lab}-B`];
    for (const ns of [A, B]) await sh('ip', 'netns', 'add', ns);
    const kids = children();
    const seen: string[] = [];
    const w = watchKernel(() => [A], (ns) => seen.push(ns));
    try {
      // the monitor starts listening and gives A an id
      await untilAsync(async () => listening(w.pid()) && (await hasId(A)), 10_000);
      expect(children().length).toBeGreaterThan(kids.length);

      await sh('ip', '-n', A, 'link', 'set', 'lo', 'up');
      const first = await until(() => seen.length > 0, 1000);
      expect(seen).toEqual([A]);
      await sleep(200);

      seen.length = 0;
      await sh('ip', '-n', A, 'link', 'set', 'lo', 'down');
      const t = await until(() => seen.length > 0, 1000);
      console.log(`monitor noticed: ${Math.round(first)} ms, ${Math.round(t)} ms after the command`);

      // A burst is one notice; a namespace not watched is none.
      seen.length = 0;
      // (one ip process for the burst, so a busy machine cannot space it out past the debounce)
      await execa('ip', ['-n', A, '-batch', '-'], { input: Array.from({ length: 5 }, (_, i) => `link set lo ${i % 2 ? 'up' : 'down'}`).join('\n') + '\n' });
      await sh('ip', '-n', B, 'link', 'set', 'lo', 'up');
      await sleep(400);
      expect(seen).toEqual([A]);

      // A watched namespace created later is seen after a refresh (the service calls it).
      const C = `${lab}-C`;
      seen.length = 0;
      const w2 = watchKernel(() => [C], (ns) => seen.push(ns));
      await sh('ip', 'netns', 'add', C);
      await sleep(300);
      seen.length = 0;
      await sh('ip', '-n', C, 'link', 'set', 'lo', 'up');
      await until(() => seen.includes(C), 1000);
      await w2.close();
    } finally {
      await w.close();
    }
    expect(children()).toEqual(kids);
  });

  it('past the first hundred-odd namespaces: a change in one is a notice of that one only', async () => {
    // `ip netns list-id` is one dump the kernel ends after a buffer (about 130 ids here): a
    // monitor that named ids from it saw the later namespaces as unknown, looked again at each
    // of their events and took every unnamed one as changed
    const lab = uniqueLab('m');
    made.push(`${lab}-`);
    const names = Array.from({ length: 160 }, (_, i) => `${lab}-n${i}`);
    await execa('ip', ['-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join('') });
    const seen: string[] = [];
    const w = watchKernel(() => names, (ns) => seen.push(ns), { debounceMs: 0 });
    try {
      await w.ready();
      await untilAsync(async () => listening(w.pid()), 10_000);
      for (const ns of [names[159]!, names[140]!, names[3]!]) {
        await sleep(300);
        seen.length = 0;
        await sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
        await until(() => seen.includes(ns), 2000);
        await sleep(300);
        expect(new Set(seen), ns).toEqual(new Set([ns]));
      }
    } finally {
      await w.close();
    }
  });

  it('restarts an ip monitor child that ends, and live notices resume', async () => {
    const lab = uniqueLab('m');
    made.push(`${lab}-`);
    const A = `${lab}-A`;
    await sh('ip', 'netns', 'add', A);
    const seen: string[] = [];
    const w = watchKernel(() => [A], (ns) => seen.push(ns));
    try {
      await untilAsync(async () => listening(w.pid()) && (await hasId(A)), 10_000);
      // Killed from outside, twice: each time a new child takes over.
      for (let round = 0; round < 2; round++) {
        const first = w.pid()!;
        seen.length = 0;
        process.kill(first, 'SIGKILL');
        await until(() => w.pid() !== undefined && w.pid() !== first, 10_000);
        // the new child listens, and the notice every restart gives (events may have been lost) is in
        await until(() => listening(w.pid()) && seen.includes(A), 10_000);
        seen.length = 0;
        await sh('ip', '-n', A, 'link', 'set', 'lo', round % 2 ? 'down' : 'up');
        await until(() => seen.includes(A), 2000);
      }
    } finally {
      await w.close();
    }
  });
});
