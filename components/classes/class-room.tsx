'use client';
// The instructor's room (/classes/NAME): a card per seat with its lab's state, the step its
// lesson reached, the steps whose checks passed, and when it last moved; refreshed every few
// seconds. (Live thumbnails, following a seat and broadcasting are not built yet.)
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import type { ClassRoom } from '@/lib/protocol';

const REFRESH_MS = 3000;

export function ClassRoomPage({ name }: { name: string }) {
  const socket = useSocket();
  const [room, setRoom] = useState<ClassRoom | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    const load = async () => {
      const r = await request(socket, 'class:show', { name });
      if (!alive) return;
      if (r.ok) {
        setRoom(r.room);
        setError(null);
      } else setError(r.message);
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [socket, name]);

  return (
    <div className="page">
      <header className="topbar">
        <Link href="/" className="brand">nslab</Link>
        <span aria-hidden="true" className="muted">/</span>
        <h1 className="lab-title">class {name}</h1>
        {room && <span className="muted">lesson {room.lesson}, {room.seats.length} seats</span>}
      </header>
      <ConnectionBanner />
      <main className="labs-main single">
        {error && <p className="error-text" role="alert">{error}</p>}
        <ul className="class-seats" aria-label="seats" style={{ listStyle: 'none', padding: 0, display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))', gap: 12 }}>
          {room?.seats.map((s) => (
            <li key={s.seat} className="card" aria-label={`seat ${s.seat}`} data-step={s.step ?? ''}>
              <h2 style={{ margin: 0 }}>Seat {s.seat}</h2>
              <p><Link href={`/labs/${s.lab}`}>{s.lab}</Link> <span className="muted small">{s.state}</span></p>
              <p>{s.step === null ? 'no lesson yet' : `step ${s.step} of ${room.steps}`}; checks passed: {s.passed.length ? s.passed.join(', ') : 'none'}</p>
              <p className="muted small">{s.revoked ? 'link revoked' : s.updatedAt ? `last activity ${new Date(s.updatedAt).toLocaleTimeString()}` : ''}</p>
            </li>
          ))}
        </ul>
      </main>
    </div>
  );
}
