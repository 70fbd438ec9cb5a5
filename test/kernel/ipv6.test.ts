// IPv6 dual stack and computed routes on the real kernel (inside the sandbox), through the
// `nslab` command: the dual-stack seed (examples/seed-dualstack.yaml) pings over IPv6 inside its
// segment and through its router to the other machine at once, with no address left tentative
// (duplicate address detection is off in the namespaces nslab creates) and no link still coming up; and a lab
// of three segments joined by two routers, given the routes `nslab routes --write` computes, is
// fully reachable in both families (`nslab reach`).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ifindex, netnsList, nslabIn, removeNamespaces, rmHome, ROOT, sh, tempHome } from './cli-helpers';

const home = tempHome();
const nslab = nslabIn(home);
const dir = mkdtempSync(join(tmpdir(), 'nslab-ipv6-'));
const DUAL = join(ROOT, 'examples/seed-dualstack.yaml');

afterAll(async () => {
  await nslab('destroy', 'seed6');
  await nslab('destroy', 'rt3');
  await removeNamespaces(netnsList().filter((n) => n.startsWith('seed6-') || n.startsWith('rt3-') || n === 'H6'));
  rmHome(home);
  rmHome(dir);
});

/**
 * What would keep IPv6 from answering at once in the namespace: an address still tentative or
 * failed DAD (any scope: a router cannot solicit its next hop for a packet it forwards while the
 * link-local address of the way out is tentative), a link that is up but not yet operationally
 * up (DOWN with NO-CARRIER: IPv6 is not started on it: no link-local address, no multicast route, so it drops
 * neighbour solicitations), and duplicate address detection left on for interfaces to come.
 */
async function notReady(ns: string): Promise<string[]> {
  const r = await sh('ip', '-n', ns, '-j', 'addr', 'show');
  const links = JSON.parse(r.stdout) as { ifname: string; flags: string[]; operstate: string; addr_info: Record<string, unknown>[] }[];
  const dad = (await sh('ip', 'netns', 'exec', ns, 'sysctl', '-n', 'net.ipv6.conf.all.accept_dad', 'net.ipv6.conf.default.accept_dad')).stdout.trim();
  return [
    ...links.flatMap((l) => l.addr_info.filter((a) => a.tentative || a.dadfailed).map((a) => `${l.ifname} ${String(a.local)} tentative`)),
    // UNKNOWN counts as up for the kernel too (a bridge is UNKNOWN until its ports' carrier reaches it)
    ...links.filter((l) => l.ifname !== 'lo' && l.flags.includes('UP') && !['UP', 'UNKNOWN'].includes(l.operstate)).map((l) => `${l.ifname} ${l.operstate}`),
    ...links.filter((l) => l.ifname !== 'lo' && l.flags.includes('UP') && !l.addr_info.some((a) => a.scope === 'link')).map((l) => `${l.ifname} no link-local`),
    ...(dad === '0\n0' ? [] : [`accept_dad ${dad.replace('\n', ' ')}`]),
  ];
}

