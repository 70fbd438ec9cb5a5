// What can go wrong with files, sockets and the database, said as one sentence for a person:
// what is wrong, with which file, and what to do about it. Used by the CLI (`report`), socket
// requests (`toFailure`, server/register.ts) and `nslab serve` at start-up. No stack reaches a
// user; the CLI prints one only with NSLAB_DEBUG=1, the server writes it to its own log.
import { readdirSync, readFileSync, readlinkSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NslabError } from '@/lib/errors';

/** The state folder and database this process opened (set by openDb), for messages. */
let openedDb: { home: string; file: string } | null = null;

export function rememberDatabase(home: string, file: string): void {
  openedDb = { home, file };
}

type Errno = NodeJS.ErrnoException & { address?: string; port?: number };

function errnoOf(e: unknown): Errno | null {
  return e instanceof Error && typeof (e as Errno).code === 'string' && typeof (e as Errno).errno === 'number' ? (e as Errno) : null;
}

function sqliteCodeOf(e: unknown): string | null {
  const code = e instanceof Error && e.name === 'SqliteError' ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}

/** Why a file could not be read or written, and the fix, from Node's errno code. */
function fileReason(code: string | undefined, action: 'read' | 'write', path: string): string {
  switch (code) {
    case 'ENOENT':
      return action === 'read'
        ? 'there is no such file; check the path'
        : `the folder ${dirname(path)} does not exist; create it first, or choose another path`;
    case 'ENOTDIR':
      return 'a part of that path is a file, not a folder; check the path';
    case 'EISDIR':
      return action === 'read' ? 'it is a folder; give the path of a file' : 'it is a folder; give the path of a file inside it';
    case 'EACCES':
    case 'EPERM':
      return `permission denied; fix the permissions of ${path} (or its folder), or choose another path`;
    case 'EROFS':
      return 'the file system is read-only; choose a path on a writable disk';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full; free some space, or choose a path on another disk';
    case 'ELOOP':
      return 'the path has a loop of symbolic links; check the path';
    case 'ENAMETOOLONG':
      return 'the path is too long; choose a shorter one';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open; close some programs and try again';
    default:
      return `the system said ${code ?? 'no code'}; check the path and try again`;
  }
}

/** `cannot read the TLS key /x: there is no such file; check the path` */
export function fileError(e: unknown, action: 'read' | 'write', path: string, what = ''): NslabError {
  const code = errnoOf(e)?.code;
  return new NslabError('io', `cannot ${action} ${what ? `${what} ` : ''}${path}: ${fileReason(code, action, path)}`);
}

/** The state folder could not be made or used. */
export function homeError(e: unknown, home: string): NslabError {
  const code = errnoOf(e)?.code;
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return new NslabError('storage', `NSLAB_HOME ${home} is not a folder (it or a folder above it is a file); set NSLAB_HOME to a folder, or move that file away`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new NslabError('storage', `NSLAB_HOME ${home} is not writable (${code === 'EROFS' ? 'read-only file system' : 'permission denied'}); set NSLAB_HOME to a writable folder`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new NslabError('storage', `the disk holding NSLAB_HOME ${home} is full; free some space and try again`);
    default:
      return new NslabError('storage', `cannot use NSLAB_HOME ${home}: the system said ${code ?? (e instanceof Error ? e.message : String(e))}; set NSLAB_HOME to a writable folder`);
  }
}

/** The command that moves a damaged state folder aside, so the next nslab starts afresh. */
export function moveAsideCommand(home: string): string {
  return `mv ${home} ${home.replace(/\/+$/, '')}.broken`;
}

/**
 * A database error as a sentence, or null when it is not one. `db` is the database file
 * (default: the one this process opened).
 */
export function storeError(e: unknown, db = openedDb): NslabError | null {
  const code = sqliteCodeOf(e);
  if (!code) return null;
  const home = db?.home ?? 'NSLAB_HOME';
  const file = db?.file ?? 'the database';
  const message = e instanceof Error ? e.message : '';
  // Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE...) by their primary code.
  switch (code.split('_').slice(0, 2).join('_')) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return lockedError(db);
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return damagedError(home, file, code === 'SQLITE_NOTADB' ? 'it is not an SQLite database' : 'its contents are malformed');
    case 'SQLITE_READONLY':
      return new NslabError('storage', `the database ${file} is read-only; make NSLAB_HOME ${home} writable, or set NSLAB_HOME to a writable folder`);
    case 'SQLITE_CANTOPEN':
      return new NslabError('storage', `cannot open the database ${file}; check that NSLAB_HOME ${home} is a writable folder`);
    case 'SQLITE_FULL':
      return new NslabError('storage', `the disk holding NSLAB_HOME ${home} is full; free some space and try again`);
    case 'SQLITE_IOERR':
      // A full disk often shows as an I/O error on the WAL or its shared memory.
      if (db && diskFull(db.home)) return new NslabError('storage', `the disk holding NSLAB_HOME ${home} is full; free some space and try again`);
      return new NslabError('storage', `cannot read or write the database ${file} (${message || code}); check the disk holding NSLAB_HOME ${home}`);
    case 'SQLITE_ERROR':
      if (/no such (table|column)/.test(message)) return damagedError(home, file, `its tables are not nslab's (${message})`);
      return null;
    default:
      return null;
  }
}

