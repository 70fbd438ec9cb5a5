'use client';
import { useEffect, useRef } from 'react';
import { shellQuote } from '@/lib/ops';
import type { CommandLogEntry } from '@/lib/protocol';
import type { EditorState } from '../store/editor-store';
import { useEditorStore } from '../store/editor-provider';

const commandsSel = (s: EditorState) => s.commands;

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour12: false });

/** Every kernel command the server ran for this lab, as a student could type it, streamed live. */
export function CommandLog() {
  const commands = useEditorStore(commandsSel);
  const ref = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [commands]);
  if (commands.length === 0) {
    return <p className="muted dock-empty">No kernel commands yet. Press Apply and every <code>ip</code>, <code>nft</code> and <code>sysctl</code> command the server runs appears here, as you could type it.</p>;
  }
  return (
    <ol
      className="command-log"
      ref={ref}
      aria-label="command log"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
      }}
    >
      {commands.map((c) => <CommandRow key={c.seq} entry={c} />)}
    </ol>
  );
}

function CommandRow({ entry: c }: { entry: CommandLogEntry }) {
  const failed = c.exitCode !== 0;
  return (
    <li className={`cmd${failed ? ' failed' : ''}`} data-phase={c.phase} data-exit={c.exitCode}>
      <span className="cmd-time">{time(c.at)}</span>
      {c.phase !== 'apply' && <span className={`cmd-phase phase-${c.phase}`}>{c.phase}</span>}
      <code className="cmd-argv">$ {shellQuote(c.argv)}</code>
      <span className={`cmd-exit ${failed ? 'bad' : 'good'}`}>{failed ? `exit ${c.exitCode}` : 'ok'}</span>
      <span className="cmd-ms muted">{c.durationMs} ms</span>
      {c.stdin && (
        <details className="cmd-stdin">
          <summary>input</summary>
          <pre>{c.stdin}</pre>
        </details>
      )}
      {failed && c.stderr && <pre className="cmd-stderr">{c.stderr}</pre>}
    </li>
  );
}
