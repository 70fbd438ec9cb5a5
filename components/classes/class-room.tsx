'use client';
// The instructor's room (/classes/NAME): a card per seat with a live thumbnail of its lab (the
// kernel's link states as they change), the step its lesson reached, the steps whose checks
// passed and its last activity, all pushed by the server (class:watch); "Follow" opens a seat's
// canvas live and read-only; "Broadcast" shows one of the instructor's labs to every seat until
// it is stopped; "End class" destroys the seats' labs after a confirmation.
import './classes.css';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { request, useConnectionState, useSocket } from '@/components/socket';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { LargeTextToggle } from '@/components/shell/large-text-toggle';
import type { LessonProgress } from '@/lib/labs-types';
import type { ClassRoom, CommandLogEntry, LabRecord, LabsChanged, LabSummary, LiveState, SeatLabView } from '@/lib/protocol';
import { EndClassButton } from './classes-panel';
import { SeatThumbnail } from './seat-thumbnail';

type Seat = ClassRoom['seats'][number];
interface SeatLive {
  record: LabRecord;
  live: LiveState | null;
}

const later = (a: string | null, b: string | null) => (!a ? b : !b ? a : a > b ? a : b);

export function ClassRoomPage({ name }: { name: string }) {
  const socket = useSocket();
  const router = useRouter();
  const ready = useConnectionState() === 'connected';
  const [room, setRoom] = useState<ClassRoom | null>(null);
  const [views, setViews] = useState<Record<string, SeatLive>>({});
  const [activity, setActivity] = useState<Record<string, string | null>>({});
  const [broadcast, setBroadcast] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!ready) return;
    let alive = true;
    const seatOf = (lab: string) => (r: ClassRoom | null) => r?.seats.find((s) => s.lab === lab);
    const touch = (lab: string, at: string) => setActivity((a) => (lab in a ? { ...a, [lab]: later(a[lab] ?? null, at) } : a));
    const onLive = (l: LiveState) => {
      setViews((v) => (v[l.lab] ? { ...v, [l.lab]: { ...v[l.lab]!, live: l } } : v));
      touch(l.lab, l.at);
    };
    const onSaved = (r: LabRecord) => setViews((v) => (v[r.name] ? { ...v, [r.name]: { ...v[r.name]!, record: r } } : v));
    const onLesson = (p: LessonProgress) => {
      setRoom((r) => (r && seatOf(p.lab)(r) ? { ...r, seats: r.seats.map((s) => (s.lab === p.lab ? { ...s, step: p.step, passed: p.passed, updatedAt: p.updatedAt } : s)) } : r));
      touch(p.lab, p.updatedAt);
    };
    const onCommand = (c: CommandLogEntry) => touch(c.lab, c.at);
    const onChanged = (c: LabsChanged) =>
      setRoom((r) => (r && seatOf(c.name)(r) ? { ...r, seats: r.seats.map((s) => (s.lab === c.name ? { ...s, state: 'deleted' in c ? 'missing' : (c as LabSummary).state } : s)) } : r));
    const onBroadcast = (b: { name: string; lab: string | null }) => b.name === name && setBroadcast(b.lab);
    socket.on('lab:live', onLive);
    socket.on('lab:saved', onSaved);
    socket.on('lab:lesson', onLesson);
    socket.on('lab:command', onCommand);
    socket.on('labs:changed', onChanged);
    socket.on('class:broadcast', onBroadcast);
    void request(socket, 'class:watch', { name }).then((r) => {
      if (!alive) return;
      if (!r.ok) return setError(r.message);
      setError(null);
      setRoom(r.room);
      setBroadcast(r.broadcast);
      setViews(Object.fromEntries(r.labs.map((v: SeatLabView) => [v.lab.name, { record: v.lab, live: v.live }])));
      setActivity(Object.fromEntries(r.room.seats.map((s) => [s.lab, later(s.updatedAt, r.labs.find((v) => v.lab.name === s.lab)?.lastCommandAt ?? null)])));
    });
    return () => {
      alive = false;
      socket.off('lab:live', onLive);
      socket.off('lab:saved', onSaved);
      socket.off('lab:lesson', onLesson);
      socket.off('lab:command', onCommand);
      socket.off('labs:changed', onChanged);
      socket.off('class:broadcast', onBroadcast);
      void request(socket, 'class:unwatch', { name });
    };
  }, [socket, name, ready]);

  return (
    <div className="page class-room">
      <header className="topbar">
        <Link href="/" className="brand">nslab</Link>
        <span aria-hidden="true" className="muted">/</span>
        <Link href="/classes" className="muted">classes</Link>
        <span aria-hidden="true" className="muted">/</span>
        <h1 className="lab-title">class {name}</h1>
        {room && <span className="muted">lesson {room.lesson}, {room.seats.length} seats</span>}
        <span className="spacer" />
        {room && <BroadcastControl name={name} broadcast={broadcast} seatLabs={room.seats.map((s) => s.lab)} onChange={setBroadcast} />}
        {room && <EndClassButton name={name} seats={room.seats.length} onEnded={() => router.push('/classes')} />}
        <LargeTextToggle />
      </header>
      <ConnectionBanner />
      <main className="room-main">
        {error && <p className="error-text" role="alert">{error}</p>}
        <ul className="class-seats" aria-label="seats">
          {room?.seats.map((s) => (
            <SeatCard key={s.seat} cls={name} seat={s} steps={room.steps} view={views[s.lab]} activity={activity[s.lab] ?? null} />
          ))}
        </ul>
      </main>
    </div>
  );
}

