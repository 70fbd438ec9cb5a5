// The exported script on the real kernel (inside the sandbox): `up` builds exactly the lab that
// `nslab apply` builds (the observer reads the same state, the planner finds nothing to do),
// the lab works, and `down` leaves nothing behind.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import { toScript } from '@/lib/export/script';
import type { KernelState } from '@/lib/kernel-state';
import { plan } from '@/lib/plan';
import { observe } from '@/server/kernel/observer';
import { seedLab } from '../unit/export-fixtures';
import { netnsList, nslabIn, removeNamespaces, rmHome, rootSnapshot, SEED, tempHome } from './cli-helpers';

const LAB = seedLab();
const work = mkdtempSync(join(tmpdir(), 'nslab-script-kernel-'));
const home = tempHome();
const nslab = nslabIn(home);
let before = '';

/** Runs the exported script with sh, as a student would; ip_forward is saved under the temp dir. */
async function runScript(hostNetns: string, action: 'up' | 'down') {
  const file = join(work, `lab-${hostNetns || 'own'}.sh`);
  writeFileSync(file, toScript(LAB, { hostNetns }));
  const r = await execa('sh', [file, action], { reject: false, env: { NSLAB_SAVED_FORWARD: join(work, 'ip_forward.saved') } });
  return { exitCode: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
}

function labNamespaces(hostNetns: string): string[] {
  return Object.keys(compile(LAB, { hostNetns }).desired.namespaces);
}

async function observeLab(hostNetns: string): Promise<KernelState> {
  return observe(labNamespaces(hostNetns), { lab: LAB.name });
}

/** The state without what differs on every build (ifindex, MAC, counters, operational state). */
function comparable(state: KernelState): KernelState {
  const out: KernelState = structuredClone(state);
  for (const ns of Object.values(out.namespaces)) {
    for (const l of Object.values(ns.links)) {
      delete l.ifindex;
      delete l.mac;
      delete l.stats;
      delete l.oper;
    }
  }
  return out;
}

async function ping(ns: string, to: string): Promise<number | undefined> {
  return (await execa('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W2', to], { reject: false })).exitCode;
}

beforeAll(async () => {
  before = await rootSnapshot();
});

