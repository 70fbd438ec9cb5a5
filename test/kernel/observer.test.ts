// The observer on the real kernel (inside the sandbox): objects made by hand with `ip`/`nft`
// are read into the model exactly, foreign ones included; missing namespaces are absent.
import '../sandbox-guard';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { natTable } from '@/lib/names';
import { nftScript } from '@/lib/ops';
import { processCount } from '@/server/kernel/exec';
import { listNetns, observe } from '@/server/kernel/observer';
import { nsctlUsable } from '@/server/kernel/nsctl';
import { removeNamespaces, sh, uniqueLab } from './helpers';

const made: string[] = [];
afterEach(async () => {
  await removeNamespaces(made.splice(0));
});

async function ipOk(...args: string[]) {
  const r = await sh('ip', ...args);
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

describe('observe', () => {
  it('reads links, marks, masters, addresses, routes, forwarding, NAT and veth peers', async () => {
    const lab = uniqueLab('o');
    made.push(`${lab}-`);
    const [X, Y] = [`${lab}-X`, `${lab}-Y`];
    for (const ns of [X, Y]) await ipOk('netns', 'add', ns);
    await ipOk('-n', X, 'link', 'set', 'dev', 'lo', 'alias', `nslab:${lab}:ns:X`);
    await ipOk('-n', X, 'link', 'set', 'dev', 'lo', 'up');
    await ipOk('-n', X, 'link', 'add', 'name', 'br0', 'type', 'bridge');
    await ipOk('-n', X, 'link', 'add', 'name', 'a0', 'type', 'veth', 'peer', 'name', 'b0', 'netns', Y);
    await ipOk('-n', X, 'link', 'set', 'dev', 'a0', 'alias', `nslab:${lab}:link:ab`);
    await ipOk('-n', Y, 'link', 'set', 'dev', 'b0', 'alias', `nslab:${lab}:link:ab`);
    await ipOk('-n', X, 'link', 'set', 'dev', 'a0', 'master', 'br0');
    for (const dev of ['a0', 'br0']) await ipOk('-n', X, 'link', 'set', 'dev', dev, 'up');
    await ipOk('-n', Y, 'link', 'set', 'dev', 'b0', 'up');
    // Added out of order: the observer sorts them.
    for (const cidr of ['10.1.0.10/24', '10.1.0.9/24', '192.168.7.1/30']) await ipOk('-n', X, 'addr', 'add', cidr, 'dev', 'br0');
    await ipOk('-n', X, 'addr', 'add', '2001:db8::1/64', 'dev', 'br0');
    await ipOk('-n', Y, 'addr', 'add', '10.1.0.2/24', 'dev', 'b0');
    await ipOk('-n', Y, 'route', 'add', 'default', 'via', '10.1.0.9');
    await ipOk('-n', Y, 'route', 'add', '10.9.0.0/16', 'via', '10.1.0.10');
    await ipOk('-n', Y, 'route', 'add', '10.8.8.8', 'dev', 'b0');
    expect((await sh('ip', 'netns', 'exec', X, 'sysctl', '-w', 'net.ipv4.ip_forward=1')).exitCode).toBe(0);
    const table = natTable(lab);
    await execa('ip', ['netns', 'exec', X, 'nft', '-f', '-'], { input: nftScript(table, [{ source: '10.1.0.0/24', out: 'up0' }, { source: '10.2.0.0/16', out: 'br0' }], `nslab:${lab}`) });

    const before = processCount();
    const s = await observe([X, Y, `${lab}-missing`], { lab, natIn: [X] });
    // one read of every namespace (nslab-nsctl dump; one ip per namespace without it), one nft,
    // one probe of what a new namespace inherits
    expect(processCount() - before).toBe(nsctlUsable() ? 3 : 4);

    expect(Object.keys(s.namespaces).sort()).toEqual([X, Y]);
    const x = s.namespaces[X]!;
    const y = s.namespaces[Y]!;
    expect([x.mark, x.owned, x.forwarding]).toEqual([`nslab:${lab}:ns:X`, true, true]);
    expect([y.mark, y.owned, y.forwarding]).toEqual([null, false, false]);
    const rows = (ns: typeof x) => Object.values(ns.links).map((l) => [l.name, l.kind, l.mark, l.up, l.master, l.addresses.join(','), l.peer ? `${l.peer.ns}/${l.peer.name}` : '-']);
    expect(rows(x)).toEqual([
      ['lo', 'loopback', `nslab:${lab}:ns:X`, true, null, '', '-'],
      // IPv4 first; global IPv6 after it (the kernel's own link-local fe80:: addresses are left out)
      ['br0', 'bridge', null, true, null, '10.1.0.9/24,10.1.0.10/24,192.168.7.1/30,2001:db8::1/64', '-'],
      ['a0', 'veth', `nslab:${lab}:link:ab`, true, 'br0', '', `${Y}/b0`],
    ]);
    expect(rows(y)).toEqual([
      ['lo', 'loopback', null, false, null, '', '-'],
      ['b0', 'veth', `nslab:${lab}:link:ab`, true, null, '10.1.0.2/24', `${X}/a0`],
    ]);
    expect(y.routes).toEqual([
      { dst: 'default', via: '10.1.0.9', dev: 'b0' },
      { dst: '10.8.8.8/32', dev: 'b0' },
      { dst: '10.9.0.0/16', via: '10.1.0.10', dev: 'b0' },
    ]);
    expect(x.routes).toEqual([]); // connected routes are the kernel's
    expect(x.nat).toEqual({ table, mark: `nslab:${lab}`, rules: [{ source: '10.1.0.0/24', out: 'up0' }, { source: '10.2.0.0/16', out: 'br0' }] });
    expect(y.nat).toBeNull();
    const a0 = x.links.a0!;
    expect(a0.ifindex).toBeGreaterThan(0);
    expect(a0.oper).toBe('UP');
    expect(a0.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(a0.mtu).toBe(1500);
    expect(a0.stats).toEqual(expect.objectContaining({ rxPackets: expect.any(Number), txBytes: expect.any(Number) }));
  });

  it('includes this machine\'s own namespace as "" (never owned), and lists namespaces without a process', async () => {
    const lab = uniqueLab('o');
    made.push(`${lab}-`);
    await ipOk('netns', 'add', `${lab}-Z`);
    const before = processCount();
    expect(await listNetns()).toContain(`${lab}-Z`);
    expect(processCount()).toBe(before);
    const s = await observe(['']);
    expect(s.namespaces['']).toEqual(expect.objectContaining({ name: '', mark: null, owned: false, nat: null }));
    expect(s.namespaces['']!.links.lo?.kind).toBe('loopback');
  });

  it('times an observe of 50 namespaces', async () => {
    const lab = uniqueLab('o');
    made.push(`${lab}-`);
    const names = Array.from({ length: 50 }, (_, i) => `${lab}-${i}`);
    await execa('ip', ['-batch', '-'], { input: names.map((n) => `netns add ${n}`).join('\n') + '\n' });
    const before = processCount();
    const t0 = performance.now();
    const s = await observe(names);
    const ms = Math.round(performance.now() - t0);
    expect(Object.keys(s.namespaces)).toHaveLength(50);
    // one read of them all (two nslab-nsctl dumps side by side from 64 on; one ip each without
    // nslab-nsctl), and the inherited-forwarding probe
    expect(processCount() - before).toBe(nsctlUsable() ? 2 : 51);
    console.log(`observe of 50 namespaces: ${processCount() - before} processes, ${ms} ms`);
  });
});
