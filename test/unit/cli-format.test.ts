// The CLI's apply progress (server/cli/format.ts): a line per change when its first step is done,
// and the lines of one turn of the event loop written at once.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import { plan } from '@/lib/plan';
import { planView } from '@/lib/plan-view';
import { parseTopologyText } from '@/lib/validate';
import { linesAtOnce, progressLine } from '@/server/cli/format';

const seed = (() => {
  const r = parseTopologyText(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.topology;
})();

describe('progressLine', () => {
  const p = planView(plan('seed', compile(seed, { hostNetns: 'H' }).desired, { namespaces: {} }), { namespaces: {} });

  it('one line per change, at the end of its first step, whatever order the steps end in', () => {
    const total = p.steps.length;
    const order = p.steps.map((_, i) => i).reverse();
    const lines = order.flatMap((step) => ['running', 'done'].map((status) => progressLine(p, { lab: 'seed', step, total, change: p.steps[step]!.change, status } as never))).filter((l) => l !== null);
    expect(lines).toHaveLength(p.changes.length);
    for (const [c, change] of p.changes.entries()) {
      const first = p.steps.findIndex((s) => s.change === c);
      expect(lines).toContain(`[${first + 1}/${total}] ${{ create: '+', update: '~', delete: '-', replace: '-/+' }[change.action]} ${change.address}`);
    }
  });

  it('a failure names the change and the kernel message', () => {
    expect(progressLine(p, { lab: 'seed', step: 3, total: p.steps.length, change: p.steps[3]!.change, status: 'failed', message: 'RTNETLINK answers: File exists' } as never)).toBe(`[4/${p.steps.length}] failed: ${p.changes[p.steps[3]!.change]!.address}: RTNETLINK answers: File exists`);
  });
});

describe('linesAtOnce', () => {
  it('writes the lines of one turn in one write, in order; flush writes what is pending at once', async () => {
    const out = new PassThrough();
    const writes: string[] = [];
    out.on('data', (b: Buffer) => writes.push(b.toString()));
    const w = linesAtOnce(out);
    w.write('a');
    w.write('b');
    await new Promise((r) => setImmediate(r));
    w.write('c');
    w.flush();
    w.flush();
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });
});
