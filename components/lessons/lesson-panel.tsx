'use client';
// The "Lesson" tab of the editor's dock: a lesson's steps with their progress; for the chosen
// step its explanation, the commands it runs (rendered from the plan), "Run step" (applied in
// slow motion, each command shown as it runs), "Check" (ticks and the evidence), and "Back to
// step k". A student may also do a step by hand in a terminal: Check says when it is right.
import { useCallback, useEffect, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import type { CheckResult } from '@/lib/checks';
import type { CommandLogEntry, LessonProgress } from '@/lib/labs-types';
import type { LessonSummary, LessonView, StepResults } from '@/lib/lessons';
import { shellQuote } from '@/lib/ops';
import { Markdown } from './markdown';
import './lessons.css';

/** Slow motion: the wait before each kernel step, so a class can follow the commands. */
const STEP_DELAY_MS = 150;

export function LessonPanel({ lab }: { lab: string }) {
  const socket = useSocket();
  const [lesson, setLesson] = useState<LessonView | null>(null);
  const [progress, setProgress] = useState<LessonProgress | null>(null);
  const [lessons, setLessons] = useState<LessonSummary[] | null>(null);
  const [choice, setChoice] = useState('');
  const [shown, setShown] = useState(1);
  const [busy, setBusy] = useState<string | null>(null);
  const [ran, setRan] = useState<{ step: number; lines: string[] } | null>(null);
  const [results, setResults] = useState<Record<number, StepResults>>({});
  const [error, setError] = useState<string | null>(null);

  const open = useCallback(async (id?: string) => {
    const r = await request(socket, 'lesson:open', { lab, ...(id ? { id } : {}) });
    if (!r.ok) return setError(r.message);
    setError(null);
    setLesson(r.lesson);
    setProgress(r.progress);
    if (r.progress && r.lesson) setShown(Math.min(r.progress.step + 1, r.lesson.steps.length));
    if (!r.lesson) {
      const l = await request(socket, 'lesson:list', {});
      if (l.ok) {
        setLessons(l.lessons);
        setChoice((c) => c || l.lessons[0]?.id || '');
      } else setError(l.message);
    }
  }, [socket, lab]);

  useEffect(() => {
    void open();
  }, [open]);

  // the commands of a step as they run (the lab's room gets every command of an apply)
  useEffect(() => {
    if (busy === null || !busy.startsWith('run')) return;
    const onCommand = (e: CommandLogEntry) => {
      // the apply's own reads of the kernel (ip -j, nft list) are not the step's commands
      if (e.lab !== lab || e.phase !== 'apply' || e.argv.includes('-j') || e.argv.includes('list')) return;
      setRan((r) => (r ? { step: r.step, lines: [...r.lines, shellQuote(e.argv)] } : r));
    };
    socket.on('lab:command', onCommand);
    return () => {
      socket.off('lab:command', onCommand);
    };
  }, [socket, lab, busy]);

  const goTo = async (step: number) => {
    setBusy(`run ${step}`);
    setRan({ step, lines: [] });
    setError(null);
    const r = await request(socket, 'lesson:step', { lab, step, delayMs: STEP_DELAY_MS });
    setBusy(null);
    if (!r.ok) return setError(r.message);
    setProgress(r.progress);
    if (!r.result.ok) setError(r.result.error?.message ?? 'the step could not be applied');
    // results of this step and later ones are from before: they go
    setResults((all) => Object.fromEntries(Object.entries(all).filter(([k]) => Number(k) < step)));
  };

  const check = async (step: number) => {
    setBusy(`check ${step}`);
    setError(null);
    const r = await request(socket, 'lesson:check', { lab, step });
    setBusy(null);
    if (!r.ok) return setError(r.message);
    setProgress(r.progress);
    setResults((all) => ({ ...all, [step]: r.step }));
  };

  if (!lesson || !progress) {
    return (
      <div className="tool-panel lesson-panel">
        <div className="tool-bar">
          <label>
            Lesson{' '}
            <select aria-label="lesson" value={choice} onChange={(e) => setChoice(e.target.value)}>
              {(lessons ?? []).map((l) => <option key={l.id} value={l.id}>{l.title} ({l.steps} steps)</option>)}
            </select>
          </label>
          <button type="button" className="btn small" disabled={!choice} onClick={() => void open(choice)}>Start lesson</button>
        </div>
        {lessons?.length === 0 && <p className="muted">No lessons found.</p>}
        {error && <p className="tool-error" role="alert">{error}</p>}
      </div>
    );
  }

  const step = lesson.steps[shown - 1];
  const result = results[shown];
  return (
    <div className="tool-panel lesson-panel">
      <ol className="lesson-steps" aria-label="lesson steps">
        <li className="muted small">{lesson.title}</li>
        {lesson.steps.map((s, i) => {
          const k = i + 1;
          const passed = progress.passed.includes(k);
          const state = passed ? 'passed' : k <= progress.step ? 'done' : k === progress.step + 1 ? 'next' : 'later';
          return (
            <li key={k} data-state={state} aria-current={k === shown ? 'step' : undefined}>
              <button type="button" className="lesson-step" onClick={() => setShown(k)} aria-label={`step ${k}: ${s.title}${passed ? ', checks passed' : k <= progress.step ? ', applied' : ''}`}>
                <span aria-hidden="true" className="lesson-mark">{passed ? '✓' : k <= progress.step ? '•' : k}</span> {s.title}
              </button>
            </li>
          );
        })}
      </ol>
      {step && (
        <section className="lesson-step-view" aria-label={`step ${shown}`}>
          <h3>Step {shown}: {step.title}</h3>
          <p className="muted small">The lab is at step {progress.step} of {lesson.steps.length}.</p>
          <Markdown text={step.explanation} />
          <div className="tool-bar">
            <button type="button" className="btn small primary" disabled={!!busy} onClick={() => void goTo(shown)}>
              {busy === `run ${shown}` ? 'Running…' : `Run step ${shown}`}
            </button>
            <button type="button" className="btn small" disabled={!!busy} onClick={() => void check(shown)}>
              {busy === `check ${shown}` ? 'Checking…' : `Check step ${shown}`}
            </button>
            {shown < progress.step && (
              <button type="button" className="btn small ghost" disabled={!!busy} onClick={() => void goTo(shown)}>{`Back to step ${shown}`}</button>
            )}
          </div>
          {error && <p className="tool-error" role="alert">{error}</p>}
          {ran?.step === shown ? (
            <pre className="lesson-commands" aria-label="commands run" aria-live="polite">{ran.lines.map((c) => `$ ${c}`).join('\n') || (busy ? 'starting…' : 'nothing to change: the lab is already there')}</pre>
          ) : (
            <details className="lesson-plan">
              <summary>Commands this step runs ({step.commands.length})</summary>
              <pre>{step.commands.map((c) => `$ ${c}`).join('\n')}</pre>
            </details>
          )}
          {result ? <Results results={result.results} /> : (
            <ul className="lesson-checks" aria-label="checks">
              {step.checks.map((c, i) => <li key={i} data-ok="unknown"><span aria-hidden="true">○</span> {c}</li>)}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}

function Results({ results }: { results: CheckResult[] }) {
  return (
    <ul className="lesson-checks" aria-label="checks">
      {results.map((r, i) => (
        <li key={i} data-ok={r.ok ? 'yes' : 'no'}>
          <span aria-hidden="true" className={r.ok ? 'ok-text' : 'danger-text'}>{r.ok ? '✓' : '✗'}</span>{' '}
          <span>{r.title}</span> <span className="muted small">— {r.detail}</span>
          {r.evidence.length > 0 && (
            <details>
              <summary>evidence</summary>
              {r.evidence.map((e, j) => (
                <pre key={j}>{`$ ${shellQuote(e.argv)}${e.exitCode ? `   (exit ${e.exitCode})` : ''}\n${e.output}`}</pre>
              ))}
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