export function damagedError(home: string, file: string, why: string): NslabError {
  return new NslabError(
    'storage',
    `the database ${file} is damaged (${why}); nslab will not use it: move it aside with \`${moveAsideCommand(home)}\` (nslab then starts a new, empty one) and run \`nslab clean\` to remove what its labs left in the kernel`,
  );
}

/** SQLite said busy past busy_timeout: name the processes that hold the database open. */
export function lockedError(db = openedDb): NslabError {
  const home = db?.home ?? 'NSLAB_HOME';
  const holders = db ? databaseHolders(db.file) : [];
  if (holders.length === 0) {
    return new NslabError('busy', `the database in NSLAB_HOME ${home} is locked by another program; wait for it to finish, or close it, and try again`);
  }
  const nslab = holders.filter((h) => h.nslab);
  const shown = (nslab.length ? nslab : holders).map((h) => h.pid).join(', ');
  const who = nslab.length ? 'another nslab' : `another program (${holders[0]!.command})`;
  return new NslabError('busy', `${who} is using NSLAB_HOME ${home} (pid ${shown}); wait for it to finish, or stop it, and try again`);
}

/**
 * Processes other than this one with the database (or its WAL) open, read from /proc: the
 * kernel's own record, so a crashed process is never named and no pid file can go stale.
 */
export function databaseHolders(file: string): { pid: number; command: string; nslab: boolean }[] {
  const targets = new Set([file, `${file}-wal`, `${file}-shm`]);
  const out: { pid: number; command: string; nslab: boolean }[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return targets.has(readlinkSync(`/proc/${p}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      // gone meanwhile
    }
    // A node process with nslab's database open runs nslab's code (the CLI, the server, a script
    // using the store); anything else (an sqlite3 shell) is named by its program.
    const program = argv[0]?.split('/').pop() ?? `pid ${pid}`;
    out.push({ pid, command: program, nslab: program === 'node' || program === 'nslab' });
  }
  return out;
}

function diskFull(dir: string): boolean {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

/** A failed listen (EADDRINUSE, EACCES...) of `nslab serve`. */
function listenError(e: Errno): NslabError | null {
  if (e.syscall !== 'listen' && e.syscall !== 'bind') return null;
  const where = `${e.address ?? 'the address'}${e.port !== undefined ? ` port ${e.port}` : ''}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return new NslabError('io', `${where} is already in use; stop the other server, or choose another --port`);
    case 'EADDRNOTAVAIL':
      return new NslabError('io', `${e.address ?? 'that address'} is not an address of this machine; choose one of its addresses with --host`);
    case 'EACCES':
    case 'EPERM':
      return new NslabError('io', `not allowed to listen on ${where}; choose a --port above 1023`);
    default:
      return new NslabError('io', `cannot listen on ${where}: the system said ${e.code}; choose another --host or --port`);
  }
}

/**
 * Any error as an NslabError whose message is one sentence for a person. Errors nslab did
 * not foresee become code 'internal' with their message (never their stack).
 */
export function explain(e: unknown): NslabError {
  if (e instanceof NslabError) return e;
  const stored = storeError(e);
  if (stored) return stored;
  const errno = errnoOf(e);
  if (errno) {
    const listen = listenError(errno);
    if (listen) return listen;
    // A write to standard output redirected to a file (`nslab export ... > FILE`) names no path.
    if (!errno.path && errno.syscall === 'write') return fileError(errno, 'write', 'standard output');
    if (errno.path) {
      const writing = ['mkdir', 'write', 'rename', 'unlink', 'rmdir', 'copyfile', 'symlink', 'chmod'].includes(errno.syscall ?? '');
      return fileError(errno, writing ? 'write' : 'read', errno.path);
    }
    return new NslabError('internal', `${errno.syscall ? `${errno.syscall} failed` : 'a system call failed'} (${errno.code}); this is a bug in nslab: run again with NSLAB_DEBUG=1 and report what it prints`);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new NslabError('internal', `${message.split('\n')[0]} (this is a bug in nslab: run again with NSLAB_DEBUG=1 and report what it prints)`);
}

/** True when NSLAB_DEBUG asks for stacks. */
export function debugging(env = process.env): boolean {
  return !!env.NSLAB_DEBUG && env.NSLAB_DEBUG !== '0';
}

/** Where the database of a state folder lives. */
export function databaseFile(home: string): string {
  return join(home, 'nslab.db');
}
