'use client';
// The NAT rules of a namespace with NAT of its own, with their live packet counters, pinned under
// the node. (The host's are drawn in its frame: useFlowElements fills its `natCounters`.)
import { useInternalNode, ViewportPortal } from '@xyflow/react';
import { useEditorStore } from '../store/editor-provider';
import { natRuleKeys } from '@/lib/packets';
import { useNatCounters } from './use-nat-counters';

export function NatBadges({ lab }: { lab: string }) {
  const counters = useNatCounters(lab);
  const topology = useEditorStore((s) => s.topology);
  const withNat = [
    ...topology.nodes.flatMap((n) => (n.kind === 'namespace' && n.nat?.length ? [{ node: n.id, keys: natRuleKeys(n.nat) }] : [])),
  ];
  if (!withNat.length || !Object.keys(counters).length) return null;
  return (
    <ViewportPortal>
      {withNat.map(({ node, keys }) => (
        <NatBadge key={node} node={node} keys={keys} counts={counters[node] ?? {}} />
      ))}
    </ViewportPortal>
  );
}

function NatBadge({ node, keys, counts }: { node: string; keys: string[]; counts: Record<string, number> }) {
  const n = useInternalNode(node);
  if (!n) return null;
  // under the node (the host's links leave from its sides and top in the usual layouts)
  const x = n.internals.positionAbsolute.x;
  const y = n.internals.positionAbsolute.y + (n.measured.height ?? 0) + 8;
  return (
    <div className="nat-badge" data-testid="nat-counters" data-node={node} style={{ transform: `translate(${x}px, ${y}px)` }}>
      {keys.map((k) => (
        <div key={k} className="nat-badge-rule" data-rule={k} data-packets={counts[k] ?? ''}>
          <span className="nat-badge-what">masquerade {k.replace('>', ' → ')}</span>
          <strong className="nat-badge-count">{counts[k] ?? '–'}</strong> <span className="muted">pkts</span>
        </div>
      ))}
    </div>
  );
}
