'use client';
import {
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type OnDelete,
} from '@xyflow/react';
import { useCallback, type DragEvent } from 'react';
import type { PaletteKind } from '@/lib/editor/names';
import { nodeTypes } from '../nodes/node-types';
import type { AppNode } from '../nodes/types';
import { useEditorStoreApi } from '../store/editor-provider';
import { PALETTE_MIME } from '../palette/palette';
import { CanvasHint } from './canvas-hint';
import { useFlowElements } from './use-flow-elements';

const PALETTE_KINDS = new Set<string>(['namespace', 'bridge', 'machine']);

export function Canvas() {
  const store = useEditorStoreApi();
  const { nodes, edges } = useFlowElements();
  const { screenToFlowPosition } = useReactFlow();

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
    <div className="canvas" onDragOver={onDragOver} onDrop={onDrop} aria-label="lab canvas">
      <ReactFlow<AppNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onDelete={onDelete}
        connectionMode={ConnectionMode.Loose}
        connectionRadius={40}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        fitView
        fitViewOptions={{ padding: 0.3, maxZoom: 1.2 }}
        minZoom={0.2}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} />
        <Controls position="bottom-left" />
        <MiniMap position="bottom-right" pannable zoomable ariaLabel="minimap of the lab" />
      </ReactFlow>
      <CanvasHint />
    </div>
  );
}
