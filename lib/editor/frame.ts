// Boxes on the canvas and in the SVG picture: the host drawn as a place that holds its bridges
// (a frame around them, its own facts in a head above them), and a pass that moves boxes apart
// when nodes have grown (live interfaces, drift notes) so that none ever covers another.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** room between the host's frame and the bridges inside it */
export const FRAME_PAD = 24;
/** the least room kept between two boxes that had to be moved apart */
export const BOX_GAP = 28;

/**
 * The host's frame: around its children (with FRAME_PAD), with `head` (its title, forwarding,
 * NAT, own interfaces) above them; a host without children is a plain box at `at`.
 */
export function hostFrame(children: Rect[], head: { width: number; height: number }, at: { x: number; y: number }): Rect {
  if (!children.length) return { x: at.x, y: at.y, width: head.width, height: head.height };
  const left = Math.min(...children.map((c) => c.x)) - FRAME_PAD;
  const top = Math.min(...children.map((c) => c.y)) - FRAME_PAD - head.height;
  const right = Math.max(Math.max(...children.map((c) => c.x + c.width)) + FRAME_PAD, left + head.width);
  const bottom = Math.max(...children.map((c) => c.y + c.height)) + FRAME_PAD;
  return { x: left, y: top, width: right - left, height: bottom - top };
}

export const overlaps = (a: Rect, b: Rect, gap = 0): boolean =>
  a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;

/** past this many boxes the pass is skipped (it is quadratic; such labs are laid out by elk) */
export const APART_LIMIT = 1500;

/**
 * Moves boxes down, never sideways, until no two overlap: in reading order (top to bottom,
 * left to right) each box goes just below every earlier box it covers. Boxes that do not
 * touch keep their place. Returns how far each box moved (0 for most).
 */
export function keepApart(boxes: Map<string, Rect>, gap = BOX_GAP): Map<string, number> {
  const moved = new Map<string, number>();
  const ids = [...boxes.keys()];
  if (ids.length > APART_LIMIT) return moved;
  ids.sort((p, q) => boxes.get(p)!.y - boxes.get(q)!.y || boxes.get(p)!.x - boxes.get(q)!.x);
  const placed: Rect[] = [];
  for (const id of ids) {
    const b = { ...boxes.get(id)! };
    const start = b.y;
    // each move goes below a box it covered; the list is finite, so this ends
    for (let again = true; again; ) {
      again = false;
      for (const p of placed) {
        if (overlaps(b, p)) {
          b.y = p.y + p.height + gap;
          again = true;
        }
      }
    }
    placed.push(b);
    if (b.y !== start) {
      moved.set(id, b.y - start);
      boxes.set(id, b);
    }
  }
  return moved;
}
