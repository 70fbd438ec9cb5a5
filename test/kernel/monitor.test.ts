// The kernel monitor (inside the sandbox): a change in a watched namespace is reported within a
// second, bursts are merged, unwatched namespaces stay quiet, and closing leaves no child.
import '../sandbox-guard';
import { readdirSync, readFileSync } from 'node:fs';
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
      await sleep(300); // the monitor starts and gives A an id
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

  it('restarts an ip monitor child that ends, and live notices resume', async () => {
    const lab = uniqueLab('m');
    made.push(`${lab}-`);
    const A = `${lab}-A`;
    await sh('ip', 'netns', 'add', A);
    const seen: string[] = [];
    const w = watchKernel(() => [A], (ns) => seen.push(ns));
    try {
      await until(() => w.pid() !== undefined, 2000);
      await sleep(300);
      // Killed from outside, twice: each time a new child takes over.
      for (let round = 0; round < 2; round++) {
        const first = w.pid()!;
        process.kill(first, 'SIGKILL');
        await until(() => w.pid() !== undefined && w.pid() !== first, 10_000);
        await sleep(300);
        seen.length = 0;
        await sh('ip', '-n', A, 'link', 'set', 'lo', round % 2 ? 'down' : 'up');
        await until(() => seen.includes(A), 2000);
      }
    } finally {
      await w.close();
    }
  });
});
