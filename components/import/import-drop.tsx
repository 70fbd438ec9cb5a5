'use client';
// The labs page's import: drop a YAML/JSON lab file here (or pick one); it is validated like
// `nslab apply` would, problems name the field, and a valid file becomes a new lab in the editor.
import './import.css';
import { useRouter } from 'next/navigation';
import { useRef, useState, type DragEvent } from 'react';
import { request, useSocket } from '@/components/socket';
import { draggedFiles, problemLines, readTopologyFile } from './read-topology-file';

export function ImportDrop() {
  const socket = useSocket();
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setProblems([]);
    const checked = await readTopologyFile(file);
    if (!checked.ok) {
      setProblems(problemLines(checked));
      setBusy(false);
      return;
    }
    const res = await request(socket, 'lab:create', { topology: checked.topology });
    setBusy(false);
    if (res.ok) router.push(`/labs/${encodeURIComponent(res.lab.name)}`);
    else if (res.code === 'exists') setProblems([`name: ${res.message}; change the name in the file, or open that lab and drop the file on its canvas to replace it`]);
    else setProblems(res.problems?.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)) ?? [res.message]);
  };

  const onDrop = (e: DragEvent) => {
    if (!draggedFiles(e)) return;
    e.preventDefault();
    setOver(false);
    void importFile(e.dataTransfer.files[0]);
  };

  return (
    <div
      className={`import-drop${over ? ' is-over' : ''}`}
      data-testid="import-drop"
      onDragOver={(e) => {
        if (!draggedFiles(e)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p className="muted small">Drop a lab file (YAML or JSON) here, or</p>
      <button type="button" className="btn" onClick={() => input.current?.click()} disabled={busy}>{busy ? 'Importing…' : 'Choose a file…'}</button>
      <input
        ref={input}
        type="file"
        accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml"
        hidden
        aria-label="lab file to import"
        onChange={(e) => {
          void importFile(e.target.files?.[0]);
          e.target.value = '';
        }}
      />
      {problems.length > 0 && (
        <div role="alert">
          <p className="error-text small">This file cannot be imported:</p>
          <ul className="import-problems error-text small">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
        </div>
      )}
    </div>
  );
}
