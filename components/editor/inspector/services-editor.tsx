'use client';
// A namespace's services (`run`): one command line per line, run in the node once the lab is
// applied (lib/services.ts says how a line is split into words; no shell).
import { useEffect, useId, useState } from 'react';
import { useFieldProblems } from './use-field-problems';

export function ServicesEditor({ base, run, onChange }: { base: string; run: string[]; onChange(run: string[]): void }) {
  const id = useId();
  const path = `${base}.run`;
  const errors = useFieldProblems(path, true);
  // the text as typed (a new empty line stays while it is typed), in step with `run` from elsewhere
  const [text, setText] = useState(run.join('\n'));
  const joined = run.join('\n');
  useEffect(() => setText((t) => (linesOf(t).join('\n') === joined ? t : joined)), [joined]);
  return (
    <div className="field">
      <label htmlFor={id}>Services (one command per line)</label>
      <textarea
        id={id}
        data-path={path}
        className="mono"
        rows={Math.min(8, Math.max(2, run.length + 1))}
        value={text}
        placeholder="e.g. python3 -m http.server 8080"
        spellCheck={false}
        aria-invalid={errors.length > 0}
        onChange={(e) => {
          setText(e.target.value);
          onChange(linesOf(e.target.value));
        }}
      />
      {errors.length > 0 ? (
        <small className="field-error" role="alert" data-error-for={path}>{errors.join(' · ')}</small>
      ) : (
        <small className="muted">Started after Apply, as nobody inside this namespace; words split like a shell, quotes allowed, no pipes or redirections.</small>
      )}
    </div>
  );
}

const linesOf = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
