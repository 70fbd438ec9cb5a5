'use client';
// "Assign addresses…" (in the lab's overview, the inspector with nothing selected): fills every missing address of the drawing from a pool (lib/autoaddr.ts), shown
// first as the list of what gets which address; Assign makes it one editor change (Undo takes it
// back), saved like any other with Save or Apply.
import { useEffect, useMemo, useRef, useState } from 'react';
import { assignAddresses, DEFAULT_POOL, type AutoAddressed } from '@/lib/autoaddr';
import type { EditorState } from './store/editor-store';
import { useEditorStore, useEditorStoreApi } from './store/editor-provider';

const topologySel = (s: EditorState) => s.topology;
const busySel = (s: EditorState) => s.apply.phase !== 'idle' && s.apply.phase !== 'done';

export function AssignAddressesButton() {
  const [open, setOpen] = useState(false);
  const busy = useEditorStore(busySel);
  return (
    <>
      <div className="group">
        <p className="muted small">Interfaces without an address can get one each from a pool, one subnet per segment; you see the list first.</p>
        <button type="button" className="btn" onClick={() => setOpen(true)} disabled={busy}>
          Assign addresses…
        </button>
      </div>
      {open && <AssignAddressesDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function AssignAddressesDialog({ onClose }: { onClose: () => void }) {
  const topology = useEditorStore(topologySel);
  const store = useEditorStoreApi();
  const [pool, setPool] = useState(DEFAULT_POOL);
  const ref = useRef<HTMLDivElement>(null);
  const result = useMemo((): { ok: true; r: AutoAddressed } | { ok: false; message: string } => {
    try {
      return { ok: true, r: assignAddresses(topology, { pool: pool.trim() }) };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }, [topology, pool]);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const rows = result.ok ? result.r.assignments : [];
  const assign = () => {
    if (!result.ok || !rows.length) return;
    const next = result.r.topology;
    store.getState().edit(() => next);
    onClose();
  };
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="addr-title" ref={ref}>
        <h2 id="addr-title">Assign addresses</h2>
        <p className="small muted">
          Every interface without an address gets one. A point-to-point link gets a new /30, a bridge (with the bridges linked to it) a new /24;
          a segment that has an address keeps its subnet. Addresses already set and routes do not change.
        </p>
        <label className="field">
          <span>Pool</span>
          <input name="pool" value={pool} onChange={(e) => setPool(e.target.value)} aria-invalid={!result.ok} autoComplete="off" />
        </label>
        {!result.ok && <p className="error-text" role="alert">{result.message}</p>}
        {result.ok && !rows.length && <p className="ok-text">Every interface that can hold an address has one: nothing to assign.</p>}
        {result.ok && rows.length > 0 && (
          <>
            <div style={{ maxHeight: '45vh', overflow: 'auto' }}>
              <table className="addr-table" aria-label="addresses to assign" style={{ width: '100%', borderCollapse: 'collapse' }}>
                <thead>
                  <tr><th align="left">Node</th><th align="left">Interface</th><th align="left">Address</th><th align="left">Segment</th></tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.path}>
                      <td>{a.node}</td>
                      <td><code>{a.iface}</code></td>
                      <td className="ok-text"><code>+ {a.address}</code></td>
                      <td className="small">{a.segment}{a.fresh ? ' (new subnet)' : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="plan-summary" data-testid="addr-summary">
              {rows.length} address{rows.length === 1 ? '' : 'es'} to assign, {result.r.subnets.length} new subnet{result.r.subnets.length === 1 ? '' : 's'} from {result.r.pool}.
            </p>
          </>
        )}
        <div className="modal-actions">
          <button type="button" className="btn ghost" onClick={onClose}>Cancel</button>
          <button type="button" className="btn primary" onClick={assign} disabled={!result.ok || !rows.length} data-autofocus>
            Assign {rows.length || ''}
          </button>
        </div>
      </div>
    </div>
  );
}
