// Sweeping leftovers (inside the sandbox): everything marked as nslab's goes, and nothing
// unmarked is touched, whatever its name (half-made objects are crash recovery's: see
// recovery.test.ts).
import '../sandbox-guard';
import { execa } from 'execa';
import { existsSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { natTable } from '@/lib/names';
import { nftScript } from '@/lib/ops';
import { listNetns, observe } from '@/server/kernel/observer';
import { runOpsTolerant } from '@/server/kernel/driver';
import { findLeftovers, sweep } from '@/server/kernel/sweep';
import { listUserns, mountedUserns } from '@/server/kernel/userns';
import { removeNamespaces, sh, uniqueLab } from './helpers';

const made: string[] = [];
const rootLinks: string[] = [];
afterEach(async () => {
  await removeNamespaces(made.splice(0));
  for (const l of rootLinks.splice(0)) await sh('ip', 'link', 'del', 'dev', l);
});

async function ipOk(...args: string[]) {
  const r = await sh('ip', ...args);
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

async function loadNat(ns: string, table: string, mark: string) {
  await execa('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: nftScript(table, [{ source: '10.0.0.0/24', out: 'eth0' }], mark) });
}

async function tablesIn(ns: string): Promise<string[]> {
  const r = await sh('ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'tables', 'ip');
  return (JSON.parse(String(r.stdout)).nftables as Array<{ table?: { name: string } }>).flatMap((i) => (i.table ? [i.table.name] : [])).sort();
}

describe('sweep', () => {
  it('removes marked namespaces, links and tables of the lab; leaves unmarked ones whatever their names', async () => {
    const lab = uniqueLab('s');
    const other = uniqueLab('s');
    made.push(`${lab}-`, `${other}-`);
    const id = lab.slice(-5);
    const [marked, half, busy, hand, otherLab] = [`${lab}-A`, `${lab}-half`, `${lab}-busy`, `${lab}-hand`, `${other}-A`];
    for (const ns of [marked, half, busy, hand, otherLab]) await ipOk('netns', 'add', ns);
    await ipOk('-n', marked, 'link', 'set', 'dev', 'lo', 'alias', `nslab:${lab}:ns:A`);
    await ipOk('-n', otherLab, 'link', 'set', 'dev', 'lo', 'alias', `nslab:${other}:ns:A`);
    await ipOk('-n', busy, 'link', 'add', 'name', 'br1', 'type', 'bridge'); // unmarked, not empty: not ours
    // The hand-made namespace holds a hand-made bridge, a bridge of the lab, and nft tables.
    await ipOk('-n', hand, 'link', 'add', 'name', 'mine0', 'type', 'bridge');
    await ipOk('-n', hand, 'link', 'add', 'name', 'lab0', 'type', 'bridge');
    await ipOk('-n', hand, 'link', 'set', 'dev', 'lab0', 'alias', `nslab:${lab}:bridge:lab0`);
    await loadNat(hand, natTable(lab), `nslab:${lab}:nat`);
    await loadNat(hand, 'handmade', 'x');
    // Named as nslab names its tables, but without its mark: not nslab's, never removed.
    await loadNat(hand, natTable(other), 'made by hand');
    await loadNat(hand, 'nslab_handmade', 'hand');
    // This machine's (the sandbox's) own namespace: a marked veth pair and a hand-made bridge.
    const [rv, rp, rb] = [`v${id}`, `p${id}`, `b${id}`];
    rootLinks.push(rv, rb);
    await ipOk('link', 'add', 'name', rv, 'type', 'veth', 'peer', 'name', rp);
    for (const l of [rv, rp]) await ipOk('link', 'set', 'dev', l, 'alias', `nslab:${lab}:link:r`);
    await ipOk('link', 'add', 'name', rb, 'type', 'bridge');

    const found = await findLeftovers({ lab });
    expect(found.map((f) => `${f.kind} ${f.ns} ${'name' in f ? f.name : 'table' in f ? f.table : ''}`).sort()).toEqual(
      [`netns ${marked} `, `link ${hand} lab0`, `nft ${hand} ${natTable(lab)}`, `link  ${rv}`, `link  ${rp}`].sort(),
    );

    const log: string[] = [];
    const removed = await sweep({ lab }, (e) => log.push(`${e.exitCode} ${e.argv.join(' ')}`));
    expect(removed).toHaveLength(5);
    expect(removed).toEqual(expect.arrayContaining([`namespace ${marked} (nslab:${lab}:ns:A)`, `nft table ip ${natTable(lab)} in namespace ${hand}`]));
    expect(log).toContain(`0 ip netns del ${marked}`);

    const left = await listNetns();
    expect(left).not.toContain(marked);
    expect(left).toEqual(expect.arrayContaining([half, busy, hand, otherLab]));
    const s = await observe(['', hand, busy, otherLab]);
    expect(Object.keys(s.namespaces[hand]!.links).sort()).toEqual(['lo', 'mine0']);
    expect(Object.keys(s.namespaces[busy]!.links).sort()).toEqual(['br1', 'lo']);
    expect(s.namespaces[otherLab]!.mark).toBe(`nslab:${other}:ns:A`);
    expect(s.namespaces['']!.links[rb]).toBeDefined();
    expect(s.namespaces['']!.links[rv]).toBeUndefined();
    expect(await tablesIn(hand)).toEqual(['handmade', natTable(other), 'nslab_handmade'].sort());

    // Nothing of the lab is left, so a second sweep removes nothing.
    expect(await sweep({ lab })).toEqual([]);
    // Without a lab, every lab's marked objects go (here: the other lab's namespace), and still
    // no unmarked table, whatever its name.
    // (user namespace files other tests left behind by deleting namespaces by hand go too)
    expect((await sweep({})).filter((l) => !l.startsWith('user namespace file '))).toEqual([`namespace ${otherLab} (nslab:${other}:ns:A)`]);
    expect(await listNetns()).toEqual(expect.arrayContaining([half, busy, hand]));
    expect(await tablesIn(hand)).toEqual(['handmade', natTable(other), 'nslab_handmade'].sort());
  });
});

describe('user namespace files', () => {
  it('a marked namespace goes with its user namespace file; a file whose namespace is gone goes too; a hand-made namespace of the same kind of name stays', async () => {
    const lab = uniqueLab('u');
    made.push(`${lab}-`);
    const [marked, orphan, hand] = [`${lab}-A`, `${lab}-B`, `${lab}-hand`];
    // two namespaces as nslab makes them (each with its own user namespace), one by hand
    expect(await runOpsTolerant([marked, orphan].map((ns) => ({ type: 'netns.add' as const, ns, mark: `nslab:${lab}:ns:${ns.slice(-1)}` })))).toEqual([]);
    await ipOk('netns', 'add', hand);
    expect(listUserns()).toEqual(expect.arrayContaining([marked, orphan]));
    expect(mountedUserns()).toEqual(new Set([marked, orphan]));
    // a crash between the two removals of B: its network namespace gone, its user namespace file left
    await ipOk('netns', 'del', orphan);

    const found = await findLeftovers({});
    expect(found.filter((f) => f.kind === 'userns' || f.ns.startsWith(lab))).toEqual([
      { kind: 'netns', ns: marked, mark: `nslab:${lab}:ns:A` },
      { kind: 'userns', ns: orphan },
    ]);
    // a sweep of one lab leaves files of unknown labs to the sweep of every lab
    expect((await findLeftovers({ lab })).filter((f) => f.kind === 'userns')).toEqual([]);
    const removed = await sweep({});
    expect(removed).toEqual(expect.arrayContaining([`namespace ${marked} (nslab:${lab}:ns:A)`, `user namespace file /run/nslab/userns/${orphan} (its network namespace is gone)`]));
    expect(listUserns()).toEqual([]);
    expect(mountedUserns()).toEqual(new Set());
    expect(await listNetns()).toContain(hand);
  });

  it('a namespace deleted by hand (ip netns del) leaves its user namespace file, and making it again reuses the name', async () => {
    const lab = uniqueLab('u');
    made.push(`${lab}-`);
    const ns = `${lab}-A`;
    const add = { type: 'netns.add' as const, ns, mark: `nslab:${lab}:ns:A` };
    expect(await runOpsTolerant([add])).toEqual([]);
    const first = statSync(`/run/nslab/userns/${ns}`).ino;
    await ipOk('netns', 'del', ns);
    expect(mountedUserns().has(ns)).toBe(true);
    const log: string[] = [];
    expect(await runOpsTolerant([add], (e) => log.push(`${e.exitCode} ${e.argv[0]}`))).toEqual([]);
    // the leftover was unmounted, and a new user namespace is mounted on the file
    expect(log.slice(0, 4)).toEqual(['0 dd', '0 umount', '0 dd', '0 env']);
    // (not compared by inode: the kernel may give the new user namespace the number of the old one)
    expect(first).toBeGreaterThan(0);
    const asNobody = await sh('nsenter', `--net=/run/netns/${ns}`, `--user=/run/nslab/userns/${ns}`, '--setuid', '65534', '--setgid', '65534', 'ip', '-j', 'link', 'show', 'lo');
    expect(asNobody.exitCode, `the user namespace on the file owns the new namespace: ${asNobody.stderr}`).toBe(0);
    expect(mountedUserns().has(ns)).toBe(true);
    // applied again over the existing namespace: nothing is made twice
    const again: string[] = [];
    expect(await runOpsTolerant([add], (e) => again.push(`${e.exitCode} ${e.argv[0]}`))).toEqual([]);
    expect(again.filter((l) => / (env|umount)$/.test(l))).toEqual([]);
    expect((await sh('grep', '-c', ` /run/nslab/userns/${ns} `, '/proc/self/mountinfo')).stdout.trim()).toBe('1');
    expect(await sweep({})).toEqual([`namespace ${ns} (nslab:${lab}:ns:A)`]);
    expect(listUserns()).toEqual([]);
  });

  it('a deletion cut short (the namespace unmounted, its name file and user namespace file left) is finished; a lone hand-made file stays', async () => {
    const lab = uniqueLab('u');
    made.push(`${lab}-`);
    const ns = `${lab}-B`;
    expect(await runOpsTolerant([{ type: 'netns.add', ns, mark: `nslab:${lab}:ns:B` }])).toEqual([]);
    // what a kill between ip netns del's unmount and its unlink leaves
    await sh('umount', '-l', `/run/netns/${ns}`);
    // and a hand-made empty file of a lab-like name, with no user namespace file of nslab's
    const hand = `${lab}-C`;
    await sh('touch', `/run/netns/${hand}`);
    expect(await sweep({})).toEqual([`namespace file /run/netns/${ns} with no namespace on it, and its user namespace file`]);
    expect(listUserns()).toEqual([]);
    expect(existsSync(`/run/netns/${ns}`)).toBe(false);
    expect(existsSync(`/run/netns/${hand}`)).toBe(true);
    await sh('rm', '-f', `/run/netns/${hand}`);
  });
});
