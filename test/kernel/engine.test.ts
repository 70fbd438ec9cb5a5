// The engine's acceptance, end to end through the `nslab` command on the real kernel
// (inside the sandbox). The tests of this file build on each other, in order.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createLabsService } from '@/server/labs/service';
import {
  ifindex, netnsList, nslabIn, usernsList, removeNamespaces, rmHome, rootSnapshot, SEED, sh, tempHome, writeVariant,
} from './cli-helpers';

const home = tempHome();
const nslab = nslabIn(home);
const seedText = readFileSync(SEED, 'utf8');
let before = '';

beforeAll(async () => {
  before = await rootSnapshot();
});

afterAll(async () => {
  await nslab('destroy', 'seed');
  await nslab('clean');
  await removeNamespaces(netnsList().filter((n) => n.startsWith('seed-') || n === 'H'));
  rmHome(home);
});

describe('the seed lab with an isolated host', () => {
  it('applies, and every namespace reaches the others, the host, and the remote machine through NAT', async () => {
    const r = await nslab('apply', SEED, '--host-netns', 'H');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy\./);
    expect(r.stdout).toMatch(/Apply complete!/);
    expect(netnsList()).toEqual(expect.arrayContaining(['H', 'seed-A', 'seed-B', 'seed-C', 'seed-remote']));

    for (const [from, to] of [['A', '10.0.0.3'], ['A', '10.0.0.4'], ['B', '10.0.0.4'], ['host', '10.0.0.2']] as const) {
      const p = await nslab('exec', 'seed', from, '--', 'ping', '-c1', '-W2', to);
      expect(p.exitCode, `${from} -> ${to}: ${p.stdout}${p.stderr}`).toBe(0);
    }

    // A reaches 203.0.113.2 only through the host's masquerade: remote sees the host's address.
    const capture = execa('ip', ['netns', 'exec', 'seed-remote', 'tcpdump', '-n', '-l', '-i', 'eth0', '-c', '2', 'icmp'], { reject: false, timeout: 20_000 });
    // tcpdump says "listening on eth0" once its capture is open: only then can it see the ping.
    let said = '';
    capture.stderr?.on('data', (d: Buffer) => (said += d.toString()));
    await waitFor(() => /listening on eth0/.test(said));
    const p = await nslab('exec', 'seed', 'A', '--', 'ping', '-c1', '-W2', '203.0.113.2');
    expect(p.exitCode, p.stdout + p.stderr).toBe(0);
    const cap = await capture;
    expect(String(cap.stdout)).toMatch(/203\.0\.113\.1 > 203\.0\.113\.2: ICMP echo request/);
    expect(String(cap.stdout)).not.toMatch(/10\.0\.0\.2 >/);
  });

  it('brings the new bridge up after its ports\' far ends; then every port forwards, IPv4 and IPv6 at once', async () => {
    // the order the kernel saw, from the command log (in the order the commands ran)
    const labs = createLabsService({ home });
    const log = labs.commandLog('seed', 2000).map((c) => c.argv.join(' '));
    await labs.close();
    const at = (line: string) => {
      const i = log.indexOf(line);
      expect(i, line).toBeGreaterThanOrEqual(0);
      return i;
    };
    const bridgeUp = at('ip -n H link set dev br0 up');
    for (const n of ['A', 'B', 'C']) expect(at(`ip -n seed-${n} link set dev eth0 up`)).toBeLessThan(bridgeUp);
    // the bridge's ports, as the kernel has them: every one forwarding
    const ports = JSON.parse((await sh('ip', 'netns', 'exec', 'H', 'bridge', '-j', 'link', 'show')).stdout) as { ifname: string; master: string; state: string }[];
    expect(ports.filter((p) => p.master === 'br0').map((p) => p.state)).toEqual(['forwarding', 'forwarding', 'forwarding']);
    // IPv6 across the bridge: C's link-local address answers A (no address of the lab's own)
    const ll = JSON.parse((await sh('ip', '-n', 'seed-C', '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link')).stdout)[0].addr_info[0].local as string;
    const p6 = await nslab('exec', 'seed', 'A', '--', 'ping', '-6', '-c1', '-W2', `${ll}%eth0`);
    expect(p6.exitCode, p6.stdout + p6.stderr).toBe(0);
  });

  it('shows the default route and, after a ping, the gateway in the neighbour table', async () => {
    const route = await nslab('exec', 'seed', 'A', '--', 'ip', 'route');
    expect(route.stdout).toMatch(/default via 10\.0\.0\.1 dev eth0/);
    await nslab('exec', 'seed', 'A', '--', 'ping', '-c1', '-W2', '10.0.0.1');
    const neigh = await nslab('exec', 'seed', 'A', '--', 'ip', 'neigh');
    expect(neigh.stdout).toMatch(/10\.0\.0\.1 dev eth0 lladdr/);
  });

  it('changes nothing when the same file is applied again', async () => {
    expect((await nslab('plan', SEED, '--host-netns', 'H', '--detailed-exitcode')).exitCode).toBe(0);
    // The lab keeps its isolated host: the file alone plans the same.
    const again = await nslab('plan', SEED, '--detailed-exitcode');
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    const r = await nslab('apply', SEED);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/No changes/);
  });

  it('plans and applies exactly an edit, without recreating untouched objects', async () => {
    const keep = { aEth0: await ifindex('seed-A', 'eth0'), br0: await ifindex('H', 'br0'), vethA: await ifindex('H', 'veth-A') };
    const file = writeVariant(home, seedText, (doc) => {
      const nodes = doc.nodes as { id: string }[];
      doc.nodes = nodes.filter((n) => n.id !== 'C');
      const links = doc.links as { a: { node: string; addresses?: string[] }; b: { node: string } }[];
      doc.links = links.filter((l) => l.a.node !== 'C');
      links.find((l) => l.a.node === 'B')!.a.addresses = ['10.0.0.33/24'];
    });
    const plan = await nslab('plan', file, '--detailed-exitcode');
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/- .*namespace seed-C/);
    expect(plan.stdout).toMatch(/seed-C\/eth0/);
    expect(plan.stdout).toMatch(/10\.0\.0\.3\/24 -> 10\.0\.0\.33\/24|10\.0\.0\.33\/24/);
    expect(plan.stdout).not.toMatch(/seed-A/);
    expect(plan.stdout).toMatch(/Plan: 0 to add, 1 to change, 3 to destroy\./); // C's namespace, veth and route
    const destroyed = plan.stdout.split('\n').filter((l) => /^\s*- /.test(l));
    expect(destroyed.length).toBe(3);
    for (const l of destroyed) expect(l).toMatch(/seed-C/);
    expect(plan.stdout).toMatch(/~ veth seed-B\/eth0/);

    const r = await nslab('apply', file);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(netnsList()).not.toContain('seed-C');
    expect((await nslab('exec', 'seed', 'B', '--', 'ip', '-br', 'addr', 'show', 'eth0')).stdout).toMatch(/10\.0\.0\.33\/24/);
    expect({ aEth0: await ifindex('seed-A', 'eth0'), br0: await ifindex('H', 'br0'), vethA: await ifindex('H', 'veth-A') }).toEqual(keep);
    expect((await nslab('exec', 'seed', 'A', '--', 'ping', '-c1', '-W2', '10.0.0.33')).exitCode).toBe(0);
    // Back to the seed lab.
    expect((await nslab('apply', SEED)).exitCode).toBe(0);
    expect((await nslab('plan', SEED, '--detailed-exitcode')).exitCode).toBe(0);
  });

  it('reports drift made by hand and repairs it', async () => {
    expect((await sh('ip', '-n', 'seed-A', 'link', 'del', 'eth0')).exitCode).toBe(0);
    const plan = await nslab('plan', SEED, '--detailed-exitcode');
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toMatch(/\+ .*seed-A\/eth0/);
    const status = await nslab('status', 'seed');
    expect(status.stdout).toMatch(/drift/);
    expect((await nslab('apply', SEED)).exitCode).toBe(0);
    expect((await nslab('plan', SEED, '--detailed-exitcode')).exitCode).toBe(0);
    expect((await nslab('exec', 'seed', 'A', '--', 'ping', '-c1', '-W2', '10.0.0.3')).exitCode).toBe(0);
  });

  it('keeps exec exit codes and refuses unknown nodes', async () => {
    expect((await nslab('exec', 'seed', 'A', '--', 'sh', '-c', 'exit 7')).exitCode).toBe(7);
    const r = await nslab('exec', 'seed', 'Z', '--', 'true');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no node "Z"/);
  });

  it('rolls back a failing apply and names the object and the kernel message', async () => {
    const snapshot = await labSnapshot();
    // A new namespace D on br0; its bridge port name is taken by a foreign interface that
    // appears while the apply runs (after planning), so the kernel refuses it mid-apply.
    const file = writeVariant(home, seedText, (doc) => {
      (doc.nodes as object[]).push({ id: 'D', kind: 'namespace' });
      (doc.links as object[]).push({ a: { node: 'D', iface: 'eth0', addresses: ['10.0.0.5/24'] }, b: { node: 'br0', iface: 'veth-D' } });
    });
    const apply = nslab('apply', file, '--step-delay', '300');
    try {
      await waitFor(async () => netnsList().includes('seed-D'));
    } catch (e) {
      await apply;
      throw e;
    }
    expect((await sh('ip', '-n', 'H', 'link', 'add', 'veth-D', 'type', 'bridge')).exitCode).toBe(0);
    const r = await apply;
    await sh('ip', '-n', 'H', 'link', 'del', 'veth-D');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/veth-D/);
    expect(r.stderr).toMatch(/File exists/);
    expect(r.stderr).toMatch(/rolled back/);
    expect(netnsList()).not.toContain('seed-D');
    expect(await labSnapshot()).toEqual(snapshot);
    expect((await nslab('apply', SEED)).exitCode).toBe(0);
  });

  it('destroys everything, the isolated host included, and leaves the sandbox as it was', async () => {
    const r = await nslab('destroy', 'seed');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(netnsList().filter((n) => n === 'H' || n.startsWith('seed-'))).toEqual([]);
    expect(await rootSnapshot()).toEqual(before);
  });
});

