// Classes and seats in SQLite (tables of migration 4, server/store/db.ts). Seat tokens are
// stored as their SHA-256 only: a token is shown once, when its seat is made.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface ClassRow {
  name: string;
  lesson: string;
  seats: number;
  createdAt: string;
}

export interface SeatRow {
  class: string;
  seat: number;
  lab: string;
  revokedAt: string | null;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class ClassStore {
  constructor(private readonly db: Database.Database) {}

  get(name: string): ClassRow | null {
    const r = this.db.prepare('SELECT name, lesson, seats, created_at FROM classes WHERE name = ?').get(name) as { name: string; lesson: string; seats: number; created_at: string } | undefined;
    return r ? { name: r.name, lesson: r.lesson, seats: r.seats, createdAt: r.created_at } : null;
  }

  list(): ClassRow[] {
    return (this.db.prepare('SELECT name, lesson, seats, created_at FROM classes ORDER BY name').all() as { name: string; lesson: string; seats: number; created_at: string }[])
      .map((r) => ({ name: r.name, lesson: r.lesson, seats: r.seats, createdAt: r.created_at }));
  }

  /** Inserts the class and its seats (labs and token hashes) in one transaction. */
  insert(c: Omit<ClassRow, 'createdAt'>, seats: { seat: number; lab: string; token: string }[]): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO classes (name, lesson, seats, created_at) VALUES (?, ?, ?, ?)').run(c.name, c.lesson, c.seats, new Date().toISOString());
      const add = this.db.prepare('INSERT INTO seats (class, seat, lab, token_hash) VALUES (?, ?, ?, ?)');
      for (const s of seats) add.run(c.name, s.seat, s.lab, tokenHash(s.token));
    })();
  }

  seats(name: string): SeatRow[] {
    return (this.db.prepare('SELECT class, seat, lab, revoked_at FROM seats WHERE class = ? ORDER BY seat').all(name) as { class: string; seat: number; lab: string; revoked_at: string | null }[])
      .map((r) => ({ class: r.class, seat: r.seat, lab: r.lab, revokedAt: r.revoked_at }));
  }

  /** The seat a token opens: none for an unknown or revoked token. */
  seatOf(token: string): SeatRow | null {
    const r = this.db.prepare('SELECT class, seat, lab, revoked_at FROM seats WHERE token_hash = ? AND revoked_at IS NULL').get(tokenHash(token)) as { class: string; seat: number; lab: string; revoked_at: string | null } | undefined;
    return r ? { class: r.class, seat: r.seat, lab: r.lab, revokedAt: r.revoked_at } : null;
  }

  /** The seat whose lab this is (revoked or not), or null: the lab is no seat's. */
  seatByLab(lab: string): SeatRow | null {
    const r = this.db.prepare('SELECT class, seat, lab, revoked_at FROM seats WHERE lab = ?').get(lab) as { class: string; seat: number; lab: string; revoked_at: string | null } | undefined;
    return r ? { class: r.class, seat: r.seat, lab: r.lab, revokedAt: r.revoked_at } : null;
  }

  /** Revokes one seat's token; false when there is no such seat. */
  revoke(name: string, seat: number): boolean {
    return this.db.prepare('UPDATE seats SET revoked_at = ? WHERE class = ? AND seat = ? AND revoked_at IS NULL').run(new Date().toISOString(), name, seat).changes > 0;
  }

  delete(name: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM seats WHERE class = ?').run(name);
      this.db.prepare('DELETE FROM classes WHERE name = ?').run(name);
    })();
  }
}
