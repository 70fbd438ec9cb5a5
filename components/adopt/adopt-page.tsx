'use client';
// The adopt view: what the kernel has that is not nslab's (namespaces, bridges, veth pairs),
// drawn with its addresses and routes. The user picks what to take, names the lab and creates
// it; nothing in the kernel changes until that lab is applied (and then only nslab's marks).
import Link from 'next/link';
import './adopt.css';
import { useMemo, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { draftFromScan } from '@/lib/adopt';
import { LAB_NAME } from '@/lib/topology';
import { formatProblem } from '@/lib/validate';
import { FoundDiagram } from './found-diagram';
import { FoundList } from './found-list';
import { useAdoptScan } from './use-adopt-scan';

export function AdoptPage() {
  const socket = useSocket();
  const { scan, suggested, error, busy, rescan } = useAdoptScan();
  const [name, setName] = useState('');
  const [excluded, setExcluded] = useState<string[]>([]);
  const [created, setCreated] = useState<string | null>(null);
  const [createError, setCreateError] = useState<string | null>(null);
  const lab = name || suggested;

  const all = useMemo(() => (scan ? draftFromScan(scan, { lab: LAB_NAME.test(lab) ? lab : 'adopted' }) : null), [scan, lab]);
  const draft = useMemo(() => (scan ? draftFromScan(scan, { lab: LAB_NAME.test(lab) ? lab : 'adopted', exclude: excluded }) : null), [scan, lab, excluded]);
  const nameError = name && !LAB_NAME.test(name) ? "Use 1-24 of a-z, 0-9 and '-', starting and ending with a letter or digit." : null;
  const empty = !!draft && draft.topology.nodes.length === 0;

  const create = async () => {
    if (!draft || nameError || empty) return;
    setCreateError(null);
    const res = await request(socket, 'lab:create', { topology: draft.topology, hostNetns: '' });
    if (res.ok) setCreated(res.lab.name);
    else setCreateError(res.message);
  };

  return (
    <div className="page">
      <header className="topbar">
        <Link href="/" className="brand">nslab</Link>
        <span aria-hidden="true" className="muted">/</span>
        <h1 className="lab-title">Adopt from the kernel</h1>
        <span className="spacer" />
        <button type="button" className="btn ghost" onClick={rescan} disabled={busy}>{busy ? 'Reading…' : 'Scan again'}</button>
      </header>
      <ConnectionBanner />
      <main className="adopt-main">
        <section className="card adopt-side" aria-labelledby="found-heading">
          <h2 id="found-heading">Found on this machine</h2>
          <p className="muted small">Namespaces, bridges and veth pairs that nslab did not make. Reading them changed nothing.</p>
          {error && <p className="error-text" role="alert">{error}</p>}
          {all && (
            <FoundList
              draft={all}
              excluded={excluded}
              onToggle={(kernel) => setExcluded((x) => (x.includes(kernel) ? x.filter((k) => k !== kernel) : [...x, kernel]))}
            />
          )}
          {draft && draft.notes.length > 0 && (
            <details className="adopt-notes">
              <summary>{draft.notes.length} thing{draft.notes.length > 1 ? 's' : ''} left as they are</summary>
              <ul>{draft.notes.map((n) => <li key={n} className="small">{n}</li>)}</ul>
            </details>
          )}
          <label className="field">
            <span>Lab name</span>
            <input name="lab" value={name} placeholder={suggested} onChange={(e) => setName(e.target.value.trim())} aria-invalid={!!nameError} autoComplete="off" />
            {nameError && <small className="error-text">{nameError}</small>}
          </label>
          {draft && draft.problems.length > 0 && (
            <ul className="error-text small" role="alert">{draft.problems.map((p) => <li key={formatProblem(p)}>{formatProblem(p)}</li>)}</ul>
          )}
          {created ? (
            <p role="status">
              Lab <strong>{created}</strong> created. <Link href={`/labs/${encodeURIComponent(created)}`} className="btn primary">Open it in the editor</Link>
              <br />
              <small className="muted">Its first apply only marks these objects as nslab&apos;s; destroying it later deletes them.</small>
            </p>
          ) : (
            <button type="button" className="btn primary" onClick={() => void create()} disabled={!draft || empty || !!nameError || busy || draft.problems.length > 0}>
              Create lab from these
            </button>
          )}
          {createError && <p className="error-text" role="alert">{createError}</p>}
        </section>
        <section className="card adopt-canvas" aria-label="diagram of what was found">
          {draft && !empty && <FoundDiagram topology={draft.topology} names={draft.names} />}
          {draft && empty && <p className="muted">Nothing to adopt: no namespace or bridge here that nslab did not make.</p>}
          {!draft && !error && <p className="muted">Reading the kernel…</p>}
        </section>
      </main>
    </div>
  );
}
