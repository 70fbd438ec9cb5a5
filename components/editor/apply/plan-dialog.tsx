'use client';
import { useEffect, useRef, useState } from 'react';
import type { EditorState } from '../store/editor-store';
import { useEditorStore, useEditorStoreApi } from '../store/editor-provider';
import { PlanChangeRow } from './plan-change-row';
import { useApplyFlow } from './use-apply-flow';

const applySel = (s: EditorState) => s.apply;
const nameSel = (s: EditorState) => s.name;

/** The plan before it runs, its progress while it runs, and the result after. */
export function PlanDialog() {
  const apply = useEditorStore(applySel);
  const name = useEditorStore(nameSel);
  const store = useEditorStoreApi();
  const { run } = useApplyFlow();
  const ref = useRef<HTMLDivElement>(null);
  const [adoptConfirmed, setAdoptConfirmed] = useState(false);
  const open = apply.phase === 'planning' || apply.phase === 'review' || apply.phase === 'applying' || (apply.phase === 'done' && (!!apply.result || !!apply.error));
  useEffect(() => {
    if (open) ref.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, [open, apply.phase]);
  // Escape closes the dialog wherever the focus is, except while the kernel is being changed
  const closable = open && apply.phase !== 'applying';
  useEffect(() => {
    if (!closable) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') store.getState().resetApply();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [closable, store]);
  if (!open) return null;

  const close = () => store.getState().resetApply();
  const plan = apply.plan;
  const destroying = apply.kind === 'destroy';
  const services = plan?.services ?? [];
  const empty = !!plan && plan.changes.length === 0 && services.length === 0;
  const conflicts = plan?.conflicts ?? [];
  const takeovers = !destroying && apply.phase === 'review' ? (plan?.takeovers ?? []) : [];
  const done = Object.values(apply.progress).filter((s) => s === 'done').length;
  const result = apply.result;

  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="plan-title" ref={ref} data-phase={apply.phase}>
        <h2 id="plan-title">{destroying ? `Destroy lab ${name}` : apply.phase === 'done' ? `Apply of ${name}` : `Plan for ${name}`}</h2>
        {apply.phase === 'planning' && <p className="muted">Reading the kernel and working out the plan…</p>}
        {destroying && apply.phase === 'review' && <p>Remove every kernel object of this lab (namespaces, links, NAT). The drawing stays.</p>}
        {plan && (
          <>
            {empty && <p className="ok-text">{destroying ? 'Nothing to remove: the kernel has no object of this lab.' : 'No changes: the kernel already matches this lab.'}</p>}
            {plan.changes.length > 0 && (
              <ol className="plan-list" aria-label="planned changes">
                {plan.changes.map((c, i) => <PlanChangeRow key={i} change={c} status={apply.progress[i]} />)}
              </ol>
            )}
            {services.length > 0 && (
              <ul className="plan-list plan-services" aria-label="services">
                {services.map((l) => <li key={l} className="mono">{l}</li>)}
              </ul>
            )}
            <p className="plan-summary" data-testid="plan-summary">
              Plan: {plan.summary.add} to add, {plan.summary.change} to change, {plan.summary.destroy} to destroy.
              {services.length > 0 && ` Services: ${services.filter((l) => l.startsWith('+')).length} to start, ${services.filter((l) => l.startsWith('-')).length} to stop.`}
            </p>
            <details className="plan-text">
              <summary>As text</summary>
              <pre>{plan.text}</pre>
            </details>
          </>
        )}
        {conflicts.length > 0 && (
          <div className="banner error" role="alert">
            <strong>Objects that are not this lab&apos;s are in the way; apply is refused:</strong>
            <ul>{conflicts.map((c) => <li key={`${c.ns}/${c.object}`}>{c.message}</li>)}</ul>
          </div>
        )}
        {takeovers.length > 0 && conflicts.length === 0 && (
          <div className="banner warn" role="alert" data-testid="takeovers">
            <strong>This lab takes over {takeovers.length === 1 ? 'an object' : `${takeovers.length} objects`} that nslab did not make:</strong>
            <ul>{takeovers.map((t) => <li key={t}>{t}</li>)}</ul>
            <label className="check">
              <input type="checkbox" checked={adoptConfirmed} onChange={(e) => setAdoptConfirmed(e.target.checked)} />
              Take {takeovers.length === 1 ? 'it' : 'them'} over: nslab marks {takeovers.length === 1 ? 'it' : 'them'} as this lab&apos;s, and Destroy will delete {takeovers.length === 1 ? 'it' : 'them'}.
            </label>
          </div>
        )}
        {apply.phase === 'applying' && <p className="muted" role="status">{destroying ? 'Destroying…' : `Applying… ${done} of ${plan?.changes.length ?? 0} changes done`}</p>}
        {result?.ok && <p className="ok-text" role="status">{destroying ? 'Destroyed: the lab has no kernel objects left.' : 'Applied: the kernel now matches the lab.'}</p>}
        {result && !result.ok && result.error && (
          <div className="banner error" role="alert">
            <strong>Failed at {result.error.object}:</strong> {result.error.message}
            <p>{result.error.rolledBack ? 'Everything this apply had changed was rolled back; the kernel is as it was before.' : 'The rollback did not complete: see the command log.'}</p>
          </div>
        )}
        {apply.error && (
          <div className="banner error" role="alert">
            {apply.error.message}
          </div>
        )}
        <div className="modal-actions">
          {apply.phase === 'review' && (
            <>
              <button type="button" className="btn ghost" onClick={close}>Cancel</button>
              <button type="button" className={`btn ${destroying ? 'danger' : 'primary'}`} data-autofocus onClick={() => void run(takeovers.length > 0 && adoptConfirmed)} disabled={conflicts.length > 0 || (empty && !destroying) || (takeovers.length > 0 && !adoptConfirmed)}>
                {destroying ? 'Destroy' : 'Apply'}
              </button>
            </>
          )}
          {(apply.phase === 'done' || (apply.phase === 'review' && empty && !destroying)) && (
            <button type="button" className="btn" data-autofocus onClick={close}>Close</button>
          )}
        </div>
      </div>
    </div>
  );
}
