'use client';
// The classes (instructor only): each with its room, its broadcast and "End class" (after a
// confirmation), and the form that creates one: name, lesson, seats, with the seats counted as
// they are made and applied. The join links are shown once, when the class is made (only the
// tokens' hashes are kept).
import './classes.css';
import Link from 'next/link';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { request, useConnectionState, useSocket } from '@/components/socket';
import type { ClassSummary, CreatedSeat } from '@/lib/protocol';
import type { LessonSummary } from '@/lib/lessons';

const CLASS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?$/;

export function ClassesPanel() {
  const socket = useSocket();
  const ready = useConnectionState() === 'connected';
  const [classes, setClasses] = useState<ClassSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    const r = await request(socket, 'class:list', {});
    if (r.ok) setClasses(r.classes);
    else setError(r.message);
  }, [socket]);
  useEffect(() => {
    if (ready) void load();
  }, [ready, load]);

  return (
    <div className="classes-panel">
      {error && <p className="error-text" role="alert">{error}</p>}
      {classes && !classes.length && <p className="muted">No classes yet.</p>}
      {classes && classes.length > 0 && (
        <ul className="classes-list" aria-label="classes">
          {classes.map((c) => (
            <ClassRow key={c.name} c={c} onEnded={() => void load()} />
          ))}
        </ul>
      )}
      <h3>New class</h3>
      <CreateClassForm onCreated={() => void load()} />
    </div>
  );
}

function ClassRow({ c, onEnded }: { c: ClassSummary; onEnded: () => void }) {
  return (
    <li aria-label={`class ${c.name}`}>
      <Link href={`/classes/${encodeURIComponent(c.name)}`}><strong>{c.name}</strong></Link>{' '}
      <span className="muted small">lesson {c.lesson}, {c.seats} seats{c.broadcast ? `, broadcasting ${c.broadcast}` : ''}</span>
      <EndClassButton name={c.name} seats={c.seats} onEnded={onEnded} />
    </li>
  );
}

/** "End class": asks first (it destroys every seat's lab), then says what went wrong in one sentence, if anything. */
export function EndClassButton({ name, seats, onEnded }: { name: string; seats: number; onEnded: () => void }) {
  const socket = useSocket();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const end = async () => {
    setBusy(true);
    setError(null);
    const r = await request(socket, 'class:end', { name });
    setBusy(false);
    setAsking(false);
    if (r.ok) onEnded();
    else setError(r.message);
  };
  return (
    <span className="end-class">
      {!asking && <button type="button" className="btn small" onClick={() => setAsking(true)}>End class</button>}
      {asking && (
        <span role="alertdialog" aria-label={`end class ${name}`}>
          <span> End class {name}? Every seat&apos;s lab ({seats}) is destroyed and the join links stop working. </span>
          <button type="button" className="btn small danger" disabled={busy} onClick={() => void end()}>{busy ? 'Ending…' : `End ${name}`}</button>{' '}
          <button type="button" className="btn small" disabled={busy} onClick={() => setAsking(false)}>Cancel</button>
        </span>
      )}
      {error && <span className="error-text" role="alert"> {error}</span>}
    </span>
  );
}

function CreateClassForm({ onCreated }: { onCreated: () => void }) {
  const socket = useSocket();
  const ready = useConnectionState() === 'connected';
  const [lessons, setLessons] = useState<LessonSummary[]>([]);
  const [name, setName] = useState('');
  const [lesson, setLesson] = useState('');
  const [seats, setSeats] = useState('3');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<{ name: string; seats: CreatedSeat[] } | null>(null);
  useEffect(() => {
    if (!ready) return;
    void request(socket, 'lesson:list', {}).then((r) => {
      if (!r.ok) return;
      setLessons(r.lessons);
      setLesson((cur) => cur || r.lessons[0]?.id || '');
    });
  }, [socket, ready]);
  const count = Number(seats);
  const nameError = name && !CLASS_NAME.test(name) ? "Use 1-16 of a-z, 0-9 and '-', starting and ending with a letter or digit." : null;
  const seatsError = seats && !(Number.isInteger(count) && count >= 1 && count <= 200) ? 'A number of seats from 1 to 200.' : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name || !lesson || nameError || seatsError) return;
    setError(null);
    setMade(null);
    setProgress({ done: 0, total: count });
    const onProgress = (p: { name: string; done: number; total: number }) => p.name === name && setProgress({ done: p.done, total: p.total });
    socket.on('class:progress', onProgress);
    const r = await request(socket, 'class:create', { name, lesson, seats: count });
    socket.off('class:progress', onProgress);
    setProgress(null);
    if (r.ok) {
      setMade({ name, seats: r.seats });
      setName('');
      onCreated();
    } else setError(r.message);
  };

  return (
    <>
      <form onSubmit={(e) => void submit(e)} className="form" noValidate aria-label="new class">
        <label className="field">
          <span>Class name</span>
          <input name="class" value={name} onChange={(e) => setName(e.target.value.trim())} placeholder="net101" aria-invalid={!!nameError} autoComplete="off" />
          <small className={nameError ? 'error-text' : 'muted'}>{nameError ?? 'Each seat gets a lab named <class>-<seat>, on an isolated host of its own.'}</small>
        </label>
        <label className="field">
          <span>Lesson</span>
          <select name="lesson" value={lesson} onChange={(e) => setLesson(e.target.value)}>
            {lessons.map((l) => <option key={l.id} value={l.id}>{l.title} ({l.id}, {l.steps} steps)</option>)}
          </select>
        </label>
        <label className="field">
          <span>Seats</span>
          <input name="seats" type="number" min={1} max={200} value={seats} onChange={(e) => setSeats(e.target.value)} aria-invalid={!!seatsError} />
          {seatsError && <small className="error-text">{seatsError}</small>}
        </label>
        {error && <p className="error-text" role="alert">{error}</p>}
        <button type="submit" className="btn primary" disabled={!!progress || !name || !lesson || !!nameError || !!seatsError}>
          {progress ? 'Creating…' : 'Create class'}
        </button>
        {progress && (
          <p role="status" className="class-progress">
            <progress max={progress.total} value={progress.done} /> {progress.done} of {progress.total} seats made and applied
          </p>
        )}
      </form>
      {made && (
        <div className="card class-made" role="region" aria-label={`join links of ${made.name}`}>
          <p>
            Class <Link href={`/classes/${encodeURIComponent(made.name)}`}>{made.name}</Link> is ready. Give each student their link; they are shown only now.
          </p>
          <ol className="join-links">
            {made.seats.map((s) => (
              <li key={s.seat}>seat {s.seat}: <code>{typeof window === 'undefined' ? s.join : `${window.location.origin}${s.join}`}</code></li>
            ))}
          </ol>
        </div>
      )}
    </>
  );
}