describe('IPv6', () => {
  it('the dual-stack seed: ping -6 from A to C and, through the router, to the other machine; nothing tentative; a second plan is empty', async () => {
    const r = await nslab('apply', DUAL, '--host-netns', 'H6');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Apply complete!/);
    // right after apply: no address tentative (link-local included), every link up operationally
    // with its link-local address (R's eth1 and remote's eth1 have the same ifindex, the case
    // where the kernel used to leave one end down for up to a second)
    for (const ns of ['H6', 'seed6-A', 'seed6-B', 'seed6-C', 'seed6-R', 'seed6-remote']) expect(await notReady(ns), ns).toEqual([]);
    expect(await ifindex('seed6-R', 'eth1'), 'the same ifindex at both ends of R - remote').toBe(await ifindex('seed6-remote', 'eth1'));
    for (const [from, to] of [['A', '2001:db8:0:1::4'], ['A', '2001:db8:0:2::2'], ['remote', '2001:db8:0:1::2'], ['A', '10.0.0.4'], ['A', '203.0.113.2']] as const) {
      const p = await nslab('exec', 'seed6', from, '--', 'ping', '-c1', '-W2', to);
      expect(p.exitCode, `${from} -> ${to}: ${p.stdout}${p.stderr}`).toBe(0);
    }
    // the router forwards both families by default; the host's IPv6 forwarding follows `forwarding`
    expect((await sh('ip', 'netns', 'exec', 'seed6-R', 'sysctl', '-n', 'net.ipv6.conf.all.forwarding')).stdout.trim()).toBe('1');
    expect((await sh('ip', 'netns', 'exec', 'H6', 'sysctl', '-n', 'net.ipv6.conf.all.forwarding')).stdout.trim()).toBe('1');
    const again = await nslab('plan', DUAL, '--host-netns', 'H6', '--detailed-exitcode');
    expect(again.exitCode, again.stdout).toBe(0);

    // drift in IPv6 shows in the plan and apply repairs it
    await sh('ip', '-n', 'seed6-A', 'route', 'del', '::/0');
    await sh('ip', '-n', 'seed6-A', 'addr', 'del', '2001:db8:0:1::2/64', 'dev', 'eth0');
    const drift = await nslab('plan', DUAL, '--host-netns', 'H6', '--detailed-exitcode');
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toMatch(/2001:db8:0:1::2\/64/);
    expect(drift.stdout).toMatch(/route ::\/0 via 2001:db8:0:1::fe/);
    expect((await nslab('apply', DUAL, '--host-netns', 'H6', '-q')).exitCode).toBe(0);
    expect((await nslab('exec', 'seed6', 'A', '--', 'ping', '-c1', '-W2', '2001:db8:0:2::2')).exitCode).toBe(0);
    expect((await nslab('destroy', 'seed6')).exitCode).toBe(0);
    expect(netnsList().filter((n) => n.startsWith('seed6-') || n === 'H6')).toEqual([]);
  });

  it('computed routes make two routers and three segments fully reachable, IPv4 and IPv6', async () => {
    // A and R1 on a bridge; R1 - R2 and R2 - B on links. No routes at all in the file.
    const file = join(dir, 'rt3.yaml');
    writeFileSync(
      file,
      `name: rt3
host: { netns: rt3-h }
nodes:
  - { id: br1, kind: bridge }
  - { id: A, kind: namespace }
  - { id: R1, kind: namespace, role: router }
  - { id: R2, kind: namespace, role: router }
  - { id: B, kind: namespace }
links:
  - { a: { node: A, iface: eth0, addresses: [10.1.0.2/24, 2001:db8:1::2/64] }, b: { node: br1 } }
  - { a: { node: R1, iface: eth0, addresses: [10.1.0.1/24, 2001:db8:1::1/64] }, b: { node: br1 } }
  - { a: { node: R1, iface: eth1, addresses: [10.2.0.1/30, 2001:db8:2::1/64] }, b: { node: R2, iface: eth0, addresses: [10.2.0.2/30, 2001:db8:2::2/64] } }
  - { a: { node: R2, iface: eth1, addresses: [10.3.0.1/24, 2001:db8:3::1/64] }, b: { node: B, iface: eth0, addresses: [10.3.0.2/24, 2001:db8:3::2/64] } }
`,
    );
    const shown = await nslab('routes', file);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('+ A: default via 10.1.0.1');
    expect(shown.stdout).toContain('+ A: default (IPv6) via 2001:db8:1::1');
    expect(shown.stdout).toContain('+ R1: 2001:db8:3::/64 via 2001:db8:2::2');
    expect(readFileSync(file, 'utf8')).not.toContain('via');
    expect((await nslab('routes', file, '--write')).exitCode).toBe(0);
    expect((await nslab('routes', file)).stdout).toMatch(/No routes to add/);
    const applied = await nslab('apply', file, '-q');
    expect(applied.exitCode, applied.stderr).toBe(0);
    const r = await nslab('reach', 'rt3', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { nodes: string[]; addresses: Record<string, { address: string }[]>; cells: { from: string; to: string; missed: string[]; reached: string[] }[] };
    const namespaces = ['A', 'R1', 'R2', 'B'];
    for (const n of namespaces) {
      expect(m.addresses[n]!.some((a) => a.address.includes(':')), n).toBe(true);
      expect(m.addresses[n]!.some((a) => a.address.includes('.')), n).toBe(true);
    }
    const cells = m.cells.filter((c) => namespaces.includes(c.from) && namespaces.includes(c.to));
    expect(cells).toHaveLength(12);
    for (const c of cells) expect(c.missed, `${c.from} -> ${c.to}`).toEqual([]);
  });
});
