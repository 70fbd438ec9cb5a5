// nslab-nsctl (server/kernel/nsctl.ts) against the shell lines it stands for, on the real kernel:
// every command shape of lib/ops.ts that touches namespace files gives the same kernel result
// and the same error message through both paths; the marks it reads are the ones `ip` reads.
import '../sandbox-guard';
import { afterEach, describe, expect, it } from 'vitest';
import { netnsMark } from '@/lib/names';
import { commandsFor, NO_DAD_KEYS, usernsPath, type Op } from '@/lib/ops';
import { runOpsTolerant } from '@/server/kernel/driver';
import { runArgv } from '@/server/kernel/exec';
import { NSCTL_PATH, nsctlUsable, parseNsctlCounters, parseNsctlIp, parseNsctlMarks } from '@/server/kernel/nsctl';
import { observe } from '@/server/kernel/observer';
import { ensureUsernsSupport } from '@/server/kernel/userns';
import { countersFromIpJson, readLinkCounters } from '@/server/tools/link-rates';
import { removeNamespaces, sh, uniqueLab } from './helpers';

const made: string[] = [];
afterEach(async () => {
  delete process.env.NSLAB_NSCTL;
  await removeNamespaces(made.splice(0));
});

type Path = 'nsctl' | 'sh';
function use(path: Path): void {
  if (path === 'sh') process.env.NSLAB_NSCTL = '0';
  else delete process.env.NSLAB_NSCTL;
}

/** What a namespace made by nslab is: its user namespace's id maps, its owner, its mark. */
async function facts(ns: string) {
  const uidMap = await sh('nsenter', `--user=${usernsPath(ns)}`, 'cat', '/proc/self/uid_map');
  const gidMap = await sh('nsenter', `--user=${usernsPath(ns)}`, 'cat', '/proc/self/gid_map');
  // entering the network namespace through its user namespace as nobody works only when the
  // user namespace owns it
  const asNobody = await sh('nsenter', `--net=/run/netns/${ns}`, `--user=${usernsPath(ns)}`, '--setuid', '65534', '--setgid', '65534', 'ip', '-j', 'link', 'show', 'lo');
  const lo = JSON.parse((await sh('ip', '-n', ns, '-j', 'link', 'show', 'lo')).stdout) as { ifalias?: string; flags: string[] }[];
  const norm = (s: string) => s.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).sort();
  // IPv6 duplicate address detection off (lib/ops.ts NO_DAD_KEYS)
  const dad = (await sh('ip', 'netns', 'exec', ns, 'sysctl', '-n', ...NO_DAD_KEYS)).stdout.trim().split('\n');
  return { uidMap: norm(uidMap.stdout), gidMap: norm(gidMap.stdout), ownedByItsUserns: asNobody.exitCode === 0, mark: lo[0]?.ifalias, loUp: lo[0]?.flags.includes('UP'), dad };
}

