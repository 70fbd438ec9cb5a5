// Packets you can watch, on the real kernel through a real socket: a watched seed lab streams the
// packets of a ping hop by hop (ARP, then ICMP; the NAT rewrite on the host–remote link), the NAT
// counter moves, and every tap ends by PID when the last watcher leaves, disconnects, or the lab
// is destroyed. The browser side is e2e/packets*.spec.ts.
import { existsSync, readFileSync } from 'node:fs';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeLinks } from '@/lib/model';
import type { LabNatCounters, LabPackets, PacketEvent, TapStatus } from '@/lib/packets';
import { assertTopology } from '@/lib/validate';
import type { LabRates } from '@/lib/protocol-tools';
import { processCount } from '@/server/kernel/exec';
import { descendants } from '@/server/tools/processes';
import { SEED, sh } from './cli-helpers';
import { alive, client, request, startToolsServer, until, type ToolsServer } from './tools-helpers';

const LAB = 'pkts';
const HOST_NS = 'pktsH';
const ns = (node: string) => `${LAB}-${node}`;
let server: ToolsServer;
const topology = assertTopology({ ...(parse(readFileSync(SEED, 'utf8')) as object), name: LAB });
const [linkA, linkB, linkC, linkRemote] = normalizeLinks(topology).map((l) => l.id) as [string, string, string, string];

interface Ok { ok: true }
interface Fail { ok: false; code: string; message: string }

beforeAll(async () => {
  server = await startToolsServer();
  server.labs.create(topology, { hostNetns: HOST_NS });
  const r = await server.labs.apply(LAB);
  if (!r.ok) throw new Error(`apply failed: ${JSON.stringify(r.error)}`);
});

afterAll(async () => {
  await server.labs.destroy(LAB).catch(() => undefined);
  for (const n of ['A', 'B', 'C', 'remote'].map(ns).concat(HOST_NS)) if (existsSync(`/run/netns/${n}`)) await sh('ip', 'netns', 'del', n);
  await server.close();
});

/** tcpdumps below this process (the server runs in it): none may be left after a watch. */
function tcpdumpsOfServer(): number[] {
  return descendants(process.pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'tcpdump';
    } catch {
      return false;
    }
  });
}

async function watch(s: ClientSocket): Promise<TapStatus> {
  const r = await request<(Ok & { status: TapStatus }) | Fail>(s, 'packets:watch', { lab: LAB });
  if (!r.ok) throw new Error(r.message);
  return r.status;
}

function collect(s: ClientSocket): { events: PacketEvent[]; counted: Record<string, number> } {
  const out = { events: [] as PacketEvent[], counted: {} as Record<string, number> };
  s.on('lab:packets', (b: LabPackets) => {
    if (b.lab !== LAB) return;
    out.events.push(...b.packets);
    for (const [k, n] of Object.entries(b.counted)) out.counted[k] = (out.counted[k] ?? 0) + n;
  });
  return out;
}

const firstIndex = (events: PacketEvent[], link: string, kind: string) => events.findIndex((e) => e.link === link && e.kind === kind);

