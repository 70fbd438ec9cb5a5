import { BaseEdge, EdgeLabelRenderer, EdgeText, type EdgeProps } from '@xyflow/react';
import { curvePath, linkCurve, pointOnCurve, type HandleSide } from '@/lib/editor/edge-geometry';
import type { FlowEdgeEnd } from '@/lib/editor/flow';
import { useFarView } from '../canvas/detail';
import type { LinkFlowEdge } from './types';

/** below this height between the nodes the end labels would cover a node: shown only while the link is selected */
const ROOM_FOR_LABELS = 34;
/** below this height the end labels and the rate crowd each other: when the nodes list their live interfaces anyway, the labels step aside */
const ROOM_FOR_ALL = 80;

/** "0 pkt/s", "4.5 pkt/s", "120 pkt/s", "1.2k pkt/s": short enough for the middle of a link */
function ppsText(pps: number): string {
  if (pps >= 1000) return `${(pps / 1000).toFixed(1)}k pkt/s`;
  return `${pps >= 10 ? Math.round(pps) : Math.round(pps * 10) / 10} pkt/s`;
}

const side = (p: string): HandleSide => (p === 'top' || p === 'left' || p === 'right' ? p : 'bottom');
const along = (s: HandleSide, offset: number) => (s === 'top' || s === 'bottom' ? { dx: offset, dy: 0 } : { dx: 0, dy: 0 });

/**
 * A veth link: each end's interface name (and address, small) next to its own end, its netem
 * (`50 ms · 1 %`) in the middle, and the middle kept for the live rate, which also thickens and animates the line while traffic flows.
 * The rate is SVG text inside the edge (under the nodes); the end labels are HTML above it.
 */
export function LinkEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected }: EdgeProps<LinkFlowEdge>) {
  // a big lab seen from far: no end labels (unreadable there), unless the link is selected
  const far = useFarView();
  if (!data) return null;
  const s0 = along(side(sourcePosition), data.source.offset);
  const t0 = along(side(targetPosition), data.target.offset);
  const curve = linkCurve({ x: sourceX + s0.dx, y: sourceY + s0.dy }, side(sourcePosition), { x: targetX + t0.dx, y: targetY + t0.dy }, side(targetPosition));
  const mid = pointOnCurve(curve, 0.5);
  // the room for labels: the height between the nodes (the width, for nodes side by side)
  const sideways = side(sourcePosition) === 'left' || side(sourcePosition) === 'right';
  const room = sideways ? Math.abs(targetX - sourceX) - 60 : Math.abs(targetY - sourceY);
  const showEnds = !!selected || (!far && (room >= ROOM_FOR_ALL || (room >= ROOM_FOR_LABELS && !data.endsListed)));
  const classes = ['link-path', `state-${data.state}`, `rate-${data.level}`, data.probe ? `probe-${data.probe}` : ''].filter(Boolean).join(' ');
  return (
    // data-link: the link's id, for overlays keyed by link (the packet view)
    <g data-link={id} data-state={data.state}>
      <BaseEdge id={id} path={curvePath(curve)} className={classes} interactionWidth={16} />
      {data.rate && (
        <EdgeText
          x={mid.x}
          y={mid.y}
          label={ppsText(data.rate.pps)}
          className={`link-rate rate-${data.level}`}
          labelBgPadding={[5, 2]}
          labelBgBorderRadius={4}
        />
      )}
      {data.netem && (
        // the impairment (netem) just above the middle, where the rate does not go
        <EdgeText
          x={mid.x}
          y={mid.y - (data.rate ? 16 : 0)}
          label={data.netem}
          className="link-netem"
          labelBgPadding={[5, 2]}
          labelBgBorderRadius={4}
        />
      )}
      {showEnds && (
        <EdgeLabelRenderer>
          <EndLabel end={data.source} at={curve[0]} handle={side(sourcePosition)} beside="left" selected={!!selected} />
          <EndLabel end={data.target} at={curve[3]} handle={side(targetPosition)} beside="right" selected={!!selected} />
        </EdgeLabelRenderer>
      )}
    </g>
  );
}

interface EndLabelProps {
  end: FlowEdgeEnd;
  /** where the link leaves the node */
  at: { x: number; y: number };
  handle: HandleSide;
  /** which side of the line: the source's label left of it, the target's right, so two ends of a short straight link never meet */
  beside: 'left' | 'right';
  selected: boolean;
}

/** An interface name (and its address, small) tucked against its own end of the link, outside the node. */
function EndLabel({ end, at, handle, beside, selected }: EndLabelProps) {
  // beside a top or bottom end; above the line, outwards, at a side end
  const x = handle === 'left' ? 'calc(-100% - 5px)' : handle === 'right' ? '5px' : beside === 'left' ? 'calc(-100% - 5px)' : '5px';
  const y = handle === 'bottom' ? '4px' : 'calc(-100% - 4px)';
  return (
    <div className={`link-end beside-${beside}${selected ? ' is-selected' : ''}`} style={{ transform: `translate(${at.x}px, ${at.y}px) translate(${x}, ${y})` }}>
      <span className="link-end-iface">{end.iface}</span>
      {end.address && <span className="link-end-addr">{end.address}</span>}
      {end.vlan && <span className="link-end-vlan">{end.vlan}</span>}
    </div>
  );
}
