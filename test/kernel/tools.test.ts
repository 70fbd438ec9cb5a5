// The in-namespace tools on the real kernel, through a real socket as the browser uses them:
// terminals, node views, ping/traceroute with their path, link counters and rates, capture.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureInfo, LabRates, NodeView, PacketSummary, ProbeResult } from '@/lib/protocol-tools';
import { counterPlan, readLinkCounters } from '@/server/tools/link-rates';
import { sh } from './cli-helpers';
import {
  alive, applySeed, client, destroySeed, HOST_NS, LAB, outerPid, pidsOf, request, startToolsServer, until, waitForEvent, type ToolsServer,
} from './tools-helpers';

let server: ToolsServer;
let s: ClientSocket;
const ns = (node: string) => `${LAB}-${node}`;

beforeAll(async () => {
  server = await startToolsServer();
  await applySeed(server);
  s = await client(server.url);
});

afterAll(async () => {
  s?.disconnect();
  await destroySeed(server);
  await server.close();
});

interface Ok { ok: true }
interface Fail { ok: false; code: string; message: string }

async function openTerminal(sock: ClientSocket, node: string) {
  const r = await request<(Ok & { id: string; pid: number; ns: string }) | Fail>(sock, 'term:open', { lab: LAB, node, cols: 100, rows: 30 });
  if (!r.ok) throw new Error(r.message);
  let out = '';
  sock.on('term:data', (e: { id: string; data: string }) => {
    if (e.id === r.id) out += e.data;
  });
  return { ...r, output: () => out };
}

describe('terminals', () => {
  it('runs a shell inside the node: `ip route` in A shows the default route', async () => {
    const t = await openTerminal(s, 'A');
    expect(t.ns).toBe(ns('A'));
    await until(() => t.output().includes('[A]'), 5000, 'the prompt');
    await request(s, 'term:input', { id: t.id, data: 'ip route\r' });
    await until(() => /default via 10\.0\.0\.1 dev eth0/.test(t.output()), 5000, 'ip route output');
    await request(s, 'term:close', { id: t.id });
    expect(alive(t.pid)).toBe(false);
  });

  it('opens the host context (the isolated host namespace)', async () => {
    const t = await openTerminal(s, 'host');
    expect(t.ns).toBe(HOST_NS);
    await request(s, 'term:input', { id: t.id, data: 'ip -br addr show br0\r' });
    await until(() => /br0\s+UP\s+10\.0\.0\.1\/24/.test(t.output()), 5000, 'br0 address');
    await request(s, 'term:close', { id: t.id });
  });

  it('closing ends the shell and the jobs it started, by PID', async () => {
    const t = await openTerminal(s, 'B');
    await request(s, 'term:input', { id: t.id, data: 'sleep 300 & echo JOB=$!\r' });
    await until(() => /JOB=\d+/.test(t.output()), 5000, 'job pid');
    // the shell runs in its own pid namespace: $! is that namespace's number
    const job = outerPid(t.pid, Number(/JOB=(\d+)/.exec(t.output())![1]));
    expect(alive(job)).toBe(true);
    await request(s, 'term:close', { id: t.id });
    expect([alive(t.pid), alive(job)]).toEqual([false, false]);
  });

  it('streams a flood of output in order and stays closable', async () => {
    const t = await openTerminal(s, 'C');
    await request(s, 'term:input', { id: t.id, data: 'seq 1 200000; echo END-$((6*7))\r' });
    await until(() => t.output().includes('END-42'), 20_000, 'the end of the flood');
    expect(t.output()).toMatch(/199999\r\n200000\r\nEND-42/);
    await request(s, 'term:close', { id: t.id });
    expect(alive(t.pid)).toBe(false);
  });

  it('refuses a ninth terminal of one browser with a clear limit error', async () => {
    const other = await client(server.url);
    try {
      const opened = [];
      for (let i = 0; i < 8; i++) opened.push(await openTerminal(other, 'C'));
      const ninth = await request<Fail>(other, 'term:open', { lab: LAB, node: 'C' });
      expect(ninth).toMatchObject({ ok: false, code: 'limit' });
      expect(ninth.message).toMatch(/8 terminals/);
    } finally {
      other.disconnect();
    }
  });

  it.each([
    { payload: { lab: LAB, node: 'Z' }, code: 'not_found', msg: /has no node "Z"/ },
    { payload: { lab: 'nope', node: 'A' }, code: 'not_found', msg: /nope/ },
    { payload: { lab: LAB, node: 'A; rm -rf /' }, code: 'invalid', msg: /not a node id/ },
    { payload: { lab: LAB }, code: 'invalid', msg: /node/ },
  ])('refuses $payload.node in $payload.lab: $code', async ({ payload, code, msg }) => {
    const r = await request<Fail>(s, 'term:open', payload);
    expect(r).toMatchObject({ ok: false, code });
    expect(r.message).toMatch(msg);
  });
});

