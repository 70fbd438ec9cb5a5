'use client';
import type { EditorState } from '../store/editor-store';
import { useEditorStore } from '../store/editor-provider';
import { useApplyFlow } from './use-apply-flow';

const staleSel = (s: EditorState) => s.staleRev;
const errorSel = (s: EditorState) => (s.apply.phase === 'idle' ? s.apply.error : null);

/** Someone else saved this lab: say so, and offer to load their version (ours is discarded). */
export function StaleBanner() {
  const staleRev = useEditorStore(staleSel);
  const error = useEditorStore(errorSel);
  const { reload } = useApplyFlow();
  if (error?.code === 'version_mismatch' || staleRev !== null) {
    return (
      <div className="banner warn" role="alert">
        {error?.message ?? `This lab was saved elsewhere (revision ${staleRev}) while you were editing.`}{' '}
        <button type="button" className="btn small" onClick={() => void reload()}>Reload the saved lab (your unsaved changes are lost)</button>
      </div>
    );
  }
  if (error) return <div className="banner error" role="alert">{error.message}</div>;
  return null;
}
