// Shapes and auto-addressing on the real kernel (inside scripts/sandbox, isolated hosts only),
// with the real `nslab` command:
// - acceptance 4: every shape of size 6, routed and layer 2, written by `nslab new`, applies, and
//   `nslab reach` is full (every node, the host too, answers on every address from every other);
//   destroy leaves nothing. The shapes that exist only routed, and --size 2000, are refused with
//   one clear sentence.
// - `nslab addr`: a lab with its addresses taken away gets them back (shown first, saved with
//   --save, nothing saved without it), and is then fully reachable.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReachMatrix } from '@/server/checks/reach';
import { netnsList, nslabIn, rootSnapshot, sh, tempHome, type Run } from './cli-helpers';

const home = tempHome();
const nslab = nslabIn(home);
const dir = mkdtempSync(join(home, 'files-'));
const tag = `s${process.pid.toString(36)}`;
const made: string[] = [];

/** Every namespace of a lab: its nodes' and its isolated host's. */
const namespacesOf = (lab: string) => netnsList().filter((n) => n.startsWith(`${lab}-`));

function expectFull(m: ReachMatrix, count: number, what: string) {
  expect(m.missing, what).toEqual([]);
  expect(m.nodes.length, what).toBe(count);
  for (const n of m.nodes) expect(m.addresses[n]?.length, `${what}: ${n} has an address`).toBeGreaterThan(0);
  const bad = m.cells.filter((c) => c.missed.length || !c.reached.length).map((c) => `${c.from}->${c.to} missed ${c.missed.join(' ')}`);
  expect(bad, what).toEqual([]);
  expect(m.cells.length, what).toBe(count * (count - 1));
}

const ok = (r: Run, what: string) => expect(r.exitCode, `${what}: ${r.stderr}`).toBe(0);

async function reach(lab: string): Promise<ReachMatrix> {
  const r = await nslab('reach', lab, '--json');
  ok(r, `reach ${lab}`);
  return JSON.parse(r.stdout) as ReachMatrix;
}

describe('nslab new: every shape of size 6 applies and is fully reachable', () => {
  let before = '';
  beforeAll(async () => {
    before = await rootSnapshot();
  });
  afterAll(async () => {
    for (const lab of made) {
      await nslab('destroy', lab);
      for (const ns of namespacesOf(lab)) await sh('ip', 'netns', 'del', ns);
    }
    rmSync(home, { recursive: true, force: true });
  });

  const cases = [
    ['line', false], ['line', true], ['star', false], ['star', true], ['tree', false], ['tree', true], ['ring', true], ['mesh', true],
  ] as const;

  it('applies each, reach is full, destroy leaves nothing', async () => {
    const one = async ([shape, routed]: (typeof cases)[number]) => {
      const lab = `${tag}-${shape}-${routed ? 'r' : 'l2'}`;
      made.push(lab);
      const file = join(dir, `${lab}.yaml`);
      ok(await nslab('new', '--shape', shape, '--size', '6', ...(routed ? ['--routed'] : []), '--name', lab, '-o', file), `new ${lab}`);
      const t = parse(readFileSync(file, 'utf8')) as { nodes: { kind: string }[] };
      const namespaces = t.nodes.filter((n) => n.kind === 'namespace').length;
      expect(namespaces).toBe(shape === 'star' && routed ? 7 : 6);
      ok(await nslab('apply', '-q', file), `apply ${lab}`);
      expectFull(await reach(lab), namespaces + 1, lab);
      const plan = await nslab('plan', file, '--detailed-exitcode');
      expect(plan.exitCode, `${lab} converged: ${plan.stdout}`).toBe(0);
      ok(await nslab('destroy', lab), `destroy ${lab}`);
      expect(namespacesOf(lab), lab).toEqual([]);
    };
    // three labs at a time: each has its own isolated host
    const queue = [...cases];
    await Promise.all([0, 1, 2].map(async () => {
      for (let c = queue.shift(); c; c = queue.shift()) await one(c);
    }));
    expect(await rootSnapshot()).toBe(before);
  }, 600_000);

  // (every refusal's words are swept in test/unit/shapes.test.ts; here: the command says them)
  it('refuses what it cannot make, in one sentence, and writes nothing', async () => {
    const file = join(dir, 'refused.yaml');
    const refused = [
      [['--shape', 'ring', '--size', '2000', '--routed'], /size 2000 is too big for a routed ring: it makes 2000 nodes, over the limit of 1024 nodes.*use size 1024 or less/],
      [['--shape', 'ring', '--size', '6'], /a ring of bridges is a layer-2 loop.*--routed/],
      [['--shape', 'line', '--size', 'six'], /--size: "six" is not a whole number/],
      [['--shape', 'line', '--size', '6', '--pool', '10.0.0.1/8'], /pool 10\.0\.0\.1\/8 has host bits set; did you mean 10\.0\.0\.0\/8\?/],
    ] as const;
    for (const [args, message] of refused) {
      const r = await nslab('new', ...args, '-o', file);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(() => readFileSync(file), args.join(' ')).toThrow();
    }
  });

  it('nslab addr fills the missing addresses of a saved lab, shown first and saved with --save', async () => {
    const lab = `${tag}-addr`;
    made.push(lab);
    const file = join(dir, `${lab}.yaml`);
    ok(await nslab('new', '--shape', 'tree', '--size', '6', '--name', lab, '-o', file), 'new');
    // keep the host's address (and so the segment's subnet); take away the namespaces'
    const t = parse(readFileSync(file, 'utf8')) as { links: { a: { node: string; addresses?: string[] }; b: { node: string; addresses?: string[] } }[] };
    const kept = new Set<string>();
    for (const l of t.links) {
      for (const e of [l.a, l.b]) {
        if (!e.addresses) continue;
        if (e.node === 'host') kept.add(e.addresses[0]!);
        else delete e.addresses;
      }
    }
    expect([...kept]).toEqual(['10.0.0.1/24']);
    const stripped = join(dir, `${lab}-stripped.yaml`);
    writeFileSync(stripped, stringify(t));
    ok(await nslab('apply', '-q', stripped), 'apply stripped');
    const rev = (JSON.parse((await nslab('status', '--json')).stdout) as { name: string; rev: number }[]).find((l) => l.name === lab)!.rev;

    const shown = await nslab('addr', lab);
    ok(shown, 'addr');
    expect(shown.stdout).toMatch(/Nothing saved/);
    const lines = shown.stdout.split('\n').filter((l) => l.startsWith('  + '));
    expect(lines.map((l) => l.replace(/ +/g, ' ').trim())).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => `+ n${i} eth0 10.0.0.${i + 1}/24 bridge "s1" (its subnet) links[${5 + i}].a.addresses`),
    );
    expect(shown.stdout).not.toContain('10.0.0.1/24');
    const again = (JSON.parse((await nslab('status', '--json')).stdout) as { name: string; rev: number }[]).find((l) => l.name === lab)!.rev;
    expect(again).toBe(rev);

    ok(await nslab('addr', lab, '--save'), 'addr --save');
    const exported = join(dir, `${lab}-saved.yaml`);
    ok(await nslab('export', lab, '-f', 'yaml', '-o', exported), 'export');
    ok(await nslab('apply', '-q', exported), 'apply saved');
    expectFull(await reach(lab), 7, lab);
    ok(await nslab('destroy', lab), 'destroy');
    expect(namespacesOf(lab)).toEqual([]);
  }, 300_000);
});
