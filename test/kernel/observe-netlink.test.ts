// The observer's two ways of reading the kernel give the same state: nslab-nsctl's one-process
// rtnetlink dump (server/kernel/read/netlink.ts) and one `ip -j -batch` (and `tc -j qdisc show`)
// per namespace. Swept over a lab with every kind of object nslab makes and hand-made ones it must
// see as they are, qdiscs (netem where the kernel has it) included.
import '../sandbox-guard';
import { afterEach, describe, expect, it } from 'vitest';
import type { KernelState } from '@/lib/kernel-state';
import { sameNetem, toKNetem } from '@/lib/netem';
import { runSteps } from '@/server/kernel/driver';
import { runArgv } from '@/server/kernel/exec';
import { NSCTL_PATH, nsctlUsable } from '@/server/kernel/nsctl';
import { observe, readQdiscs } from '@/server/kernel/observer';
import { decodeDump } from '@/server/kernel/read/netlink';
import { createSteps, labSpec, namespacesOf, netemAvailable, removeNamespaces, sh, uniqueLab } from './helpers';

const made: string[] = [];
afterEach(async () => {
  delete process.env.NSLAB_NSCTL;
  await removeNamespaces(made.splice(0));
});

/** The state without the counters, which move between two reads. */
function still(s: KernelState): KernelState {
  return {
    ...s,
    namespaces: Object.fromEntries(
      Object.entries(s.namespaces).map(([k, n]) => [k, { ...n, links: Object.fromEntries(Object.entries(n.links).map(([name, { stats: _stats, ...l }]) => [name, l])) }]),
    ),
  };
}

/**
 * Both reads of the same moment. The kernel settles some things after a change (a link's
 * operational state follows its peer's within a second), so both are read until a read by ip
 * before and one after the netlink read agree, at most 10 times.
 */
async function both(names: string[], lab: string) {
  const byIp = async () => {
    process.env.NSLAB_NSCTL = '0';
    try {
      return still(await observe(names, { lab }));
    } finally {
      delete process.env.NSLAB_NSCTL;
    }
  };
  let last = { byIp: await byIp(), byNetlink: still(await observe(names, { lab })) };
  for (let i = 0; i < 10; i++) {
    const after = await byIp();
    if (JSON.stringify(after) === JSON.stringify(last.byIp)) return last;
    await new Promise((r) => setTimeout(r, 200));
    last = { byIp: await byIp(), byNetlink: still(await observe(names, { lab })) };
  }
  return last;
}

