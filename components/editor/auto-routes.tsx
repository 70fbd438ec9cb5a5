'use client';
// "Add static routes…" in the lab's overview (the inspector with nothing selected): the static routes that let every node reach every other
// (lib/routes-auto.ts), shown as the change they make to the drawing before it is made. Adding
// them edits the drawing only (undo takes them back); Save and Apply… then show the kernel plan.
import { useEffect, useMemo, useState } from 'react';
import { autoRouteLines, autoRoutes, withRoutes } from '@/lib/routes-auto';
import type { EditorState } from './store/editor-store';
import { useEditorStore, useEditorStoreApi } from './store/editor-provider';

const topologySel = (s: EditorState) => s.topology;

export function AutoRoutesButton({ disabled }: { disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn small" style={{ whiteSpace: 'normal', textAlign: 'left', maxWidth: '100%' }} onClick={() => setOpen(true)} disabled={disabled} title="The routes are shown before they are added to the drawing">
        Add static routes so every node reaches every other…
      </button>
      {open && <AutoRoutesDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function AutoRoutesDialog({ onClose }: { onClose(): void }) {
  const topology = useEditorStore(topologySel);
  const store = useEditorStoreApi();
  const add = useMemo(() => autoRoutes(topology), [topology]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const confirm = () => {
    store.getState().edit((t) => withRoutes(t, autoRoutes(t)));
    onClose();
  };
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="auto-routes-title" data-testid="auto-routes">
        <h2 id="auto-routes-title">Add static routes so every node reaches every other</h2>
        <p className="muted small">
          Shortest paths through the nodes that forward (routers, the host with forwarding), IPv4 and IPv6; a namespace with one gateway gets a default route.
          Routes the lab has are kept. Nothing changes in the kernel until you apply.
        </p>
        {add.length === 0 ? (
          <p className="ok-text">No routes to add: every node reaches every other already, or no router joins the segments.</p>
        ) : (
          <ol className="plan-list" aria-label="routes to add">
            {autoRouteLines(add).map((l) => (
              <li key={l} className="plan-change action-create" data-action="create"><code>{l}</code></li>
            ))}
          </ol>
        )}
        <p className="plan-summary">{add.length} route{add.length === 1 ? '' : 's'} to add.</p>
        <div className="modal-actions">
          <button type="button" className="btn ghost" onClick={onClose}>Cancel</button>
          <button type="button" className="btn primary" onClick={confirm} disabled={add.length === 0} data-autofocus>
            Add {add.length} route{add.length === 1 ? '' : 's'} to the drawing
          </button>
        </div>
      </div>
    </div>
  );
}
