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
  type OnConnectEnd,
  type OnDelete,
} from '@xyflow/react';
import { useCallback, useEffect, useRef, type DragEvent } from 'react';
import { HOST_ID } from '@/lib/topology';
import type { PaletteKind } from '@/lib/editor/names';
import { edgeTypes } from '../edges/edge-types';
import { nodeTypes } from '../nodes/node-types';
import type { AppNode } from '../nodes/types';
import { useEditorStoreApi } from '../store/editor-provider';
import { PALETTE_MIME } from '../palette/palette';
import { CanvasFileDrop } from '@/components/import/canvas-file-drop';
import { CanvasHint } from './canvas-hint';
import { PacketLayer } from '../packets/packet-layer';
import { CanvasMinimap, MinimapButton, useMinimap } from './minimap-toggle';
import { useFlowElements } from './use-flow-elements';
import { BIG_LAB, useFarView } from './detail';

/**
 * Room around the lab when fitting it: the controls on the left, the minimap (when shown) on
 * the right. In presentation the lab takes the whole window, with a little room for the status line.
 */
const fitOptions = (minimap: boolean, present: boolean): FitViewOptions =>
  present
    ? { padding: { top: '24px', bottom: '24px', left: '24px', right: '24px' }, maxZoom: 2.5, duration: 0 }
    : { padding: { top: '56px', bottom: '40px', left: '64px', right: minimap ? '170px' : '48px' }, maxZoom: 1.2, duration: 0 };

const PALETTE_KINDS = new Set<string>(['namespace', 'bridge', 'machine']);

/** The node under a screen point (a link dropped on a node's body connects to it, not only on its dot). */
function nodeAt(x: number, y: number): string | null {
  for (const el of document.elementsFromPoint(x, y)) {
    const node = el.closest<HTMLElement>('.react-flow__node');
    if (node?.dataset.id) return node.dataset.id;
  }
  return null;
}

/** The canvas; `present`: read-only, the lab fitted to the whole window and re-fitted whenever it changes. */
export function Canvas({ present = false }: { present?: boolean }) {
  const store = useEditorStoreApi();
  const { nodes, edges } = useFlowElements();
  const { screenToFlowPosition, fitView } = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const minimap = useMinimap(wrapper);
  const fit = fitOptions(minimap.shown && !present, present);
  const fitRef = useRef(fit);
  fitRef.current = fit;
  const current = useRef(nodes);
  current.current = nodes;
  // a big lab seen from far out: no dot grid (dense there, and redrawn at every step of a pan), and
  // nodes drawn without the text too small to read there (globals.css, `.canvas.is-far`)
  const far = useFarView();

  // the view re-fits when the window (or the canvas) changes size, and when the text size changes
  useEffect(() => {
    const el = wrapper.current;
    if (!el) return;
    let last = `${el.clientWidth}x${el.clientHeight}`;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      const now = `${el.clientWidth}x${el.clientHeight}`;
      if (now === last) return;
      last = now;
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => void fitView(fitRef.current));
    });
    observer.observe(el);
    const large = new MutationObserver(() => requestAnimationFrame(() => void fitView(fitRef.current)));
    large.observe(document.documentElement, { attributes: true, attributeFilter: ['data-large'] });
    return () => {
      observer.disconnect();
      large.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [fitView]);

  // presentation: whatever changes (a node added by the editor, nodes grown after an apply), the lab stays fitted
  const extent = present ? nodes.map((n) => `${n.id}:${n.position.x},${n.position.y},${n.measured?.width ?? 0},${n.measured?.height ?? 0},${n.width ?? 0},${n.height ?? 0}`).join(';') : '';
  useEffect(() => {
    if (!present) return;
    const f = requestAnimationFrame(() => void fitView(fitRef.current));
    return () => cancelAnimationFrame(f);
  }, [present, extent, fitView]);

  const onNodesChange = useCallback(
    (changes: NodeChange<AppNode>[]) => {
      const s = store.getState();
      let selected: Set<string> | null = null;
      const moves: { id: string; pos: { x: number; y: number } }[] = [];
      let dragEnded = false;
      let dragging = false;
      const shown = new Map(current.current.map((n) => [n.id, n]));
      for (const c of changes) {
        if (c.type === 'position' && c.position) {
          dragging ||= !!c.dragging;
          dragEnded ||= c.dragging === false;
          const n = shown.get(c.id);
          const parent = n?.parentId ? shown.get(n.parentId) : undefined;
          if (c.id === HOST_ID && n?.width !== undefined) {
            // the host's frame: its bridges go with it
            for (const b of current.current) if (b.parentId === HOST_ID) moves.push({ id: b.id, pos: { x: b.position.x + c.position.x, y: b.position.y + c.position.y } });
          }
          moves.push({ id: c.id, pos: parent ? { x: c.position.x + parent.position.x, y: c.position.y + parent.position.y } : c.position });
        } else if (c.type === 'position' && c.dragging === false) dragEnded = true;
        else if (c.type === 'dimensions' && c.dimensions) s.setSize(c.id, c.dimensions);
        else if (c.type === 'select') {
          selected ??= new Set(store.getState().selectedNodes);
          if (c.selected) selected.add(c.id);
          else selected.delete(c.id);
        }
      }
      if (moves.length || dragEnded) s.moveNodes(moves, dragging && !dragEnded);
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

  const onConnectEnd: OnConnectEnd = useCallback(
    (event, state) => {
      if (state.isValid || !state.fromNode) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      if (!point) return;
      const target = nodeAt(point.clientX, point.clientY);
      if (target && target !== state.fromNode.id) store.getState().connectNodes(state.fromNode.id, target);
    },
    [store],
  );

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

  if (present) {
    return (
      <div className="canvas is-present" ref={wrapper} aria-label="lab canvas">
        <ReactFlow<AppNode>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          connectionMode={ConnectionMode.Loose}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          deleteKeyCode={null}
          fitView
          fitViewOptions={fit}
          minZoom={0.1}
          maxZoom={2.5}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={24} />
          {/* the kernel's packets, always watched in presentation */}
          <PacketLayer autoWatch />
        </ReactFlow>
      </div>
    );
  }

  return (
    <div className={far ? 'canvas is-far' : 'canvas'} ref={wrapper} onDragOver={onDragOver} onDrop={onDrop} aria-label="lab canvas">
      <ReactFlow<AppNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onDelete={onDelete}
        connectionMode={ConnectionMode.Loose}
        connectionRadius={40}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        fitView
        fitViewOptions={fit}
        // a big lab draws only what is in view (panning a thousand nodes stays smooth)
        onlyRenderVisibleElements={nodes.length > BIG_LAB}
        minZoom={0.2}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
      >
        {!far && <Background gap={24} />}
        <Controls position="bottom-left" fitViewOptions={fit}>
          <MinimapButton {...minimap} />
        </Controls>
        {minimap.shown && <CanvasMinimap />}
        <PacketLayer />
      </ReactFlow>
      <CanvasFileDrop />
      <CanvasHint />
    </div>
  );
}
