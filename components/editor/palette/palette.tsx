'use client';
import { useReactFlow } from '@xyflow/react';
import type { DragEvent } from 'react';
import type { PaletteKind } from '@/lib/editor/names';
import { useEditorStoreApi } from '../store/editor-provider';

export const PALETTE_MIME = 'application/nslab-node';

const ITEMS: { kind: PaletteKind; title: string; help: string; icon: string }[] = [
  { kind: 'namespace', title: 'Namespace', help: 'its own interfaces, addresses and routes (ip netns add)', icon: '▢' },
  { kind: 'bridge', title: 'Bridge', help: 'a switch on the host; plug namespaces into it', icon: '≡' },
  { kind: 'machine', title: 'Another machine', help: 'a namespace beyond the host, reached through NAT', icon: '▦' },
];

/** Drag an item onto the canvas, or press it (keyboard) to add it in the middle of the view. */
export function Palette() {
  const store = useEditorStoreApi();
  const { screenToFlowPosition } = useReactFlow();

  const onDragStart = (e: DragEvent, kind: PaletteKind) => {
    e.dataTransfer.setData(PALETTE_MIME, kind);
    e.dataTransfer.effectAllowed = 'copy';
  };
  const addInView = (kind: PaletteKind) => {
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const at = canvas ? { x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 } : { x: 400, y: 300 };
    const jitter = store.getState().topology.nodes.length * 24;
    const pos = screenToFlowPosition(at);
    store.getState().addNodeAt(kind, { x: pos.x - 80 + jitter, y: pos.y - 30 + jitter });
  };

  return (
    <nav className="palette" aria-label="palette">
      <h2 className="panel-title">Add</h2>
      <ul>
        {ITEMS.map((item) => (
          <li key={item.kind}>
            <button
              type="button"
              className="palette-item"
              draggable
              data-kind={item.kind}
              onDragStart={(e) => onDragStart(e, item.kind)}
              onClick={() => addInView(item.kind)}
              title={`Drag onto the canvas, or press to add: ${item.help}`}
            >
              <span className="palette-icon" aria-hidden="true">{item.icon}</span>
              <span>
                <strong>{item.title}</strong>
                <small>{item.help}</small>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <p className="palette-tip muted small">
        Connect: drag from a node&apos;s dot to another node. Delete: select and press Delete. Undo: Ctrl+Z.
      </p>
    </nav>
  );
}
