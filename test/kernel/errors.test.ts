// Acceptance 6 of issue 8: every error a user can meet with files and the database is one
// sentence on stderr naming the thing and the fix, with a non-zero exit and no stack. The real
// CLI (`node bin/nslab.js`) runs as a child process; read-only and full disks are tmpfs mounts
// inside the sandbox's private mount namespace.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@/server/store/store';
import { netnsList, nslabIn, removeNamespaces, rmHome, ROOT, SEED, sh, tempHome, type Run } from './cli-helpers';

const base = tempHome();
const seed = parse(readFileSync(SEED, 'utf8')) as Record<string, unknown> & { name: string };
let n = 0;
const dir = (name = `d${++n}`) => {
  const d = join(base, name);
  mkdirSync(d, { recursive: true });
  return d;
};

/** A state folder holding two saved labs (never applied): `seed` and `good`. */
function homeWithLabs(): string {
  const home = dir();
  const store = new Store(home);
  store.insertLab(seed as never, '');
  store.insertLab({ ...seed, name: 'good' } as never, '');
  store.close();
  return home;
}

const ro = join(base, 'ro');
const full = join(base, 'full');
const holders: ResultPromise[] = [];

beforeAll(async () => {
  // A read-only disk with a state folder made before it became read-only.
  mkdirSync(ro);
  expect((await sh('mount', '-t', 'tmpfs', '-o', 'size=4m', 'nslab-ro', ro)).exitCode).toBe(0);
  expect((await nslabIn(join(ro, 'home'))('status')).exitCode).toBe(0);
  expect((await sh('mount', '-o', 'remount,ro', ro)).exitCode).toBe(0);
  // A full disk.
  mkdirSync(full);
  expect((await sh('mount', '-t', 'tmpfs', '-o', 'size=256k', 'nslab-full', full)).exitCode).toBe(0);
  await sh('sh', '-c', `head -c 1000000 /dev/zero > ${full}/filler`);
  expect(statSync(join(full, 'filler')).size).toBeLessThan(1000000);
});

afterAll(async () => {
  for (const h of holders) h.kill('SIGTERM');
  await Promise.allSettled(holders);
  await nslabIn(join(base, 'repair'))('destroy', 'seed');
  await removeNamespaces(netnsList().filter((x) => x.startsWith('seed-') || x === 'ERRH'));
  await sh('umount', ro);
  await sh('umount', full);
  rmHome(base);
});

/** The property every case must have: one sentence on stderr, non-zero exit, no stack. */
function expectOneSentence(r: Run, message: RegExp): void {
  expect(r.exitCode, r.stderr).not.toBe(0);
  expect(r.stderr).toMatch(/^nslab: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/unexpected error|SqliteError|Error:|\bE[A-Z]{3,}\b|SQLITE_/);
}

async function writeCorrupt(home: string): Promise<void> {
  // Damage every page after the first (the schema stays readable, the tables do not).
  const file = join(home, 'nslab.db');
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
  closeSync(fd);
}

/** Starts a process that holds the database's write lock; resolves with its pid. */
async function hold(cmd: string, args: string[]): Promise<number> {
  const p = execa(cmd, args, { cwd: ROOT, reject: false, buffer: false });
  holders.push(p);

  return await new Promise<number>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += String(d); // a line may come in pieces
      const m = /holding (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void p.then(() => reject(new Error(`${cmd} exited before holding the lock`)));
  });
}

interface Case {
  what: string;
  run: () => Promise<Run>;
  message: RegExp | (() => RegExp);
}

let heldBy = 0;
let heldByPython = 0;

