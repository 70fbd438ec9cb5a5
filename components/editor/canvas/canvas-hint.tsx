'use client';
import { useEditorStore } from '../store/editor-provider';
import type { EditorState } from '../store/editor-store';

const nodeCount = (s: EditorState) => s.topology.nodes.length;
const linkCount = (s: EditorState) => s.topology.links.length;

/** What to do next on an empty (or unconnected) canvas. */
export function CanvasHint() {
  const nodes = useEditorStore(nodeCount);
  const links = useEditorStore(linkCount);
  if (nodes > 0 && links > 0) return null;
  return (
    <div className="canvas-hint" role="note">
      {nodes === 0 ? (
        <>
          <strong>Drag a namespace here</strong>
          <span>from the palette on the left (or press its button). Add a bridge the same way; the host is always there.</span>
        </>
      ) : (
        <>
          <strong>Connect your nodes</strong>
          <span>Drag from the dot at the top or bottom of a node to a bridge or another node: that makes a veth pair.</span>
        </>
      )}
    </div>
  );
}