describe('packets you can watch', () => {
  it('costs nothing while nobody watches', () => {
    expect(tcpdumpsOfServer()).toEqual([]);
  });

  it('streams a ping hop by hop: ARP, then ICMP, on A and B; no ICMP on C', async () => {
    const s = await client(server.url);
    try {
      const status = await watch(s);
      expect(status.taps).toHaveLength(1);
      expect(status.taps[0]!.ns).toBe(HOST_NS);
      expect(status.taps[0]!.links.sort()).toEqual([linkA, linkB, linkC, linkRemote].sort());
      expect(alive(status.taps[0]!.pid)).toBe(true);
      const got = collect(s);
      await sh('ip', '-n', ns('A'), 'neigh', 'flush', 'all');
      await sh('ip', '-n', ns('B'), 'neigh', 'flush', 'all');
      const ping = await sh('ip', 'netns', 'exec', ns('A'), 'ping', '-c1', '-W', '2', '10.0.0.3');
      expect(ping.exitCode).toBe(0);
      await until(() => got.events.filter((e) => e.kind === 'icmp').length >= 4, 5000, 'the echo and its reply on both links');
      // what the ping made (the new links' multicast joins may pass meanwhile: kind 'other')
      const ev = got.events.filter((e) => e.kind !== 'other');
      expect(ev[0]).toMatchObject({ link: linkA, kind: 'arp', from: 'A', to: 'br0', label: 'ARP who-has 10.0.0.3' });
      for (const link of [linkA, linkB]) {
        expect(firstIndex(ev, link, 'arp')).toBeGreaterThanOrEqual(0);
        expect(firstIndex(ev, link, 'icmp')).toBeGreaterThan(firstIndex(ev, link, 'arp'));
      }
      // hop by hop: the request crosses A's link, then B's; the reply B's, then A's
      const icmp = ev.filter((e) => e.kind === 'icmp').map((e) => `${e.from}>${e.to} ${e.label}`);
      expect(icmp).toEqual([
        'A>br0 ICMP echo 10.0.0.2 → 10.0.0.3',
        'br0>B ICMP echo 10.0.0.2 → 10.0.0.3',
        'B>br0 ICMP reply 10.0.0.3 → 10.0.0.2',
        'br0>A ICMP reply 10.0.0.3 → 10.0.0.2',
      ]);
      // C's link: only the bridge's flood of the broadcast who-has
      expect(ev.filter((e) => e.link === linkC && !(e.kind === 'arp' && e.label === 'ARP who-has 10.0.0.3'))).toEqual([]);
      // the wire order holds across the batch: times never go back
      for (let i = 1; i < ev.length; i++) expect(ev[i]!.time).toBeGreaterThanOrEqual(ev[i - 1]!.time);
    } finally {
      s.disconnect();
    }
    await until(() => tcpdumpsOfServer().length === 0, 5000, 'the tap to end after the disconnect');
  });

  it('shows the NAT rewrite on the host–remote link, and the NAT counter moves', async () => {
    const s = await client(server.url);
    try {
      const opened = await request<Ok | Fail>(s, 'lab:open', { name: LAB });
      expect(opened.ok).toBe(true);
      const counters: LabNatCounters[] = [];
      s.on('lab:nat', (c: LabNatCounters) => counters.push(c));
      await until(() => counters.length > 0, 5000, 'the first NAT counters');
      const before = counters.at(-1)!.nodes.host?.['10.0.0.0/24>to-remote'] ?? -1;
      expect(before).toBeGreaterThanOrEqual(0);
      await watch(s);
      const got = collect(s);
      expect((await sh('ip', 'netns', 'exec', ns('A'), 'ping', '-c1', '-W', '2', '203.0.113.2')).exitCode).toBe(0);
      await until(() => got.events.filter((e) => e.kind === 'icmp').length >= 4, 5000, 'ICMP on both links');
      const icmp = got.events.filter((e) => e.kind === 'icmp').map((e) => `${e.link === linkA ? 'A' : e.link === linkRemote ? 'remote' : e.link} ${e.from}>${e.to} ${e.label}`);
      expect(icmp).toEqual([
        'A A>br0 ICMP echo 10.0.0.2 → 203.0.113.2',
        'remote host>remote ICMP echo 203.0.113.1 → 203.0.113.2',
        'remote remote>host ICMP reply 203.0.113.2 → 203.0.113.1',
        'A br0>A ICMP reply 203.0.113.2 → 10.0.0.2',
      ]);
      await until(() => (counters.at(-1)!.nodes.host?.['10.0.0.0/24>to-remote'] ?? 0) >= before + 1, 8000, 'the NAT counter to go up');
    } finally {
      s.disconnect();
    }
    await until(() => tcpdumpsOfServer().length === 0, 5000, 'the tap to end');
  });

  it('an idle watched lab starts no process for its link rates, and they still show the next ping', async () => {
    const s = await client(server.url);
    try {
      await request(s, 'lab:open', { name: LAB });
      await watch(s);
      const rates: LabRates[] = [];
      s.on('lab:rates', (r: LabRates) => rates.push(r));
      // the new links' multicast joins and the last pings' ARP settle: a quiet 3 s comes within 20 s
      let quiet = false;
      for (let t0 = Date.now(); !quiet && Date.now() - t0 < 20_000; ) {
        const before = processCount();
        await new Promise((r) => setTimeout(r, 3000));
        quiet = processCount() === before;
      }
      expect(quiet, 'no ip process for 3 s while the lab is idle').toBe(true);
      expect(rates.at(-1)!.links[linkA]!.pps).toBe(0);
      const n = rates.length;
      expect((await sh('ip', 'netns', 'exec', ns('A'), 'ping', '-c3', '-i', '0.3', '10.0.0.3')).exitCode).toBe(0);
      await until(() => rates.slice(n).some((r) => (r.links[linkA]?.pps ?? 0) > 0 && (r.links[linkB]?.pps ?? 0) > 0), 5000, 'the ping in the link rates');
      expect(rates.slice(n).some((r) => (r.links[linkC]?.pps ?? 0) > 0 && r.links[linkC]!.pps > r.links[linkA]!.pps)).toBe(false);
    } finally {
      s.disconnect();
    }
  });

  it('every tap ends when the last watcher leaves, not before; and on destroy', async () => {
    const a = await client(server.url);
    const b = await client(server.url);
    try {
      const pid = (await watch(a)).taps[0]!.pid;
      expect((await watch(b)).taps[0]!.pid).toBe(pid);
      await request(a, 'packets:unwatch', { lab: LAB });
      expect(alive(pid)).toBe(true);
      await request(b, 'packets:unwatch', { lab: LAB });
      expect(alive(pid)).toBe(false);
      expect(tcpdumpsOfServer()).toEqual([]);

      const again = (await watch(a)).taps[0]!.pid;
      expect(alive(again)).toBe(true);
      const destroyed = await server.labs.destroy(LAB);
      expect(destroyed.ok).toBe(true);
      await until(() => !alive(again) && tcpdumpsOfServer().length === 0, 5000, 'the tap to end with the lab');
      expect(existsSync(`/run/netns/${HOST_NS}`)).toBe(false);
      const idle = await watch(a);
      expect(idle.taps).toEqual([]);
      expect(idle.note).toMatch(/not applied/);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
