'use client';
import { problemOwner } from '@/lib/editor/problems';
import { formatProblem } from '@/lib/validate';
import type { EditorState } from '../store/editor-store';
import { useEditorStore, useEditorStoreApi } from '../store/editor-provider';

const problemsSel = (s: EditorState) => s.problems;
const topologySel = (s: EditorState) => s.topology;

/** Nothing selected: every problem of the lab, each a button that selects what it is about. */
export function LabOverview() {
  const store = useEditorStoreApi();
  const problems = useEditorStore(problemsSel);
  const topology = useEditorStore(topologySel);
  return (
    <>
      <h2 className="panel-title">Lab {topology.name}</h2>
      <p className="muted">Select a node or a link to edit it. Shift+click or drag a box (Shift+drag) to select several.</p>
      {problems.length === 0 ? (
        <p className="ok-text">No problems: ready to apply.</p>
      ) : (
        <div className="group">
          <h3 className="group-title">{problems.length} problem{problems.length > 1 ? 's' : ''} to fix before Apply</h3>
          <ul className="problem-list">
            {problems.map((p) => {
              const owner = problemOwner(topology, p.path);
              return (
                <li key={`${p.path}:${p.message}`}>
                  <button type="button" className="linklike" onClick={() => store.getState().select(owner.node && !owner.edge ? [owner.node] : [], owner.edge ? [owner.edge] : [])}>
                    {formatProblem(p)}
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </>
  );
}
