'use client';
import {
  Background,
  ConnectionMode,
  Controls,
  ReactFlow,
  useReactFlow,
  type Connection,
  type FitViewOptions,
  type EdgeChange,
  type NodeChange,
  type OnDelete,
} from '@xyflow/react';
import { useCallback, useEffect, useRef, type DragEvent } from 'react';
import { useLargeText } from '@/components/shell/use-large-text';
import type { PaletteKind } from '@/lib/editor/names';
import { edgeTypes } from '../edges/edge-types';
import { nodeTypes } from '../nodes/node-types';
import type { AppNode } from '../nodes/types';
import { useEditorStoreApi } from '../store/editor-provider';
import { PALETTE_MIME } from '../palette/palette';
import { CanvasFileDrop } from '@/components/import/canvas-file-drop';
import { CanvasHint } from './canvas-hint';
import { CanvasMinimap, MinimapButton, useMinimap } from './minimap-toggle';
import { useFlowElements } from './use-flow-elements';

/**
 * Room around the lab when fitting it: the controls on the left, the minimap (when shown) on
 * the right. In large text the nodes keep their size and the canvas may zoom in further instead.
 */
const fitOptions = (minimap: boolean, large: boolean): FitViewOptions => ({
  padding: { top: '56px', bottom: '40px', left: '64px', right: minimap ? '170px' : '48px' },
  maxZoom: large ? 1.7 : 1.2,
  duration: 0,
});

const PALETTE_KINDS = new Set<string>(['namespace', 'bridge', 'machine']);
/** from this many nodes on, nodes and edges out of view are not drawn */
const VISIBLE_ONLY_FROM = 300;

export function Canvas() {
  const store = useEditorStoreApi();
  const { nodes, edges } = useFlowElements();
  const { screenToFlowPosition, fitView } = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const minimap = useMinimap(wrapper);
  const large = useLargeText();
  const fit = fitOptions(minimap.shown, large);
  // switching large text re-fits the lab, so the projector gets the bigger view at once (the
  // first fit is React Flow's own, once the nodes are measured)
  const fitted = useRef(large);
  useEffect(() => {
    if (fitted.current === large) return;
    fitted.current = large;
    void fitView(fitOptions(minimap.shown, large));
  }, [large, minimap.shown, fitView]);

  const onNodesChange = useCallback(
    (changes: NodeChange<AppNode>[]) => {
      const s = store.getState();
      let selected: Set<string> | null = null;
      for (const c of changes) {
        if (c.type === 'position' && c.position) s.moveNode(c.id, c.position, !!c.dragging);
        else if (c.type === 'position' && c.dragging === false) {
          const p = store.getState().topology.layout?.nodes?.[c.id];
          if (p) s.moveNode(c.id, p, false);
        } else if (c.type === 'dimensions' && c.dimensions) s.setSize(c.id, c.dimensions);
        else if (c.type === 'select') {
          selected ??= new Set(store.getState().selectedNodes);
          if (c.selected) selected.add(c.id);
          else selected.delete(c.id);
        }
      }
      if (selected) store.getState().select([...selected], store.getState().selectedEdges);
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      let selected: Set<string> | null = null;
      for (const c of changes) {
        if (c.type !== 'select') continue;
        selected ??= new Set(store.getState().selectedEdges);
        if (c.selected) selected.add(c.id);
        else selected.delete(c.id);
      }
      if (selected) store.getState().select(store.getState().selectedNodes, [...selected]);
    },
    [store],
  );

  const onConnect = useCallback((c: Connection) => store.getState().connectNodes(c.source, c.target), [store]);

  const onDelete: OnDelete<AppNode> = useCallback(
    ({ nodes: gone, edges: goneEdges }) => store.getState().removeSelected(gone.map((n) => n.id), goneEdges.map((e) => e.id)),
    [store],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const kind = e.dataTransfer.getData(PALETTE_MIME);
      if (!PALETTE_KINDS.has(kind)) return;
      const pos = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      store.getState().addNodeAt(kind as PaletteKind, { x: pos.x - 80, y: pos.y - 30 });
    },
    [store, screenToFlowPosition],
  );

  return (
    <div className="canvas" ref={wrapper} onDragOver={onDragOver} onDrop={onDrop} aria-label="lab canvas">
      <ReactFlow<AppNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onDelete={onDelete}
        connectionMode={ConnectionMode.Loose}
        connectionRadius={40}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        fitView
        fitViewOptions={fit}
        // a big lab draws only what is in view (panning a thousand nodes stays smooth)
        onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_FROM}
        minZoom={0.2}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} />
        <Controls position="bottom-left" fitViewOptions={fit}>
          <MinimapButton {...minimap} />
        </Controls>
        {minimap.shown && <CanvasMinimap />}
      </ReactFlow>
      <CanvasFileDrop />
      <CanvasHint />
    </div>
  );
}
