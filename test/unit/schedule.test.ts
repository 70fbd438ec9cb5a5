// The batch scheduler (server/kernel/schedule.ts): which commands wait for which, and the rounds
// of `ip -batch` processes they run in. The seed lab's rounds are recorded below; the invariants
// are checked on a create, a change and a destroy plan.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import type { KernelState } from '@/lib/kernel-state';
import { commandsFor, type Command, type Op, type Plan } from '@/lib/ops';
import { destroyPlan, plan } from '@/lib/plan';
import { parseTopologyText } from '@/lib/validate';
import { batchable, bridgeUpAfter, dependencies, mustWait, nextRound, NSFILE_SLOTS, type Batch, type Job } from '@/server/kernel/schedule';
import { run } from './kernel-sim';

const seed = (() => {
  const r = parseTopologyText(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.topology;
})();
const desired = compile(seed, { hostNetns: 'H' }).desired;
const empty = (): KernelState => ({ namespaces: {} });
const applied = run(empty(), plan('seed', desired, empty()).steps.map((s) => s.op));

function jobsOf(p: Plan): Job[] {
  let id = 0;
  return p.steps.flatMap((s, step) => commandsFor(s.op).map((cmd) => ({ id: id++, step, op: s.op, cmd })));
}

/** Runs the scheduler to the end, as the driver does when every command succeeds. */
function rounds(jobs: Job[], deps = dependencies(jobs), nsctlDeletes = false): Batch[][] {
  const done = new Set<number>();
  const out: Batch[][] = [];
  let pending = jobs;
  while (pending.length) {
    const round = nextRound(pending, deps, done, { nsctlDeletes });
    if (!round.length) throw new Error('the scheduler is stuck');
    out.push(round);
    for (const b of round) for (const j of b.jobs) done.add(j.id);
    pending = pending.filter((j) => !done.has(j.id));
  }
  return out;
}

/** Everything each job waits for, directly or through others. */
function closure(deps: number[][]): number[][] {
  const all: Set<number>[] = [];
  deps.forEach((d, i) => {
    const s = new Set<number>();
    for (const k of d) {
      s.add(k);
      for (const x of all[k] ?? []) s.add(x);
    }
    all[i] = s;
  });
  return all.map((s) => [...s].sort((a, b) => a - b));
}

/** The reference: each pair of jobs judged by the pairwise rule alone. */
const pairwise = (jobs: Job[]) => {
  const after = bridgeUpAfter(jobs);
  return jobs.map((l, i) => jobs.slice(0, i).filter((e) => mustWait(e, l, after)).map((e) => e.id));
};

/** The namespaces' jobs, dealt in turn to NSFILE_SLOTS processes, as `show` prints that round. */
const nsfileRound = (perNs: number[][]) => {
  const slots: number[][] = [];
  perNs.forEach((ids, i) => (slots[i % NSFILE_SLOTS] ??= []).push(...ids));
  return slots.map((ids, k) => `nsfile:${k}[${ids.join(',')}]`).join(' ');
};
const show = (r: Batch[][]) => r.map((round) => round.map((b) => `${b.key}[${b.jobs.map((j) => j.id).join(',')}]`).join(' '));
const job = (id: number, cmd: Command, op: Op = { type: 'netns.del', ns: cmd.ns }): Job => ({ id, step: id, op, cmd });
const ip = (ns: string, ...args: string[]): Command => ({ tool: 'ip', ns, args });

describe('rounds', () => {
  it('the seed lab from empty: namespaces, then the host, then each namespace side by side, then the bridge, sysctls and nft', () => {
    expect(show(rounds(jobsOf(plan('seed', desired, empty()))))).toEqual([
      // each namespace's files, then its IPv6 defaults (no DAD), before anything is made in it;
      // the five namespaces take the processes (one per core, at most 4) in turn
      nsfileRound([[0, 1, 2, 3, 4], [7, 8, 9, 10, 11], [14, 15, 16, 17, 18], [21, 22, 23, 24, 25], [28, 29, 30, 31, 32]]),
      'ip:H[5,6,35,36,37,38,39,41,43,45,46,48,50,52,53,55,57,59,60,62,64]',
      'ip:seed-A[12,13,40,42,44,67] ip:seed-B[19,20,47,49,51,68] ip:seed-C[26,27,54,56,58,69] ip:seed-remote[33,34,61,63,65]',
      // br0 comes up (66) once A, B and C (its ports' far ends) are up; the forwarding sysctls
      // here are commands of their namespaces (in the driver, lines of the machine's own
      // `ip -batch`, which wait only for their namespace to exist)
      'ip:H[66] job:72[72] job:73[73] job:74[74] job:75[75]',
      'job:70[70]',
      // the isolated host's IPv6 forwarding after its IPv4 one (in the driver both are lines of one `ip -batch`)
      'job:71[71]',
      'job:76[76]',
    ]);
  });

  it('a new bridge comes up after its ports\' far ends, and only waits for them', () => {
    const jobs = jobsOf(plan('seed', desired, empty()));
    const deps = closure(dependencies(jobs));
    const at = (ns: string, ...args: string[]) => jobs.findIndex((j) => j.cmd.ns === ns && 'args' in j.cmd && j.cmd.args.join(' ') === args.join(' '));
    const up = at('H', 'link', 'set', 'dev', 'br0', 'up');
    expect(up).toBeGreaterThan(0);
    expect([...(bridgeUpAfter(jobs).get(up) ?? [])].sort()).toEqual(['seed-A', 'seed-B', 'seed-C']);
    for (const ns of ['seed-A', 'seed-B', 'seed-C']) expect(deps[up]).toContain(at(ns, 'link', 'set', 'dev', 'eth0', 'up'));
    // not on the link to remote (no port of br0), nor the namespaces' routes, which come after it
    expect(deps[up]).not.toContain(at('seed-remote', 'link', 'set', 'dev', 'eth0', 'up'));
    const route = at('seed-A', 'route', 'replace', 'default', 'via', '10.0.0.1');
    expect(route).toBeGreaterThan(up);
    expect(deps[route]).not.toContain(up);
  });

  const plans: [string, Plan][] = [
    ['create', plan('seed', desired, empty())],
    ['change', plan('seed', compile({ ...seed, links: seed.links.slice(1) }, { hostNetns: 'H' }).desired, applied)],
    ['destroy', plan('seed', empty(), applied)],
    // netem on every link: the host's ends share one `tc -batch`, after the links they need
    ['netem', plan('seed', compile({ ...seed, links: seed.links.map((l) => ({ ...l, netem: { delay: '5ms' } })) }, { hostNetns: 'H' }).desired, applied)],
  ];
  it.each(plans)('%s: every command runs once, after what it waits for, in the plan\'s order within its batch', (_name, p) => {
    const jobs = jobsOf(p);
    const deps = dependencies(jobs);
    const roundOf = new Map<number, number>();
    const batchOf = new Map<number, string>();
    rounds(jobs, deps).forEach((round, r) => {
      for (const b of round) {
        expect(b.jobs.map((j) => j.id)).toEqual([...b.jobs.map((j) => j.id)].sort((x, y) => x - y));
        if (b.key.startsWith('ip:') || b.key.startsWith('tc:')) expect(b.jobs.every((j) => batchable(j.cmd) && `${j.cmd.tool}:${j.cmd.ns}` === b.key)).toBe(true);
        // namespace files (user namespaces) of a few namespaces share one shell; the rest run alone
        else if (b.key.startsWith('nsfile:')) expect(b.jobs.every((j) => j.cmd.tool === 'nsfile')).toBe(true);
        else expect(b.jobs).toHaveLength(1);
        for (const j of b.jobs) {
          expect(roundOf.has(j.id)).toBe(false);
          roundOf.set(j.id, r);
          batchOf.set(j.id, b.key);
        }
      }
    });
    expect(roundOf.size).toBe(jobs.length);
    if (_name === 'netem') expect([...batchOf.values()].filter((k) => k === 'tc:H').length).toBe(4);
    for (const j of jobs) {
      for (const d of deps[j.id]!) {
        expect(d).toBeLessThan(j.id);
        const before = roundOf.get(d)! < roundOf.get(j.id)!;
        const earlierInSameBatch = roundOf.get(d) === roundOf.get(j.id) && batchOf.get(d) === batchOf.get(j.id);
        expect(before || earlierInSameBatch, `job ${j.id} waits for ${d}`).toBe(true);
      }
    }
  });

  it('destroy: a delete of a link or a namespace waits for every command before it (but the user namespace files, and the deletes, of other namespaces)', () => {
    const jobs = jobsOf(plan('seed', empty(), applied));
    const waits = closure(dependencies(jobs));
    const deletes = jobs.filter((j) => 'args' in j.cmd && j.cmd.args[1] === 'del' && (j.cmd.args[0] === 'link' || j.cmd.args[0] === 'netns'));
    expect(deletes.length).toBeGreaterThan(0);
    const netnsDel = (j: Job) => ('args' in j.cmd && j.cmd.args[0] === 'netns' && j.cmd.args[1] === 'del' ? j.cmd.args[2] : null);
    const otherFiles = (j: Job, d: Job) => j.cmd.tool === 'nsfile' && 'args' in d.cmd && j.cmd.netns !== d.cmd.args[2];
    const otherDeletes = (j: Job, d: Job) => netnsDel(j) !== null && netnsDel(d) !== null && netnsDel(j) !== netnsDel(d);
    for (const d of deletes) expect(waits[d.id]).toEqual(jobs.slice(0, d.id).filter((j) => !otherFiles(j, d) && !otherDeletes(j, d)).map((j) => j.id));
  });

  it('with nslab-nsctl, the namespace deletes of a destroy share its processes with the user namespace files, by namespace', () => {
    const jobs = jobsOf(plan('seed', empty(), applied));
    const r = rounds(jobs, dependencies(jobs), true);
    const all = r.flat();
    const keyOf = new Map(all.flatMap((b) => b.jobs.map((j) => [j.id, b.key] as const)));
    for (const j of jobs) {
      const ns = j.cmd.tool === 'nsfile' ? j.cmd.netns : j.cmd.args[0] === 'netns' ? j.cmd.args[2] : null;
      if (ns === null || ns === undefined) continue;
      expect(keyOf.get(j.id), `${j.id}`).toMatch(/^nsfile:/);
      const del = jobs.find((d) => d.cmd.tool === 'ip' && d.cmd.args[0] === 'netns' && d.cmd.args[2] === ns);
      expect(keyOf.get(j.id)).toBe(keyOf.get(del!.id));
    }
  });
});

describe('dependencies', () => {
  it('commands of different namespaces are independent; of one namespace, ordered', () => {
    const deps = dependencies([job(0, ip('A', 'link', 'set', 'dev', 'lo', 'up')), job(1, ip('B', 'link', 'set', 'dev', 'lo', 'up')), job(2, ip('A', 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0'))]);
    expect(deps).toEqual([[], [], [0]]);
  });

  it('netns add/del of NS orders against the commands in NS', () => {
    const deps = dependencies([job(0, ip('', 'netns', 'add', 'A')), job(1, ip('A', 'link', 'set', 'dev', 'lo', 'up')), job(2, ip('B', 'link', 'set', 'dev', 'lo', 'up'))]);
    expect(deps).toEqual([[], [0], []]);
  });

  it('a veth created into P waits for P to exist, not for P\'s other commands, unless they name its peer', () => {
    const deps = dependencies([
      job(0, ip('', 'netns', 'add', 'P')),
      job(1, ip('P', 'link', 'set', 'dev', 'lo', 'up')),
      job(2, ip('P', 'link', 'set', 'dev', 'eth0', 'up')),
      job(3, ip('H', 'link', 'add', 'name', 'v0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'P')),
      job(4, ip('Q', 'link', 'add', 'name', 'v1', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', 'P')),
      job(5, ip('H', 'link', 'add', 'name', 'v2', 'type', 'veth', 'peer', 'name', 'eth2', 'netns', 'P')),
    ]);
    const waits = closure(deps);
    expect(waits[3]).toEqual([0, 1, 2]); // eth0 up names its peer (1 only through 2)
    expect(waits[4]).toEqual([0]); // nor for another veth created into P from elsewhere
    expect(waits[5]).toEqual([0, 1, 2, 3]); // but for the earlier commands of its own namespace
  });

  it('a forwarding sysctl in NS waits only for NS to exist', () => {
    const sysctl = ip('', 'netns', 'exec', 'A', 'sysctl', '-w', 'net.ipv4.ip_forward=1');
    const deps = dependencies([job(0, ip('', 'netns', 'add', 'A')), job(1, ip('A', 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0')), job(2, sysctl)]);
    expect(deps[2]).toEqual([0]);
  });

  it('a link delete is a barrier both ways', () => {
    const deps = dependencies([job(0, ip('A', 'link', 'set', 'dev', 'lo', 'up')), job(1, ip('B', 'link', 'del', 'dev', 'v0')), job(2, ip('C', 'link', 'set', 'dev', 'lo', 'up'))]);
    expect(deps).toEqual([[], [0], [1]]);
  });
});

describe('batchable and nextRound', () => {
  it('only ip commands whose words need no quoting go to an ip -batch', () => {
    expect(batchable(ip('A', 'link', 'set', 'dev', 'lo', 'alias', 'nslab:seed:ns:A'))).toBe(true);
    expect(batchable(ip('A', 'link', 'set', 'dev', 'lo', 'alias', 'two words'))).toBe(false);
    expect(batchable({ tool: 'nft', ns: 'A', args: ['-f', '-'], stdin: '' })).toBe(false);
    expect(batchable({ tool: 'sysctl', ns: 'A', args: ['-w', 'net.ipv4.ip_forward=1'] })).toBe(false);
  });

  it('a namespace with commands still waiting waits with them, so they share one process', () => {
    const jobs = [job(0, ip('B', 'link', 'set', 'dev', 'lo', 'up')), job(1, ip('A', 'link', 'set', 'dev', 'lo', 'up')), job(2, ip('A', 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0'))];
    expect(show(rounds(jobs, [[], [], [0]]))).toEqual(['ip:B[0]', 'ip:A[1,2]']);
  });

  it('unless nothing else could run', () => {
    const jobs = [job(1, ip('A', 'link', 'set', 'dev', 'lo', 'up')), job(2, ip('A', 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0'))];
    expect(show([nextRound(jobs, [[], [], [0]], new Set())])).toEqual(['ip:A[1]']);
  });
});

describe('dependencies leave out only what is implied', () => {
  // Random command sequences over a few namespaces: plain commands, veths created into another
  // namespace (with repeated peer names), namespace creation and deletion, namespace files,
  // forwarding sysctls and link deletes. What each job waits for, directly or through others,
  // must be exactly what the pairwise rule gives.
  const pick = <T,>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const random = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  it.each(Array.from({ length: 60 }, (_, k) => k + 1))('sequence %i', (seed) => {
    const r = random(seed);
    const nss = ['H', 'A', 'B', 'P'];
    const cmds: Command[] = Array.from({ length: 40 }, () => {
      const ns = pick(r, nss);
      const other = pick(r, nss);
      const name = pick(r, ['eth0', 'eth1', 'v0']);
      switch (pick(r, ['plain', 'plain', 'plain', 'veth', 'veth', 'netns', 'file', 'sysctl', 'del', 'named'])) {
        case 'veth':
          return ip(ns, 'link', 'add', 'name', `v${Math.floor(r() * 9)}`, 'type', 'veth', 'peer', 'name', name, 'netns', other);
        case 'netns':
          return ip('', 'netns', pick(r, ['add', 'del']), other);
        case 'file':
          return { tool: 'nsfile', ns: '', netns: other, argv: ['rm', '-f', `/run/netns/${other}`] } as Command;
        case 'sysctl':
          return ip('', 'netns', 'exec', other, 'sysctl', '-w', 'net.ipv4.ip_forward=1');
        case 'del':
          return r() < 0.3 ? ip(ns, 'link', 'del', 'dev', name) : ip(ns, 'addr', 'add', '10.0.0.2/24', 'dev', name);
        case 'named':
          return ip(ns, 'link', 'set', 'dev', name, 'up');
        default:
          return ip(ns, 'link', 'set', 'dev', 'lo', 'up');
      }
    });
    const jobs = cmds.map((c, i) => job(i, c));
    expect(closure(dependencies(jobs))).toEqual(closure(pairwise(jobs)));
  });

  it('on the create, change and destroy plans of a 60-namespace star', () => {
    const nodes: string[] = [];
    const lines = ['name: star', 'nodes:', '  - { id: br0, kind: bridge, addresses: [10.0.0.1/24] }'];
    const links = ['links:'];
    for (let i = 1; i <= 60; i++) {
      nodes.push(`  - { id: n${i}, kind: namespace, forwarding: ${i % 7 === 0}, routes: [{ to: default, via: 10.0.0.1 }] }`);
      links.push(`  - { a: { node: n${i}, iface: eth0, addresses: [10.0.0.${i + 1}/24] }, b: { node: br0, iface: v${i} } }`);
    }
    const t = parseTopologyText([...lines, ...nodes, ...links].join('\n'));
    if (!t.ok) throw new Error(JSON.stringify(t.problems));
    const want = compile(t.topology, { hostNetns: 'H' }).desired;
    const made = run(empty(), plan('star', want, empty()).steps.map((s) => s.op));
    for (const p of [plan('star', want, empty()), plan('seed', desired, made), destroyPlan('star', made)]) {
      const jobs = jobsOf(p);
      expect(closure(dependencies(jobs))).toEqual(closure(pairwise(jobs)));
    }
  });
});