describe('node views', () => {
  it('shows interfaces, routes like route -n, and a new neighbour after a ping without asking again', async () => {
    await sh('ip', '-n', ns('A'), 'neigh', 'flush', 'all');
    const r = await request<Ok & { view: NodeView }>(s, 'node:watch', { lab: LAB, node: 'A' });
    expect(r.view.interfaces.find((i) => i.name === 'eth0')).toMatchObject({ kind: 'veth', up: true, addresses: ['10.0.0.2/24'] });
    expect(r.view.routes).toContainEqual({ destination: '0.0.0.0', gateway: '10.0.0.1', genmask: '0.0.0.0', flags: 'UG', metric: 0, iface: 'eth0' });
    expect(r.view.routes).toContainEqual({ destination: '10.0.0.0', gateway: '0.0.0.0', genmask: '255.255.255.0', flags: 'U', metric: 0, iface: 'eth0' });
    expect(r.view.neighbours.map((n) => n.address)).not.toContain('10.0.0.3');

    const pushed = waitForEvent<NodeView>(s, 'node:view', (v) => v.node === 'A' && v.neighbours.some((n) => n.address === '10.0.0.3'));
    await sh('ip', 'netns', 'exec', ns('A'), 'ping', '-c1', '-W1', '10.0.0.3');
    const v = await pushed;
    expect(v.neighbours.find((n) => n.address === '10.0.0.3')).toMatchObject({ iface: 'eth0', hwaddress: expect.stringMatching(/^[0-9a-f:]{17}$/) });
    await request(s, 'node:unwatch', { lab: LAB, node: 'A' });
  });
});

describe('ping and traceroute', () => {
  it.each([
    { kind: 'ping', source: 'A', target: 'B', address: '10.0.0.3', nodes: ['A', 'br0', 'B'], links: ['A-br0', 'B-br0'] },
    { kind: 'ping', source: 'A', target: '10.0.0.1', address: '10.0.0.1', nodes: ['A', 'br0'], links: ['A-br0'] },
    { kind: 'ping', source: 'A', target: 'remote', address: '203.0.113.2', nodes: ['A', 'br0', 'host', 'remote'], links: ['A-br0', 'host-remote'] },
    { kind: 'traceroute', source: 'A', target: 'remote', address: '203.0.113.2', nodes: ['A', 'br0', 'host', 'remote'], links: ['A-br0', 'host-remote'] },
    { kind: 'traceroute', source: 'C', target: 'B', address: '10.0.0.3', nodes: ['C', 'br0', 'B'], links: ['C-br0', 'B-br0'] },
  ])('$kind $source -> $target reaches $address through $nodes', async ({ kind, source, target, address, nodes, links }) => {
    const r = await request<Ok & { result: ProbeResult }>(s, 'probe:run', { lab: LAB, kind, source, target });
    expect(r.ok).toBe(true);
    expect(r.result).toMatchObject({ ok: true, address, path: { lab: LAB, nodes, links, reached: true } });
    if (kind === 'ping') expect(r.result.summary).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
  });

  it('says when the target is not reached, and refuses a target that is neither node nor address', async () => {
    const r = await request<Ok & { result: ProbeResult }>(s, 'probe:run', { lab: LAB, kind: 'ping', source: 'remote', target: '10.0.0.2' });
    expect(r.result.ok).toBe(false);
    expect(r.result.summary).toMatch(/100% packet loss|unreachable/);
    const bad = await request<Fail>(s, 'probe:run', { lab: LAB, kind: 'ping', source: 'A', target: '10.0.0' });
    expect(bad).toMatchObject({ ok: false, code: 'invalid' });
    expect(bad.message).toMatch(/neither a node .* nor an IPv4 address/);
  });
});

describe('link counters and rates', () => {
  it('counts exactly the echo requests and replies of a ping on the A-br0 link (ARP aside)', async () => {
    const { byNs } = counterPlan(server.labs.get(LAB).topology, HOST_NS);
    expect(byNs.get(HOST_NS)?.get('veth-A')).toBe('A-br0');
    const before = await readLinkCounters({ byNs });
    const n = 25;
    await sh('ip', 'netns', 'exec', ns('A'), 'ping', '-c', String(n), '-i', '0.01', '-W', '1', '10.0.0.3');
    const after = await readLinkCounters({ byNs });
    const d = (k: 'rxPackets' | 'txPackets') => after['A-br0']!.counters[k] - before['A-br0']!.counters[k];
    // the host's veth-A receives A's requests and sends it the replies; up to 2 ARP each way
    expect(d('rxPackets')).toBeGreaterThanOrEqual(n);
    expect(d('rxPackets')).toBeLessThanOrEqual(n + 2);
    expect(d('txPackets')).toBeGreaterThanOrEqual(n);
    expect(d('txPackets')).toBeLessThanOrEqual(n + 2);
  });

  it('sends lab:rates to the lab room: above zero while traffic flows, zero after', async () => {
    await request(s, 'lab:open', { name: LAB });
    const ping = sh('ip', 'netns', 'exec', ns('A'), 'ping', '-c', '300', '-i', '0.01', '10.0.0.3');
    const busy = await waitForEvent<LabRates>(s, 'lab:rates', (r) => (r.links['A-br0']?.pps ?? 0) > 50, 8000);
    expect(busy.links['A-br0']!.bps).toBeGreaterThan(50 * 98);
    expect(busy.links['B-br0']!.pps).toBeGreaterThan(50);
    expect(busy.links['C-br0']!.pps).toBeLessThan(5);
    await ping;
    await waitForEvent<LabRates>(s, 'lab:rates', (r) => r.links['A-br0']?.pps === 0, 5000);
    await request(s, 'lab:close', { name: LAB });
  });
});