describe.skipIf(!nsctlUsable())('observing by rtnetlink dump and by ip read the same state', () => {
  it('for a lab nslab made, and after hand-made changes of every kind', { timeout: 120_000 }, async () => {
    const netem = await netemAvailable();
    const lab = uniqueLab('o');
    made.push(`${lab}-`);
    const spec = labSpec(lab, 3);
    expect(await runSteps(createSteps(spec))).toEqual({ ok: true });
    const names = [...namespacesOf(spec), `${lab}-absent`, ''];
    const first = await both(names, lab);
    expect(first.byNetlink).toEqual(first.byIp);
    expect(Object.keys(first.byNetlink.namespaces).length).toBe(namespacesOf(spec).length + 1);

    const [H, A] = [`${lab}-H`, `${lab}-n0`];
    const changes: string[][] = [
      ['ip', '-n', A, 'link', 'set', 'eth0', 'down'],
      ['ip', '-n', A, 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1'],
      ['ip', '-n', A, 'addr', 'add', '192.168.7.1/24', 'dev', 'd0'],
      ['ip', '-n', A, 'addr', 'add', '192.168.8.1/32', 'dev', 'd0'],
      ['ip', '-n', A, 'link', 'set', 'd0', 'up', 'mtu', '1400', 'alias', 'hand made'],
      ['ip', '-n', A, 'route', 'add', '192.168.9.9', 'dev', 'd0'],
      ['ip', '-n', A, 'route', 'add', '192.168.10.0/24', 'via', '192.168.7.2', 'metric', '7'],
      ['ip', '-n', A, 'route', 'add', 'blackhole', '192.168.11.0/24'],
      ['ip', '-n', A, 'route', 'add', '192.168.12.0/24', 'dev', 'd0', 'table', '100'],
      ['ip', '-n', H, 'link', 'add', 'b9', 'group', '7', 'type', 'bridge'],
      ['ip', '-n', H, 'link', 'set', 'v-n1', 'nomaster'],
      ['ip', '-n', H, 'link', 'set', 'v-n2', 'master', 'b9'],
      ['ip', 'netns', 'exec', A, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'],
      // IPv6: global addresses (one still tentative), host, gateway, device-only default and
      // blackhole routes, another table; kernel-made link-local and multicast routes stay out
      ['ip', '-n', A, 'addr', 'add', '2001:db8:7::1/64', 'dev', 'd0', 'nodad'],
      ['ip', '-n', A, 'addr', 'add', '2001:DB8:8:0:0::1/128', 'dev', 'd0'],
      ['ip', '-n', H, 'addr', 'add', 'fd00:0:0:1::1/64', 'dev', 'b9', 'nodad'],
      ['ip', '-n', A, 'route', 'add', '2001:db8:9::9', 'dev', 'd0'],
      ['ip', '-n', A, 'route', 'add', '2001:db8:10::/64', 'via', '2001:db8:7::2', 'metric', '7'],
      ['ip', '-n', A, 'route', 'add', '::/0', 'dev', 'd0'],
      ['ip', '-n', A, 'route', 'add', 'blackhole', '2001:db8:11::/64'],
      ['ip', '-n', A, 'route', 'add', '2001:db8:12::/64', 'dev', 'd0', 'table', '100'],
      ['ip', 'netns', 'exec', A, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1'],
    ];
    let after = first;
    for (const c of changes) {
      const r = await sh(...c);
      if (r.exitCode !== 0) throw new Error(`${c.join(' ')}: ${r.stderr}`);
      after = await both(names, lab);
      expect(after.byNetlink, c.join(' ')).toEqual(after.byIp);
    }
    // qdiscs by hand, all at once (one comparison keeps the test short)
    const qdiscs: string[][] = [
      ['tc', '-n', A, 'qdisc', 'add', 'dev', 'd0', 'root', 'tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms'],
      ['tc', '-n', A, 'qdisc', 'add', 'dev', 'd0', 'ingress'],
      ['tc', '-n', A, 'qdisc', 'add', 'dev', 'd1', 'root', 'handle', '1:', 'htb'],
      ['tc', '-n', A, 'class', 'add', 'dev', 'd1', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '1mbit'],
      ['tc', '-n', A, 'qdisc', 'add', 'dev', 'd1', 'parent', '1:1', 'handle', '10:', 'tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms'],
      ...(netem
        ? [
            ['tc', '-n', A, 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', '1500us', '10us', 'loss', '33.33333%', 'duplicate', '1%', 'corrupt', '0.1%', 'rate', '1001bit'],
            ['tc', '-n', H, 'qdisc', 'replace', 'dev', 'v-n2', 'root', 'netem', 'delay', '12s', '3ms', '25%', 'reorder', '10%', 'loss', '100%', 'rate', '40gbit', 'limit', '50'],
            ['tc', '-n', H, 'qdisc', 'replace', 'dev', 'v-n1', 'root', 'netem', 'loss', '0.0001%', 'ecn'],
          ]
        : []),
    ];
    for (const c of qdiscs) {
      const r = await sh(...c);
      if (r.exitCode !== 0) throw new Error(`${c.join(' ')}: ${r.stderr}`);
    }
    after = await both(names, lab);
    expect(after.byNetlink, 'qdiscs').toEqual(after.byIp);
    // The qdiscs themselves, as tc prints them: kind, handle, parent, and netem's options.
    const dumped = decodeDump((await runArgv(['perl', NSCTL_PATH, 'dump', A, H])).stdout).namespaces;
    for (const ns of [A, H]) {
      const byTc = (await readQdiscs(ns)) ?? [];
      const comparable = (q: (typeof byTc)[number]) => ({ ...q, options: q.kind === 'netem' ? q.options : {} });
      const order = (a: { dev: string; handle: string }, b: { dev: string; handle: string }) => `${a.dev} ${a.handle}`.localeCompare(`${b.dev} ${b.handle}`);
      expect(dumped.get(ns)?.qdiscs.map(comparable).sort(order), ns).toEqual(byTc.map(comparable).sort(order));
      expect(byTc.length).toBeGreaterThan(2);
    }
    expect(after.byNetlink.namespaces[A]?.links.d0?.netem, 'a tbf is not a netem').toBeUndefined();
    if (netem) {
      // read back as set, within tc's own rounding (64 ns ticks, 6 digits)
      const set = toKNetem({ delay: '1500us', jitter: '10us', loss: '33.33333%', duplicate: '1%', corrupt: '0.1%', rate: '1001bit' });
      expect(sameNetem(set, after.byNetlink.namespaces[A]?.links.eth0?.netem), JSON.stringify(after.byNetlink.namespaces[A]?.links.eth0?.netem)).toBe(true);
      expect(after.byNetlink.namespaces[H]?.links['v-n1']?.netem).toEqual({ delay: 0, jitter: 0, loss: 0.0001, duplicate: 0, corrupt: 0, rate: 0 });
      expect(after.byNetlink.namespaces[H]?.links['v-n2']?.netem).toMatchObject({ delay: 12_000_000, loss: 100, rate: 5_000_000_000 });
    }
    // what the IPv6 changes read as (both paths agree, above)
    const last = (await both(names, lab)).byNetlink.namespaces[A]!;
    expect(last.links.d0!.addresses).toEqual(['192.168.7.1/24', '192.168.8.1/32', '2001:db8:7::1/64', '2001:db8:8::1/128']);
    expect(last.routes.filter((r) => r.dst.includes(':'))).toEqual([
      { dst: '2001:db8:9::9/128', dev: 'd0' },
      { dst: '2001:db8:10::/64', via: '2001:db8:7::2', dev: 'd0' },
      { dst: '::/0', dev: 'd0' },
    ]);
    expect(last.forwarding6).toBe(true);
  });
});
