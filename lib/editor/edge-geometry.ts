// Where a link is drawn: the same cubic curve React Flow's bezier edge draws between a top or
// bottom handle, and points along it, so each end's interface label can sit near its own end
// and the middle stays free for the link's live rate. Links that share one handle are fanned
// out along the node's edge so that their lines (and labels) do not start on top of each other.

export type HandleSide = 'top' | 'bottom' | 'left' | 'right';

export interface Point {
  x: number;
  y: number;
}

export type Cubic = [Point, Point, Point, Point];

/** React Flow's control offset (curvature 0.25): half the distance, or a gentle loop when going backwards. */
function controlOffset(distance: number): number {
  return distance >= 0 ? 0.5 * distance : 0.25 * 25 * Math.sqrt(-distance);
}

function control(p: Point, side: HandleSide, other: Point): Point {
  switch (side) {
    case 'top':
      return { x: p.x, y: p.y - controlOffset(p.y - other.y) };
    case 'bottom':
      return { x: p.x, y: p.y + controlOffset(other.y - p.y) };
    case 'left':
      return { x: p.x - controlOffset(p.x - other.x), y: p.y };
    case 'right':
      return { x: p.x + controlOffset(other.x - p.x), y: p.y };
  }
}

/** The curve from the source handle to the target handle. */
export function linkCurve(source: Point, sourceSide: HandleSide, target: Point, targetSide: HandleSide): Cubic {
  return [source, control(source, sourceSide, target), control(target, targetSide, source), target];
}

export function curvePath([p0, c1, c2, p3]: Cubic): string {
  return `M${p0.x},${p0.y} C${c1.x},${c1.y} ${c2.x},${c2.y} ${p3.x},${p3.y}`;
}

/** The point at parameter t (0 = source, 1 = target). */
export function pointOnCurve([p0, c1, c2, p3]: Cubic, t: number): Point {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * p0.x + b * c1.x + c * c2.x + d * p3.x, y: a * p0.y + b * c1.y + c * c2.y + d * p3.y };
}

/**
 * Horizontal offsets for `count` links leaving one handle of a node `width` wide: centred on
 * the handle, at most `gap` apart, all within the middle 80 % of the node.
 */
export function fanOffsets(count: number, width: number, gap = 80): number[] {
  if (count <= 1) return count === 1 ? [0] : [];
  const step = Math.min(gap, (width * 0.8) / (count - 1));
  return Array.from({ length: count }, (_, i) => (i - (count - 1) / 2) * step);
}
