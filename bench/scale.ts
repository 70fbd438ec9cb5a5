// Speed at scale through the `nslab` command, as a user types it, beside the baselines measured
// in the same run: a plain shell script that builds the same lab the tutorial's way (one `ip` or
// `ip netns exec` process per step), the minimal read of the same namespaces (one `ip -j` read
// per namespace, as many at a time as nslab reads), a plain `ip netns del` script, and Mininet
// when it is installed. Runs inside scripts/sandbox.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Topology } from '@/lib/topology';
import { inParallel } from '@/server/kernel/exec';
import { listNetns } from '@/server/kernel/observer';
import { medianOf, settle, userEnv, type Row } from './table';

const NSLAB = join(import.meta.dirname, '..', 'bin', 'nslab.js');

/** `n` namespaces on bridges of `perBridge` ports, each with an address and a default route. */
export function starLab(n: number, perBridge = 200, name = `star${n}`): Topology {
  const bridges = Math.ceil(n / perBridge);
  const nodes: Topology['nodes'] = [];
  const links: Topology['links'] = [];
  for (let b = 0; b < bridges; b++) nodes.push({ id: `br${b}`, kind: 'bridge', addresses: [`10.${b}.0.1/16`] });
  for (let i = 1; i <= n; i++) {
    const b = Math.floor((i - 1) / perBridge);
    const host = ((i - 1) % perBridge) + 2;
    nodes.push({ id: `n${i}`, kind: 'namespace', routes: [{ to: 'default', via: `10.${b}.0.1` }] });
    links.push({ a: { node: `n${i}`, iface: 'eth0', addresses: [`10.${b}.${host >> 8}.${host & 255}/16`] }, b: { node: `br${b}`, iface: `v${i}` } });
  }
  return { name, host: { netns: `${name}-host` }, nodes, links };
}

/** The same lab as a plain script: one process per step, as the tutorial types it. */
export function plainScript(n: number): { up: string; down: string } {
  const up = ['set -e', 'ip netns add plainhost', 'ip -n plainhost link set lo up', 'ip -n plainhost link add br0 type bridge', 'ip -n plainhost addr add 10.0.0.1/16 dev br0', 'ip -n plainhost link set br0 up'];
  const down: string[] = [];
  for (let i = 1; i <= n; i++) {
    const ns = `plain-n${i}`;
    const host = i + 1;
    const ip = `10.0.${host >> 8}.${host & 255}/16`;
    up.push(
      `ip netns add ${ns}`,
      `ip netns exec ${ns} ip link set lo up`,
      `ip -n plainhost link add v${i} type veth peer name eth0 netns ${ns}`,
      `ip -n plainhost link set v${i} master br0`,
      `ip -n plainhost link set v${i} up`,
      `ip netns exec ${ns} ip addr add ${ip} dev eth0`,
      `ip netns exec ${ns} ip link set eth0 up`,
      `ip netns exec ${ns} ip route add default via 10.0.0.1`,
    );
    down.push(`ip netns del ${ns}`);
  }
  down.push('ip netns del plainhost');
  return { up: `${up.join('\n')}\n`, down: `${down.join('\n')}\n` };
}

/** Mininet's equivalent: SingleSwitchTopo with LinuxBridge, no controller, a default route per host. */
const MININET = `
import sys, time
from mininet.net import Mininet
from mininet.topo import SingleSwitchTopo
from mininet.nodelib import LinuxBridge
from mininet.util import rlimitTestAndSet
from resource import RLIMIT_NPROC, RLIMIT_NOFILE
# Mininet.init() raises this process's limits, and also sysctls of the whole machine
# (kernel.pty.max): only the first here
Mininet.inited = True
rlimitTestAndSet(RLIMIT_NPROC, 8192)
rlimitTestAndSet(RLIMIT_NOFILE, 16384)
n = int(sys.argv[1])
t = time.time()
net = Mininet(topo=SingleSwitchTopo(k=n), switch=LinuxBridge, controller=None, autoSetMacs=True)
net.start()
for h in net.hosts:
    h.cmd('ip route add default dev', h.defaultIntf())
built = time.time() - t
t = time.time()
net.stop()
print(built, time.time() - t)
`;

