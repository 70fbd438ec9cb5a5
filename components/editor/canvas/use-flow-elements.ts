'use client';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { toFlow } from '@/lib/editor/flow';
import { liveViews } from '@/lib/editor/live-view';
import type { EditorState } from '../store/editor-store';
import { useEditorStore } from '../store/editor-provider';
import type { AppNode } from '../nodes/types';
import type { Edge } from '@xyflow/react';

const flowInputs = (s: EditorState) => ({
  topology: s.topology,
  problems: s.problems,
  live: s.live,
  selectedNodes: s.selectedNodes,
  selectedEdges: s.selectedEdges,
  sizes: s.sizes,
});

/** The canvas nodes and edges, derived from the topology, the selection and the live state. */
export function useFlowElements(): { nodes: AppNode[]; edges: Edge[] } {
  const input = useEditorStore(useShallow(flowInputs));
  return useMemo(() => {
    const views = liveViews(input.topology, input.live);
    const { nodes, edges } = toFlow({ ...input, live: views, observed: !!input.live });
    return {
      nodes: nodes as AppNode[],
      edges: edges.map((e) => ({
        ...e,
        className: e.data.problems ? 'has-problem' : undefined,
        labelBgPadding: [6, 3] as [number, number],
        labelBgBorderRadius: 4,
      })),
    };
  }, [input]);
}