afterEach(async () => {
  // Whatever happened, leave nothing of this lab behind: its namespaces by name, and in the
  // sandbox's own namespace the links, NAT table and ip_forward (only marked links are removed).
  await nslab('destroy', 'seed');
  if (existsSync(join(work, 'lab-own.sh'))) await runScript('', 'down');
  await removeNamespaces(netnsList().filter((n) => n.startsWith('seed-') || n === 'scriptH'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmHome(home);
});

describe('the exported seed script with an isolated host scriptH', () => {
  it('up builds the lab: namespaces, links with addresses, routes, NAT, and it works', async () => {
    const up = await runScript('scriptH', 'up');
    expect(up.exitCode, up.out).toBe(0);
    expect(up.out).toMatch(/== 9\. NAT/);
    expect(netnsList()).toEqual(expect.arrayContaining(['scriptH', 'seed-A', 'seed-B', 'seed-C', 'seed-remote']));

    const seen = await observeLab('scriptH');
    const A = seen.namespaces['seed-A']!;
    expect(A.links['eth0']).toMatchObject({ kind: 'veth', up: true, addresses: ['10.0.0.2/24'], mark: 'nslab:seed:link:A-br0', peer: { ns: 'scriptH', name: 'veth-A' } });
    expect(A.routes).toEqual([{ dst: 'default', via: '10.0.0.1', dev: 'eth0' }]);
    const H = seen.namespaces['scriptH']!;
    expect(H.links['br0']).toMatchObject({ kind: 'bridge', up: true, addresses: ['10.0.0.1/24'] });
    expect(H.links['veth-B']).toMatchObject({ master: 'br0', up: true });
    expect(H.links['to-remote']).toMatchObject({ addresses: ['203.0.113.1/24'] });
    expect(H.forwarding).toBe(true);
    expect(H.nat?.rules).toEqual([{ source: '10.0.0.0/24', out: 'to-remote' }]);
    expect(seen.namespaces['seed-remote']!.links['eth0']).toMatchObject({ addresses: ['203.0.113.2/24'] });

    // What nslab would do next on this kernel: nothing.
    const compiled = compile(LAB, { hostNetns: 'scriptH' });
    const next = plan(LAB.name, compiled.desired, seen);
    expect(next.conflicts).toEqual([]);
    expect(next.steps.map((s) => s.op)).toEqual([]);

    expect(await ping('seed-A', '10.0.0.3')).toBe(0);
    expect(await ping('seed-C', '10.0.0.1')).toBe(0);
    expect(await ping('seed-A', '203.0.113.2')).toBe(0); // through the host's masquerade
  });

  it('up leaves the same kernel state as nslab apply of the same lab', async () => {
    expect((await runScript('scriptH', 'up')).exitCode).toBe(0);
    const byScript = comparable(await observeLab('scriptH'));
    expect((await runScript('scriptH', 'down')).exitCode).toBe(0);

    const applied = await nslab('apply', SEED, '--host-netns', 'scriptH');
    expect(applied.stdout).toMatch(/Apply complete!/);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const byApply = comparable(await observeLab('scriptH'));
    expect(Object.keys(byScript.namespaces).sort()).toEqual(Object.keys(byApply.namespaces).sort());
    expect(byScript).toEqual(byApply);
  });

  it('down leaves nothing: no lab namespace, no isolated host, the sandbox root untouched; twice is fine', async () => {
    expect((await runScript('scriptH', 'up')).exitCode).toBe(0);
    const down = await runScript('scriptH', 'down');
    expect(down.exitCode, down.out).toBe(0);
    expect(netnsList().filter((n) => n.startsWith('seed-') || n === 'scriptH')).toEqual([]);
    expect(await rootSnapshot()).toBe(before);
    expect((await runScript('scriptH', 'down')).exitCode).toBe(0);
  });
});

describe("the exported seed script on the machine's own namespace (the sandbox's)", () => {
  it('up builds the lab nslab would build (nothing left to plan); down removes it and restores ip_forward', async () => {
    const up = await runScript('', 'up');
    expect(up.exitCode, up.out).toBe(0);
    const seen = await observeLab('');
    expect(seen.namespaces['']!.links['br0']).toMatchObject({ kind: 'bridge', addresses: ['10.0.0.1/24'], mark: 'nslab:seed:bridge:br0' });
    expect(seen.namespaces['']!.forwarding).toBe(true);
    expect(seen.namespaces['']!.nat?.rules).toEqual([{ source: '10.0.0.0/24', out: 'to-remote' }]);
    const next = plan(LAB.name, compile(LAB, { hostNetns: '' }).desired, seen);
    expect(next.conflicts).toEqual([]);
    expect(next.steps.map((s) => s.op)).toEqual([]);
    expect(await ping('seed-B', '10.0.0.4')).toBe(0);
    expect(await ping('seed-A', '203.0.113.2')).toBe(0);

    const down = await runScript('', 'down');
    expect(down.exitCode, down.out).toBe(0);
    expect(netnsList().filter((n) => n.startsWith('seed-'))).toEqual([]);
    expect(await rootSnapshot()).toBe(before);
  });

  it('down removes no link of the same name that the lab did not make', async () => {
    await execa('ip', ['link', 'add', 'name', 'br0', 'type', 'bridge']);
    try {
      expect((await runScript('', 'down')).exitCode).toBe(0);
      expect((await execa('ip', ['link', 'show', 'dev', 'br0'], { reject: false })).exitCode).toBe(0);
    } finally {
      await execa('ip', ['link', 'del', 'dev', 'br0'], { reject: false });
    }
  });
});
