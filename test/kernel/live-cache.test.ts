// The live hub's cache of a watched lab (server/labs/live-hub.ts), inside the sandbox: every kind
// of hand-made change (link down/up, address add/del, route add/del, link del, namespace del, the
// NAT table, forwarding, a bridge down) shows up in the live state pushed to a browser, the
// cache then equals a fresh reading of the kernel, a plan asked for then comes from the cache
// (no process started) and equals a fresh plan, and an apply repairs and refreshes the cache.
import '../sandbox-guard';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket as ClientSocket } from 'socket.io-client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelState } from '@/lib/kernel-state';
import type { LiveState, PlanView } from '@/lib/labs-types';
import { natTable } from '@/lib/names';
import { assertTopology } from '@/lib/validate';
import { broadcastLabEvents } from '@/server/gateway';
import { processCount } from '@/server/kernel/exec';
import { createLabsService } from '@/server/labs/service';
import { SEED } from './cli-helpers';
import { removeNamespaces, sh, uniqueLab } from './helpers';
import { client, request, startToolsServer, waitForEvent, type ToolsServer } from './tools-helpers';

const LAB = uniqueLab('lc');
const HOST = `${LAB}-H`;
const ns = (node: string) => `${LAB}-${node}`;
const home = mkdtempSync(join(tmpdir(), 'nslab-livecache-'));
let server: ToolsServer;
let s: ClientSocket;
let stopBroadcast = () => {};
/** a second service on the same state folder, watching nothing: its readings are fresh */
const fresh = createLabsService({ home });

beforeAll(async () => {
  server = await startToolsServer(home);
  stopBroadcast = broadcastLabEvents(server.io, server.labs); // as `nslab serve` does
  const doc = parse(readFileSync(SEED, 'utf8')) as Record<string, unknown>;
  doc.name = LAB;
  server.labs.create(assertTopology(doc), { hostNetns: HOST });
  const r = await server.labs.apply(LAB);
  if (!r.ok) throw new Error(`apply failed: ${JSON.stringify(r.error)}`);
  s = await client(server.url);
}, 60_000);

afterAll(async () => {
  s?.close();
  stopBroadcast();
  await server?.labs.destroy(LAB).catch(() => undefined);
  await fresh.close();
  await server?.close(); // removes `home`
  await removeNamespaces([`${LAB}-`]);
  rmSync(home, { recursive: true, force: true });
}, 60_000);

/** The observed state without what moves by itself (packet counters). */
function stable(o: KernelState): unknown {
  return JSON.parse(JSON.stringify(o, (k, v: unknown) => (k === 'stats' ? undefined : v)));
}

const ip = (...args: string[]) => sh('ip', ...args).then((r) => expect(r.exitCode, `ip ${args.join(' ')}: ${r.stderr}`).toBe(0));

interface Change {
  what: string;
  make: () => Promise<unknown>;
  /** the change as the live state shows it */
  shows: (l: LiveState) => boolean;
  /** the next change undoes this one by hand (no apply in between) */
  undoneByNext?: boolean;
  /** the change is what the lab wants (so it stays after the repair) */
  wanted?: boolean;
}

const link = (l: LiveState, n: string, name: string) => l.observed.namespaces[n]?.links[name];
const table = natTable(LAB);

const CHANGES: Change[] = [
  { what: 'link down', make: () => ip('-n', ns('A'), 'link', 'set', 'eth0', 'down'), shows: (l) => link(l, ns('A'), 'eth0')?.up === false && l.nodes.A!.drift.length > 0, undoneByNext: true },
  { what: 'link up by hand', make: () => ip('-n', ns('A'), 'link', 'set', 'eth0', 'up'), shows: (l) => link(l, ns('A'), 'eth0')?.up === true, wanted: true },
  { what: 'address add', make: () => ip('-n', ns('B'), 'addr', 'add', '10.0.0.99/24', 'dev', 'eth0'), shows: (l) => !!link(l, ns('B'), 'eth0')?.addresses.includes('10.0.0.99/24') },
  { what: 'address del', make: () => ip('-n', ns('B'), 'addr', 'del', '10.0.0.3/24', 'dev', 'eth0'), shows: (l) => link(l, ns('B'), 'eth0')?.addresses.includes('10.0.0.3/24') === false },
  { what: 'route add', make: () => ip('-n', ns('C'), 'route', 'add', '10.50.0.0/16', 'via', '10.0.0.1'), shows: (l) => !!l.observed.namespaces[ns('C')]?.routes.some((r) => r.dst === '10.50.0.0/16') },
  { what: 'route del', make: () => ip('-n', ns('C'), 'route', 'del', 'default'), shows: (l) => l.observed.namespaces[ns('C')]?.routes.some((r) => r.dst === 'default') === false },
  { what: 'bridge down (host context)', make: () => ip('-n', HOST, 'link', 'set', 'br0', 'down'), shows: (l) => link(l, HOST, 'br0')?.up === false },
  { what: 'forwarding off', make: () => sh('ip', 'netns', 'exec', HOST, 'sysctl', '-qw', 'net.ipv4.ip_forward=0'), shows: (l) => l.observed.namespaces[HOST]?.forwarding === false },
  { what: 'NAT table deleted', make: () => sh('ip', 'netns', 'exec', HOST, 'nft', 'delete', 'table', 'ip', table), shows: (l) => l.observed.namespaces[HOST]?.nat === null },
  {
    what: 'NAT rule added',
    make: async () => {
      const r = await sh('ip', 'netns', 'exec', HOST, 'nft', 'list', 'table', 'ip', table);
      const chain = /chain (\S+) \{[^}]*type nat hook postrouting/.exec(r.stdout)?.[1] ?? 'postrouting';
      return sh('ip', 'netns', 'exec', HOST, 'nft', 'add', 'rule', 'ip', table, chain, 'ip', 'saddr', '10.9.0.0/16', 'oifname', 'to-remote', 'masquerade');
    },
    shows: (l) => !!l.observed.namespaces[HOST]?.nat?.rules.some((r) => r.source === '10.9.0.0/16'),
  },
  { what: 'link del (host end of a veth)', make: () => ip('-n', HOST, 'link', 'del', 'veth-A'), shows: (l) => !link(l, HOST, 'veth-A') && !link(l, ns('A'), 'eth0') },
  { what: 'namespace del', make: () => ip('netns', 'del', ns('remote')), shows: (l) => !l.observed.namespaces[ns('remote')] && l.nodes.remote?.exists === false },
];

