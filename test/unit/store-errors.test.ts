// The store's schema versions and migrations, topologies validated when read back, and the
// one module that turns file and SQLite errors into sentences. Real SQLite files in a temp dir.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { NslabError } from '@/lib/errors';
import { clearTextWarning, isLoopback } from '@/server/auth';
import { explain, fileError, storeError } from '@/server/errors';
import { MIGRATIONS, migrate, openDb, SCHEMA_VERSION, type Migration } from '@/server/store/db';
import { Store } from '@/server/store/store';

const root = mkdtempSync(join(tmpdir(), 'nslab-store-'));
let n = 0;
const freshHome = () => join(root, `h${++n}`);
const seed = parse(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8')) as { name: string; nodes: { id: string }[] };

afterAll(() => rmSync(root, { recursive: true, force: true }));

const version = (db: Database.Database) => db.pragma('user_version', { simple: true }) as number;

/** One sentence: a single line, no stack, ending with what to do. */
function expectSentence(message: string) {
  expect(message).not.toMatch(/\n/);
  expect(message).not.toMatch(/^\s+at /m);
  expect(message).not.toMatch(/unexpected error/i);
  expect(message.length).toBeGreaterThan(20);
}

describe('schema versions', () => {
  it('a new database is at the latest version and has every table', () => {
    const db = openDb(freshHome());
    expect(version(db)).toBe(SCHEMA_VERSION);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['labs', 'revisions', 'applies', 'journal', 'commands', 'saved_sysctls']));
    db.close();
  });

  it('a database from before versioning (tables, user_version 0) is brought to the current version with its data kept', () => {
    const home = freshHome();
    openDb(home).close(); // makes the folder
    rmSync(join(home, 'nslab.db'));
    const legacy = new Database(join(home, 'nslab.db'));
    legacy.exec(MIGRATIONS[0]!.up as string);
    legacy.prepare(`INSERT INTO labs (name, topology, rev, created_at, updated_at) VALUES ('seed', ?, 1, 'x', 'x')`).run(JSON.stringify(seed));
    expect(version(legacy)).toBe(0);
    legacy.close();
    const store = new Store(home);
    expect(version(store.db)).toBe(SCHEMA_VERSION);
    expect(store.getLab('seed')?.topology.nodes.length).toBe(seed.nodes.length);
    store.close();
  });

  it('a database from a newer nslab is refused, naming both versions', () => {
    const home = freshHome();
    openDb(home).close();
    const raw = new Database(join(home, 'nslab.db'));
    raw.pragma('user_version = 42');
    raw.close();
    let err: unknown;
    try {
      openDb(home);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NslabError);
    expect((err as NslabError).message).toMatch(new RegExp(`written by a newer nslab \\(schema version 42; this nslab knows up to ${SCHEMA_VERSION}\\); upgrade nslab`));
    expectSentence((err as NslabError).message);
  });

  it('pending migrations run in order, in one transaction: a failing one leaves the old version whole', () => {
    const home = freshHome();
    const db = openDb(home);
    const next = SCHEMA_VERSION + 1;
    const good: Migration = { version: next, what: 'test table', up: 'CREATE TABLE extra (x INTEGER);' };
    const bad: Migration = {
      version: next + 1,
      what: 'fails halfway',
      up: (d) => {
        d.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('boom');
      },
    };
    expect(() => migrate(db, home, 'f', [...MIGRATIONS, good, bad])).toThrow('boom');
    expect(version(db)).toBe(SCHEMA_VERSION);
    const names = () => (db.prepare(`SELECT name FROM sqlite_master`).all() as { name: string }[]).map((r) => r.name);
    expect(names()).not.toContain('extra');
    expect(names()).not.toContain('half');
    migrate(db, home, 'f', [...MIGRATIONS, good]);
    expect(version(db)).toBe(next);
    expect(names()).toContain('extra');
    db.close();
  });

  it('a versioned database without nslab\'s tables is refused as damaged, not shown as empty', () => {
    const home = freshHome();
    openDb(home).close();
    const raw = new Database(join(home, 'nslab.db'));
    raw.exec('DROP TABLE labs');
    raw.close();
    expect(() => openDb(home)).toThrow(/is damaged \(table labs missing\).*`mv /);
  });
});

describe('stored topologies are validated when read', () => {
  const home = freshHome();
  const store = new Store(home);
  store.insertLab(seed as never, '');
  store.insertLab({ ...seed, name: 'good' } as never, '');
  // Break each row differently, as a disk fault or a hand edit could.
  const breaks: [string, string, RegExp][] = [
    ['bad node id', JSON.stringify({ ...seed, name: 'b1', nodes: [{ id: 'A B', kind: 'namespace' }] }), /nodes\[0\]\.id/],
    ['not JSON', '{"name": "b2", nodes', /not JSON/],
    ['other name', JSON.stringify({ ...seed, name: 'elsewhere' }), /named "elsewhere"/],
    ['unknown key', JSON.stringify({ ...seed, name: 'b4', colour: 'red' }), /unknown key "colour"/],
  ];
  breaks.forEach(([, text], i) => {
    const name = `b${i + 1}`;
    store.db.prepare(`INSERT INTO labs (name, topology, rev, created_at, updated_at) VALUES (?, ?, 1, 'x', 'x')`).run(name, text);
  });

  it('listing keeps every lab and marks the broken ones, with the problem', () => {
    const list = store.listLabs();
    expect(list.map((l) => l.name)).toEqual(['b1', 'b2', 'b3', 'b4', 'good', 'seed']);
    for (const l of list) expect(l.state).toBe(l.name.startsWith('b') ? 'broken' : 'not-applied');
    breaks.forEach(([, , problem], i) => expect(list[i]!.topology.description).toMatch(problem));
  });

  it.each(breaks.map((b, i) => [b[0], `b${i + 1}`, b[2]] as const))('reading %s throws naming the lab, the problem and the fix', (_, name, problem) => {
    let err: unknown;
    try {
      store.getLab(name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NslabError);
    const m = (err as NslabError).message;
    expect(m).toContain(`lab "${name}"`);
    expect(m).toMatch(problem);
    expect(m).toMatch(/`nslab apply FILE`/);
    expectSentence(m);
  });

  it('a broken revision is refused too, naming it', () => {
    store.db.prepare(`UPDATE revisions SET topology = '[]' WHERE lab = 'good' AND rev = 1`).run();
    expect(() => store.getRevision('good', 1)).toThrow(/revision 1 of lab "good" .* not valid/);
    expect(store.getLab('good')?.name).toBe('good');
  });

  afterAll(() => store.close());
});

describe('errors become one sentence naming the thing and the fix', () => {
  const errno = (code: string, syscall = 'open', path = '/x/y/out.svg') => Object.assign(new Error(`${code}: boom, ${syscall} '${path}'`), { code, errno: -1, syscall, path });
  const codes = ['EACCES', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EROFS', 'ENOSPC'];

  it.each(codes.flatMap((c) => [[c, 'read'], [c, 'write']] as const))('%s on %s', (code, action) => {
    const e = fileError(errno(code), action, '/x/y/out.svg');
    expect(e.code).toBe('io');
    expect(e.message).toMatch(new RegExp(`^cannot ${action} /x/y/out\\.svg: `));
    expect(e.message).not.toContain(code);
    expectSentence(e.message);
  });

  const sqlite = ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_NOTADB', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE'];
  it.each(sqlite)('%s', (code) => {
    const e = storeError(new Database.SqliteError('boom', code), { home: '/var/lib/nslab', file: '/var/lib/nslab/nslab.db' });
    expect(e).toBeInstanceOf(NslabError);
    expect(e!.message).toContain('/var/lib/nslab');
    expect(e!.code).toBe(/BUSY|LOCKED/.test(code) ? 'busy' : 'storage');
    if (/CORRUPT|NOTADB/.test(code)) expect(e!.message).toContain('`mv /var/lib/nslab /var/lib/nslab.broken`');
    expectSentence(e!.message);
  });

  it('errno errors seen anywhere (explain) keep the path; unknown errors say it is a bug, without a stack', () => {
    expect(explain(errno('ENOSPC', 'write', '/tmp/a')).message).toMatch(/cannot write \/tmp\/a: the disk is full/);
    expect(explain(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', errno: -98, syscall: 'listen', address: '127.0.0.1', port: 3000 })).message).toMatch(/127\.0\.0\.1 port 3000 is already in use; .*--port/);
    const bug = explain(new TypeError('x is not a function\n    at foo (bar.ts:1:1)'));
    expect(bug.code).toBe('internal');
    expect(bug.message).toMatch(/bug in nslab.*NSLAB_DEBUG=1/);
    expectSentence(bug.message);
  });
});

describe('serving beyond loopback warns unless over HTTPS', () => {
  const loopback = ['127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'];
  const beyond = ['0.0.0.0', '::', '[::]', '192.168.1.10', '10.0.0.1', '128.0.0.1', '1127.0.0.1', 'lab.example.org', '::ffff:10.0.0.1', 'fe80::1'];

  it.each(loopback)('%s is loopback: no warning', (host) => {
    expect(isLoopback(host)).toBe(true);
    expect(clearTextWarning(host, false)).toBeNull();
  });

  it.each(beyond)('%s is reachable from elsewhere: a warning over HTTP, none over HTTPS', (host) => {
    expect(isLoopback(host)).toBe(false);
    expect(clearTextWarning(host, false)).toMatch(new RegExp(`^listening on ${host.replace(/[[\]().*]/g, '\\$&')}, .*the access token travels in clear.*--tls-cert FILE and --tls-key FILE`));
    expect(clearTextWarning(host, true)).toBeNull();
  });
});
