'use client';
import { useShallow } from 'zustand/react/shallow';
import { HOST_ID } from '@/lib/topology';
import type { EditorState } from '../store/editor-store';
import { useEditorStore, useEditorStoreApi } from '../store/editor-provider';
import { BridgeInspector } from './bridge-inspector';
import { HostInspector } from './host-inspector';
import { LabOverview } from './lab-overview';
import { LinkInspector } from './link-inspector';
import { NamespaceInspector } from './namespace-inspector';

const selection = (s: EditorState) => ({ topology: s.topology, nodes: s.selectedNodes, edges: s.selectedEdges });

/** The form for whatever is selected; errors from validation show at their fields. */
export function Inspector() {
  const store = useEditorStoreApi();
  const { topology, nodes, edges } = useEditorStore(useShallow(selection));
  let body;
  if (nodes.length + edges.length > 1) {
    body = (
      <>
        <h2 className="panel-title">{nodes.length + edges.length} selected</h2>
        <button type="button" className="btn danger" onClick={() => store.getState().removeSelected()}>Delete selected</button>
        <p className="muted small">The host is always there and is never deleted.</p>
      </>
    );
  } else if (edges.length === 1) {
    body = <LinkInspector topology={topology} edgeId={edges[0]!} />;
  } else if (nodes.length === 1) {
    const id = nodes[0]!;
    const index = topology.nodes.findIndex((n) => n.id === id);
    const node = topology.nodes[index];
    if (id === HOST_ID) body = <HostInspector topology={topology} />;
    else if (node?.kind === 'bridge') body = <BridgeInspector key={id} topology={topology} node={node} index={index} />;
    else if (node?.kind === 'namespace') body = <NamespaceInspector key={id} topology={topology} node={node} index={index} />;
    else body = <LabOverview />;
  } else {
    body = <LabOverview />;
  }
  return <aside className="inspector" aria-label="inspector">{body}</aside>;
}
