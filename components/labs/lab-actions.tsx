'use client';
import Link from 'next/link';
import { useState } from 'react';
import { request, useSocket } from '@/components/socket';
import type { LabSummary } from '@/lib/protocol';

type Pending = 'destroy' | 'delete' | null;

/** Open, destroy (kernel objects go, the drawing stays) and delete (both go), with a confirm step. */
export function LabActions({ lab }: { lab: LabSummary }) {
  const socket = useSocket();
  const [confirm, setConfirm] = useState<Pending>(null);
  const [busy, setBusy] = useState<Pending>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (what: Exclude<Pending, null>) => {
    setConfirm(null);
    setBusy(what);
    setError(null);
    const res = what === 'destroy' ? await request(socket, 'lab:destroy', { name: lab.name }) : await request(socket, 'lab:delete', { name: lab.name });
    setBusy(null);
    if (!res.ok) setError(res.message);
    else if ('result' in res && !res.result.ok) setError(`destroy failed at ${res.result.error?.object}: ${res.result.error?.message}`);
  };

  if (confirm) {
    return (
      <div
        className="row-actions"
        role="group"
        aria-label={`confirm ${confirm} ${lab.name}`}
        onKeyDown={(e) => e.key === 'Escape' && setConfirm(null)}
      >
        <span>{confirm === 'destroy' ? 'Remove its kernel objects?' : 'Delete the lab and its kernel objects?'}</span>
        <button type="button" className="btn danger" onClick={() => void run(confirm)} autoFocus>
          Yes, {confirm}
        </button>
        <button type="button" className="btn ghost" onClick={() => setConfirm(null)}>Cancel</button>
      </div>
    );
  }
  return (
    <div className="row-actions">
      <Link className="btn" href={`/labs/${encodeURIComponent(lab.name)}`}>Open</Link>
      <button type="button" className="btn ghost" disabled={!!busy || lab.state === 'not-applied'} onClick={() => setConfirm('destroy')}>
        {busy === 'destroy' ? 'Destroying…' : 'Destroy'}
      </button>
      <button type="button" className="btn ghost danger-text" disabled={!!busy} onClick={() => setConfirm('delete')}>
        {busy === 'delete' ? 'Deleting…' : 'Delete'}
      </button>
      {error && <p className="error-text" role="alert">{error}</p>}
    </div>
  );
}
