// The SQLite store: labs and their revisions, the apply journal, the command log, and
// what nslab changed on the host that must be restored. Shared by the CLI and the server
// (WAL mode, so both can have it open at once).
import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NslabError } from '@/lib/errors';
import { damagedError, homeError, rememberDatabase, storeError } from '@/server/errors';
import { DEFAULT_HOME } from './home';

export { DEFAULT_HOME };

export function nslabHome(): string {
  return process.env.NSLAB_HOME || DEFAULT_HOME;
}

// Version 1 of the schema: the tables as nslab first shipped them. Never edit it; change the
// schema by appending a migration below.
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS labs (
  name        TEXT PRIMARY KEY,
  topology    TEXT NOT NULL,
  rev         INTEGER NOT NULL,
  applied_rev INTEGER,
  host_netns  TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL DEFAULT 'not-applied',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
  lab        TEXT NOT NULL,
  rev        INTEGER NOT NULL,
  topology   TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (lab, rev)
);
-- One row per apply or destroy; a row still 'running' whose pid is gone is a crashed apply.
CREATE TABLE IF NOT EXISTS applies (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  lab         TEXT NOT NULL,
  kind        TEXT NOT NULL,
  rev         INTEGER,
  pid         INTEGER NOT NULL,
  status      TEXT NOT NULL,
  error       TEXT,
  started_at  TEXT NOT NULL,
  finished_at TEXT
);
-- Written before each operation runs, so a crash leaves a trace of what was being made.
CREATE TABLE IF NOT EXISTS journal (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  apply_id INTEGER NOT NULL,
  lab      TEXT NOT NULL,
  step     INTEGER NOT NULL,
  op       TEXT NOT NULL,
  netns    TEXT,
  at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_netns ON journal (netns);
CREATE TABLE IF NOT EXISTS commands (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  lab         TEXT NOT NULL,
  at          TEXT NOT NULL,
  argv        TEXT NOT NULL,
  stdin       TEXT,
  exit_code   INTEGER NOT NULL,
  stderr      TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  phase       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commands_lab ON commands (lab, id);
-- Host sysctls nslab changed in the machine's own namespace, with the value to restore.
CREATE TABLE IF NOT EXISTS saved_sysctls (
  lab   TEXT NOT NULL,
  key   TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (lab, key)
);
`;

/**
 * The schema's history, oldest first: migration N brings a database from version N-1 to N
 * (`PRAGMA user_version`). To change the schema, append `{ version: N + 1, up: '...SQL...' }`;
 * never edit a migration that has shipped. All pending migrations run in one transaction when
 * the database is opened, so a crash leaves the old version whole.
 */
export interface Migration {
  version: number;
  /** what it does, for people reading this list */
  what: string;
  /** SQL, or a function for changes SQL alone cannot express */
  up: string | ((db: Database.Database) => void);
}

export const MIGRATIONS: readonly Migration[] = [
  // A database from before versioning has these tables and user_version 0: running version 1
  // there (CREATE ... IF NOT EXISTS) changes nothing but its version.
  { version: 1, what: 'labs, revisions, applies, journal, commands, saved_sysctls', up: SCHEMA_V1 },
  // IF NOT EXISTS: databases made just before versioning may have the table already.
  { version: 2, what: "the writers' lock", up: `
-- The writers' lock: one row per held scope (a lab's name, or '*' for nslab clean), taken by
-- apply, destroy, delete, clean and recovery alike, by the CLI and the server alike. A row whose
-- process is gone (pid and start time no longer match) is a crashed holder and is taken over.
CREATE TABLE IF NOT EXISTS locks (
  scope     TEXT PRIMARY KEY,
  pid       INTEGER NOT NULL,
  pid_start TEXT NOT NULL,
  kind      TEXT NOT NULL,
  since     TEXT NOT NULL
);
` },
  { version: 3, what: 'lesson progress per lab', up: `
-- A lab walked through a lesson (lessons/<id>/lesson.yaml): the step it is at, and the steps
-- whose checks all passed last time they ran (a JSON list of step numbers). Gone with its lab.
CREATE TABLE IF NOT EXISTS lesson_progress (
  lab        TEXT PRIMARY KEY,
  lesson     TEXT NOT NULL,
  step       INTEGER NOT NULL,
  passed     TEXT NOT NULL DEFAULT '[]',
  updated_at TEXT NOT NULL
);
` },
  { version: 4, what: 'classes and their seats', up: `
-- A class: a lesson and N seats, each seat a lab of its own ('<class>-<seat>'). A seat's token
-- is never stored, only its SHA-256 (token_hash); a revoked seat keeps its row and its lab.
CREATE TABLE IF NOT EXISTS classes (
  name       TEXT PRIMARY KEY,
  lesson     TEXT NOT NULL,
  seats      INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seats (
  class      TEXT NOT NULL REFERENCES classes(name) ON DELETE CASCADE,
  seat       INTEGER NOT NULL,
  lab        TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,
  revoked_at TEXT,
  PRIMARY KEY (class, seat)
);
` },
];

/** Tables every version has; a database without them is damaged. */
const CORE_TABLES = ['labs', 'revisions', 'applies', 'journal', 'commands', 'saved_sysctls'];

/** The schema version this nslab writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

MIGRATIONS.forEach((m, i) => {
  if (m.version !== i + 1) throw new Error(`store migrations: entry ${i} has version ${m.version}, expected ${i + 1}`);
});

/**
 * Opens (creating if needed) the database in the state folder and brings its schema up to date.
 * Every way this can fail (NSLAB_HOME a file or read-only, the database locked, damaged, or
 * written by a newer nslab) throws an NslabError whose message says what to do.
 */
export function openDb(home = nslabHome()): Database.Database {
  const file = join(home, 'nslab.db');
  rememberDatabase(home, file);
  makeHome(home);
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (e) {
    throw unwritableHome(home) ?? storeError(e) ?? homeError(e, home);
  }
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // In WAL mode, NORMAL syncs at checkpoints, not at every commit: an apply writes a journal row
    // and a command-log row per step, and a process killed at any point loses none of them (they
    // are in the WAL when the commit returns); only a power cut may lose the last ones, and it
    // takes every namespace with it.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, home, file);
    return db;
  } catch (e) {
    db.close();
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') throw unwritableHome(home) ?? storeError(e);
    throw storeError(e) ?? e;
  }
}

/**
 * Creates the state folder, one level at a time, so the error names the real cause (a file
 * in the way, a read-only file system) rather than what a recursive mkdir reports.
 */
function makeHome(home: string): void {
  const missing: string[] = [];
  let dir = resolve(home);
  for (;;) {
    let st;
    try {
      st = statSync(dir, { throwIfNoEntry: false });
    } catch (e) {
      throw homeError(e, home); // ENOTDIR: a folder above it is a file
    }
    if (st) {
      if (!st.isDirectory()) throw homeError(Object.assign(new Error('not a folder'), { code: 'ENOTDIR', errno: -20 }), home);
      break;
    }
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
    dir = dirname(dir);
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw homeError(e, home);
    }
  }
}

/** The state folder cannot be written (read-only file system, permissions): say so. */
function unwritableHome(home: string) {
  try {
    accessSync(home, constants.W_OK);
    return null;
  } catch (e) {
    return homeError(e, home);
  }
}

/** Brings the schema to the last version of `migrations` (exported for the tests). */
export function migrate(db: Database.Database, home: string, file: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.length;
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const refuseNewer = (v: number) => {
    if (v > latest) {
      throw new NslabError(
        'storage',
        `the database ${file} was written by a newer nslab (schema version ${v}; this nslab knows up to ${latest}); upgrade nslab, or set NSLAB_HOME to another folder`,
      );
    }
  };
  const seen = version();
  refuseNewer(seen);
  if (seen < latest) {
    db.transaction(() => {
      // Another process may have migrated meanwhile: read the version again under the lock.
      const from = version();
      refuseNewer(from);
      for (const m of migrations.slice(from)) {
        if (typeof m.up === 'string') db.exec(m.up);
        else m.up(db);
      }
      db.pragma(`user_version = ${latest}`);
    }).immediate();
  }
  // A versioned database without nslab's tables is not one nslab can trust: refuse it rather
  // than show an empty list of labs.
  const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
  const missing = CORE_TABLES.filter((t) => !tables.has(t));
  if (missing.length) throw damagedError(home, file, `table${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`);
}
