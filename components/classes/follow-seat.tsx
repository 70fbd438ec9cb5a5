'use client';
// Following one seat (/classes/NAME/seats/K): the seat's canvas live, in the presentation view,
// read-only for the instructor (no editing, no apply, no terminal); Escape goes back to the room.
import { PresentView } from '@/components/present/present-page';

export function FollowSeat({ name, seat }: { name: string; seat: number }) {
  const lab = `${name}-${seat}`;
  const room = `/classes/${encodeURIComponent(name)}`;
  return <PresentView key={lab} name={lab} exit={room} note={<span className="present-note">Following seat {seat} of class {name} (read-only)</span>} />;
}
