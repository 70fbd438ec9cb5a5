// The kernel driver on the real kernel (inside the sandbox): hand-built steps create a lab that
// the observer reads back exactly; batching keeps processes few; re-runs and deletes of missing
// objects succeed; a failure rolls everything back.
import '../sandbox-guard';
import { afterEach, describe, expect, it } from 'vitest';
import type { KernelState, KLink } from '@/lib/kernel-state';
import { bridgeMark, labGroup, linkMark, natTable, netnsMark } from '@/lib/names';
import { commandsFor, type PlanStep } from '@/lib/ops';
import { runSteps } from '@/server/kernel/driver';
import { processCount, type CommandEvent } from '@/server/kernel/exec';
import { observe } from '@/server/kernel/observer';
import { createSteps, labSpec, namespacesOf, removeNamespaces, sh, step, uniqueLab } from './helpers';

const made: string[] = [];
afterEach(async () => {
  await removeNamespaces(made.splice(0));
});

function newLab(): string {
  const lab = uniqueLab('d');
  made.push(`${lab}-`);
  return lab;
}

/** The observed state without what only the kernel knows (ifindex, counters, ...). */
function intent(state: KernelState) {
  const strip = ({ name, kind, mark, up, master, addresses, peer }: KLink) => ({ name, kind, mark, up, master, addresses, ...(peer ? { peer } : {}) });
  return Object.fromEntries(
    Object.entries(state.namespaces).map(([ns, n]) => [ns, { ...n, links: Object.fromEntries(Object.entries(n.links).map(([k, l]) => [k, strip(l)])) }]),
  );
}