/** Seconds `fn` takes, started on a quiet machine (settle). */
async function seconds(fn: () => Promise<unknown>): Promise<number> {
  await settle();
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function nslab(home: string, ...args: string[]) {
  // the command itself (its first line starts Node), as `npx nslab` and a user's PATH run it
  const res = await execa(NSLAB, args, { env: userEnv({ NSLAB_HOME: home }), extendEnv: false, reject: false });
  if (res.exitCode !== 0 && !(args[0] === 'plan' && res.exitCode === 2)) throw new Error(`bench: nslab ${args.join(' ')} failed: ${res.stderr || res.stdout}`);
  return res;
}

async function leftovers(prefix: string): Promise<string[]> {
  const netns = (await listNetns()).filter((n) => n.startsWith(prefix));
  const userns = existsSync('/run/nslab/userns') ? readdirSync('/run/nslab/userns').filter((n) => n.startsWith(prefix)) : [];
  return [...netns, ...userns];
}

/** The minimal read: one `ip -j addr show` per namespace, 4 at a time (as nslab reads). */
async function minimalRead(namespaces: string[]): Promise<number> {
  return seconds(() => inParallel(namespaces, 4, (ns) => execa('ip', ['-n', ns, '-j', 'addr', 'show'])));
}

interface Built {
  apply: number;
  destroy: number;
  left: string[];
}
type Replanned = Built & { replan: number; floor: number };

/** Builds and destroys the lab; `replan`: times a re-plan of it, and its minimal read, between the two. */
async function nslabRun(home: string, dir: string, t: Topology, replan: true): Promise<Replanned>;
async function nslabRun(home: string, dir: string, t: Topology, replan?: false): Promise<Built>;
async function nslabRun(home: string, dir: string, t: Topology, replan = false): Promise<Built & Partial<Replanned>> {
  const file = join(dir, `${t.name}.json`);
  writeFileSync(file, JSON.stringify(t));
  const apply = await seconds(() => nslab(home, 'apply', file));
  const again = replan
    ? { replan: await seconds(() => nslab(home, 'plan', file)), floor: await minimalRead((await listNetns()).filter((n) => n.startsWith(`${t.name}-`))) }
    : {};
  const destroy = await seconds(() => nslab(home, 'destroy', t.name));
  return { apply, ...again, destroy, left: await leftovers(`${t.name}-`) };
}

async function plainRun(dir: string, n: number): Promise<{ up: number; down: number }> {
  const script = plainScript(n);
  writeFileSync(join(dir, 'up.sh'), script.up);
  writeFileSync(join(dir, 'down.sh'), script.down);
  const up = await seconds(() => execa('sh', [join(dir, 'up.sh')], { env: userEnv(), extendEnv: false }));
  const down = await seconds(() => execa('sh', [join(dir, 'down.sh')], { env: userEnv(), extendEnv: false }));
  return { up, down };
}

/**
 * The Python that `mn` runs with (Debian's, where its package installed the module, not the first
 * python3 on the PATH), found once; null when Mininet is not installed.
 */
async function mininetPython(): Promise<string | null> {
  const mn = await execa('sh', ['-c', 'command -v mn'], { reject: false });
  if (mn.exitCode !== 0) return null;
  return /^#!\s*(\S+)/.exec(readFileSync(mn.stdout.trim(), 'utf8').split('\n')[0] ?? '')?.[1] ?? 'python3';
}

async function mininetRun(python: string, n: number): Promise<{ up: number; down: number }> {
  await settle();
  const res = await execa(python, ['-c', MININET, String(n)], { reject: false });
  if (res.exitCode !== 0) throw new Error(`bench: Mininet failed: ${res.stderr.split('\n').slice(-3).join(' ')}`);
  const [up, down] = res.stdout.trim().split('\n').pop()!.split(' ').map(Number);
  return { up: up!, down: down! };
}

const s = (x: number) => `${x.toFixed(2)} s`;

/**
 * Rounds of the 200-namespace build, re-plan and destroy, and of the plain script: five, since
 * on this shared two-core machine the median of three still moved between 4.1× and 4.7× from
 * one run of the bench to the next.
 */
const ROUNDS = 5;

export async function benchScale(opts: { quick: boolean }): Promise<Row[]> {
  const n = opts.quick ? 50 : 200;
  const big = opts.quick ? 250 : 1000;
  const home = mkdtempSync(join(tmpdir(), 'nslab-bench-'));
  const dir = mkdtempSync(join(tmpdir(), 'nslab-bench-files-'));
  const rows: Row[] = [];
  try {
    // five rounds side by side, nslab then the plain script, and the median of each: one round
    // alone swings with what the kernel still frees from the round before
    const smalls: Replanned[] = [];
    const plains: { up: number; down: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      smalls.push(await nslabRun(home, dir, starLab(n, 200, `star${n}`), true));
      plains.push(await plainRun(dir, n));
    }
    const small = { apply: medianOf(smalls, 'apply'), replan: medianOf(smalls, 'replan'), floor: medianOf(smalls, 'floor'), destroy: medianOf(smalls, 'destroy'), left: smalls.flatMap((r) => r.left) };
    const plain = { up: medianOf(plains, 'up'), down: medianOf(plains, 'down') };
    // Mininet's build, the median of three (each on a quiet machine), when it is installed
    const python = await mininetPython();
    const mininets: { up: number; down: number }[] = [];
    for (let round = 0; python && round < 3; round++) mininets.push(await mininetRun(python, n));
    const mininet = mininets.length ? { up: medianOf(mininets, 'up'), down: medianOf(mininets, 'down') } : null;
    // the large lab's build, the median of three: one alone moved between 4.7× and 6.2× the
    // 200-namespace time from one run of the bench to the next
    const larges: Built[] = [];
    for (let round = 0; round < 3; round++) larges.push(await nslabRun(home, dir, starLab(big, 200, `star${big}`)));
    const large: Built = { apply: medianOf(larges, 'apply'), destroy: medianOf(larges, 'destroy'), left: larges.flatMap((r) => r.left) };

    rows.push({ goal: `1. build ${n} namespaces (CLI) vs plain script`, measured: `${s(small.apply)} (plain ${s(plain.up)}: ${(plain.up / small.apply).toFixed(1)}×; medians of ${ROUNDS})`, target: '≥ 5× faster', ok: plain.up / small.apply >= 5 });
    rows.push(
      mininet
        ? { goal: `1. build ${n} namespaces (CLI) vs Mininet`, measured: `${s(small.apply)} (Mininet ${s(mininet.up)}: ${(mininet.up / small.apply).toFixed(1)}×; medians of ${ROUNDS} and ${mininets.length}; Mininet's stop ${s(mininet.down)})`, target: '≥ 6× faster', ok: mininet.up / small.apply >= 6 }
        : { goal: `1. build ${n} namespaces (CLI) vs Mininet`, measured: 'Mininet (mn) is not installed here: not measured', target: '≥ 6× faster', ok: null },
    );
    rows.push({ goal: `2. re-plan, nothing to change, ${n} namespaces (CLI)`, measured: `${s(small.replan)} (minimal read ${s(small.floor)}: ${(small.replan / small.floor).toFixed(2)}×)`, target: '≤ 1.5× the minimal read', ok: small.replan <= 1.5 * small.floor });
    rows.push({ goal: `3. destroy ${n} namespaces (CLI)`, measured: `${s(small.destroy)} (plain ip netns del ${s(plain.down)}: ${(small.destroy / plain.down).toFixed(2)}×)`, target: '≤ 1.5× the plain script', ok: small.destroy <= 1.5 * plain.down });
    // 5.5× for five times the namespaces (goal 5), in proportion for --quick's 250 against 50
    const limit = (5.5 / 5) * (big / n);
    rows.push({ goal: `5. build ${big} namespaces (CLI) vs ${n}`, measured: `${s(large.apply)} (${(large.apply / small.apply).toFixed(2)}× the ${n} time; ${(big / n).toFixed(0)}× the namespaces; medians of 3 and ${ROUNDS})`, target: `≤ ${limit.toFixed(2)}× (linear)`, ok: large.apply / small.apply <= limit });
    const left = [...small.left, ...large.left];
    rows.push({ goal: `5. destroy ${big} namespaces cleanly`, measured: `${s(large.destroy)}, ${left.length === 0 ? 'nothing left' : `left: ${left.slice(0, 5).join(', ')}`}`, target: 'nothing left', ok: left.length === 0 });
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
