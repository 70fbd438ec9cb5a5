'use client';
// Dropping a lab file on the editor's canvas replaces the drawing with the file's lab (after a
// confirm; undo brings the old one back). Mounted inside the canvas's container, it listens on
// that container for drags that carry files only, so palette drags work as before.
import './import.css';
import { useEffect, useRef, useState } from 'react';
import { useEditorStoreApi } from '@/components/editor/store/editor-provider';
import { draggedFiles, problemLines, readTopologyFile } from './read-topology-file';

export function CanvasFileDrop() {
  const store = useEditorStoreApi();
  const anchor = useRef<HTMLSpanElement>(null);
  const [over, setOver] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);

  useEffect(() => {
    const area = anchor.current?.parentElement;
    if (!area) return;
    const onOver = (e: DragEvent) => {
      if (!draggedFiles(e)) return;
      e.preventDefault();
      setOver(true);
    };
    const onLeave = (e: DragEvent) => {
      if (!area.contains(e.relatedTarget as Node | null)) setOver(false);
    };
    const onDrop = async (e: DragEvent) => {
      if (!draggedFiles(e)) return;
      e.preventDefault();
      e.stopPropagation();
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      const checked = await readTopologyFile(file);
      if (!checked.ok) {
        setProblems(problemLines(checked));
        return;
      }
      setProblems([]);
      const { name } = store.getState();
      const renamed = checked.topology.name !== name;
      const ask = `Replace lab "${name}" with the lab in ${file.name}?${renamed ? ` (its name "${checked.topology.name}" becomes "${name}")` : ''} Undo brings the current drawing back.`;
      if (!window.confirm(ask)) return;
      store.getState().edit(() => ({ ...checked.topology, name }));
    };
    const drop = (e: DragEvent) => void onDrop(e);
    area.addEventListener('dragover', onOver, true);
    area.addEventListener('dragleave', onLeave, true);
    area.addEventListener('drop', drop, true);
    return () => {
      area.removeEventListener('dragover', onOver, true);
      area.removeEventListener('dragleave', onLeave, true);
      area.removeEventListener('drop', drop, true);
    };
  }, [store]);

  return (
    <>
      <span ref={anchor} hidden />
      {over && <div className="import-overlay">Drop to replace this lab with the file</div>}
      {problems.length > 0 && (
        <div className="import-canvas-problems card" role="alert">
          <p className="error-text small">The dropped file cannot be used:</p>
          <ul className="import-problems error-text small">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
          <button type="button" className="btn ghost small" onClick={() => setProblems([])}>Dismiss</button>
        </div>
      )}
    </>
  );
}
