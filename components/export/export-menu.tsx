'use client';
// The editor's Export menu: the lab as a picture (SVG, or PNG at 2x: the same drawing as
// `nslab export --format svg`), and as draw.io, Mermaid, YAML, JSON or a shell script, each
// downloaded as `<lab>.<ext>`.
import './export.css';
import { useEffect, useRef, useState } from 'react';
import { useEditorStoreApi } from '@/components/editor/store/editor-provider';
import { EXPORT_EXTENSIONS, exportTopology, type ExportFormat } from '@/lib/export/index';
import { pngOfSvg, svgOfTopology } from './canvas-image';
import { downloadBlob } from './download';

type Choice = { id: string; label: string; hint: string } & ({ image: 'svg' | 'png' } | { text: ExportFormat });

const CHOICES: Choice[] = [
  { id: 'png', label: 'PNG image (2×)', hint: 'the diagram, for slides', image: 'png' },
  { id: 'svg', label: 'SVG image', hint: 'the diagram, scalable (Inkscape, diagrams.net)', image: 'svg' },
  { id: 'drawio', label: 'draw.io', hint: 'edit in diagrams.net', text: 'drawio' },
  { id: 'mermaid', label: 'Mermaid', hint: 'a flowchart for Markdown', text: 'mermaid' },
  { id: 'yaml', label: 'YAML', hint: 'the lab file', text: 'yaml' },
  { id: 'json', label: 'JSON', hint: 'the lab file', text: 'json' },
  { id: 'script', label: 'Shell script', hint: 'ip/nft/sysctl commands, with a down part', text: 'script' },
];

const MIME: Partial<Record<ExportFormat, string>> = { json: 'application/json', yaml: 'application/yaml', drawio: 'application/xml', script: 'text/x-shellscript', svg: 'image/svg+xml' };

export function ExportMenu() {
  const store = useEditorStoreApi();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  const run = async (c: Choice) => {
    setOpen(false);
    setError(null);
    const { topology, name } = store.getState();
    try {
      if ('image' in c) {
        // the saved drawing only (the topology), never what is on screen for the moment
        const svg = svgOfTopology(topology);
        downloadBlob(c.image === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : await pngOfSvg(svg), `${name}.${c.image}`);
      } else {
        const text = exportTopology(topology, c.text, { hostNetns: topology.host?.netns ?? '' });
        downloadBlob(new Blob([text], { type: MIME[c.text] ?? 'text/plain' }), `${name}.${EXPORT_EXTENSIONS[c.text]}`);
      }
    } catch (e) {
      setError(`could not export ${c.label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <div className="export-menu" ref={ref}>
      <button type="button" className="btn ghost" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen((o) => !o)} title="Download the diagram or the lab file">
        Export ▾
      </button>
      {open && (
        <ul className="export-menu-list" role="menu" aria-label="export formats">
          {CHOICES.map((c) => (
            <li key={c.id} role="none">
              <button type="button" role="menuitem" className="btn ghost" data-format={c.id} onClick={() => void run(c)} title={c.hint}>
                {c.label} <span className="muted small">{c.hint}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <span className="error-text small" role="alert">{error}</span>}
    </div>
  );
}
