// VLANs on bridges (issue 13, acceptance 3), through the `nslab` command on the real kernel:
// examples/vlans.yaml (A and B access ports of VLAN 10, C alone on VLAN 20 in the same subnet,
// D on VLAN 30, T on a trunk of 10 and 30 with sub-interfaces eth0.10 and eth0.30).
// A kernel built without VLAN filtering on bridges or 802.1Q (this CI machine's, for one) cannot
// run the lab: there the apply must fail naming what the kernel lacks, and roll back to nothing.
import '../sandbox-guard';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observe } from '@/server/kernel/observer';
import { ifindex, netnsList, nslabIn, rmHome, rootSnapshot, ROOT, sh, tempHome, writeVariant } from './cli-helpers';
import { readFileSync } from 'node:fs';

const FILE = join(ROOT, 'examples/vlans.yaml');
const HOST = 'VH';
const home = tempHome();
const nslab = nslabIn(home);
const lab = ['VH', 'vlans-A', 'vlans-B', 'vlans-C', 'vlans-D', 'vlans-T'];

/** Whether this kernel has VLAN filtering on bridges and 802.1Q interfaces: tried in a namespace of its own. */
async function kernelHasVlans(): Promise<boolean> {
  const r = await sh('unshare', '--net', 'sh', '-c', 'ip link add b type bridge vlan_filtering 1 && ip link add v type veth peer name w && ip link add link v name v.10 type vlan id 10');
  return r.exitCode === 0;
}
const supported = await kernelHasVlans();
let before = '';

beforeAll(async () => {
  before = await rootSnapshot();
});

afterAll(async () => {
  await nslab('destroy', 'vlans');
  for (const n of netnsList()) if (lab.includes(n)) await sh('ip', 'netns', 'del', n);
  rmHome(home);
});

const ping = async (from: string, to: string) => (await nslab('exec', 'vlans', from, '--', 'ping', '-c1', '-W2', to)).exitCode === 0;

describe.skipIf(supported)('on a kernel without VLAN support', () => {
  it('plans the lab, then refuses to apply it naming what the kernel lacks, and leaves nothing behind', async () => {
    const p = await nslab('plan', FILE, '--host-netns', HOST);
    expect(p.stdout).toMatch(/\+ vlan interface vlans-T\/eth0\.10/);
    expect(p.stdout).toMatch(/\+ vlan port VH\/p-A of br0[\s\S]*vlans: 1 \(pvid untagged\) -> 10 \(pvid untagged\)/);
    const r = await nslab('apply', FILE, '--host-netns', HOST);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/this kernel has no (802\.1Q VLAN interfaces|VLAN filtering on bridges)/);
    expect(r.stderr).toMatch(/rolled back/i);
    expect(netnsList().filter((n) => lab.includes(n))).toEqual([]);
    expect(await rootSnapshot()).toEqual(before);
  });
});

describe.skipIf(!supported)('VLANs on a bridge, on the real kernel', () => {
  it('applies; access ports of VLAN 10 reach each other, VLAN 20 reaches neither, the trunk reaches VLANs 10 and 30', async () => {
    const r = await nslab('apply', FILE, '--host-netns', HOST);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const reach = async (pairs: [string, string][]) => Promise.all(pairs.map(async ([f, t]) => `${f}->${t} ${(await ping(f, t)) ? 'yes' : 'no'}`));
    expect(await reach([['A', '10.0.10.3'], ['B', '10.0.10.2'], ['C', '10.0.10.2'], ['C', '10.0.10.3'], ['A', '10.0.10.4'], ['T', '10.0.10.2'], ['T', '10.0.30.6'], ['T', '10.0.10.4']])).toEqual([
      'A->10.0.10.3 yes', 'B->10.0.10.2 yes', 'C->10.0.10.2 no', 'C->10.0.10.3 no', 'A->10.0.10.4 no', 'T->10.0.10.2 yes', 'T->10.0.30.6 yes', 'T->10.0.10.4 no',
    ]);
    // read back as applied: nothing to change; both ways of reading agree (netlink and ip -j)
    expect((await nslab('plan', FILE, '--detailed-exitcode')).exitCode).toBe(0);
    const byNetlink = await observe(lab, { inherited: false });
    process.env.NSLAB_NSCTL = '0';
    const byIp = await observe(lab, { inherited: false }).finally(() => delete process.env.NSLAB_NSCTL);
    const strip = (s: typeof byIp) => JSON.parse(JSON.stringify(s, (k, v) => (k === 'stats' || k === 'oper' ? undefined : v))) as unknown;
    expect(strip(byNetlink)).toEqual(strip(byIp));
    expect(byIp.namespaces['vlans-T']!.links['eth0.10']).toMatchObject({ kind: 'vlan', vlan: { parent: 'eth0', id: 10 }, addresses: ['10.0.10.5/24'] });
    expect(byIp.namespaces[HOST]!.links['p-T']!.vlans).toEqual([{ vid: 10 }, { vid: 30 }]);
    expect(byIp.namespaces[HOST]!.links.br0!.vlanFiltering).toBe(true);
  });

  it('moves C to VLAN 10 in place (an update, the port kept), and C reaches A', async () => {
    const port = await ifindex(HOST, 'p-C');
    const file = writeVariant(home, readFileSync(FILE, 'utf8'), (doc) => {
      const links = doc.links as { b: { iface?: string; vlan?: number } }[];
      links.find((l) => l.b.iface === 'p-C')!.b.vlan = 10;
    });
    const p = await nslab('plan', file);
    expect(p.stdout).toMatch(/~ vlan port VH\/p-C of br0/);
    expect(p.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy/);
    expect((await nslab('apply', file)).exitCode).toBe(0);
    expect(await ifindex(HOST, 'p-C')).toBe(port);
    expect(await ping('C', '10.0.10.2')).toBe(true);
  });

  it('shows a hand-made change as drift and repairs it', async () => {
    expect((await sh('bridge', '-n', HOST, 'vlan', 'del', 'dev', 'p-A', 'vid', '10')).exitCode).toBe(0);
    expect((await sh('ip', '-n', 'vlans-T', 'link', 'del', 'eth0.30')).exitCode).toBe(0);
    const file = join(home, 'lab.yaml');
    const p = await nslab('plan', file, '--detailed-exitcode');
    expect(p.exitCode).toBe(2);
    expect(p.stdout).toMatch(/~ vlan port VH\/p-A of br0/);
    expect(p.stdout).toMatch(/\+ vlan interface vlans-T\/eth0\.30/);
    expect((await nslab('apply', file)).exitCode).toBe(0);
    expect([await ping('A', '10.0.10.3'), await ping('T', '10.0.30.6')]).toEqual([true, true]);
  });

  it('destroys everything it made', async () => {
    expect((await nslab('destroy', 'vlans')).exitCode).toBe(0);
    expect(netnsList().filter((n) => lab.includes(n))).toEqual([]);
    expect(await rootSnapshot()).toEqual(before);
  });
});