function SeatCard({ cls, seat: s, steps, view, activity }: { cls: string; seat: Seat; steps: number; view: SeatLive | undefined; activity: string | null }) {
  return (
    <li className="card seat-card" aria-label={`seat ${s.seat}`} data-step={s.step ?? ''}>
      <div className="seat-head">
        <h2>Seat {s.seat}</h2>
        <span className="muted small">{s.lab} · {s.state}</span>
        <span className="spacer" />
        <Link className="btn small" href={`/classes/${encodeURIComponent(cls)}/seats/${s.seat}`} aria-label={`follow seat ${s.seat}`}>Follow</Link>
      </div>
      <div className="seat-thumb-box">
        {view ? <SeatThumbnail topology={view.record.topology} live={view.live} label={`lab ${s.lab}`} /> : <p className="muted small">no lab</p>}
      </div>
      <p className="seat-step">
        {s.step === null ? 'no lesson yet' : `step ${s.step} of ${steps}`} · checks passed: {s.passed.length ? s.passed.join(', ') : 'none'}
      </p>
      <p className="muted small">{s.revoked ? 'link revoked' : activity ? `last activity ${new Date(activity).toLocaleTimeString()}` : 'no activity yet'}</p>
    </li>
  );
}

/** Broadcast one of the instructor's labs (not a seat's) to every seat, or stop. */
function BroadcastControl({ name, broadcast, seatLabs, onChange }: { name: string; broadcast: string | null; seatLabs: string[]; onChange: (lab: string | null) => void }) {
  const socket = useSocket();
  const [labs, setLabs] = useState<string[]>([]);
  const [pick, setPick] = useState('');
  const [error, setError] = useState<string | null>(null);
  const seats = useMemo(() => new Set(seatLabs), [seatLabs]);
  useEffect(() => {
    void request(socket, 'labs:list', {}).then((r) => {
      if (!r.ok) return;
      const own = r.labs.map((l) => l.name).filter((n) => !seats.has(n));
      setLabs(own);
      setPick((cur) => cur || own[0] || '');
    });
  }, [socket, seats]);
  const send = async (lab: string | null) => {
    setError(null);
    const r = await request(socket, 'class:broadcast', { name, lab });
    if (r.ok) onChange(r.broadcast);
    else setError(r.message);
  };
  return (
    <span className="broadcast-control">
      {broadcast ? (
        <>
          <span className="broadcast-on" role="status">Broadcasting <strong>{broadcast}</strong> to every seat</span>{' '}
          <button type="button" className="btn small" onClick={() => void send(null)}>Stop broadcast</button>
        </>
      ) : (
        <>
          <select aria-label="lab to broadcast" title="The lab every seat is shown" value={pick} onChange={(e) => setPick(e.target.value)}>
            {labs.map((l) => <option key={l} value={l}>{l}</option>)}
          </select>
          <button type="button" className="btn small primary" disabled={!pick} onClick={() => void send(pick)} title="Show this lab to every seat, read-only, until you stop">Broadcast</button>
        </>
      )}
      {error && <span className="error-text" role="alert"> {error}</span>}
    </span>
  );
}
