// Adopt on the real kernel (inside the sandbox): namespaces, a bridge and veth pairs made by
// hand with `ip` appear in the adopt scan with their links, addresses and routes; the lab made
// from them plans nothing but nslab's ownership marks; after apply the plan is empty.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptFromKernel } from '@/server/kernel/adopt';
import { createLabsService, type Labs } from '@/server/labs/service';
import { listNetns } from '@/server/kernel/observer';
import { sh, uniqueLab } from './helpers';

const made: { netns: string[]; links: string[] } = { netns: [], links: [] };
let labs: Labs | null = null;
let home = '';

async function run(...argv: string[]) {
  const r = await sh(...argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

/** The tutorial by hand: two namespaces on a bridge with an address, default routes, a router link. */
async function handMade(tag: string) {
  const red = `${tag}-red`;
  const blue = `${tag}-blue`;
  const br = `br${tag.slice(-6)}`;
  made.netns.push(red, blue);
  made.links.push(br, `vr${tag.slice(-6)}`, `vb${tag.slice(-6)}`, `vx${tag.slice(-6)}`);
  await run('ip', 'netns', 'add', red);
  await run('ip', 'netns', 'add', blue);
  await run('ip', 'link', 'add', br, 'type', 'bridge');
  await run('ip', 'addr', 'add', '10.77.0.1/24', 'dev', br);
  await run('ip', 'link', 'set', br, 'up');
  for (const [ns, host, addr] of [[red, `vr${tag.slice(-6)}`, '10.77.0.2/24'], [blue, `vb${tag.slice(-6)}`, '10.77.0.3/24']] as const) {
    await run('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await run('ip', 'link', 'set', host, 'master', br, 'up');
    await run('ip', '-n', ns, 'addr', 'add', addr, 'dev', 'eth0');
    await run('ip', '-n', ns, 'link', 'set', 'eth0', 'up');
    await run('ip', '-n', ns, 'route', 'add', 'default', 'via', '10.77.0.1');
  }
  await run('ip', '-n', red, 'link', 'set', 'lo', 'up');
  // A point-to-point link from the host straight into blue, and blue forwards.
  await run('ip', 'link', 'add', `vx${tag.slice(-6)}`, 'type', 'veth', 'peer', 'name', 'up0', 'netns', blue);
  await run('ip', 'addr', 'add', '192.0.2.1/30', 'dev', `vx${tag.slice(-6)}`);
  await run('ip', 'link', 'set', `vx${tag.slice(-6)}`, 'up');
  await run('ip', '-n', blue, 'addr', 'add', '192.0.2.2/30', 'dev', 'up0');
  await run('ip', '-n', blue, 'link', 'set', 'up0', 'up');
  await run('ip', 'netns', 'exec', blue, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  return { red, blue, br, tag: tag.slice(-6) };
}

afterEach(async () => {
  try {
    if (labs) {
      for (const l of labs.list()) await labs.remove(l.name).catch(() => undefined);
      await labs.close();
    }
  } finally {
    labs = null;
    for (const ns of made.netns) if ((await listNetns()).includes(ns)) await sh('ip', 'netns', 'del', ns);
    for (const l of made.links) await sh('ip', 'link', 'del', l);
    made.netns = [];
    made.links = [];
    if (home) rmSync(home, { recursive: true, force: true });
    home = '';
  }
});

describe('adopt from the kernel', () => {
  it('lists hand-made namespaces, the bridge and the veth pairs with their addresses and routes, and leaves nslab objects out', async () => {
    const k = await handMade(uniqueLab('ad'));
    const draft = await adoptFromKernel();
    const t = draft.topology;
    const red = t.nodes.find((n) => n.kind === 'namespace' && n.netns === k.red);
    const blue = t.nodes.find((n) => n.kind === 'namespace' && n.netns === k.blue);
    expect(red).toMatchObject({ kind: 'namespace', routes: [{ to: 'default', via: '10.77.0.1' }] });
    expect(blue).toMatchObject({ kind: 'namespace', forwarding: true, routes: [{ to: 'default', via: '10.77.0.1' }] });
    expect(t.nodes.find((n) => n.id === k.br)).toEqual({ id: k.br, kind: 'bridge', addresses: ['10.77.0.1/24'] });
    const links = t.links.map((l) => `${l.a.node}/${l.a.iface}[${l.a.addresses ?? ''}] - ${l.b.node}/${l.b.iface}[${l.b.addresses ?? ''}]`);
    expect(links).toEqual(expect.arrayContaining([
      `${red!.id}/eth0[10.77.0.2/24] - ${k.br}/vr${k.tag}[]`,
      `${blue!.id}/eth0[10.77.0.3/24] - ${k.br}/vb${k.tag}[]`,
      `${blue!.id}/up0[192.0.2.2/30] - host/vx${k.tag}[192.0.2.1/30]`,
    ]));
    expect(draft.names[red!.id]).toBe(k.red);
  });

  it('turns them into a lab whose plan only sets marks; after apply the plan is empty, and nothing else changed', async () => {
    const k = await handMade(uniqueLab('ad'));
    const draft = await adoptFromKernel({ lab: `a${k.tag}`, only: [k.red, k.blue, k.br] });
    expect(draft.problems).toEqual([]);
    expect(draft.topology.nodes.map((n) => n.id).sort()).toEqual([k.br, k.blue, k.red].sort());
    home = mkdtempSync(join(tmpdir(), 'nslab-adopt-'));
    labs = createLabsService({ home });
    labs.create(draft.topology);
    const before = await labs.plan(draft.topology.name);
    expect(before.conflicts).toEqual([]);
    expect(before.summary).toEqual({ add: 0, change: before.changes.length, destroy: 0 });
    expect(before.changes.every((c) => c.action === 'update')).toBe(true);
    // Every detail is a mark: lo's for the namespaces, the alias of the bridge and of each veth end.
    const details = before.changes.flatMap((c) => c.details ?? []);
    expect(details.length).toBeGreaterThan(0);
    for (const d of details) expect(d).toMatch(/mark: \(none\) -> nslab:/);
    expect(before.changes.map((c) => c.resource).sort()).toEqual(['bridge', 'namespace', 'namespace', 'veth', 'veth', 'veth']);
    for (const s of before.steps) expect(s.op.type).toBe('link.set');
    for (const s of before.steps) expect(Object.keys(s.op).sort()).toEqual(expect.arrayContaining(['mark']));

    const routeBefore = (await sh('ip', '-n', k.blue, 'route')).stdout;
    // Taking hand-made objects over needs the user's confirmation; the plan lists them.
    expect(before.takeovers).toEqual(expect.arrayContaining([`namespace ${k.blue}`, `namespace ${k.red}`, `interface ${k.br} in this machine's own namespace`]));
    expect(before.takeovers).toHaveLength(before.steps.length);
    await expect(labs.apply(draft.topology.name)).rejects.toMatchObject({ code: 'confirm' });
    expect((await sh('ip', '-n', k.red, '-j', 'link', 'show', 'lo')).stdout).not.toContain('nslab:');
    const res = await labs.apply(draft.topology.name, { adopt: true });
    expect(res.ok, JSON.stringify(res.error)).toBe(true);
    const after = await labs.plan(draft.topology.name);
    expect(after.changes).toEqual([]);
    expect((await sh('ip', '-n', k.blue, 'route')).stdout).toBe(routeBefore);
    expect((await sh('ip', '-n', k.red, '-j', 'link', 'show', 'lo')).stdout).toContain(`nslab:a${k.tag}:ns:`);
    // The adopted objects are the lab's now: a second scan no longer offers them.
    const again = await adoptFromKernel();
    expect(Object.values(again.names)).not.toContain(k.red);
    expect(Object.values(again.names)).not.toContain(k.br);
    // And destroying the lab removes them, namespaces with names of their own included.
    const gone = await labs.destroy(draft.topology.name);
    expect(gone.ok, JSON.stringify(gone.error)).toBe(true);
    expect(await listNetns()).not.toEqual(expect.arrayContaining([k.red]));
    expect(await listNetns()).not.toEqual(expect.arrayContaining([k.blue]));
    expect((await sh('ip', 'link', 'show', k.br)).exitCode).not.toBe(0);
  });
});
