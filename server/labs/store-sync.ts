// Changes made by other processes (the CLI, another server) to the shared store: labs created,
// saved, applied or deleted, and the commands they ran, emitted as if they happened here. The
// server runs it; the CLI does not need it. Changes this process made itself are remembered
// (remember, forget, ownCommand) so they are not emitted twice.
import type { EventEmitter } from 'node:events';
import type { LabRow, Store } from '@/server/store/store';
import { summary } from './repository';
import type { LabsEvents } from './types';

interface Seen {
  rev: number;
  key: string;
}

const seen = (l: LabRow): Seen => ({ rev: l.rev, key: `${l.rev}/${l.appliedRev}/${l.state}/${l.hostNetns}` });

export class StoreSync {
  private timer: NodeJS.Timeout | null = null;
  private version = 0;
  private readonly labs = new Map<string, Seen>();
  private lastCommand = 0;
  private readonly own = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly events: EventEmitter<LabsEvents>,
  ) {}

  start(intervalMs = 500): void {
    if (this.timer) return;
    this.version = this.store.dataVersion();
    for (const l of this.store.listLabs()) this.labs.set(l.name, seen(l));
    this.lastCommand = this.store.lastCommandId();
    this.timer = setInterval(() => {
      // A store that cannot be read now (locked, damaged) is one log line; the next tick retries.
      try {
        this.poll();
      } catch (e) {
        console.error(`nslab: reading the store for other processes' changes failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  remember(row: LabRow): void {
    if (this.timer) this.labs.set(row.name, seen(row));
  }

  forget(name: string): void {
    this.labs.delete(name);
  }

  ownCommand(seq: number): void {
    if (this.timer) this.own.add(seq);
  }

  private poll(): void {
    const v = this.store.dataVersion();
    if (v === this.version) return;
    this.version = v;
    const rows = this.store.listLabs();
    for (const row of rows) {
      const before = this.labs.get(row.name);
      const now = seen(row);
      if (before?.key === now.key) continue;
      this.labs.set(row.name, now);
      this.events.emit('changed', summary(row));
      if (before?.rev !== now.rev) this.events.emit('saved', { ...summary(row), topology: row.topology });
    }
    const names = new Set(rows.map((r) => r.name));
    for (const name of [...this.labs.keys()]) {
      if (names.has(name)) continue;
      this.labs.delete(name);
      this.events.emit('changed', { name, deleted: true });
    }
    for (const c of this.store.commandsAfter(this.lastCommand)) {
      this.lastCommand = Math.max(this.lastCommand, c.seq);
      if (!this.own.delete(c.seq)) this.events.emit('command', c);
    }
  }
}
