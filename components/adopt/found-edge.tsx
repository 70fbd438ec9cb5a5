'use client';
// A veth pair in the adopt diagram: the line, and at each end the interface name with its
// addresses, placed near the node it belongs to so two links from one bridge never share a label.
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from '@xyflow/react';

export interface FoundEnd {
  iface: string;
  addresses: string[];
}

export type FoundFlowEdge = Edge<{ source: FoundEnd; target: FoundEnd }, 'found'>;

/** How far along the line (from its own end) an end's label sits. */
const ALONG = 0.22;

export function FoundEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data }: EdgeProps<FoundFlowEdge>) {
  const [path] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const at = (t: number) => ({ x: sourceX + (targetX - sourceX) * t, y: sourceY + (targetY - sourceY) * t });
  return (
    <>
      <BaseEdge id={id} path={path} />
      {data && (
        <EdgeLabelRenderer>
          <EndLabel end={data.source} at={at(ALONG)} />
          <EndLabel end={data.target} at={at(1 - ALONG)} />
        </EdgeLabelRenderer>
      )}
    </>
  );
}

function EndLabel({ end, at }: { end: FoundEnd; at: { x: number; y: number } }) {
  return (
    <div className="found-end" style={{ transform: `translate(-50%, -50%) translate(${at.x}px, ${at.y}px)` }}>
      <strong>{end.iface}</strong>
      {end.addresses.map((a) => <span key={a}>{a}</span>)}
    </div>
  );
}