describe("the seed lab on 'this machine' (the sandbox's own namespace)", () => {
  it('builds the bridge, forwarding and NAT there, and destroy restores it byte for byte', async () => {
    const fwd = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    const snap = await rootSnapshot();
    const r = await nslab('apply', SEED);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe('1');
    expect((await sh('ip', 'link', 'show', 'br0')).exitCode).toBe(0);
    expect((await sh('nft', 'list', 'table', 'ip', 'nslab_seed')).stdout).toMatch(/masquerade/);
    expect((await nslab('exec', 'seed', 'A', '--', 'ping', '-c1', '-W2', '203.0.113.2')).exitCode).toBe(0);
    expect((await nslab('destroy', 'seed')).exitCode).toBe(0);
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe(fwd);
    expect(await rootSnapshot()).toEqual(snap);
  });
});

describe('foreign objects', () => {
  it('survive apply, destroy and clean', async () => {
    await sh('ip', 'netns', 'add', 'handmade');
    await sh('ip', 'link', 'add', 'handbr', 'type', 'bridge');
    await sh('ip', '-n', 'handmade', 'link', 'add', 'br9', 'type', 'bridge');
    try {
      const idx = await ifindex('', 'handbr');
      const idx2 = await ifindex('handmade', 'br9');
      expect((await nslab('apply', SEED, '--host-netns', 'H2')).exitCode).toBe(0);
      expect((await nslab('destroy', 'seed')).exitCode).toBe(0);
      expect((await nslab('apply', SEED, '--host-netns', 'H2')).exitCode).toBe(0);
      expect((await nslab('clean')).exitCode).toBe(0);
      expect(netnsList()).toEqual(['handmade']);
      expect(await ifindex('', 'handbr')).toBe(idx);
      expect(await ifindex('handmade', 'br9')).toBe(idx2);
      // A hand-made object in the way is refused, not taken over.
      await sh('ip', 'netns', 'add', 'seed-A');
      const r = await nslab('apply', SEED, '--host-netns', 'H2');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/seed-A/);
      expect(r.stderr).toMatch(/not .*lab seed|not part of lab seed|not nslab/);
      expect(netnsList()).toEqual(['handmade', 'seed-A']);
    } finally {
      await sh('ip', 'link', 'del', 'handbr');
      await removeNamespaces(['handmade', 'seed-A']);
      await nslab('destroy', 'seed');
      await nslab('clean');
    }
  });
});

