// Impaired links on the real kernel, through the `nslab` command (issue 13, acceptance 1): a
// link with `netem: { delay: 50ms }` gives A -> B a ping round trip of 95-150 ms (both ends
// delay); 10ms is set in place (same veth, ifindex unchanged) and the round trip drops; loss 100%
// stops the ping; removing netem restores it; a hand-made netem is drift that apply repairs.
// A kernel without netem (CONFIG_NET_SCH_NETEM unset, as on some VMs) runs the other half: the
// plan is the same `~ update`, apply fails naming the missing netem, and the lab is rolled back
// untouched. One lab for the whole file.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runSteps } from '@/server/kernel/driver';
import type { CommandEvent } from '@/server/kernel/exec';
import { ifindex, netnsList, nslabIn, removeNamespaces, rmHome, sh, tempHome } from './cli-helpers';
import { netemAvailable } from './helpers';

const home = tempHome();
const nslab = nslabIn(home);
const LAB = 'netem1';
const HOST = 'NH1';
const netem = await netemAvailable();

let files = 0;

/** The lab file: A and B on one cable, with this netem on the link (none when not given). */
function labFile(impair?: Record<string, string>): string {
  const file = `${home}/${LAB}-${(files += 1)}.yaml`;
  const doc = {
    name: LAB,
    host: { netns: HOST },
    nodes: [
      { id: 'A', kind: 'namespace' },
      { id: 'B', kind: 'namespace' },
    ],
    links: [{ a: { node: 'A', iface: 'eth0', addresses: ['10.77.0.1/24'] }, b: { node: 'B', iface: 'eth0', addresses: ['10.77.0.2/24'] }, ...(impair ? { netem: impair } : {}) }],
  };
  writeFileSync(file, stringify(doc));
  return file;
}

/** The smallest round trip of a few pings from A to B, in ms; null when none came back. */
async function rtt(count = 3): Promise<number | null> {
  const p = await nslab('exec', LAB, 'A', '--', 'ping', '-n', '-c', String(count), '-i', '0.2', '-W', '2', '10.77.0.2');
  const m = /= ([\d.]+)\/[\d.]+\/[\d.]+\//.exec(p.stdout);
  return p.exitCode === 0 && m ? Number(m[1]) : null;
}

async function apply(file: string) {
  const r = await nslab('apply', file);
  return { ...r, out: r.stdout + r.stderr };
}

beforeAll(async () => {
  const r = await apply(labFile());
  if (r.exitCode !== 0) throw new Error(r.out);
});

afterAll(async () => {
  await nslab('destroy', LAB);
  await removeNamespaces(netnsList().filter((n) => n.startsWith(`${LAB}-`) || n === HOST));
  rmHome(home);
});

describe('impaired links (netem)', () => {
  it.skipIf(!netem)('delay 50ms: RTT 95-150 ms; 10ms in place; loss 100% stops the ping; removing restores it; hand-made netem is drift', async () => {
    const before = { a: await ifindex(`${LAB}-A`, 'eth0'), b: await ifindex(`${LAB}-B`, 'eth0') };
    const slow = labFile({ delay: '50ms' });
    const plan = await nslab('plan', slow);
    expect(plan.stdout).toMatch(/~ veth .*\(update\)/);
    expect(plan.stdout).toMatch(/netem: \(none\) -> delay 50ms/);
    expect((await apply(slow)).exitCode).toBe(0);
    const fifty = await rtt();
    expect(fifty).not.toBeNull();
    expect(fifty!).toBeGreaterThanOrEqual(95);
    expect(fifty!).toBeLessThanOrEqual(150);

    const fast = labFile({ delay: '10ms' });
    const again = await apply(fast);
    expect(again.exitCode, again.out).toBe(0);
    expect(again.out).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy\./);
    expect({ a: await ifindex(`${LAB}-A`, 'eth0'), b: await ifindex(`${LAB}-B`, 'eth0') }).toEqual(before);
    const ten = await rtt();
    expect(ten).not.toBeNull();
    expect(ten!).toBeGreaterThanOrEqual(19);
    expect(ten!).toBeLessThan(fifty! - 40);
    expect((await nslab('plan', fast, '--detailed-exitcode')).exitCode).toBe(0);

    expect((await apply(labFile({ loss: '100%' }))).exitCode).toBe(0);
    expect(await rtt(2)).toBeNull();

    const plain = labFile();
    expect((await apply(plain)).exitCode).toBe(0);
    expect(await rtt()).not.toBeNull();
    expect((await sh('tc', '-n', `${LAB}-A`, 'qdisc', 'show', 'dev', 'eth0')).stdout).not.toMatch(/netem/);

    // by hand: drift, repaired by the next apply
    expect((await sh('tc', '-n', `${LAB}-B`, 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', '5ms')).exitCode).toBe(0);
    const drift = await nslab('plan', plain, '--detailed-exitcode');
    expect(drift.exitCode, drift.stdout + drift.stderr).toBe(2);
    expect(drift.stdout).toMatch(/netem: delay 5ms -> \(none\)/);
    expect((await apply(plain)).exitCode).toBe(0);
    expect((await nslab('plan', plain, '--detailed-exitcode')).exitCode).toBe(0);
    expect({ a: await ifindex(`${LAB}-A`, 'eth0'), b: await ifindex(`${LAB}-B`, 'eth0') }).toEqual(before);
  });

  it('tc lines of one namespace run in one tc -batch; deleting a netem that is not there is done', async () => {
    const ns = `${LAB}-A`;
    const log: CommandEvent[] = [];
    const del = (dev: string) => ({ op: { type: 'netem.del' as const, ns, dev }, undo: [], change: 0 });
    expect(await runSteps([del('eth0'), del('lo')], { onCommand: (e) => log.push(e) })).toEqual({ ok: true });
    expect(log.map((e) => e.argv.join(' '))).toEqual([`tc -n ${ns} qdisc del dev eth0 root`, `tc -n ${ns} qdisc del dev lo root`]);
  });

  it.skipIf(netem)('on a kernel without netem: the same ~ update is planned, apply names the missing netem and rolls back', async () => {
    const before = { a: await ifindex(`${LAB}-A`, 'eth0'), b: await ifindex(`${LAB}-B`, 'eth0') };
    const slow = labFile({ delay: '50ms', loss: '1%' });
    const plan = await nslab('plan', slow, '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toMatch(/~ veth .*\(update\)/);
    expect(plan.stdout).toMatch(/netem: \(none\) -> delay 50ms loss 1%/);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy\./);
    const r = await apply(slow);
    expect(r.exitCode).toBe(1);
    expect(r.out).toMatch(/could not set netem on "eth0" in namespace netem1-[AB]/);
    expect(r.out).toMatch(/this kernel has no netem queueing discipline/);
    // rolled back: the lab is as it was, its links not re-created, and A still reaches B
    expect({ a: await ifindex(`${LAB}-A`, 'eth0'), b: await ifindex(`${LAB}-B`, 'eth0') }).toEqual(before);
    expect((await sh('tc', '-n', `${LAB}-A`, 'qdisc', 'show', 'dev', 'eth0')).stdout).not.toMatch(/netem/);
    expect(await rtt(1)).not.toBeNull();
    expect((await nslab('plan', labFile(), '--detailed-exitcode')).exitCode).toBe(0);
  });
});
