// A class on the real kernel, through the nslab command (inside scripts/sandbox):
// `nslab class create` makes one lab per seat on an isolated host of its own (the same addresses
// side by side) with a token per seat, kept only as its hash; `revoke` marks a seat's token;
// acceptance 5: `nslab class end` leaves no namespace, interface or nft table of the class.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsList, nslabIn, rmHome, rootSnapshot, sh, tempHome, usernsList } from './cli-helpers';

const CLASS = 'c5';
let home: string;
let nslab: ReturnType<typeof nslabIn>;
let before = '';

beforeAll(async () => {
  before = await rootSnapshot();
  home = tempHome();
  nslab = nslabIn(home);
});

afterAll(async () => {
  await nslab('class', 'end', CLASS);
  for (const ns of netnsList().filter((n) => n.startsWith(`${CLASS}-`))) await sh('ip', 'netns', 'del', ns);
  rmHome(home);
});

describe('a class of 3 seats', () => {
  it('creates a lab per seat with a hashed token, revokes a token, and ends leaving nothing of the class', async () => {
    const made = await nslab('class', 'create', CLASS, '--lesson', 'namespaces-101', '--seats', '3', '--step', '9', '--json');
    expect(made.exitCode, made.stderr).toBe(0);
    const created = JSON.parse(made.stdout) as { seats: { seat: number; lab: string; token: string; join: string }[]; ms: number };
    expect(created.seats.map((s) => s.lab)).toEqual(['c5-1', 'c5-2', 'c5-3']);
    expect(new Set(created.seats.map((s) => s.token)).size).toBe(3);
    // every seat is the whole seed lab, on its own isolated host, with the same addresses
    for (const s of created.seats) {
      for (const node of ['A', 'B', 'C', 'remote']) expect(existsSync(`/run/netns/${s.lab}-${node}`)).toBe(true);
      const addr = await sh('ip', '-n', `${s.lab}-h`, '-br', 'addr', 'show', 'br0');
      expect(addr.stdout).toMatch(/10\.0\.0\.1\/24/);
      const check = await nslab('check', s.lab, '--lesson', 'namespaces-101', '--step', '9');
      expect(check.exitCode, check.stdout).toBe(0);
    }
    // tokens: only their SHA-256 is in the database
    const db = new Database(join(home, 'nslab.db'), { readonly: true });
    const rows = db.prepare('SELECT seat, lab, token_hash FROM seats ORDER BY seat').all() as { seat: number; lab: string; token_hash: string }[];
    db.close();
    expect(rows.map((r) => r.token_hash)).toEqual(created.seats.map((s) => createHash('sha256').update(s.token).digest('hex')));
    for (const f of ['nslab.db', 'nslab.db-wal']) {
      const bytes = existsSync(join(home, f)) ? readFileSync(join(home, f)).toString('latin1') : '';
      for (const s of created.seats) expect(bytes.includes(s.token)).toBe(false);
    }
    // revoke seat 2: its lab stays, its token is marked
    expect((await nslab('class', 'revoke', CLASS, '2')).exitCode).toBe(0);
    const shown = JSON.parse((await nslab('class', 'show', CLASS, '--json')).stdout) as { seats: { seat: number; revokedAt: string | null; progress: { step: number } | null }[] };
    expect(shown.seats.map((s) => [s.seat, s.revokedAt !== null, s.progress?.step])).toEqual([[1, false, 9], [2, true, 9], [3, false, 9]]);
    expect((await nslab('class', 'revoke', CLASS, '2')).stderr).toMatch(/class "c5" has no seat 2 with a valid token/);

    // acceptance 5: the end leaves no namespace, interface or nft table of the class
    const ended = await nslab('class', 'end', CLASS);
    expect(ended.exitCode, ended.stderr).toBe(0);
    expect(ended.stdout).toBe('Class c5 ended: 3 seat labs removed.');
    expect(netnsList().filter((n) => n.startsWith(`${CLASS}-`))).toEqual([]);
    expect(usernsList().filter((n) => n.startsWith(`${CLASS}-`))).toEqual([]);
    // the class's interfaces and nft tables lived in its namespaces; none reached this one
    expect(await rootSnapshot()).toBe(before);
    const status = JSON.parse((await nslab('status', '--json')).stdout) as { name: string }[];
    expect(status.filter((l) => l.name.startsWith(`${CLASS}-`))).toEqual([]);
    expect((await nslab('class', 'list')).stdout).toBe('No classes.');
    expect((await nslab('class', 'end', CLASS)).stderr).toBe('nslab: there is no class "c5"');
  }, 600_000);

  it('refuses bad names and counts, naming them', async () => {
    expect((await nslab('class', 'create', 'Bad_Name', '--lesson', 'namespaces-101', '--seats', '2')).stderr).toMatch(/class name "Bad_Name" is not valid/);
    expect((await nslab('class', 'create', 'ok', '--lesson', 'namespaces-101', '--seats', '0')).stderr).toMatch(/--seats: 0 is not a number of seats \(1-200\)/);
    expect((await nslab('class', 'create', 'ok', '--lesson', 'nope', '--seats', '1')).stderr).toMatch(/there is no lesson "nope"/);
    expect(netnsList().filter((n) => n.startsWith('ok-'))).toEqual([]);
  });
});
