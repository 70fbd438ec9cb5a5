'use client';
// A seat's lab, small and read-only, for the instructor's room: the canvas's own geometry
// (lib/editor/flow.ts places nodes and the host's frame as the editor does) drawn as a plain SVG,
// each link coloured by what the kernel says of it now (up, DOWN, not built yet), each node
// marked when the kernel differs from the lab. It redraws when the seat's live state changes.
import { memo, useMemo } from 'react';
import { toFlow, type FlowNode, type LinkState } from '@/lib/editor/flow';
import { liveViews } from '@/lib/editor/live-view';
import type { LiveState } from '@/lib/protocol';
import type { Topology } from '@/lib/topology';

const W = 176;
const H = 64;
const FILL: Record<FlowNode['type'], string> = { namespace: 'var(--ns)', bridge: 'var(--br)', host: 'var(--host)', machine: 'var(--machine)' };
const LINE: Record<FlowNode['type'], string> = { namespace: 'var(--ns-line)', bridge: 'var(--br-line)', host: 'var(--host-line)', machine: 'var(--machine-line)' };
const EDGE: Record<LinkState, { stroke: string; dash?: string; width: number }> = {
  up: { stroke: 'var(--ok)', width: 5 },
  down: { stroke: 'var(--bad)', dash: '14 8', width: 7 },
  planned: { stroke: 'var(--planned)', dash: '4 8', width: 4 },
  unknown: { stroke: 'var(--edge)', width: 4 },
};

export const SeatThumbnail = memo(function SeatThumbnail({ topology, live, label }: { topology: Topology; live: LiveState | null; label: string }) {
  const drawn = useMemo(() => {
    const { nodes, edges } = toFlow({ topology, problems: [], live: liveViews(topology, live), selectedNodes: [], selectedEdges: [], sizes: {}, observed: live !== null });
    const abs = new Map<string, { x: number; y: number; w: number; h: number; n: FlowNode }>();
    for (const n of nodes) {
      const parent = n.parentId ? abs.get(n.parentId) : undefined;
      abs.set(n.id, { x: n.position.x + (parent?.x ?? 0), y: n.position.y + (parent?.y ?? 0), w: n.width ?? W, h: n.height ?? H, n });
    }
    // the host alone (no bridges, nothing linked) is not drawn
    const used = new Set(edges.flatMap((e) => [e.source, e.target]));
    const boxes = [...abs.values()].filter((b) => b.n.type !== 'host' || b.n.data.host?.frame || used.has(b.n.id));
    const xs = boxes.flatMap((b) => [b.x, b.x + b.w]);
    const ys = boxes.flatMap((b) => [b.y, b.y + b.h]);
    const box = xs.length ? { x: Math.min(...xs) - 20, y: Math.min(...ys) - 20, w: Math.max(...xs) - Math.min(...xs) + 40, h: Math.max(...ys) - Math.min(...ys) + 40 } : { x: 0, y: 0, w: 400, h: 200 };
    const centre = (id: string) => {
      const b = abs.get(id);
      return b ? { x: b.x + b.w / 2, y: b.y + b.h / 2 } : null;
    };
    return { boxes, edges: edges.map((e) => ({ id: e.id, state: e.data.state, a: centre(e.source), b: centre(e.target) })), box };
  }, [topology, live]);
  const down = drawn.edges.filter((e) => e.state === 'down').length;
  return (
    <svg className="seat-thumb" viewBox={`${drawn.box.x} ${drawn.box.y} ${drawn.box.w} ${drawn.box.h}`} role="img" aria-label={`${label}: ${drawn.boxes.length} nodes, ${drawn.edges.length} links${down ? `, ${down} down` : ''}`} data-down={down}>
      {drawn.boxes.filter((b) => b.n.type === 'host').map((b) => (
        <g key={b.n.id} data-host="">
          <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={14} fill={FILL.host} stroke={LINE.host} strokeWidth={3} />
          <text x={b.x + 14} y={b.y + 36} fontSize={30} fontWeight={700} fill="var(--muted)">host</text>
        </g>
      ))}
      {drawn.edges.map((e) =>
        e.a && e.b ? <line key={e.id} data-link={e.id} data-state={e.state} x1={e.a.x} y1={e.a.y} x2={e.b.x} y2={e.b.y} stroke={EDGE[e.state].stroke} strokeWidth={EDGE[e.state].width} strokeDasharray={EDGE[e.state].dash} /> : null,
      )}
      {drawn.boxes.filter((b) => b.n.type !== 'host').map((b) => {
        const drift = (b.n.data.live?.drift.length ?? 0) > 0 || b.n.data.live?.exists === false;
        return (
          <g key={b.n.id} data-node={b.n.id}>
            <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={b.n.type === 'bridge' ? 6 : 12} fill={FILL[b.n.type]} stroke={drift ? 'var(--warn)' : LINE[b.n.type]} strokeWidth={drift ? 6 : 3} />
            <text x={b.x + b.w / 2} y={b.y + b.h / 2 + 12} textAnchor="middle" fontSize={34} fontWeight={700} fill="var(--ink)">{b.n.data.title}</text>
          </g>
        );
      })}
    </svg>
  );
});