describe('capture', () => {
  it('captures icmp on A:eth0 live, and the downloaded .pcap reads back with the same count', async () => {
    const started = await request<(Ok & { capture: CaptureInfo }) | Fail>(s, 'capture:start', { lab: LAB, node: 'A', iface: 'eth0', filter: 'icmp' });
    if (!started.ok) throw new Error(started.message);
    const id = started.capture.id;
    const seen: PacketSummary[] = [];
    const onPackets = (e: { id: string; packets: PacketSummary[] }) => e.id === id && seen.push(...e.packets);
    s.on('capture:packets', onPackets);
    await sh('ip', 'netns', 'exec', ns('A'), 'ping', '-c', '4', '-i', '0.2', '10.0.0.3');
    await until(() => seen.length >= 8, 5000, '8 packets in the live list');
    const stopped = await request<Ok & { capture: CaptureInfo }>(s, 'capture:stop', { id });
    s.off('capture:packets', onPackets);
    expect(stopped.capture).toMatchObject({ running: false, packets: 8 });
    expect(seen.filter((p) => p.info.startsWith('echo request')).length).toBe(4);
    expect(seen.filter((p) => p.info.startsWith('echo reply')).length).toBe(4);
    expect(seen[0]).toMatchObject({ protocol: 'ICMP', src: '10.0.0.2', dst: '10.0.0.3' });

    const dl = await request<Ok & { name: string; bytes: Buffer; packets: number }>(s, 'capture:download', { id });
    expect(dl.name).toMatch(/^tools-A-eth0-.*\.pcap$/);
    const dir = mkdtempSync(join(tmpdir(), 'nslab-pcap-'));
    try {
      const file = join(dir, dl.name);
      writeFileSync(file, dl.bytes);
      const read = await sh('tcpdump', '-n', '-r', file);
      expect(read.exitCode, read.stderr).toBe(0);
      const lines = read.stdout.trim().split('\n');
      expect(lines.length).toBe(dl.packets);
      expect(lines.filter((l) => /ICMP echo request/.test(l)).length).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await request(s, 'capture:discard', { id });
  });

  it.each([
    { filter: 'icmp; reboot', msg: /characters nslab does not pass/ },
    { filter: '$(id)', msg: /characters nslab does not pass/ },
    { filter: 'icmp -w /tmp/x', msg: /may not start with "-"/ },
  ])('refuses the filter $filter', async ({ filter, msg }) => {
    const r = await request<Fail>(s, 'capture:start', { lab: LAB, node: 'A', iface: 'eth0', filter });
    expect(r).toMatchObject({ ok: false, code: 'invalid' });
    expect(r.message).toMatch(msg);
  });

  it("reports tcpdump's own message for an interface that is not there", async () => {
    const r = await request<Fail>(s, 'capture:start', { lab: LAB, node: 'A', iface: 'eth9', filter: '' });
    expect(r).toMatchObject({ ok: false, code: 'kernel' });
    expect(r.message).toMatch(/eth9/);
  });
});

describe('a browser going away', () => {
  it('ends its shells, their jobs and its captures: no bash or tcpdump of it remains', async () => {
    const bashBefore = pidsOf('bash');
    const tcpdumpBefore = pidsOf('tcpdump');
    const b = await client(server.url);
    const t1 = await openTerminal(b, 'A');
    const t2 = await openTerminal(b, 'host');
    await request(b, 'term:input', { id: t1.id, data: 'sleep 300 & echo JOB=$!\r' });
    await until(() => /JOB=\d+/.test(t1.output()), 5000, 'job pid');
    const job = outerPid(t1.pid, Number(/JOB=(\d+)/.exec(t1.output())![1]));
    const cap = await request<Ok & { capture: CaptureInfo }>(b, 'capture:start', { lab: LAB, node: 'B', iface: 'eth0', filter: '' });
    expect(cap.ok).toBe(true);
    const tcpdumps = pidsOf('tcpdump').filter((p) => !tcpdumpBefore.includes(p));
    expect(tcpdumps.length).toBe(1);
    await request(b, 'node:watch', { lab: LAB, node: 'B' });
    b.disconnect();
    const ours = [t1.pid, t2.pid, job, ...tcpdumps];
    await until(() => ours.every((p) => !alive(p)), 5000, 'every process of the closed browser to end');
    expect(pidsOf('bash').filter((p) => !bashBefore.includes(p))).toEqual([]);
    expect(pidsOf('tcpdump').filter((p) => !tcpdumpBefore.includes(p))).toEqual([]);
  });
});
