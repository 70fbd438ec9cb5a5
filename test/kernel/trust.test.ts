// Trust under faults, the cases beside a crash: one lock for every writer across processes,
// journal rows that never outlive their apply, refused applies that save nothing, adoption
// only when confirmed, and NAT tables judged by their mark, never by their name.
import '../sandbox-guard';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { natTable } from '@/lib/names';
import { assertTopology } from '@/lib/validate';
import { createLabsService } from '@/server/labs/service';
import { netnsList, nslabIn, removeNamespaces, rmHome, SEED, sh, tempHome, writeVariant } from './cli-helpers';
import { client, request } from './tools-helpers';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { registerLabHandlers, type NslabServer } from '@/server/gateway';

const home = tempHome();
const nslab = nslabIn(home);
const seedText = readFileSync(SEED, 'utf8');
const ours = () => netnsList().filter((n) => /^(seed-|trust-|refused-|adopted-)/.test(n) || ['TH', 'TH2', 'TR'].includes(n));

afterEach(async () => {
  await nslab('clean');
});

afterAll(async () => {
  await removeNamespaces([...ours(), 'handmade', 'trust-hand']);
  await sh('nft', 'delete', 'table', 'ip', natTable('seed'));
  rmHome(home);
});

async function waitFor(cond: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The dashboard's lab handlers on a real socket.io server of this process, and a client of it. */
async function dashboardServer() {
  const labs = createLabsService({ home });
  const http = createServer();
  const io: NslabServer = new Server(http);
  io.on('connection', (s) => {
    s.data.role = 'instructor';
    registerLabHandlers(io, s, labs);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const c = await client(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  const close = async () => {
    c.close();
    await new Promise<void>((r) => io.close(() => r()));
    await labs.close();
  };
  return { labs, c, close };
}

function labNames(status: { stdout: string }): string[] {
  return (JSON.parse(status.stdout) as { name: string }[]).map((l) => l.name);
}

function seedIn(host: string, edit: (doc: Record<string, unknown>) => void = () => undefined): string {
  return writeVariant(home, seedText, (doc) => {
    (doc.host as Record<string, unknown>).netns = host;
    edit(doc);
  }, `seed-${host}.yaml`);
}

describe('one lock for every writer, across processes', () => {
  it('a second apply, a destroy, a clean and a delete while a CLI apply runs all answer busy with its pid; nothing changes', async () => {
    const file = seedIn('TH');
    const slow = execa('node', [new URL('../../bin/nslab.js', import.meta.url).pathname, 'apply', '-q', file, '--step-delay', '700'], { env: { NSLAB_HOME: home }, reject: false });
    try {
      await waitFor(() => netnsList().includes('seed-A'));
      const pid = slow.pid!;
      for (const args of [['apply', file], ['destroy', 'seed'], ['clean']]) {
        const r = await nslab(...args);
        expect(r.exitCode, args.join(' ')).toBe(1);
        expect(r.stderr).toContain(`busy:`);
        expect(r.stderr).toContain(`pid ${pid}`);
        expect(r.stderr).not.toMatch(/not part of lab|nslab did not make it|\n\s+at /);
      }
      // The dashboard's server, another process: lab:delete answers busy, the record stays.
      const { labs, c, close } = await dashboardServer();
      try {
        const del = await request<{ ok: boolean; code?: string; message?: string }>(c, 'lab:delete', { name: 'seed' });
        expect(del).toMatchObject({ ok: false, code: 'busy' });
        expect(del.message).toContain(`pid ${pid}`);
        const destroy = await request<{ ok: boolean; code?: string }>(c, 'lab:destroy', { name: 'seed' });
        expect(destroy).toMatchObject({ ok: false, code: 'busy' });
        expect(labs.get('seed').name).toBe('seed');
      } finally {
        await close();
      }
    } finally {
      const r = await slow;
      expect(r.exitCode, r.stderr).toBe(0);
    }
    // The apply ran to its end, undisturbed, and its journal is resolved.
    expect((await nslab('plan', file, '--detailed-exitcode')).exitCode).toBe(0);
    const st = JSON.parse((await nslab('status', '--json')).stdout) as { name: string; state: string }[];
    expect(st.find((l) => l.name === 'seed')?.state).toBe('applied');
  });

  it('lab:delete sent while the lab\'s first apply runs in the server: busy, and the lab, its record and its objects are intact', async () => {
    const { labs, c, close } = await dashboardServer();
    try {
      const doc = assertTopology(parseYaml(seedText));
      const created = await request<{ ok: boolean; lab: { rev: number } }>(c, 'lab:create', { topology: { ...doc, name: 'trust' }, hostNetns: 'TH2' });
      expect(created.ok).toBe(true);
      const applying = labs.apply('trust', { stepDelayMs: 40 });
      await waitFor(() => netnsList().includes('trust-A'));
      for (const event of ['lab:delete', 'lab:destroy', 'lab:apply'] as const) {
        const ack = await request<{ ok: boolean; code?: string; message?: string }>(c, event, event === 'lab:apply' ? { name: 'trust', rev: 1 } : { name: 'trust' });
        expect(ack, event).toMatchObject({ ok: false, code: 'busy' });
        expect(ack.message).toMatch(/busy: lab "trust" is being applied by this process \(pid \d+\)/);
      }
      const res = await applying;
      expect(res.ok).toBe(true);
      expect(labs.get('trust').state).toBe('applied');
      expect(netnsList()).toEqual(expect.arrayContaining(['trust-A', 'trust-B', 'trust-C', 'trust-remote', 'TH2']));
      expect((await labs.plan('trust')).steps).toEqual([]);
      // Once the apply ends, delete goes through and takes the kernel objects with it.
      expect(await request(c, 'lab:delete', { name: 'trust' })).toMatchObject({ ok: true });
      expect(netnsList().filter((n) => n.startsWith('trust-') || n === 'TH2')).toEqual([]);
    } finally {
      await labs.destroy('trust').catch(() => undefined);
      await close();
    }
  });
});

describe('nothing foreign, ever', () => {
  it('a refused apply saves nothing and reserves no host namespace', async () => {
    await sh('ip', 'netns', 'add', 'refused-B'); // hand-made, in the way
    try {
      const refused = writeVariant(home, seedText, (doc) => {
        doc.name = 'refused';
        (doc.host as Record<string, unknown>).netns = 'TR';
      }, 'refused.yaml');
      const r = await nslab('apply', refused);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/refused-B already exists and is not part of lab refused/);
      expect(labNames(await nslab('status', '--json'))).not.toContain('refused');
      expect(netnsList()).toEqual(['refused-B']);
      // TR is still free: another lab may take it as its host.
      const other = writeVariant(home, seedText, (doc) => {
        doc.name = 'trust';
        (doc.host as Record<string, unknown>).netns = 'TR';
      }, 'trust.yaml');
      const o = await nslab('apply', '-q', other);
      expect(o.exitCode, o.stderr).toBe(0);
      expect((await nslab('destroy', 'trust')).exitCode).toBe(0);
    } finally {
      await removeNamespaces(['refused-B']);
    }
  });

  it('an old journal never vouches for a hand-made namespace that reuses a name nslab once made', async () => {
    const file = seedIn('TH');
    expect((await nslab('apply', '-q', file)).exitCode).toBe(0);
    // By hand: seed-A deleted and made again, empty and unmarked, like a namespace nslab was
    // creating when it crashed; the apply that made the first one is long over.
    await sh('ip', 'netns', 'del', 'seed-A');
    await sh('ip', 'netns', 'add', 'seed-A');
    try {
      const c = await nslab('clean');
      expect(c.exitCode, c.stderr).toBe(0);
      expect(c.stdout).toContain('removed namespace seed-B');
      expect(c.stdout).not.toContain('seed-A');
      expect(netnsList().filter((n) => n.startsWith('seed-') || n === 'TH')).toEqual(['seed-A']);
    } finally {
      await removeNamespaces(['seed-A']);
    }
  });

  it("clean and destroy judge nft tables by their mark: a hand-made table with the lab's table name stays", async () => {
    // The seed lab on 'this machine' (the sandbox's own namespace) puts its NAT table there.
    await execa('nft', ['-f', '-'], { input: `table ip ${natTable('seed')} {\n\tchain hand {\n\t}\n}\n` });
    const r = await nslab('apply', SEED);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/nft table ip nslab_seed \(this machine\) exists and is not this lab's/);
    expect((await nslab('clean')).exitCode).toBe(0);
    expect((await sh('nft', 'list', 'table', 'ip', natTable('seed'))).stdout).toContain('chain hand');
    await sh('nft', 'delete', 'table', 'ip', natTable('seed'));
    // With the name free, the lab makes its own, marked table; destroy removes exactly that.
    expect((await nslab('apply', '-q', SEED)).exitCode).toBe(0);
    expect((await sh('nft', 'list', 'table', 'ip', natTable('seed'))).stdout).toContain('comment "nslab:seed:nat"');
    expect((await nslab('destroy', 'seed')).exitCode).toBe(0);
    expect((await sh('nft', 'list', 'table', 'ip', natTable('seed'))).exitCode).not.toBe(0);
  });

  it('adopt: true takes over hand-made objects only with --adopt, and lists them first', async () => {
    await sh('ip', 'netns', 'add', 'trust-hand');
    try {
      const file = writeVariant(home, 'x: 1', (doc) => {
        delete doc.x;
        Object.assign(doc, {
          name: 'adopted',
          adopt: true,
          host: { netns: 'TH' },
          nodes: [{ id: 'web', kind: 'namespace', netns: 'trust-hand' }],
          links: [],
        });
      }, 'adopt.yaml');
      const r = await nslab('apply', file);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/would take over 1 object\(s\) that nslab did not make: namespace trust-hand; confirm/);
      expect(labNames(await nslab('status', '--json'))).not.toContain('adopted');
      expect((await sh('ip', '-n', 'trust-hand', 'link', 'show', 'lo')).stdout).not.toContain('alias');
      const a = await nslab('apply', '--adopt', file);
      expect(a.exitCode, a.stderr).toBe(0);
      expect(a.stdout).toContain('Takes over (made without nslab): namespace trust-hand');
      expect((await sh('ip', '-n', 'trust-hand', 'link', 'show', 'lo')).stdout).toContain('alias nslab:adopted:ns:web');
    } finally {
      await nslab('destroy', 'adopted');
      await removeNamespaces(['trust-hand']);
    }
  });
});