/** Waits for the live state showing the change, then checks the cache against a fresh reading. */
async function seen(c: Change, after: () => Promise<unknown>): Promise<LiveState> {
  const live = waitForEvent<LiveState>(s, 'lab:live', (l) => l.lab === LAB && c.shows(l), 10_000);
  await after();
  return live;
}

/** The cache settles (no event pending) and equals a fresh reading; a plan now starts no process and equals a fresh one. */
async function cacheMatchesKernel(what: string, lab = LAB): Promise<void> {
  let last = '';
  for (let i = 0; i < 50; i++) {
    const before = processCount();
    const res = await request<{ ok: true; plan: PlanView }>(s, 'lab:plan', { name: lab });
    const started = processCount() - before;
    const truth = await fresh.live(lab);
    const cached = await server.labs.live(lab);
    const same = JSON.stringify(stable(cached.observed)) === JSON.stringify(stable(truth.observed));
    if (started === 0 && same && res.plan.fingerprint === truth.plan.fingerprint && res.plan.text === truth.plan.text) return;
    last = `started ${started} processes; cache equals kernel: ${same}; plan ${res.plan.fingerprint} vs fresh ${truth.plan.fingerprint}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect.fail(`${what}: ${last}`);
}

describe('the live cache of a watched lab', () => {
  it('opens with a clean reading', async () => {
    const res = await request<{ ok: true; snapshot: { live: LiveState } }>(s, 'lab:open', { name: LAB });
    expect(res.ok).toBe(true);
    expect(res.snapshot.live.plan.steps).toEqual([]);
    await cacheMatchesKernel('after open');
  }, 60_000);

  for (const c of CHANGES) {
    it(`shows ${c.what}, then stays equal to the kernel, and an apply repairs it`, async () => {
      const l = await seen(c, c.make);
      expect(c.shows(l)).toBe(true);
      await cacheMatchesKernel(c.what);
      if (c.undoneByNext) return; // the next change undoes it by hand
      const repaired = waitForEvent<LiveState>(s, 'lab:live', (x) => x.lab === LAB && x.plan.steps.length === 0 && (c.wanted || !c.shows(x)), 20_000);
      const r = await server.labs.apply(LAB);
      expect(r.ok, JSON.stringify(r.error)).toBe(true);
      await repaired;
      await cacheMatchesKernel(`${c.what}, repaired`);
    }, 60_000);
  }
});

describe('the live cache of a lab with a big host (a port for each of 70 namespaces)', () => {
  // A host with more than 64 links is read after the small namespaces that changed with it, and
  // while it is being read, small namespaces that change are read beside it (server/labs/live-hub.ts):
  // whatever order the readings end in, the cache ends equal to the kernel.
  const BIG = uniqueLab('lb');
  const bigNs = (i: number) => `${BIG}-n${i}`;

  afterAll(async () => {
    await server?.labs.destroy(BIG).catch(() => undefined);
    await removeNamespaces([`${BIG}-`]);
  }, 60_000);

  it('link flaps in many namespaces in a row: each shows, and the cache ends equal to the kernel', async () => {
    const nodes: Record<string, unknown>[] = [{ id: 'br0', kind: 'bridge', addresses: ['10.60.0.1/24'] }];
    const links: Record<string, unknown>[] = [];
    for (let i = 0; i < 70; i++) {
      nodes.push({ id: `n${i}`, kind: 'namespace' });
      links.push({ a: { node: `n${i}`, iface: 'eth0', addresses: [`10.60.0.${i + 2}/24`] }, b: { node: 'br0', iface: `v${i}` } });
    }
    server.labs.create(assertTopology({ name: BIG, host: { netns: `${BIG}-h` }, nodes, links }), { hostNetns: `${BIG}-h` });
    const r = await server.labs.apply(BIG);
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    expect((await request<{ ok: boolean }>(s, 'lab:open', { name: BIG })).ok).toBe(true);
    await cacheMatchesKernel('big lab opened', BIG);
    for (const i of [3, 17, 42, 69, 5, 30]) {
      const down = waitForEvent<LiveState>(s, 'lab:live', (l) => l.lab === BIG && l.observed.namespaces[bigNs(i)]?.links.eth0?.up === false, 10_000);
      await ip('-n', bigNs(i), 'link', 'set', 'eth0', 'down');
      await down;
      // back up at once: the host's reading of the first change is likely still in flight
      const up = waitForEvent<LiveState>(s, 'lab:live', (l) => l.lab === BIG && l.observed.namespaces[bigNs(i)]?.links.eth0?.up === true, 10_000);
      await ip('-n', bigNs(i), 'link', 'set', 'eth0', 'up');
      await up;
    }
    await cacheMatchesKernel('after the flaps', BIG);
  }, 120_000);
});