describe('a crash in the middle of an apply', () => {
  it('is cleaned up by `nslab clean`, and a new apply converges', async () => {
    const snap = await rootSnapshot();
    const child = execa('node', [new URL('../../bin/nslab.js', import.meta.url).pathname, 'apply', SEED, '--host-netns', 'H3', '--step-delay', '100'], {
      env: { NSLAB_HOME: home },
      reject: false,
    });
    // seed-B made (its name's file comes first, the namespace is mounted on it next)
    await waitFor(async () => netnsList().includes('seed-B') && (await sh('ip', '-n', 'seed-B', 'link', 'show', 'lo')).exitCode === 0);
    child.kill('SIGKILL');
    await child;
    expect(netnsList().length).toBeGreaterThan(0);
    // The next nslab process sees the dead apply: the lab is no longer "applying".
    const st = await nslab('status', '--json');
    expect((JSON.parse(st.stdout) as { name: string; state: string }[]).find((l) => l.name === 'seed')?.state).toBe('failed');
    const c = await nslab('clean');
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/removed/);
    expect(netnsList()).toEqual([]);
    expect(usernsList()).toEqual([]);
    expect(await rootSnapshot()).toEqual(snap);
    expect((await nslab('apply', SEED, '--host-netns', 'H3')).exitCode).toBe(0);
    expect((await nslab('plan', SEED, '--detailed-exitcode')).exitCode).toBe(0);
    expect((await nslab('exec', 'seed', 'C', '--', 'ping', '-c1', '-W2', '203.0.113.2')).exitCode).toBe(0);
    expect((await nslab('destroy', 'seed')).exitCode).toBe(0);
    expect(netnsList()).toEqual([]);
  });
});

async function labSnapshot(): Promise<string> {
  const parts = [netnsList().join(' ')];
  for (const ns of netnsList()) {
    const links = await sh('ip', '-n', ns, '-j', '-d', 'link', 'show');
    const addrs = await sh('ip', '-n', ns, '-br', 'addr', 'show');
    const routes = await sh('ip', '-n', ns, 'route', 'show');
    const names = (JSON.parse(links.stdout || '[]') as { ifname: string; ifindex: number; ifalias?: string; master?: string }[])
      .map((l) => `${l.ifindex}:${l.ifname}:${l.ifalias ?? ''}:${l.master ?? ''}`)
      .join(',');
    parts.push(`${ns}\n${names}\n${addrs.stdout}\n${routes.stdout}`);
  }
  return parts.join('\n===\n');
}

async function waitFor(cond: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out waiting');
}
