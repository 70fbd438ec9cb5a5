'use client';
// Presentation mode (/labs/<lab>/present): the canvas alone, full window, read-only, fitted to
// the window and re-fitted whenever the window or the lab changes; a large status line and a
// strip with the last kernel commands (C shows or hides it; Escape goes back to the editor).
// It follows the lab's room live, so a second browser (the projector) can hold it open.
import './present.css';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { Canvas } from '@/components/editor/canvas/canvas';
import { OpenedLab } from '@/components/editor/opened-lab';
import { useEditorStore } from '@/components/editor/store/editor-provider';
import { useLabState } from '@/components/editor/use-lab-state';
import { useLayoutWhenUnplaced } from '@/components/editor/use-auto-layout';
import { shellQuote } from '@/lib/ops';
import { statusLine } from '@/lib/editor/status-line';

export function PresentPage({ name }: { name: string }) {
  return <OpenedLab name={name}><PresentLayout name={name} /></OpenedLab>;
}

/**
 * The same view of another page's lab: the instructor following a seat (`exit`: back to the room),
 * a seat shown its instructor's broadcast (no exit: it is not the seat's to leave). `note` says
 * whose lab it is.
 */
export function PresentView({ name, exit, note }: { name: string; exit: string | null; note: ReactNode }) {
  return <OpenedLab name={name}><PresentLayout name={name} exit={exit} note={note} /></OpenedLab>;
}

const STRIP = 'nslab:present-commands';

function PresentLayout({ name, exit = `/labs/${encodeURIComponent(name)}`, note }: { name: string; exit?: string | null; note?: ReactNode }) {
  const router = useRouter();
  useLayoutWhenUnplaced();
  const [strip, setStrip] = useState(true);
  useEffect(() => {
    try {
      setStrip(localStorage.getItem(STRIP) !== '0');
    } catch {
      // private mode: shown
    }
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') {
        if (exit) router.push(exit);
      }
      else if (e.key === 'c' || e.key === 'C') {
        setStrip((on) => {
          try {
            localStorage.setItem(STRIP, on ? '0' : '1');
          } catch {
            // not remembered
          }
          return !on;
        });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [router, exit]);
  return (
    <div className="present-page" data-lab={name}>
      <ConnectionBanner />
      <div className="present-canvas">
        <Canvas present />
      </div>
      <PresentStatus name={name}>
        {note}
        {exit && (
          <Link className="present-exit" href={exit} title={note ? 'Back (Escape); C shows or hides the commands' : 'Back to the editor (Escape); C shows or hides the commands'}>
            Esc
          </Link>
        )}
      </PresentStatus>
      {strip && <CommandStrip />}
    </div>
  );
}

function PresentStatus({ name, children }: { name: string; children?: ReactNode }) {
  const state = useLabState(name);
  const live = useEditorStore((s) => s.live);
  const progress = useEditorStore((s) => s.lastProgress);
  const line = statusLine(state, live, progress);
  return (
    <div className={`present-status tone-${line.tone}`} role="status" aria-live="polite" data-state={state ?? ''}>
      <strong className="present-lab">{name}</strong>
      <span className="present-state">{line.text}</span>
      {line.detail.length > 0 && <span className="present-why">{line.detail.join(' · ')}</span>}
      <span className="spacer" />
      {children}
    </div>
  );
}

const STRIP_LINES = 3;

function CommandStrip() {
  const commands = useEditorStore((s) => s.commands);
  const last = commands.slice(-STRIP_LINES);
  if (!last.length) return null;
  return (
    <ol className="present-commands" aria-label="last kernel commands">
      {last.map((c) => (
        <li key={c.seq} className={c.exitCode === 0 ? undefined : 'failed'}>
          <code>{shellQuote(c.argv)}</code>
        </li>
      ))}
    </ol>
  );
}
