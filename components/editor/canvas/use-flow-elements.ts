'use client';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { rateLevel, useLinkRates, useProbePath } from '@/components/tools';
import { natKey, toFlow } from '@/lib/editor/flow';
import { natRuleKeys } from '@/lib/packets';
import { HOST_ID } from '@/lib/topology';
import { useNatCounters } from '../packets/use-nat-counters';
import { liveViews } from '@/lib/editor/live-view';
import type { EditorState } from '../store/editor-store';
import { useLabState } from '../use-lab-state';
import { useEditorStore } from '../store/editor-provider';
import type { LinkFlowEdge } from '../edges/types';
import type { AppNode } from '../nodes/types';

const flowInputs = (s: EditorState) => ({
  name: s.name,
  topology: s.topology,
  problems: s.problems,
  live: s.live,
  selectedNodes: s.selectedNodes,
  selectedEdges: s.selectedEdges,
  sizes: s.sizes,
});

/**
 * The canvas nodes and edges, derived from the topology, the selection and the live state;
 * edges also carry the tools' live link rates and the last probe's path.
 */
export function useFlowElements(): { nodes: AppNode[]; edges: LinkFlowEdge[] } {
  const input = useEditorStore(useShallow(flowInputs));
  const applying = useEditorStore((s) => s.apply.phase === 'applying');
  const rates = useLinkRates(input.name);
  const probe = useProbePath(input.name);
  const nat = useNatCounters(input.name);
  // a lab never applied has nothing in the kernel yet: that is not drift, so no drift badges
  const state = useLabState(input.name);
  const applied = state !== 'not-applied';
  // during an apply (ours or anyone's) nodes say "building", not drift
  const building = state === 'applying' || applying;
  const flow = useMemo(() => {
    const views = liveViews(input.topology, input.live);
    if (!applied) for (const v of Object.values(views)) v.drift = [];
    return toFlow({ ...input, live: views, observed: !!input.live, building });
  }, [input, applied, building]);
  return useMemo(() => {
    const onPath = new Set(probe?.links ?? []);
    const listed = new Set(flow.nodes.filter((n) => (n.data.live?.ifaces.length ?? 0) > 0).map((n) => n.id));
    // the host frame shows each NAT rule's live masquerade counter (packets:watch sends them)
    const hostNat = nat[HOST_ID];
    const nodes = flow.nodes.map((n) => {
      const host = n.id === HOST_ID ? n.data.host : undefined;
      if (!host || !hostNat) return n;
      const natCounters: Record<string, number> = {};
      for (const rule of host.nat) {
        const count = hostNat[natRuleKeys([rule])[0]!];
        if (count !== undefined) natCounters[natKey(rule)] = count;
      }
      return { ...n, data: { ...n.data, host: { ...host, natCounters } } };
    });
    return {
      nodes: nodes as AppNode[],
      edges: flow.edges.map((e) => {
        // rates only mean something while the kernel has the link (not after a Destroy)
        const rate = input.live && (e.data.state === 'up' || e.data.state === 'down') ? rates[e.id] : undefined;
        return {
          ...e,
          className: e.data.problems ? 'has-problem' : undefined,
          data: {
            ...e.data,
            ...(rate ? { rate } : {}),
            level: rateLevel(rate),
            endsListed: listed.has(e.source) && listed.has(e.target),
            ...(onPath.has(e.id) ? { probe: probe?.reached ? ('reached' as const) : ('failed' as const) } : {}),
          },
        };
      }),
    };
  }, [flow, rates, probe, input.live, nat]);
}