const cases: Case[] = [
  // the topology file given to apply/plan
  { what: 'input file missing', run: () => nslabIn(dir())('apply', join(base, 'nope.yaml')), message: /cannot read \S+nope\.yaml: there is no such file; check the path/ },
  { what: 'input file is a folder', run: () => nslabIn(dir())('plan', base), message: /cannot read \S+: it is a folder; give the path of a file/ },
  { what: 'input path under a file', run: () => nslabIn(dir())('apply', join(SEED, 'x.yaml')), message: /cannot read \S+seed\.yaml\/x\.yaml: a part of that path is a file/ },
  // export -o
  { what: 'export -o into a missing folder', run: () => nslabIn(homeWithLabs())('export', 'good', '-f', 'yaml', '-o', join(base, 'no/such/dir/x.yaml')), message: /cannot write \S+x\.yaml: the folder \S+no\/such\/dir does not exist; create it first/ },
  { what: 'export -o a folder', run: () => nslabIn(homeWithLabs())('export', 'good', '-f', 'mermaid', '-o', base), message: /cannot write \S+: it is a folder; give the path of a file inside it/ },
  { what: 'export -o under a file', run: () => nslabIn(homeWithLabs())('export', 'good', '-f', 'json', '-o', join(SEED, 'x.json')), message: /cannot write \S+: a part of that path is a file/ },
  { what: 'export -o on a read-only disk', run: () => nslabIn(homeWithLabs())('export', 'good', '-f', 'script', '-o', join(ro, 'lab.sh')), message: /cannot write \S+lab\.sh: the file system is read-only; choose a path on a writable disk/ },
  { what: 'export -o on a full disk', run: () => nslabIn(homeWithLabs())('export', 'good', '-f', 'drawio', '-o', join(full, 'lab.drawio')), message: /cannot write \S+lab\.drawio: the disk is full; free some space/ },
  {
    what: 'export to standard output redirected to a full disk',
    run: async () => {
      const r = await execa('sh', ['-c', `node ${join(ROOT, 'bin/nslab.js')} export good -f svg > ${join(full, 'out.svg')}`], { env: { NSLAB_HOME: homeWithLabs() }, reject: false });
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    message: /cannot write standard output: the disk is full; free some space/,
  },
  // NSLAB_HOME
  { what: 'NSLAB_HOME is a file', run: () => nslabIn(SEED)('status'), message: /NSLAB_HOME \S+seed\.yaml is not a folder .*; set NSLAB_HOME to a folder/ },
  { what: 'NSLAB_HOME under a file', run: () => nslabIn(join(SEED, 'home'))('status'), message: /NSLAB_HOME \S+ is not a folder/ },
  { what: 'NSLAB_HOME to be made on a read-only disk', run: () => nslabIn(join(ro, 'new/home'))('status'), message: /NSLAB_HOME \S+ is not writable \(read-only file system\); set NSLAB_HOME to a writable folder/ },
  { what: 'NSLAB_HOME on a read-only disk', run: () => nslabIn(join(ro, 'home'))('status'), message: /NSLAB_HOME \S+ro\/home is not writable \(read-only file system\)/ },
  { what: 'NSLAB_HOME on a full disk', run: () => nslabIn(join(full, 'home'))('status'), message: /the disk holding NSLAB_HOME \S+ is full; free some space and try again/ },
  // the database
  {
    what: 'database locked by another nslab',
    run: async () => {
      const home = homeWithLabs();
      heldBy = await hold('node', ['--import', 'tsx', 'test/kernel/fixtures/hold-store.ts', home]);
      // (a writer: readers go on reading while another process writes)
      return nslabIn(home)('apply', SEED);
    },
    message: () => new RegExp(`another nslab is using NSLAB_HOME \\S+ \\(pid ${heldBy}\\); wait for it to finish, or stop it, and try again`),
  },
  {
    what: 'database locked by another program',
    run: async () => {
      const home = homeWithLabs();
      heldByPython = await hold('python3', ['-c', `import sqlite3, os, time\nc = sqlite3.connect(${JSON.stringify(join(home, 'nslab.db'))}, isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\nprint('holding', os.getpid(), flush=True)\ntime.sleep(120)`]);
      return nslabIn(home)('apply', SEED);
    },
    message: () => new RegExp(`another program \\(python3\\) is using NSLAB_HOME \\S+ \\(pid ${heldByPython}\\)`),
  },
  {
    what: 'database that is not a database',
    run: () => {
      const home = dir();
      writeFileSync(join(home, 'nslab.db'), Buffer.alloc(16384, 0x37));
      return nslabIn(home)('status');
    },
    message: /the database \S+nslab\.db is damaged \(it is not an SQLite database\); nslab will not use it: move it aside with `mv \S+ \S+\.broken`/,
  },
  {
    what: 'malformed database',
    run: async () => {
      const home = homeWithLabs();
      await writeCorrupt(home);
      return nslabIn(home)('status');
    },
    message: /the database \S+ is damaged \(its contents are malformed\).*`mv .*`nslab clean`/,
  },
  {
    what: 'database whose tables are gone',
    run: async () => {
      const home = homeWithLabs();
      await sh('python3', '-c', `import sqlite3; c = sqlite3.connect(${JSON.stringify(join(home, 'nslab.db'))}); c.execute('DROP TABLE labs'); c.commit()`);
      return nslabIn(home)('status');
    },
    message: /is damaged \(table labs missing\)/,
  },
  {
    what: 'database from a newer nslab',
    run: async () => {
      const home = homeWithLabs();
      await sh('python3', '-c', `import sqlite3; c = sqlite3.connect(${JSON.stringify(join(home, 'nslab.db'))}); c.execute('PRAGMA user_version = 99'); c.commit()`);
      return nslabIn(home)('status');
    },
    message: /written by a newer nslab \(schema version 99; this nslab knows up to \d+\); upgrade nslab, or set NSLAB_HOME to another folder/,
  },
  {
    what: 'a lab whose saved topology is not valid',
    run: async () => {
      const home = homeWithLabs();
      const store = new Store(home);
      store.db.prepare(`UPDATE labs SET topology = ? WHERE name = 'seed'`).run(JSON.stringify({ ...seed, nodes: [{ id: 'A B', kind: 'namespace' }] }));
      store.close();
      return nslabIn(home)('export', 'seed', '-f', 'yaml');
    },
    message: /the topology of lab "seed" saved in the database is not valid \(nodes\[0\]\.id: .*\); replace it with a good file of the lab: `nslab apply FILE`/,
  },
  // serving
  { what: '--tls-cert without --tls-key', run: () => nslabIn(dir())('serve', '--tls-cert', SEED), message: /--tls-cert needs --tls-key too: give both/ },
  { what: '--tls-key without --tls-cert', run: () => nslabIn(dir())('serve', '--tls-key', SEED), message: /--tls-key needs --tls-cert too/ },
  { what: 'TLS certificate missing', run: () => nslabIn(dir())('serve', '--tls-cert', join(base, 'no.pem'), '--tls-key', SEED), message: /cannot read the TLS certificate \S+no\.pem: there is no such file/ },
  { what: 'TLS files not PEM', run: () => nslabIn(dir())('serve', '--tls-cert', SEED, '--tls-key', SEED), message: /cannot serve HTTPS with the certificate \S+ and the key \S+: one of them is not in PEM format; give a PEM certificate/ },
];

describe('every error is one sentence naming the thing and the fix, non-zero exit, no stack', () => {
  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_, c) => {
    const r = await c.run();
    expectOneSentence(r, typeof c.message === 'function' ? c.message() : c.message);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('the detector of stacks works: with NSLAB_DEBUG=1 the same error shows its stack', async () => {
    const home = dir();
    writeFileSync(join(home, 'nslab.db'), Buffer.alloc(16384, 0x37));
    const r = await execa('node', [join(ROOT, 'bin/nslab.js'), 'status'], { env: { NSLAB_HOME: home, NSLAB_DEBUG: '1' }, reject: false });
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/is damaged/);
    expect(String(r.stderr)).toMatch(/^\s+at /m);
    expect(String(r.stderr)).toMatch(/server\/\S+\.ts:\d+:\d+\)$/m); // the TypeScript source, not the build
  });

  it('a damaged database is never shown as an empty list, and the advice given recovers', async () => {
    const home = homeWithLabs();
    await writeCorrupt(home);
    const r = await nslabIn(home)('status');
    expectOneSentence(r, /is damaged/);
    expect(r.stdout).not.toMatch(/No labs/);
    const mv = /`(mv \S+ \S+)`/.exec(r.stderr)![1]!.split(' ');
    expect((await sh(mv[0]!, ...mv.slice(1))).exitCode).toBe(0);
    const after = await nslabIn(home)('status');
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toMatch(/No labs yet/);
    expect(statSync(`${home}.broken/nslab.db`).size).toBeGreaterThan(0);
  });

  it('a broken lab stays listed, marked broken, beside the others; applying its file repairs it', async () => {
    const home = join(base, 'repair');
    mkdirSync(home);
    const store = new Store(home);
    store.insertLab(seed as never, '');
    store.insertLab({ ...seed, name: 'good' } as never, '');
    store.db.prepare(`UPDATE labs SET topology = '{"name": "seed"' WHERE name = 'seed'`).run();
    store.close();
    const nslab = nslabIn(home);
    const list = await nslab('status');
    expectOneSentence(list, /lab "seed" is broken: the saved topology is not valid \(it is not JSON\); replace it with `nslab apply FILE`/);
    expect(list.stdout).toMatch(/^good\s+not-applied/m);
    expect(list.stdout).toMatch(/^seed\s+broken/m);
    const json = await nslab('status', '--json');
    expect(json.exitCode).toBe(1);
    expect((JSON.parse(json.stdout) as { name: string; state: string }[]).map((l) => `${l.name}:${l.state}`)).toEqual(['good:not-applied', 'seed:broken']);
    expectOneSentence(await nslab('status', 'seed'), /the topology of lab "seed" saved in the database is not valid \(it is not JSON\)/);
    // The fix the message names works.
    const fixed = await nslab('apply', SEED, '--host-netns', 'ERRH', '-q');
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/lab "seed" had a saved topology that is not valid; replacing it with/);
    const again = await nslab('status');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^seed\s+applied/m);
    expect((await nslab('destroy', 'seed')).exitCode).toBe(0);
  }, 120_000);
});
