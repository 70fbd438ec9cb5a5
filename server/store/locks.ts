// The writers' lock, across processes: apply, destroy, delete, clean and crash recovery take it
// in the same SQLite table, whether the CLI or the server runs them. A holder is a process
// identified by its pid and its start time (so a recycled pid is never mistaken for a live
// holder); a row whose holder is gone was left by a crash and is taken over.
import type Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';

/** What a holder is doing, for the busy message. */
export type LockKind = 'apply' | 'destroy' | 'delete' | 'clean' | 'recover';

/** The lock of every lab at once: `nslab clean` takes it. */
export const ALL_LABS = '*';

export interface LockHolder {
  scope: string;
  pid: number;
  kind: LockKind;
  since: string;
}

export type LockResult = { ok: true } | { ok: false; holder: LockHolder };

interface RawLock {
  scope: string;
  pid: number;
  pid_start: string;
  kind: LockKind;
  since: string;
}

/** The start time of a process (clock ticks since boot, /proc/PID/stat field 22), or null if it is gone. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

const SELF_START = processStart(process.pid) ?? '?';

function alive(r: RawLock): boolean {
  return r.pid === process.pid ? r.pid_start === SELF_START : processStart(r.pid) === r.pid_start;
}

export class Locks {
  constructor(private readonly db: Database.Database) {}

  /**
   * Takes `scope` (a lab, or ALL_LABS) unless a live process holds it, or holds ALL_LABS, or
   * (for ALL_LABS) holds any lab. Rows of dead holders are removed on the way.
   */
  acquire(scope: string, kind: LockKind): LockResult {
    return this.db.transaction((): LockResult => {
      const rows = this.db.prepare('SELECT * FROM locks').all() as RawLock[];
      for (const r of rows) {
        if (alive(r)) continue;
        this.db.prepare('DELETE FROM locks WHERE scope = ? AND pid = ? AND pid_start = ?').run(r.scope, r.pid, r.pid_start);
      }
      const live = rows.filter(alive);
      const blocking = live.find((r) => scope === ALL_LABS || r.scope === ALL_LABS || r.scope === scope);
      if (blocking) return { ok: false, holder: { scope: blocking.scope, pid: blocking.pid, kind: blocking.kind, since: blocking.since } };
      this.db.prepare('INSERT INTO locks (scope, pid, pid_start, kind, since) VALUES (?, ?, ?, ?, ?)').run(scope, process.pid, SELF_START, kind, new Date().toISOString());
      return { ok: true };
    }).immediate();
  }

  release(scope: string): void {
    this.db.prepare('DELETE FROM locks WHERE scope = ? AND pid = ?').run(scope, process.pid);
  }

  /** Who holds a scope now (a live holder only). */
  holder(scope: string): LockHolder | null {
    const r = this.db.prepare('SELECT * FROM locks WHERE scope = ?').get(scope) as RawLock | undefined;
    return r && alive(r) ? { scope: r.scope, pid: r.pid, kind: r.kind, since: r.since } : null;
  }
}

/** "lab seed is being applied by pid 123" / "nslab clean is running (pid 123)". */
export function busyMessage(h: LockHolder): string {
  const who = h.pid === process.pid ? `this process (pid ${h.pid})` : `pid ${h.pid}`;
  if (h.scope === ALL_LABS) return `busy: nslab clean is running in ${who}; wait for it to finish`;
  const doing: Record<LockKind, string> = { apply: 'applied', destroy: 'destroyed', delete: 'deleted', clean: 'cleaned', recover: 'recovered after a crash' };
  return `busy: lab "${h.scope}" is being ${doing[h.kind]} by ${who}; wait for it to finish`;
}
