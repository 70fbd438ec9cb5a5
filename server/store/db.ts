// The SQLite store: labs and their revisions, the apply journal, the command log, and
// what nslab changed on the host that must be restored. Shared by the CLI and the server
// (WAL mode, so both can have it open at once).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_HOME = '/var/lib/nslab';

export function nslabHome(): string {
  return process.env.NSLAB_HOME || DEFAULT_HOME;
}

const SCHEMA = `
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
-- Host sysctls nslab changed in the machine's own namespace, with the value to restore.
CREATE TABLE IF NOT EXISTS saved_sysctls (
  lab   TEXT NOT NULL,
  key   TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (lab, key)
);
`;

export function openDb(home = nslabHome()): Database.Database {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const db = new Database(join(home, 'nslab.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  return db;
}
