// npm run bench: nslab's apply and destroy of N namespaces on one bridge, beside a plain shell
// script that does the same the tutorial's way (one `ip`/`ip netns exec` process per step).
// Runs inside scripts/sandbox; prints how long validating big labs takes, then a table with the
// ratio plain/nslab.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Topology } from '@/lib/topology';
import { checkTopology } from '@/lib/validate';
import { createLabsService } from '@/server/labs/service';
import { bridgedLab, linkedLab } from '@/test/scale-labs';

if (process.env.NSLAB_SANDBOX !== '1') {
  console.error('bench: run it in the sandbox: npm run bench');
  process.exit(1);
}

function lab(n: number): Topology {
  const nodes: Topology['nodes'] = [{ id: 'br0', kind: 'bridge', addresses: ['10.0.0.1/16'] }];
  const links: Topology['links'] = [];
  for (let i = 1; i <= n; i++) {
    const ip = `10.0.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}/16`;
    nodes.push({ id: `n${i}`, kind: 'namespace', routes: [{ to: 'default', via: '10.0.0.1' }] });
    links.push({ a: { node: `n${i}`, iface: 'eth0', addresses: [ip] }, b: { node: 'br0', iface: `v${i}` } });
  }
  return { name: `bench${n}`, host: { netns: 'benchhost' }, nodes, links };
}

function plainScript(n: number): { up: string; down: string } {
  const up = ['set -e', 'ip netns add plainhost', 'ip -n plainhost link set lo up', 'ip -n plainhost link add br0 type bridge', 'ip -n plainhost addr add 10.0.0.1/16 dev br0', 'ip -n plainhost link set br0 up'];
  const down = [];
  for (let i = 1; i <= n; i++) {
    const ns = `plain-n${i}`;
    const ip = `10.0.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}/16`;
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
  return { up: up.join('\n') + '\n', down: down.join('\n') + '\n' };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Validation of big labs (issue 8: linear, a 5,000-node lab in well under 100 ms). */
function benchValidate(): void {
  for (const [what, t] of [['5000 nodes', bridgedLab(5000)], ['4000 links', linkedLab(4000)]] as const) {
    let start = performance.now();
    if (!checkTopology(t).ok) throw new Error(`bench: the generated ${what} lab is not sound`);
    const first = performance.now() - start;
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      start = performance.now();
      checkTopology(t);
      best = Math.min(best, performance.now() - start);
    }
    console.log(`validate ${what}: ${first.toFixed(0)} ms the first time, ${best.toFixed(0)} ms at best of 5`);
  }
}
benchValidate();

const home = mkdtempSync(join(tmpdir(), 'nslab-bench-'));
const labs = createLabsService({ home });
const rows: string[] = [];
try {
  for (const n of [50, 200]) {
    const t = lab(n);
    labs.create(t);
    const apply = await time(async () => {
      const r = await labs.apply(t.name);
      if (!r.ok) throw new Error(r.error?.message);
    });
    const destroy = await time(async () => {
      const r = await labs.destroy(t.name);
      if (!r.ok) throw new Error(r.error?.message);
    });
    await labs.remove(t.name);

    const script = plainScript(n);
    const dir = mkdtempSync(join(tmpdir(), 'nslab-plain-'));
    writeFileSync(join(dir, 'up.sh'), script.up);
    writeFileSync(join(dir, 'down.sh'), script.down);
    const plainUp = await time(() => execa('sh', [join(dir, 'up.sh')]));
    const plainDown = await time(() => execa('sh', [join(dir, 'down.sh')]));
    rmSync(dir, { recursive: true });

    rows.push(
      `${String(n).padStart(4)} namespaces   apply: nslab ${apply.toFixed(2)} s, plain script ${plainUp.toFixed(2)} s, ratio plain/nslab ${(plainUp / apply).toFixed(2)}` +
        `   destroy: nslab ${destroy.toFixed(2)} s, plain script ${plainDown.toFixed(2)} s, ratio ${(plainDown / destroy).toFixed(2)}`,
    );
    console.log(rows[rows.length - 1]);
  }
  console.log(
    'nslab times include reading the kernel first (one process per namespace, to plan and to check that every\n' +
      'object it deletes is its own); the plain script trusts that it made everything and reads nothing.',
  );
} finally {
  await labs.close();
  rmSync(home, { recursive: true, force: true });
}
