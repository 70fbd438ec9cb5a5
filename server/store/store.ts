// Typed access to the SQLite store. Every write that must be all-or-nothing is a transaction.
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Op } from '@/lib/ops';
import type { Topology } from '@/lib/topology';
import type { CommandLogEntry, LabState, LessonProgress } from '@/server/labs/types';
import { opSchema } from '@/lib/ops-schema';
import { openDb } from './db';
import { parseJson, toCommand, type RawCommand } from './rows';
import { Locks } from './locks';
import { brokenPlaceholder, storedProblem, storedTopology } from './stored';

export interface LabRow {
  name: string;
  topology: Topology;
  rev: number;
  appliedRev: number | null;
  hostNetns: string;
  state: LabState;
  createdAt: string;
  updatedAt: string;
}

interface RawLab {
  name: string;
  topology: string;
  rev: number;
  applied_rev: number | null;
  host_netns: string;
  state: string;
  created_at: string;
  updated_at: string;
}

const now = () => new Date().toISOString();
const COMMAND_LOG_KEEP = 5000;

/** A lab row; its topology is validated, and a broken one throws naming the lab and the fix. */
function toRow(r: RawLab, topology?: Topology): LabRow {
  return {
    name: r.name,
    topology: topology ?? storedTopology(r.name, r.topology),
    rev: r.rev,
    appliedRev: r.applied_rev,
    hostNetns: r.host_netns,
    state: r.state as LabState,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** For lists: a broken lab stays listed, with state 'broken' and the problem as its description. */
function toListedRow(r: RawLab): LabRow {
  const problem = storedProblem(r.name, r.topology);
  if (problem === null) return toRow(r);
  return { ...toRow(r, brokenPlaceholder(r.name, problem)), state: 'broken' };
}

/** A lab's progress through a lesson (lib/labs-types.ts). */
const lessonPassed = z.array(z.number().int().positive());
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export class Store {
  readonly db: Database.Database;
  /** prepared statements by their SQL: an apply writes a row per step and per command */
  private readonly statements = new Map<string, Database.Statement>();

  private sql(text: string): Database.Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }
  readonly locks: Locks;

  constructor(home?: string) {
    this.db = openDb(home);
    this.locks = new Locks(this.db);
  }

  close(): void {
    this.db.close();
  }

  /** Changes whenever another connection (the CLI, the server) commits. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  listLabs(): LabRow[] {
    return (this.sql('SELECT * FROM labs ORDER BY name').all() as RawLab[]).map(toListedRow);
  }

  /**
   * Every lab's name, host and applied revision, without reading (and checking) its topology:
   * what the checks that look at other labs need, at a cost that does not grow with their size.
   */
  labHosts(): { name: string; hostNetns: string; appliedRev: number | null }[] {
    return this.sql('SELECT name, host_netns AS hostNetns, applied_rev AS appliedRev FROM labs ORDER BY name').all() as { name: string; hostNetns: string; appliedRev: number | null }[];
  }

  /** The lab as listLabs shows it (a broken one with state 'broken'), or null. */
  listedLab(name: string): LabRow | null {
    const r = this.sql('SELECT * FROM labs WHERE name = ?').get(name) as RawLab | undefined;
    return r ? toListedRow(r) : null;
  }

  /** Whether a lab of this name is saved (its topology is not read). */
  hasLab(name: string): boolean {
    return this.sql('SELECT 1 FROM labs WHERE name = ?').get(name) !== undefined;
  }

  getLab(name: string): LabRow | null {
    const r = this.sql('SELECT * FROM labs WHERE name = ?').get(name) as RawLab | undefined;
    return r ? toRow(r) : null;
  }

  /** Inserts a lab at revision 1. */
  insertLab(topology: Topology, hostNetns: string): LabRow {
    const at = now();
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO labs (name, topology, rev, host_netns, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)`)
        .run(topology.name, JSON.stringify(topology), hostNetns, at, at);
      this.sql('INSERT INTO revisions (lab, rev, topology, created_at) VALUES (?, 1, ?, ?)').run(topology.name, JSON.stringify(topology), at);
    })();
    return this.getLab(topology.name)!;
  }

  /** Saves a new revision if `expectedRev` is still current; returns null when it is stale. */
  saveLab(topology: Topology, expectedRev: number, hostNetns?: string): LabRow | null {
    const at = now();
    const ok = this.db.transaction(() => {
      const r = this.db
        .prepare(`UPDATE labs SET topology = ?, rev = rev + 1, updated_at = ?, host_netns = COALESCE(?, host_netns) WHERE name = ? AND rev = ?`)
        .run(JSON.stringify(topology), at, hostNetns ?? null, topology.name, expectedRev);
      if (r.changes !== 1) return false;
      this.sql('INSERT INTO revisions (lab, rev, topology, created_at) VALUES (?, ?, ?, ?)').run(topology.name, expectedRev + 1, JSON.stringify(topology), at);
      return true;
    })();
    return ok ? this.getLab(topology.name) : null;
  }

  /** The topology of one saved revision, or null. */
  getRevision(lab: string, rev: number): Topology | null {
    const r = this.sql('SELECT topology FROM revisions WHERE lab = ? AND rev = ?').get(lab, rev) as { topology: string } | undefined;
    return r ? storedTopology(lab, r.topology, rev) : null;
  }

  setState(name: string, state: LabState, appliedRev?: number | null): void {
    if (appliedRev === undefined) this.sql('UPDATE labs SET state = ? WHERE name = ?').run(state, name);
    else this.sql('UPDATE labs SET state = ?, applied_rev = ? WHERE name = ?').run(state, appliedRev, name);
  }

  setHostNetns(name: string, hostNetns: string): void {
    this.sql('UPDATE labs SET host_netns = ? WHERE name = ?').run(hostNetns, name);
  }

  deleteLab(name: string): void {
    this.db.transaction(() => {
      for (const t of ['labs', 'revisions', 'commands', 'saved_sysctls', 'journal', 'applies', 'lesson_progress']) {
        this.sql(`DELETE FROM ${t} WHERE ${t === 'labs' ? 'name' : 'lab'} = ?`).run(name);
      }
    })();
  }

  // --- lesson progress -------------------------------------------------------------------

  /** The lesson a lab is walked through, the step it is at and the steps whose checks passed; null when none. */
  lessonProgress(lab: string): LessonProgress | null {
    const r = this.sql('SELECT lesson, step, passed, updated_at FROM lesson_progress WHERE lab = ?').get(lab) as { lesson: string; step: number; passed: string; updated_at: string } | undefined;
    if (!r) return null;
    const passed = lessonPassed.safeParse(safeJson(r.passed));
    return { lab, lesson: r.lesson, step: r.step, passed: passed.success ? passed.data : [], updatedAt: r.updated_at };
  }

  setLessonProgress(p: Omit<LessonProgress, 'updatedAt'>): LessonProgress {
    const at = now();
    this.sql(`INSERT INTO lesson_progress (lab, lesson, step, passed, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(lab) DO UPDATE SET lesson = excluded.lesson, step = excluded.step, passed = excluded.passed, updated_at = excluded.updated_at`)
      .run(p.lab, p.lesson, p.step, JSON.stringify([...new Set(p.passed)].sort((a, b) => a - b)), at);
    return { ...p, updatedAt: at };
  }

  // --- applies and the journal -----------------------------------------------------------
  // An apply runs under its lab's lock (./locks.ts). Its row stays 'running' and its journal
  // rows stay until it ends; then they are resolved (deleted) in one transaction, so a journal
  // row never outlives its apply and can never vouch for an object made by hand later. Rows of
  // an apply that is 'running' while its lab's lock is free belong to a crashed process.

  /** Records that an apply or destroy starts (the caller holds the lab's lock). */
  beginApply(lab: string, kind: 'apply' | 'destroy', rev: number | null): number {
    const res = this.sql(`INSERT INTO applies (lab, kind, rev, pid, status, started_at) VALUES (?, ?, ?, ?, 'running', ?)`)
      .run(lab, kind, rev, process.pid, now());
    return Number(res.lastInsertRowid);
  }

  /** Ends an apply and resolves its journal: its objects now carry their marks, or are gone. */
  finishApply(id: number, status: 'done' | 'failed' | 'crashed', error?: string): void {
    this.db.transaction(() => {
      this.sql('UPDATE applies SET status = ?, error = ?, finished_at = ? WHERE id = ?').run(status, error ?? null, now(), id);
      this.sql('DELETE FROM journal WHERE apply_id = ?').run(id);
    })();
  }

  /**
   * An apply that ended with its rollback incomplete (or an error mid-way): its journal stays,
   * so recovery finishes the marks of whatever it left, as after a crash.
   */
  markUnresolved(id: number, error: string): void {
    this.sql(`UPDATE applies SET status = 'unresolved', error = ?, finished_at = ? WHERE id = ?`).run(error, now(), id);
  }

  /** Applies not resolved (of one lab, or all): 'running' ones with the lock free crashed. */
  unfinishedApplies(lab?: string): { id: number; lab: string; kind: string; pid: number }[] {
    const sql = `SELECT id, lab, kind, pid FROM applies WHERE status IN ('running', 'unresolved')${lab !== undefined ? ' AND lab = ?' : ''} ORDER BY id`;
    return this.sql(sql).all(...(lab !== undefined ? [lab] : [])) as { id: number; lab: string; kind: string; pid: number }[];
  }

  /** Written before an operation's first command runs: the object's identity before it exists. */
  journal(applyId: number, lab: string, step: number, op: Op): void {
    this.journalMany(applyId, lab, [{ step, op }]);
  }

  /** Journals several operations in one transaction (the steps a round of the driver starts). */
  journalMany(applyId: number, lab: string, steps: { step: number; op: Op }[]): void {
    const insert = this.sql('INSERT INTO journal (apply_id, lab, step, op, netns, at) VALUES (?, ?, ?, ?, ?, ?)');
    const at = now();
    this.db.transaction(() => {
      for (const { step, op } of steps) insert.run(applyId, lab, step, JSON.stringify(op), op.type === 'netns.add' ? op.ns : null, at);
    })();
  }

  /** The operations an unfinished apply journaled, in order; an unreadable row vouches for nothing. */
  journaled(applyId: number): Op[] {
    const rows = this.sql('SELECT op FROM journal WHERE apply_id = ? ORDER BY id').all(applyId) as { op: string }[];
    return rows.flatMap((r) => {
      const op = opSchema.safeParse(parseJson(r.op));
      return op.success ? [op.data] : [];
    });
  }

  // --- saved host sysctls ------------------------------------------------------------------

  saveSysctlOnce(lab: string, key: string, value: string): void {
    this.sql('INSERT OR IGNORE INTO saved_sysctls (lab, key, value) VALUES (?, ?, ?)').run(lab, key, value);
  }

  savedSysctls(lab?: string): { lab: string; key: string; value: string }[] {
    return (lab
      ? this.sql('SELECT * FROM saved_sysctls WHERE lab = ?').all(lab)
      : this.sql('SELECT * FROM saved_sysctls').all()) as { lab: string; key: string; value: string }[];
  }

  forgetSysctl(lab: string, key: string): void {
    this.sql('DELETE FROM saved_sysctls WHERE lab = ? AND key = ?').run(lab, key);
  }

  // --- the command log ---------------------------------------------------------------------

  /** Logs many commands in one transaction (one commit, not one per command). */
  addCommands(list: Omit<CommandLogEntry, 'seq'>[]): CommandLogEntry[] {
    return this.db.transaction(() => list.map((e) => this.addCommand(e)))();
  }

  addCommand(e: Omit<CommandLogEntry, 'seq'>): CommandLogEntry {
    const r = this.sql('INSERT INTO commands (lab, at, argv, stdin, exit_code, stderr, duration_ms, phase) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.lab, e.at, JSON.stringify(e.argv), e.stdin ?? null, e.exitCode, e.stderr, e.durationMs, e.phase);
    const seq = Number(r.lastInsertRowid);
    if (seq % 500 === 0) {
      this.sql('DELETE FROM commands WHERE lab = ? AND id <= ?').run(e.lab, seq - COMMAND_LOG_KEEP);
    }
    return { ...e, seq };
  }

  lastCommandId(): number {
    return (this.sql('SELECT COALESCE(MAX(id), 0) AS id FROM commands').get() as { id: number }).id;
  }

  /** Commands logged after this id, by any process, oldest first. */
  commandsAfter(id: number): CommandLogEntry[] {
    const rows = this.sql('SELECT * FROM commands WHERE id > ? ORDER BY id LIMIT 2000').all(id) as RawCommand[];
    return rows.map(toCommand);
  }

  commands(lab: string, limit = 500): CommandLogEntry[] {
    const rows = this.sql('SELECT * FROM commands WHERE lab = ? ORDER BY id DESC LIMIT ?').all(lab, limit) as RawCommand[];
    return rows.reverse().map(toCommand);
  }
}
