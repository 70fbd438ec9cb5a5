// Starting kernel processes (server/kernel/exec.ts): a process started ahead of its work gets its
// standard input later and ends as one started with it; one never used ends when closed.
import { describe, expect, it } from 'vitest';
import { processCount, runArgv, startWaiting } from '@/server/kernel/exec';

describe('processes started ahead of their work', () => {
  it('reads what it is given later, as runArgv gives it at once', async () => {
    const before = processCount();
    const w = startWaiting(['sh', '-c', 'cat; echo done >&2; exit 3']);
    expect(processCount()).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 50));
    const later = await w.feed('a\nb\n');
    const atOnce = await runArgv(['sh', '-c', 'cat; echo done >&2; exit 3'], { stdin: 'a\nb\n' });
    expect(later).toMatchObject({ exitCode: 3, stdout: 'a\nb\n', stderr: 'done\n' });
    expect({ ...later, durationMs: 0 }).toEqual({ ...atOnce, durationMs: 0 });
  });

  it('hands its output over as it comes when asked', async () => {
    const chunks: string[] = [];
    const res = await startWaiting(['cat']).feed('x\n', { onStdout: (c) => chunks.push(c) });
    expect(res.exitCode).toBe(0);
    expect(chunks.join('')).toBe('x\n');
  });

  it('is given its input once; one closed unused ends with nothing on its input', async () => {
    const w = startWaiting(['cat']);
    const first = w.feed('');
    await expect(w.feed('again')).rejects.toThrow(/once/);
    expect((await first).exitCode).toBe(0);
    const unused = startWaiting(['cat']);
    unused.close();
    await expect(unused.feed('late')).rejects.toThrow(/once/);
  });

  it('is stopped when its work takes longer than its time, counted from when it got it', async () => {
    const w = startWaiting(['sleep', '5']);
    const res = await w.feed('', { timeoutMs: 100 });
    expect(res.exitCode).toBe(127);
    expect(res.stderr).toMatch(/stopped/);
  });
});
