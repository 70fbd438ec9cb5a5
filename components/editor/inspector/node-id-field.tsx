'use client';
import { useEffect, useId, useState } from 'react';
import { renameNode } from '@/lib/editor/edit';
import { NODE_ID, RESERVED_NAMES } from '@/lib/topology';
import { useEditorStoreApi } from '../store/editor-provider';
import { useFieldProblems } from './use-field-problems';

/** The node's id (its name in the kernel): renamed when the field is left or Enter is pressed. */
export function NodeIdField({ id, index, bridge = false }: { id: string; index: number; bridge?: boolean }) {
  const store = useEditorStoreApi();
  const inputId = useId();
  const [draft, setDraft] = useState(id);
  const [local, setLocal] = useState<string | null>(null);
  const errors = useFieldProblems(`nodes[${index}].id`);
  useEffect(() => setDraft(id), [id]);

  const commit = () => {
    if (draft === id) return setLocal(null);
    if (!NODE_ID.test(draft) || RESERVED_NAMES.has(draft.toLowerCase()))
      return setLocal("Use 1-15 of A-Z a-z 0-9 '_' '-', starting with a letter (not an ip keyword like dev).");
    const renamed = renameNode(store.getState().topology, id, draft);
    if (!renamed) return setLocal(`"${draft}" is taken by another node.`);
    setLocal(null);
    store.getState().edit(() => renamed);
    store.getState().select([draft], []);
  };
  const shown = local ? [local] : errors;
  return (
    <div className="field">
      <label htmlFor={inputId}>Name</label>
      <input
        id={inputId}
        data-path={`nodes[${index}].id`}
        value={draft}
        onChange={(e) => setDraft(e.target.value.trim())}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        aria-invalid={shown.length > 0}
        autoComplete="off"
        spellCheck={false}
      />
      {shown.length > 0 ? (
        <small className="field-error" role="alert">{shown.join(' · ')}</small>
      ) : bridge ? (
        <small className="muted">A bridge lives in the host: the kernel calls it {draft || 'name'}, in the host&apos;s namespace.</small>
      ) : (
        <small className="muted">Its namespace is called &lt;lab&gt;-{draft || 'name'} in the kernel.</small>
      )}
    </div>
  );
}
