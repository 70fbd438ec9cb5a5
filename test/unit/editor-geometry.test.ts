import { describe, expect, it } from 'vitest';
import { fanOffsets, linkCurve, pointOnCurve } from '@/lib/editor/edge-geometry';

describe('fanOffsets: links leaving one handle spread along the node', () => {
  it.each([
    { count: 0, width: 176, want: [] },
    { count: 1, width: 176, want: [0] },
    { count: 2, width: 176, want: [-40, 40], why: 'at most 80 apart' },
    { count: 3, width: 176, want: [-70.4, 0, 70.4], why: 'within the middle 80 % of the node' },
    { count: 5, width: 100, want: [-40, -20, 0, 20, 40] },
  ])('$count links on a node $width wide -> $want', ({ count, width, want }) => {
    expect(fanOffsets(count, width).map((x) => Math.round(x * 10) / 10)).toEqual(want);
  });
});

describe('linkCurve and pointOnCurve', () => {
  const curve = linkCurve({ x: 0, y: 0 }, 'bottom', { x: 100, y: 200 }, 'top');
  it.each([
    { t: 0, x: 0, y: 0, why: 'starts at the source handle' },
    { t: 1, x: 100, y: 200, why: 'ends at the target handle' },
    { t: 0.5, x: 50, y: 100, why: 'the middle (where the rate goes)' },
  ])('t=$t -> ($x, $y): $why', ({ t, x, y }) => {
    const p = pointOnCurve(curve, t);
    expect(p.x).toBeCloseTo(x);
    expect(p.y).toBeCloseTo(y);
  });
  it('leaves a bottom handle downwards and enters a top handle from above', () => {
    expect(curve[1]).toEqual({ x: 0, y: 100 });
    expect(curve[2]).toEqual({ x: 100, y: 100 });
  });
  it('two top handles side by side arch upwards', () => {
    const arch = linkCurve({ x: 0, y: 0 }, 'top', { x: 300, y: 0 }, 'top');
    expect(arch[1].y).toBeLessThanOrEqual(0);
    const side = linkCurve({ x: 0, y: 0 }, 'top', { x: 300, y: 40 }, 'top');
    expect(side[2].y).toBeLessThan(40);
  });
});
