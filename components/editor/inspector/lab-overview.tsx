'use client';
import { problemOwner } from '@/lib/editor/problems';
import { formatProblem } from '@/lib/validate';
import type { EditorState } from '../store/editor-store';
import { useShallow } from 'zustand/react/shallow';
import { useEditorStore, useEditorStoreApi } from '../store/editor-provider';
import { useLabState } from '../use-lab-state';
import { AssignAddressesButton } from '../assign-addresses';
import { AutoRoutesButton } from '../auto-routes';

const problemsSel = (s: EditorState) => s.problems;
const topologySel = (s: EditorState) => s.topology;
const driftSel = (s: EditorState) => Object.entries(s.live?.nodes ?? {}).flatMap(([id, n]) => n.drift.map((d) => `${id}: ${d}`));

/** Nothing selected: every problem of the lab, each a button that selects what it is about. */
export function LabOverview() {
  const store = useEditorStoreApi();
  const problems = useEditorStore(problemsSel);
  const topology = useEditorStore(topologySel);
  const drift = useEditorStore(useShallow(driftSel));
  const state = useLabState(topology.name);
  return (
    <>
      <h2 className="panel-title">Lab {topology.name}</h2>
      <p className="muted">Select a node or a link to edit it. Shift+click or drag a box (Shift+drag) to select several.</p>
      {problems.length === 0 && state === 'drifted' ? (
        // not "ready to apply" while the kernel differs from the drawing: say how
        <div className="group" data-drift-overview="true">
          <h3 className="group-title state-drifted">The kernel differs from the drawing (drifted)</h3>
          <ul className="problem-list">
            {drift.slice(0, 8).map((d) => <li key={d}>{d}</li>)}
            {drift.length > 8 && <li>…and {drift.length - 8} more</li>}
          </ul>
          <p className="muted small">Apply puts the kernel back as drawn.</p>
        </div>
      ) : problems.length === 0 ? (
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
      <AssignAddressesButton />
      <div className="group" data-lab-actions="true">
        <h3 className="group-title">Routes</h3>
        <AutoRoutesButton />
      </div>
    </>
  );
}
