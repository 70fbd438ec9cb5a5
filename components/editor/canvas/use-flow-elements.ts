'use client';
import { useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { rateLevel, useLinkRates, useProbePath } from '@/components/tools';
import { natKey, toFlow, type FlowNode } from '@/lib/editor/flow';
import { natRuleKeys } from '@/lib/packets';
import { HOST_ID } from '@/lib/topology';
import { useNatCounters } from '../packets/use-nat-counters';
import { liveViews } from '@/lib/editor/live-view';
import type { LinkRate } from '@/lib/rates';
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

const sameRate = (a: LinkRate | undefined, b: LinkRate | undefined) =>
  a === b || (!!a && !!b && a.pps === b.pps && a.bps === b.bps && a.txPps === b.txPps && a.rxPps === b.rxPps);

/** A node as drawn last time when nothing React Flow shows of it changed (a big lab re-renders only what changed). */
function sameNode(a: FlowNode, b: FlowNode): boolean {
  return (
    a.type === b.type &&
    a.selected === b.selected &&
    a.deletable === b.deletable &&
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.measured?.width === b.measured?.width &&
    a.measured?.height === b.measured?.height &&
    JSON.stringify(a.data) === JSON.stringify(b.data)
  );
}

interface EdgeMemo {
  base: unknown;
  rate: LinkRate | undefined;
  listed: boolean;
  probe: 'reached' | 'failed' | undefined;
  out: LinkFlowEdge;
}

/**
 * The canvas nodes and edges, derived from the topology, the selection and the live state;
 * edges also carry the tools' live link rates and the last probe's path. Nodes and edges whose
 * content did not change keep their object, so React Flow re-renders only what changed.
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
  const lastNodes = useRef(new Map<string, FlowNode>());
  const lastEdges = useRef(new Map<string, EdgeMemo>());
  const flow = useMemo(() => {
    const views = liveViews(input.topology, input.live);
    if (!applied) for (const v of Object.values(views)) v.drift = [];
    const f = toFlow({ ...input, live: views, observed: !!input.live, building });
    const prev = lastNodes.current;
    const next = new Map<string, FlowNode>();
    // the host frame shows each NAT rule's live masquerade counter (packets:watch sends them)
    const hostNat = nat[HOST_ID];
    const nodes = f.nodes.map((drawn) => {
      const host = drawn.id === HOST_ID ? drawn.data.host : undefined;
      let n = drawn;
      if (host && hostNat) {
        const natCounters: Record<string, number> = {};
        for (const rule of host.nat) {
          const count = hostNat[natRuleKeys([rule])[0]!];
          if (count !== undefined) natCounters[natKey(rule)] = count;
        }
        n = { ...drawn, data: { ...drawn.data, host: { ...host, natCounters } } };
      }
      const p = prev.get(n.id);
      const kept = p && sameNode(p, n) ? p : n;
      next.set(n.id, kept);
      return kept;
    });
    lastNodes.current = next;
    return { nodes, edges: f.edges };
  }, [input, applied, building, nat]);
  return useMemo(() => {
    const onPath = new Set(probe?.links ?? []);
    const listed = new Set(flow.nodes.filter((n) => (n.data.live?.ifaces.length ?? 0) > 0).map((n) => n.id));
    const prev = lastEdges.current;
    const next = new Map<string, EdgeMemo>();
    const edges = flow.edges.map((e) => {
      // rates only mean something while the kernel has the link (not after a Destroy)
      const rate = input.live && (e.data.state === 'up' || e.data.state === 'down') ? rates[e.id] : undefined;
      const endsListed = listed.has(e.source) && listed.has(e.target);
      const onProbe = onPath.has(e.id) ? (probe?.reached ? ('reached' as const) : ('failed' as const)) : undefined;
      const p = prev.get(e.id);
      const base = JSON.stringify(e);
      if (p && p.base === base && sameRate(p.rate, rate) && p.listed === endsListed && p.probe === onProbe) {
        next.set(e.id, p);
        return p.out;
      }
      const out: LinkFlowEdge = {
        ...e,
        className: e.data.problems ? 'has-problem' : undefined,
        data: {
          ...e.data,
          ...(rate ? { rate } : {}),
          level: rateLevel(rate),
          endsListed,
          ...(onProbe ? { probe: onProbe } : {}),
        },
      };
      next.set(e.id, { base, rate, listed: endsListed, probe: onProbe, out });
      return out;
    });
    lastEdges.current = next;
    return { nodes: flow.nodes as AppNode[], edges };
  }, [flow, rates, probe, input.live]);
}
