'use client';
import Link from 'next/link';
import { useShallow } from 'zustand/react/shallow';
import { LargeTextToggle } from '@/components/shell/large-text-toggle';
import { StateBadge } from '@/components/labs/state-badge';
import { ExportMenu } from '@/components/export/export-menu';
import type { EditorState } from './store/editor-store';
import { useEditorStore, useEditorStoreApi } from './store/editor-provider';
import { useApplyFlow } from './apply/use-apply-flow';
import { useLabState } from './use-lab-state';
import { useAutoLayout } from './use-auto-layout';

const toolbarSel = (s: EditorState) => ({
  name: s.name,
  rev: s.rev,
  dirty: s.topology !== s.saved && JSON.stringify(s.topology) !== JSON.stringify(s.saved),
  problems: s.problems.length,
  canUndo: s.past.length > 0,
  canRedo: s.future.length > 0,
  busy: s.apply.phase !== 'idle' && s.apply.phase !== 'done',
});

export function Toolbar() {
  const t = useEditorStore(useShallow(toolbarSel));
  const store = useEditorStoreApi();
  const state = useLabState(t.name);
  const { save, preview } = useApplyFlow();
  const applyBlocked = t.problems > 0;
  const layout = useAutoLayout();
  return (
    <header className="topbar editor-bar">
      <Link href="/" className="brand">nslab</Link>
      <span aria-hidden="true" className="muted">/</span>
      <h1 className="lab-title">{t.name}</h1>
      {state && <StateBadge state={state} />}
      <span className="muted small" aria-live="polite">{t.dirty ? 'unsaved changes' : `saved, revision ${t.rev}`}</span>
      <span className="spacer" />
      <button type="button" className="btn ghost" onClick={() => store.getState().undo()} disabled={!t.canUndo} title="Undo (Ctrl+Z)">Undo</button>
      <button type="button" className="btn ghost" onClick={() => store.getState().redo()} disabled={!t.canRedo} title="Redo (Ctrl+Shift+Z)">Redo</button>
      <button type="button" className="btn ghost" onClick={() => void layout()} title="Lay the lab out afresh: the host with its bridges on top, namespaces below (undo puts it back)">Layout</button>
      <ExportMenu />
      <Link className="btn ghost" href={`/labs/${encodeURIComponent(t.name)}/present`} title="Presentation mode: the canvas alone, full window, for a projector (P)">Present</Link>
      <LargeTextToggle />
      <button type="button" className="btn ghost" onClick={() => void preview('destroy')} disabled={t.busy || state === 'not-applied'} title="Remove the lab's kernel objects">Destroy</button>
      <button type="button" className="btn" onClick={() => void save()} disabled={!t.dirty || t.busy} title="Save (Ctrl+S)">Save</button>
      <button
        type="button"
        className="btn primary"
        onClick={() => void preview('apply')}
        disabled={applyBlocked || t.busy}
        aria-describedby={applyBlocked ? 'apply-blocked' : undefined}
        title={applyBlocked ? 'Fix the problems first' : 'Save, show the plan, then apply it'}
      >
        Apply…
      </button>
      {applyBlocked && <span id="apply-blocked" className="error-text small">{t.problems} problem{t.problems > 1 ? 's' : ''} to fix</span>}
    </header>
  );
}
