// The packet view's cost (issue 11): the delay from a packet on the wire (the tap's own
// timestamp) to its event at a socket.io client (p50 and p95 over 100 pings; goal p95 < 300 ms),
// and the CPU the server uses while a watched lab sits idle (goal < 1 %). The real server
// (`node bin/nslab.js serve`, its own process, as `npm start` runs it: bench/live.ts), the seed
// lab on the real kernel, a real socket.io client with the server's token. Alone:
// `scripts/sandbox npx tsx bench/packets.ts`; `benchPackets()` for npm run bench.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { normalizeLinks } from '@/lib/model';
import type { LabPackets } from '@/lib/packets';
import { assertTopology } from '@/lib/validate';
import { runArgv } from '@/server/kernel/exec';
import { SEED } from '@/test/kernel/cli-helpers';
import { ask, connect, cpuTimes, sleep, startServer, stopServer, type Server } from './live';

const LAB = 'benchpk';
const HOST_NS = 'benchpkH';

export interface PacketBench {
  pings: number;
  /** wire (tap timestamp) to client receipt, ms */
  p50Ms: number;
  p95Ms: number;
  /** the server process's own CPU while one browser watches an idle lab, % of one core */
  idleCpuPercent: number;
  /** its children's (the taps, and the readers of link and NAT counters) in the same window, % of one core */
  idleChildrenCpuPercent: number;
  /** processes (and threads) started in the sandbox in the idle window: the server's reads of link and NAT counters */
  idleProcesses: number;
  idleSeconds: number;
  /** the CPU (s) of the server and its children in the `afterSeconds` between the pings and the idle window */
  afterSeconds: number;
  afterCpuSeconds: number;
}

/** CPU time (s) of the taps (alive, so not yet among the server's reaped children). */
function tapCpu(pids: number[]): number {
  let s = 0;
  for (const pid of pids) {
    try {
      s += cpuTimes(pid).self;
    } catch {
      // gone
    }
  }
  return s;
}

/**
 * The last process id handed out in this pid namespace (the sandbox's own): its growth over a
 * window counts the processes (and threads) started there meanwhile, the server's among them.
 */
function lastPid(): number {
  return Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export async function benchPackets(opts: { pings?: number; idleSeconds?: number; settleSeconds?: number } = {}): Promise<PacketBench> {
  const pings = opts.pings ?? 100;
  const idleSeconds = opts.idleSeconds ?? 30;
  const settleSeconds = opts.settleSeconds ?? 60;
  const topology = assertTopology({ ...(parse(readFileSync(SEED, 'utf8')) as object), name: LAB });
  const linkA = normalizeLinks(topology)[0]!.id;
  const home = mkdtempSync(join(tmpdir(), 'nslab-bench-packets-'));
  let server: Server | null = null;
  try {
    server = await startServer(home);
    const s = await connect(server);
    try {
      const saved = await ask<{ lab: { rev: number } }>(s, 'lab:create', { topology, hostNetns: HOST_NS });
      const applied = await ask<{ result: { ok: boolean; error?: { message: string } } }>(s, 'lab:apply', { name: LAB, rev: saved.lab.rev });
      if (!applied.result.ok) throw new Error(`bench: apply failed: ${applied.result.error?.message}`);
      await ask(s, 'lab:open', { name: LAB });
      const watched = await ask<{ status?: { taps: { pid: number }[] } }>(s, 'packets:watch', { lab: LAB });
      if (!watched.status?.taps.length) throw new Error(`bench: packets:watch started no tap: ${JSON.stringify(watched)}`);
      const tapPids = watched.status.taps.map((t) => t.pid);
      const delays: number[] = [];
      s.on('lab:packets', (b: LabPackets) => {
        const at = Date.now();
        for (const e of b.packets) if (e.link === linkA && e.kind === 'icmp' && e.label.startsWith('ICMP echo ')) delays.push(at - e.time * 1000);
      });
      const ping = await runArgv(['ip', 'netns', 'exec', `${LAB}-A`, 'ping', '-n', '-q', '-c', String(pings), '-i', '0.1', '-W', '1', '10.0.0.3'], { timeoutMs: 120_000 });
      if (ping.exitCode !== 0) throw new Error(`ping failed: ${ping.stdout}${ping.stderr}`);
      for (let i = 0; i < 40 && delays.length < pings; i++) await sleep(50);

      // idle: the lab open and watched, nothing moving, from a minute after the pings: the
      // server's work on them leaves V8 a debt it pays about half a minute later, once (its
      // memory reducer: three full collections, 0.2 s of CPU in all its threads; bench/live.ts),
      // shown in a row of its own
      const a0 = cpuTimes(server.pid);
      await sleep(settleSeconds * 1000);
      const c0 = cpuTimes(server.pid);
      const t0 = tapCpu(tapPids);
      const w0 = performance.now();
      const p0 = lastPid();
      await sleep(idleSeconds * 1000);
      const wall = (performance.now() - w0) / 1000;
      const c1 = cpuTimes(server.pid);
      const t1 = tapCpu(tapPids);
      const idleProcesses = lastPid() - p0;
      await ask(s, 'packets:unwatch', { lab: LAB });
      return {
        pings: delays.length,
        p50Ms: Math.round(percentile(delays, 50) * 10) / 10,
        p95Ms: Math.round(percentile(delays, 95) * 10) / 10,
        idleCpuPercent: Math.round(((c1.self - c0.self) / wall) * 1000) / 10,
        idleChildrenCpuPercent: Math.round(((c1.children - c0.children + t1 - t0) / wall) * 1000) / 10,
        idleProcesses,
        idleSeconds: Math.round(wall),
        afterSeconds: settleSeconds,
        afterCpuSeconds: Math.round((c0.self - a0.self + c0.children - a0.children) * 100) / 100,
      };
    } finally {
      await ask(s, 'lab:delete', { name: LAB }).catch((e: unknown) => console.error(String(e)));
      s.close();
    }
  } finally {
    if (server) await stopServer(server);
    for (const n of ['A', 'B', 'C', 'remote'].map((x) => `${LAB}-${x}`).concat(HOST_NS)) if (existsSync(`/run/netns/${n}`)) await runArgv(['ip', 'netns', 'del', n]);
    rmSync(home, { recursive: true, force: true });
  }
}

/** The one line npm run bench prints. */
export function packetBenchLine(r: PacketBench): string {
  return `packets: wire → client p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms over ${r.pings} pings (goal p95 < 300 ms); server CPU with a watched idle lab ${r.idleCpuPercent} % (goal < 1 %; its taps and samplers ${r.idleChildrenCpuPercent} %; ${r.idleProcesses} processes in ${r.idleSeconds} s, from ${r.afterSeconds} s after the pings; ${r.afterCpuSeconds} s of CPU in those ${r.afterSeconds} s)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.env.NSLAB_SANDBOX !== '1') {
    console.error('bench: run it in the sandbox: scripts/sandbox npx tsx bench/packets.ts');
    process.exit(1);
  }
  const r = await benchPackets();
  console.log(packetBenchLine(r));
  process.exit(0);
}
