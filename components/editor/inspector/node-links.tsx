'use client';
import type { Topology } from '@/lib/topology';
import { EndpointFields } from './endpoint-fields';

/** Every interface a node has through its links, each editable in place. */
export function NodeLinks({ topology, nodeId }: { topology: Topology; nodeId: string }) {
  const kinds = new Map(topology.nodes.map((n) => [n.id, n.kind]));
  const ends = topology.links.flatMap((l, index) =>
    (['a', 'b'] as const).filter((side) => l[side].node === nodeId).map((side) => ({ index, side, other: l[side === 'a' ? 'b' : 'a'].node })),
  );
  if (ends.length === 0) return <p className="muted small">No interfaces yet: drag from this node&apos;s dot to a bridge or another node.</p>;
  return (
    <div className="group">
      <h3 className="group-title">Interfaces</h3>
      {ends.map(({ index, side, other }) => (
        <EndpointFields key={`${index}${side}`} topology={topology} index={index} side={side} title={`link to ${other}`} isBridge={kinds.get(nodeId) === 'bridge'} />
      ))}
    </div>
  );
}