describe.skipIf(!nsctlUsable())('nslab-nsctl does what the shell lines do', () => {
  it('makes the same namespace through both paths (id maps, owner, mark), and removes it the same way', async () => {
    ensureUsernsSupport();
    const lab = uniqueLab('x');
    made.push(`${lab}-`);
    const seen: Record<Path, unknown> = { nsctl: null, sh: null };
    for (const path of ['nsctl', 'sh'] as const) {
      use(path);
      const ns = `${lab}-${path}`;
      const log: string[] = [];
      expect(await runOpsTolerant([{ type: 'netns.add', ns, mark: netnsMark(lab, path) }], (e) => log.push(e.argv[0]!))).toEqual([]);
      const f = await facts(ns);
      seen[path] = { ...f, mark: f.mark?.replace(path, 'P') };
      expect(f.ownedByItsUserns).toBe(true);
      // the command log shows the same lines whichever path ran them
      expect(log.slice(0, 5)).toEqual(['dd', 'umount', 'dd', 'env', 'ip']);
      expect(await runOpsTolerant([{ type: 'netns.del', ns }])).toEqual([]);
      expect((await sh('ls', '/run/netns')).stdout.split('\n')).not.toContain(ns);
      expect((await sh('ls', '/run/nslab/userns')).stdout.split('\n')).not.toContain(ns);
      expect((await sh('grep', '-c', usernsPath(ns), '/proc/self/mountinfo')).stdout.trim()).toBe('0');
    }
    expect(seen.nsctl).toEqual(seen.sh);
    expect(seen.nsctl).toMatchObject({ uidMap: ['0 65533 1', '65534 65534 1'], gidMap: ['0 65533 1', '65534 65534 1'], loUp: true, dad: ['0', '0'] });
  });

  it('fails each command the way the shell line fails, with the same message', async () => {
    ensureUsernsSupport();
    const lab = uniqueLab('x');
    made.push(`${lab}-`);
    const ns = `${lab}-a`;
    use('sh');
    expect(await runOpsTolerant([{ type: 'netns.add', ns, mark: netnsMark(lab, 'a') }])).toEqual([]);
    const [claim] = commandsFor({ type: 'netns.add', ns, mark: 'x' });
    const failures: Record<Path, string[]> = { nsctl: [], sh: [] };
    for (const path of ['nsctl', 'sh'] as const) {
      use(path);
      // the name is taken: the claim fails with dd's own message (the driver then checks the mark)
      const out: string[] = [];
      const failed = await runOpsTolerant([{ type: 'netns.add', ns, mark: netnsMark(lab, 'other') }], (e) => e.exitCode !== 0 && out.push(e.stderr));
      expect(failed).toHaveLength(1);
      // going on past the failure never runs the rest of that namespace's creation: no second
      // namespace mounted on the taken name, and what is there keeps its own mark
      expect((await sh('grep', '-c', ` /run/netns/${ns} `, '/proc/self/mountinfo')).stdout.trim()).toBe('1');
      expect((await facts(ns)).mark).toBe(netnsMark(lab, 'a'));
      // removing what is gone already succeeds (rm -f, umount only if mounted)
      expect(await runOpsTolerant([{ type: 'userns.del', ns: `${lab}-gone` }])).toEqual([]);
      failures[path] = out;
    }
    expect(failures.nsctl).toEqual(failures.sh);
    expect(failures.nsctl[0]).toBe(`dd: failed to open '/run/netns/${ns}': File exists`);
    expect(claim?.tool).toBe('nsfile');
  });

  it('refuses lines outside the namespace folders and stops at the first failing line', async () => {
    ensureUsernsSupport();
    const res = await runArgv(['perl', NSCTL_PATH, 'run'], {
      stdin: ['-\trm\t-f\t/tmp/nslab-nsctl-test', '-\tdd\tif=/dev/null\tof=/run/netns/../x\tstatus=none', '-\tumount\t/'].join('\n') + '\n',
    });
    expect(res.exitCode).toBe(3);
    expect(res.stdout.trim()).toBe('err 0 nslab-nsctl: refused: /tmp/nslab-nsctl-test');
    // a sysctl in a namespace: only the keys nslab sets there
    const sysctl = await runArgv(['perl', NSCTL_PATH, 'run'], { stdin: '-\tip\tnetns\texec\tx\tsysctl\t-q\t-e\t-w\tnet.ipv4.ip_forward=1\n' });
    expect(sysctl.exitCode).toBe(3);
    expect(sysctl.stdout.trim()).toMatch(/^err 0 nslab-nsctl: refused: /);
  });

  it('reads the same mark and forwarding as ip does, for every namespace at once', async () => {
    ensureUsernsSupport();
    const lab = uniqueLab('x');
    made.push(`${lab}-`);
    const names = [0, 1, 2].map((i) => `${lab}-m${i}`);
    const ops: Op[] = names.map((ns, i) => ({ type: 'netns.add', ns, mark: netnsMark(lab, `m${i}`) }));
    expect(await runOpsTolerant(ops)).toEqual([]);
    await sh('ip', 'netns', 'exec', names[1]!, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    await sh('ip', 'netns', 'exec', names[0]!, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
    // a hand-made namespace: no mark
    await sh('ip', 'netns', 'add', `${lab}-hand`);
    const res = await runArgv(['perl', NSCTL_PATH, 'marks', ...names, `${lab}-hand`, `${lab}-missing`]);
    const marks = parseNsctlMarks(res.stdout);
    const full = await observe([...names, `${lab}-hand`]);
    for (const ns of [...names, `${lab}-hand`]) {
      expect(marks.get(ns)).toEqual({ mark: full.namespaces[ns]?.mark ?? '', forwarding: full.namespaces[ns]?.forwarding, forwarding6: full.namespaces[ns]?.forwarding6 });
    }
    expect(marks.has(`${lab}-missing`)).toBe(false);
    expect(marks.get(names[1]!)).toMatchObject({ forwarding: true, forwarding6: false });
    expect(marks.get(names[0]!)).toMatchObject({ forwarding6: true });
  });

  it('reads the packet and byte counters ip -s link shows, for every namespace at once', async () => {
    ensureUsernsSupport();
    const lab = uniqueLab('x');
    made.push(`${lab}-`);
    const [a, b] = [`${lab}-a`, `${lab}-b`];
    for (const ns of [a, b]) await sh('ip', 'netns', 'add', ns);
    for (const line of [['-n', a, 'link', 'add', 'v', 'type', 'veth', 'peer', 'name', 'w', 'netns', b], ['-n', a, 'address', 'add', '10.9.0.1/24', 'dev', 'v'], ['-n', b, 'address', 'add', '10.9.0.2/24', 'dev', 'w'], ['-n', a, 'link', 'set', 'v', 'up'], ['-n', b, 'link', 'set', 'w', 'up'], ['-n', a, 'link', 'set', 'lo', 'up']]) {
      expect((await sh('ip', ...line)).exitCode).toBe(0);
    }
    expect((await sh('ip', 'netns', 'exec', a, 'ping', '-c', '7', '-i', '0.01', '-s', '300', '10.9.0.2')).exitCode).toBe(0);
    const ipCounters = async (ns: string) => countersFromIpJson('ip', (await sh('ip', ...(ns ? ['-n', ns] : []), '-j', '-s', 'link', 'show')).stdout);
    // '' is nsctl's own namespace (the test's)
    const names = [a, b, ''];
    const before = new Map(await Promise.all(names.map(async (ns) => [ns, await ipCounters(ns)] as const)));
    const res = await runArgv(['perl', NSCTL_PATH, 'counters', a, `${lab}-missing`, b, '', '../etc']);
    const after = new Map(await Promise.all(names.map(async (ns) => [ns, await ipCounters(ns)] as const)));
    expect(res.exitCode).toBe(0);
    const read = parseNsctlCounters(res.stdout);
    expect([...read.keys()]).toEqual([a, b, '']);
    for (const ns of names) {
      // the same interfaces (in the test's own namespace, where other tests may add some
      // meanwhile, those ip saw both times), each counter between ip's readings before and
      // after (IPv6's own reports may cross a link meanwhile)
      if (ns) expect([...read.get(ns)!.keys()].sort()).toEqual([...before.get(ns)!.keys()].sort());
      else expect(read.get(ns)!.has('lo')).toBe(true);
      for (const [iface, c] of read.get(ns)!) {
        if (!before.get(ns)!.has(iface) || !after.get(ns)!.has(iface)) continue;
        for (const k of ['rxPackets', 'txPackets', 'rxBytes', 'txBytes'] as const) {
          expect(c[k]).toBeGreaterThanOrEqual(before.get(ns)!.get(iface)![k]);
          expect(c[k]).toBeLessThanOrEqual(after.get(ns)!.get(iface)![k]);
        }
      }
    }
    // the ping's 7 echo requests (328 bytes of IPv4 each) left through v and arrived through w
    expect(read.get(a)!.get('v')!.txPackets).toBeGreaterThanOrEqual(7);
    expect(read.get(b)!.get('w')!.rxBytes).toBeGreaterThanOrEqual(7 * 342);
    // the rates read through it: the same numbers as through `ip` (NSLAB_NSCTL=0)
    const plan = { byNs: new Map([[a, new Map([['v', 'a-b'], ['lo', 'a-lo']])], [b, new Map([['w', 'b-a']])], [`${lab}-missing`, new Map([['x', 'gone']])]]) };
    const viaNsctl = await readLinkCounters(plan);
    use('sh');
    const viaIp = await readLinkCounters(plan);
    expect(Object.keys(viaNsctl).sort()).toEqual(['a-b', 'a-lo', 'b-a']);
    expect(Object.keys(viaIp).sort()).toEqual(['a-b', 'a-lo', 'b-a']);
    for (const id of ['a-b', 'a-lo', 'b-a']) {
      for (const k of ['rxPackets', 'txPackets', 'rxBytes', 'txBytes'] as const) expect(viaNsctl[id]!.counters[k]).toBeLessThanOrEqual(viaIp[id]!.counters[k]);
    }
    expect(viaIp['a-lo']!.counters).toEqual(viaNsctl['a-lo']!.counters);
  });

  it('runs the ip batches of many namespaces as nsenter … ip -batch does: the same kernel, the same failures', async () => {
    ensureUsernsSupport();
    const lab = uniqueLab('x');
    made.push(`${lab}-`);
    const [a, b, h] = ['a', 'b', 'h'].map((n) => `${lab}-${n}`) as [string, string, string];
    const build: Op[] = [
      ...[a, b, h].map((ns, i): Op => ({ type: 'netns.add', ns, mark: netnsMark(lab, `n${i}`) })),
      { type: 'bridge.add', ns: h, name: 'br0', mark: `nslab:${lab}:bridge:br0` },
      { type: 'link.set', ns: h, name: 'br0', up: true },
      ...[a, b].map((ns, i): Op => ({ type: 'veth.add', ns: h, name: `v${i}`, peerNs: ns, peerName: 'eth0', mark: `nslab:${lab}:link:l${i}` })),
      ...[a, b].flatMap((ns, i): Op[] => [
        { type: 'link.set', ns: h, name: `v${i}`, master: 'br0', up: true },
        { type: 'addr.add', ns, dev: 'eth0', cidr: `10.7.0.${i + 2}/24` },
        { type: 'link.set', ns, name: 'eth0', up: true },
        { type: 'route.add', ns, route: { dst: 'default', via: '10.7.0.1' } },
      ]),
      // fails in the middle of a's batch, and in a namespace that is not there
      { type: 'addr.add', ns: a, dev: 'nope0', cidr: '10.7.1.2/24' },
      { type: 'addr.add', ns: `${lab}-missing`, dev: 'eth0', cidr: '10.7.1.3/24' },
    ];
    const seen: Record<Path, { failures: string[]; logged: string[]; kernel: unknown }> = { nsctl: { failures: [], logged: [], kernel: null }, sh: { failures: [], logged: [], kernel: null } };
    for (const path of ['sh', 'nsctl'] as const) {
      use(path);
      const logged: string[] = [];
      const failures = await runOpsTolerant(build, (e) => logged.push(`${e.exitCode === 0 ? 'ok' : 'failed'} ${e.argv.join(' ')}${e.stderr ? `: ${e.stderr}` : ''}`));
      const kernel = await observe([a, b, h]);
      // veths get random MAC addresses, and the traffic counters differ (IPv6 autoconfiguration);
      // a link's operational state too: nslab-nsctl reads back each link it brings up, which has
      // the kernel settle it at once, where the shell path leaves it to the kernel's link watch
      seen[path] = { failures, logged: logged.sort(), kernel: JSON.parse(JSON.stringify(kernel, (k, v) => (k === 'mac' || k === 'oper' || /^(rx|tx)[A-Z]/.test(k) ? undefined : v))) };
      // removed through the same path: nslab-nsctl deletes the namespaces as ip netns del does
      expect(await runOpsTolerant([a, b, h].map((ns): Op => ({ type: 'netns.del', ns })))).toEqual([]);
      expect((await observe([a, b, h])).namespaces).toEqual({});
      // and deleting them again is "already gone" through both paths
      expect(await runOpsTolerant([{ type: 'netns.del', ns: a }])).toEqual([]);
    }
    expect(seen.nsctl).toEqual(seen.sh);
    expect(seen.nsctl.failures).toHaveLength(2);
    expect(seen.nsctl.failures.join('\n')).toMatch(/nope0/);
    expect(seen.nsctl.failures.join('\n')).toMatch(/missing/);
    expect(Object.keys((seen.nsctl.kernel as { namespaces: object }).namespaces).sort()).toEqual([a, b, h].sort());
  });

  it('refuses ip batches with a namespace or a line it does not run', async () => {
    ensureUsernsSupport();
    const res = await runArgv(['perl', NSCTL_PATH, 'ip', '2'], { stdin: ['../etc\tlink show', 'x\tlink set dev lo alias "a;b"', 'x\tlink\tshow'].join('\n') + '\n' });
    expect(res.exitCode).toBe(0);
    const out = parseNsctlIp(res.stdout);
    expect(out.get(0)?.stderr).toMatch(/refused namespace/);
    expect(out.get(1)?.stderr).toMatch(/refused line/);
    expect(out.get(2)?.stderr).toBe('Cannot open network namespace "x": No such file or directory\n');
  });

  it('sends the common lines over rtnetlink itself exactly as ip sends them: the same kernel, the same messages, line by line', async () => {
    ensureUsernsSupport();
    const lab = uniqueLab('x');
    made.push(`${lab}-`);
    const ns = `${lab}-nl`;
    const good = ['link set dev lo up', 'link set dev v0 alias nslab:x:link:a', 'addr add 10.9.0.2/24 dev v0', 'addr add 127.0.0.9/8 dev lo', 'link set dev v0 up', 'link set dev v1 up', 'link set dev v1 down', 'route add default via 10.9.0.1', 'route add 10.8.0.0/16 via 10.9.0.3 dev v0', 'route replace 10.8.0.0/16 via 10.9.0.4', 'route replace 10.7.0.0/16 via 10.9.0.5'];
    // each fails at its last line, the way ip fails it (its own check, or the kernel's answer)
    const bad = [
      ['link set dev lo up', 'addr add 10.9.0.2/24 dev v0'],
      ['route add 10.6.0.0/16 via 10.99.0.1'],
      ['link set dev nope up'],
      ['link set dev nope alias x'],
      ['route add default via 10.9.0.1'],
      ['addr add 10.9.1.2/24 dev nope0'],
      ['route add 10.6.0.0/16 via 10.9.0.1 dev nope0'],
      ['route add 10.6.0.1/16 via 10.9.0.1'],
      // a line of another shape: the whole batch goes to ip (and succeeds)
      ['link set dev lo up', 'addr add 2001:db8::2/64 dev v0 nodad'],
    ];
    const stdin = [[ns, ...good], ...bad.map((b) => [ns, ...b]), [`${lab}-missing`, 'link set dev lo up']].map((l) => l.join('\t')).join('\n') + '\n';
    const seen: Record<string, { answers: unknown; kernel: string }> = {};
    for (const inline of ['1', '0']) {
      await sh('ip', 'netns', 'add', ns);
      await sh('ip', '-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      const res = await runArgv(['perl', NSCTL_PATH, 'ip', '1'], { stdin, env: { PATH: process.env.PATH ?? '', NSLAB_NSCTL_NETLINK: inline } });
      expect(res.exitCode, res.stderr).toBe(0);
      const answers = [...parseNsctlIp(res.stdout)].sort((a, b) => a[0] - b[0]);
      const kernel = [
        (await sh('ip', '-n', ns, '-d', 'addr', 'show')).stdout,
        (await sh('ip', '-n', ns, '-d', 'route', 'show', 'table', 'all')).stdout,
      ]
        .join('\n')
        // the kernel's own per-interface noise: link-local addresses, MACs, lifetimes, counters
        .split('\n')
        .filter((l) => !/fe80|ff00::|link\/ether|valid_lft|^\s*$/.test(l))
        .map((l) => l.replace(/\bif\d+\b|@v\d/g, ''))
        .join('\n');
      seen[inline] = { answers, kernel };
      await removeNamespaces([ns]);
    }
    expect(seen['1']).toEqual(seen['0']);
    const answers = seen['1']!.answers as [number, { exitCode: number; stderr: string }][];
    expect(answers[0]![1]).toEqual({ exitCode: 0, stderr: '' });
    // the IPv6 batch (by ip) succeeds; every other one fails
    expect(answers.map(([, a]) => a.exitCode)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1]);
    expect(answers.map(([, a]) => a.stderr).join('')).toMatch(/Cannot find device "nope"/);
    expect(seen['1']!.kernel).toMatch(/nslab:x:link:a/);
  });
});