describe('runSteps creates what the steps say', () => {
  it('builds host, bridge, veths, addresses, routes, forwarding and NAT, read back exactly', async () => {
    const lab = newLab();
    const spec = labSpec(lab, 2);
    const log: CommandEvent[] = [];
    const steps: string[] = [];
    const res = await runSteps(createSteps(spec), {
      onCommand: (e) => log.push(e),
      onStep: (p) => steps.push(`${p.step}:${p.status}`),
    });
    expect(res).toEqual({ ok: true });

    const H = `${lab}-H`;
    const A = `${lab}-n0`;
    const B = `${lab}-n1`;
    const lo = (mark: string) => ({ name: 'lo', kind: 'loopback', mark, up: true, master: null, addresses: [] });
    const veth = (name: string, mark: string, master: string | null, addresses: string[], peer: { ns: string; name: string }) => ({ name, kind: 'veth', mark, up: true, master, addresses, peer });
    const node = (ns: string, id: string, addr: string) => ({
      name: ns, mark: netnsMark(lab, id), owned: true, forwarding: false, forwarding6: false, nat: null,
      links: { lo: lo(netnsMark(lab, id)), eth0: veth('eth0', linkMark(lab, id), null, [addr], { ns: H, name: `v-${id}` }) },
      routes: [{ dst: 'default', via: '10.0.0.1', dev: 'eth0' }],
    });
    const observed = await observe([H, A, B, `${lab}-absent`], { lab });
    expect(intent(observed)).toEqual({
      [H]: {
        name: H, mark: netnsMark(lab, 'host'), owned: true, forwarding: true, forwarding6: false, routes: [],
        nat: { table: natTable(lab), mark: `nslab:${lab}`, rules: [{ source: '10.0.0.0/16', out: 'up0' }] },
        links: {
          lo: lo(netnsMark(lab, 'host')),
          br0: { name: 'br0', kind: 'bridge', mark: bridgeMark(lab, 'br0'), up: true, master: null, addresses: ['10.0.0.1/16'] },
          'v-n0': veth('v-n0', linkMark(lab, 'n0'), 'br0', [], { ns: A, name: 'eth0' }),
          'v-n1': veth('v-n1', linkMark(lab, 'n1'), 'br0', [], { ns: B, name: 'eth0' }),
        },
      },
      [A]: node(A, 'n0', '10.0.0.2/16'),
      [B]: node(B, 'n1', '10.0.0.3/16'),
    });

    // One log entry per logical command, as a student would type it, all successful.
    const expected = createSteps(spec).flatMap((s) => commandsFor(s.op));
    expect(log).toHaveLength(expected.length);
    expect(log.every((e) => e.exitCode === 0 && e.stderr === '')).toBe(true);
    expect(log.map((e) => e.argv.join(' '))).toContain(`ip -n ${A} link add name eth0 group ${labGroup(lab)} type veth peer name v-n0 group ${labGroup(lab)} netns ${H}`);
    expect(log.map((e) => e.argv.join(' '))).toContain(`ip netns exec ${H} sysctl -w net.ipv4.ip_forward=1`);
    // Every step ran and finished.
    const n = createSteps(spec).length;
    for (let i = 0; i < n; i++) expect(steps).toEqual(expect.arrayContaining([`${i}:running`, `${i}:done`]));

    // Traffic flows: A reaches the host's bridge and B through it.
    for (const to of ['10.0.0.1', '10.0.0.3']) expect((await sh('ip', 'netns', 'exec', A, 'ping', '-c1', '-W2', to)).exitCode).toBe(0);
  });

  it('batches: one ip process per namespace group, not one per command', async () => {
    const lab = newLab();
    const spec = labSpec(lab, 20);
    let commands = 0;
    const before = processCount();
    const t0 = performance.now();
    const res = await runSteps(createSteps(spec), { onCommand: () => (commands += 1) });
    const processes = processCount() - before;
    expect(res).toEqual({ ok: true });
    // namespace files (up to 4 sh, by namespace) + host + 20 namespaces + host again + sysctl + nft
    expect(processes).toBeLessThanOrEqual(spec.nodes.length + 9);
    expect(commands).toBeGreaterThan(8 * spec.nodes.length);
    console.log(`apply of ${spec.nodes.length} namespaces: ${commands} commands in ${processes} processes, ${Math.round(performance.now() - t0)} ms`);
  });

  it('leaves no process it started ahead behind, after a run that ends well and after one that fails', async () => {
    const children = async () => {
      // this process's nslab-nsctl children, given 2.5 s to end (those started ahead end at once)
      let out: string[] = [];
      for (let i = 0; i < 50; i++) {
        out = (await sh('ps', '-o', 'pid=,args=', '--ppid', String(process.pid))).stdout.split('\n').filter((l) => l.includes('nslab-nsctl'));
        if (out.length === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      return out;
    };
    const lab = newLab();
    const spec = labSpec(lab, 3);
    expect(await runSteps(createSteps(spec))).toEqual({ ok: true });
    expect(await children()).toEqual([]);
    // a failing run: an address on a device that is not there, in the middle of the run
    const other = newLab();
    const steps = createSteps(labSpec(other, 3));
    const bridgeAt = steps.findIndex((s) => s.op.type === 'bridge.add');
    const H = (steps[bridgeAt]!.op as { ns: string }).ns;
    const failing = [...steps.slice(0, bridgeAt), step({ type: 'addr.add', ns: H, dev: 'missing0', cidr: '10.9.9.9/24' }), ...steps.slice(bridgeAt)];
    const res = await runSteps(failing);
    expect(res.ok).toBe(false);
    expect(await children()).toEqual([]);
    // one that fails in its first round (a namespace name taken by one nslab did not make): the
    // processes started for the rounds after it were never given work
    const third = newLab();
    const thirdSteps = createSteps(labSpec(third, 3));
    const taken = (thirdSteps.find((s) => s.op.type === 'netns.add')!.op as { ns: string }).ns;
    expect((await sh('ip', 'netns', 'add', taken)).exitCode).toBe(0);
    expect((await runSteps(thirdSteps)).ok).toBe(false);
    expect(await children()).toEqual([]);
  });

  it('re-running the same steps succeeds and changes nothing', async () => {
    const lab = newLab();
    const spec = labSpec(lab, 2);
    expect(await runSteps(createSteps(spec), {})).toEqual({ ok: true });
    const first = intent(await observe(namespacesOf(spec), { lab }));
    const log: CommandEvent[] = [];
    expect(await runSteps(createSteps(spec), { onCommand: (e) => log.push(e) })).toEqual({ ok: true });
    expect(intent(await observe(namespacesOf(spec), { lab }))).toEqual(first);
    // The kernel did say "exists"; nslab checked the object and accepted it.
    expect(log.some((e) => e.exitCode !== 0 && /exists|already/i.test(e.stderr))).toBe(true);
  });
});

describe('runSteps treats deleting what is not there as done', () => {
  const cases: Array<[string, (ns: string) => PlanStep]> = [
    ['link.del of a missing interface', (ns) => step({ type: 'link.del', ns, name: 'nothere0' })],
    ['addr.del of a missing address', (ns) => step({ type: 'addr.del', ns, dev: 'lo', cidr: '10.9.9.9/24' })],
    ['route.del of a missing route', (ns) => step({ type: 'route.del', ns, route: { dst: '10.77.0.0/16', dev: 'lo' } })],
    ['route.del of a missing default route', (ns) => step({ type: 'route.del', ns, route: { dst: 'default', via: '10.9.9.1' } })],
    ['nft.del of a missing table', (ns) => step({ type: 'nft.del', ns, table: 'nslab_nothere' })],
    ['netns.del of a missing namespace', (ns) => step({ type: 'netns.del', ns: `${ns}-gone` })],
    ['link.del in a missing namespace', (ns) => step({ type: 'link.del', ns: `${ns}-gone`, name: 'eth0' })],
  ];
  it.each(cases)('%s', async (_name, make) => {
    const lab = newLab();
    const ns = `${lab}-x`;
    await sh('ip', 'netns', 'add', ns);
    expect(await runSteps([make(ns), make(ns)], {})).toEqual({ ok: true });
  });
});

describe('a failure rolls back everything done, newest first', () => {
  // F is a namespace someone made by hand; in it, names nslab needs are taken by foreign bridges.
  const cases: Array<{ name: string; build: (lab: string, F: string) => PlanStep[]; failedStep: number; message: RegExp }> = [
    {
      name: 'a veth whose other end is taken in another namespace',
      build: (lab, F) => {
        const A = `${lab}-A`;
        return [
          step({ type: 'netns.add', ns: A, mark: netnsMark(lab, 'A') }, [{ type: 'netns.del', ns: A }]),
          step({ type: 'bridge.add', ns: A, name: 'br0', mark: bridgeMark(lab, 'br0') }, [{ type: 'link.del', ns: A, name: 'br0' }]),
          step({ type: 'veth.add', ns: A, name: 'eth0', peerNs: F, peerName: 'p-ok', mark: linkMark(lab, 'ok') }, [{ type: 'link.del', ns: A, name: 'eth0' }]),
          step({ type: 'addr.add', ns: F, dev: 'p-ok', cidr: '10.5.0.1/24' }, [{ type: 'addr.del', ns: F, dev: 'p-ok', cidr: '10.5.0.1/24' }]),
          step({ type: 'veth.add', ns: A, name: 'eth1', peerNs: F, peerName: 'taken0', mark: linkMark(lab, 'bad') }, [{ type: 'link.del', ns: A, name: 'eth1' }]),
          step({ type: 'link.set', ns: A, name: 'eth1', up: true }),
        ];
      },
      failedStep: 4,
      message: /^could not create interface "eth1" in namespace \S+-A: .*File exists \(the other end "taken0" in namespace \S+: an interface with this name already exists and is not nslab's: a bridge without a mark\)$/,
    },
    {
      name: 'a bridge whose name is taken by a foreign one',
      build: (lab, F) => [
        step({ type: 'sysctl.set', ns: F, key: 'net.ipv4.ip_forward', value: '1' }, [{ type: 'sysctl.set', ns: F, key: 'net.ipv4.ip_forward', value: '0' }]),
        step({ type: 'bridge.add', ns: F, name: 'taken0', mark: bridgeMark(lab, 'taken0') }, [{ type: 'link.del', ns: F, name: 'taken0' }]),
      ],
      failedStep: 1,
      message: /^could not create bridge "taken0" in namespace \S+: RTNETLINK answers: File exists \(an interface with this name already exists and is not nslab's: a bridge without a mark\)$/,
    },
    {
      name: 'an address on an interface that is not there',
      build: (lab, F) => [
        step({ type: 'bridge.add', ns: F, name: 'br9', mark: bridgeMark(lab, 'br9') }, [{ type: 'link.del', ns: F, name: 'br9' }]),
        step({ type: 'addr.add', ns: F, dev: 'nope0', cidr: '10.6.0.1/24' }, [{ type: 'addr.del', ns: F, dev: 'nope0', cidr: '10.6.0.1/24' }]),
      ],
      failedStep: 1,
      message: /^could not add address 10\.6\.0\.1\/24 on "nope0" in namespace \S+: Cannot find device "nope0"$/,
    },
  ];

  it.each(cases)('$name', async ({ build, failedStep, message }) => {
    const lab = newLab();
    const F = `${lab}-F`;
    await sh('ip', 'netns', 'add', F);
    await sh('ip', '-n', F, 'link', 'add', 'name', 'taken0', 'type', 'bridge');
    const scope = [F, `${lab}-A`];
    const before = await observe(scope, { lab });
    const statuses: string[] = [];
    const phases: string[] = [];
    let failed = false;
    const res = await runSteps(build(lab, F), {
      onStep: (p) => {
        statuses.push(`${p.step}:${p.status}`);
        if (p.status === 'failed') failed = true;
      },
      onCommand: (e) => phases.push(`${failed ? 'rollback' : 'apply'}: ${e.argv.join(' ')}`),
    });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.failedStep).toBe(failedStep);
    expect(res.message).toMatch(message);
    expect(res.rolledBack).toBe(true);
    expect(res.rollbackErrors).toEqual([]);
    expect(statuses).toContain(`${failedStep}:failed`);
    expect(statuses.filter((s) => s.endsWith(':undone'))).toHaveLength(failedStep + 1);
    expect(phases.some((p) => p.startsWith('rollback: '))).toBe(true);
    const after = await observe(scope, { lab });
    expect(intent(after)).toEqual(intent(before));
  });
});
