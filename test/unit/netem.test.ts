// Impaired links (lib/netem.ts): bad input refused naming the field, the values in the kernel's
// units and back, the tc commands, in-place updates in the plan, drift, the exports' round trip,
// and the rtnetlink decoding of a netem qdisc into what `tc -j qdisc show` prints.
import { describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import { nodeDrift } from '@/lib/drift';
import { toDrawio } from '@/lib/export/drawio';
import { toMermaid } from '@/lib/export/mermaid';
import { toScript } from '@/lib/export/script';
import { toSvg } from '@/lib/export/svg';
import { fromText, toJson, toYaml } from '@/lib/export/topology-file';
import type { KernelState } from '@/lib/kernel-state';
import { linkNetemLabel, netemArgs, netemFromTc, netemLabel, sameNetem, toKNetem, type KNetem } from '@/lib/netem';
import { argvOf, commandsFor } from '@/lib/ops';
import { opSchema } from '@/lib/ops-schema';
import { plan } from '@/lib/plan';
import { renderPlan } from '@/lib/plan-text';
import { checkTopology, type Problem } from '@/lib/validate';
import { decodeNetemOptions, decodeQdisc } from '@/server/kernel/read/netlink';
import { netemsFrom } from '@/server/kernel/read/tc';
import { run } from './kernel-sim';

/** A and B on one cable, with an isolated host. */
function lab(netem?: Record<string, unknown>, a?: Record<string, unknown>): Record<string, any> {
  return {
    name: 'imp',
    host: { netns: 'imp-H' },
    nodes: [
      { id: 'A', kind: 'namespace' },
      { id: 'B', kind: 'namespace' },
    ],
    links: [{ a: { node: 'A', iface: 'eth0', addresses: ['10.9.0.1/24'], ...(a ? { netem: a } : {}) }, b: { node: 'B', iface: 'eth0', addresses: ['10.9.0.2/24'] }, ...(netem ? { netem } : {}) }],
  };
}

const problemsOf = (v: unknown): Problem[] => {
  const r = checkTopology(v);
  return r.ok ? [] : r.problems;
};

type Row = [what: string, netem: Record<string, unknown>, path: string, says: string];
const bad: Row[] = [
  ['a time in parsecs', { delay: '50 parsecs' }, 'links[0].netem.delay', '"50 parsecs" is not a time like 50ms'],
  ['a time without unit', { delay: '50' }, 'links[0].netem.delay', 'is not a time like 50ms'],
  ['a number for a time', { delay: 50 }, 'links[0].netem.delay', 'write a string like 50ms'],
  ['a negative time', { delay: '-5ms' }, 'links[0].netem.delay', 'is not a time'],
  ['a delay above 60s', { delay: '61s' }, 'links[0].netem.delay', 'at most 60s'],
  ['a time finer than a microsecond', { delay: '0.5us' }, 'links[0].netem.delay', 'whole microseconds'],
  ['jitter without delay', { jitter: '5ms' }, 'links[0].netem.jitter', 'jitter needs a delay'],
  ['a jitter that is not a time', { delay: '5ms', jitter: 'lots' }, 'links[0].netem.jitter', 'is not a time'],
  ['loss above 100%', { loss: '150%' }, 'links[0].netem.loss', 'is not between 0% and 100%'],
  ['loss without %', { loss: '1' }, 'links[0].netem.loss', 'is not a percentage like 1%'],
  ['loss as a number', { loss: 1 }, 'links[0].netem.loss', 'write a string like 1%'],
  ['a negative duplicate', { duplicate: '-1%' }, 'links[0].netem.duplicate', 'is not a percentage'],
  ['corrupt above 100%', { corrupt: '100.5%' }, 'links[0].netem.corrupt', 'between 0% and 100%'],
  ['a rate in furlongs', { rate: '10 furlongs' }, 'links[0].netem.rate', 'is not a rate like 10mbit'],
  ['a rate of bytes (tc would read bps as bytes)', { rate: '10mbps' }, 'links[0].netem.rate', 'is not a rate like 10mbit'],
  ['a rate below one byte a second', { rate: '4bit' }, 'links[0].netem.rate', 'below 8bit'],
  ['a rate above 100gbit', { rate: '200gbit' }, 'links[0].netem.rate', 'above 100gbit'],
  ['an unknown netem key', { reorder: '5%' }, 'links[0].netem', 'unknown key "reorder"'],
];

describe('netem: bad input is refused before any kernel change, naming the field', () => {
  it('the lab with a netem of every field is sound', () => {
    expect(problemsOf(lab({ delay: '50ms', jitter: '10ms', loss: '1%', duplicate: '0.5%', corrupt: '0.1%', rate: '10mbit' }))).toEqual([]);
    expect(problemsOf(lab(undefined, {}))).toEqual([]);
  });
  it.each(bad)('%s', (_what, netem, path, says) => {
    for (const [where, t, p] of [['link', lab(netem), path], ['endpoint', lab(undefined, netem), path.replace('links[0].netem', 'links[0].a.netem')]] as const) {
      const problems = problemsOf(t);
      expect(problems.map((x) => x.path), `${where}: ${JSON.stringify(problems)}`).toContain(p);
      expect(problems.find((x) => x.path === p)!.message).toContain(says);
    }
  });
  it('a file with a bad netem names the field and its line of YAML reads as the schema says', () => {
    const r = fromText('name: imp\nnodes: [{id: A, kind: namespace}, {id: B, kind: namespace}]\nlinks:\n  - a: {node: A, iface: eth0}\n    b: {node: B, iface: eth0}\n    netem: {delay: 50 parsecs}\n');
    expect(r.ok ? [] : r.problems).toEqual([{ path: 'links[0].netem.delay', message: '"50 parsecs" is not a time like 50ms (units: us, ms, s)' }]);
  });
});

describe('netem values', () => {
  const k = (p: Partial<KNetem>): KNetem => ({ delay: 0, jitter: 0, loss: 0, duplicate: 0, corrupt: 0, rate: 0, ...p });
  it('are read in the kernel’s units and written back as tc takes them', () => {
    const v = toKNetem({ delay: '1.5ms', jitter: '200us', loss: '0.25%', duplicate: '1%', corrupt: '0.1%', rate: '10mbit' });
    expect(v).toEqual({ delay: 1500, jitter: 200, loss: 0.25, duplicate: 1, corrupt: 0.1, rate: 1_250_000 });
    expect(netemArgs(v)).toEqual(['delay', '1500us', '200us', 'loss', '0.25%', 'duplicate', '1%', 'corrupt', '0.1%', 'rate', '10mbit']);
    expect(netemArgs(k({ delay: 2_000_000, rate: 125 }))).toEqual(['delay', '2s', 'rate', '1kbit']);
    // replacing a netem: corrupt and rate are given as 0, or the kernel keeps the old ones
    expect(netemArgs(k({ delay: 10_000 }), true)).toEqual(['delay', '10ms', 'corrupt', '0%', 'rate', '0bit']);
  });
  it('are drawn on the edge in a few words', () => {
    expect(netemLabel(k({ delay: 50_000, loss: 1 }))).toBe('50 ms · 1 %');
    expect(netemLabel(k({ delay: 10_000, jitter: 2500, duplicate: 0.5, corrupt: 0.1, rate: 1_250_000 }))).toBe('10 ms ±2.5 ms · dup 0.5 % · corrupt 0.1 % · 10 Mbit/s');
    expect(linkNetemLabel(k({ delay: 50_000 }), k({ delay: 50_000 }))).toBe('50 ms');
    expect(linkNetemLabel(k({ delay: 50_000 }), null)).toBe('a: 50 ms | b: none');
  });
  it('match what tc reads back, within its rounding (64 ns ticks, 6 digits)', () => {
    const set = toKNetem({ delay: '1500us', loss: '33.33333%' });
    const back = netemFromTc({ limit: 1000, delay: { delay: 0.001499, jitter: 0, correlation: 0 }, 'loss-random': { loss: 0.333333, correlation: 0 }, ecn: false, gap: 0 });
    expect(sameNetem(set, back)).toBe(true);
    expect(sameNetem(set, { ...back, delay: 1400 })).toBe(false);
    expect(sameNetem(set, { ...back, rate: 1 })).toBe(false);
    expect(sameNetem(null, back)).toBe(false);
    expect(sameNetem(null, undefined)).toBe(true);
  });
});

describe('netem: compile, plan, drift', () => {
  const compiled = (t: Record<string, any>) => {
    const r = checkTopology(t);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return compile(r.topology);
  };
  const applied = (t: Record<string, any>): KernelState => {
    const c = compiled(t);
    return run({ namespaces: {} }, plan('imp', c.desired, { namespaces: {} }).steps.map((s) => s.op));
  };

  it('a link’s netem goes on both ends; an endpoint’s replaces it on that end ({} clears it)', () => {
    const both = compiled(lab({ delay: '50ms' })).desired.namespaces;
    expect(both['imp-A']!.links.eth0!.netem?.delay).toBe(50_000);
    expect(both['imp-B']!.links.eth0!.netem?.delay).toBe(50_000);
    const one = compiled(lab({ delay: '50ms' }, { loss: '1%' })).desired.namespaces;
    expect(one['imp-A']!.links.eth0!.netem).toMatchObject({ delay: 0, loss: 1 });
    expect(one['imp-B']!.links.eth0!.netem?.delay).toBe(50_000);
    expect(compiled(lab({ delay: '50ms' }, {})).desired.namespaces['imp-A']!.links.eth0!.netem).toBeUndefined();
  });

  it('creating it: tc commands after the link is up; changing it: ~ update in place; removing it: the qdisc goes', () => {
    const created = plan('imp', compiled(lab({ delay: '50ms' })).desired, { namespaces: {} });
    const tc = created.steps.flatMap((s) => commandsFor(s.op)).filter((c) => c.tool === 'tc').map((c) => argvOf(c).join(' '));
    expect(tc).toEqual(['tc -n imp-A qdisc replace dev eth0 root netem delay 50ms', 'tc -n imp-B qdisc replace dev eth0 root netem delay 50ms']);

    const kernel = applied(lab({ delay: '50ms' }));
    expect(plan('imp', compiled(lab({ delay: '50ms' })).desired, kernel).steps).toEqual([]);
    const change = plan('imp', compiled(lab({ delay: '10ms' })).desired, kernel);
    expect(change.changes.map((c) => c.action)).toEqual(['update']);
    expect(change.steps.map((s) => s.op.type)).toEqual(['netem.set', 'netem.set']);
    expect(renderPlan(change)).toContain('~ veth imp-B/eth0 <-> imp-A/eth0  (update)');
    expect(renderPlan(change)).toContain('imp-A/eth0 netem: delay 50ms -> delay 10ms');
    const onA = change.steps.find((s) => s.op.ns === 'imp-A')!;
    expect(argvOf(commandsFor(onA.op)[0]!).join(' ')).toBe('tc -n imp-A qdisc replace dev eth0 root netem delay 10ms corrupt 0% rate 0bit');
    expect(onA.undo).toEqual([{ type: 'netem.set', ns: 'imp-A', dev: 'eth0', netem: kernel.namespaces['imp-A']!.links.eth0!.netem, reset: true }]);

    const removed = plan('imp', compiled(lab()).desired, kernel);
    expect(removed.changes.map((c) => c.action)).toEqual(['update']);
    expect(removed.steps.map((s) => argvOf(commandsFor(s.op)[0]!).join(' ')).sort()).toEqual(['tc -n imp-A qdisc del dev eth0 root', 'tc -n imp-B qdisc del dev eth0 root']);
    // every op a plan holds is one the journal can read back
    for (const s of [...change.steps, ...removed.steps]) for (const op of [s.op, ...s.undo]) expect(opSchema.safeParse(op).success).toBe(true);
  });

  it('a hand-made netem on a lab’s link is drift, told on its node', () => {
    const t = lab();
    const c = compiled(t);
    const kernel = applied(t);
    kernel.namespaces['imp-B']!.links.eth0!.netem = toKNetem({ loss: '5%' });
    const drift = nodeDrift(checkTopology(t).ok ? (checkTopology(t) as { topology: any }).topology : t, c, kernel);
    expect(drift.B).toEqual(['eth0 has a netem the lab does not set (loss 5%)']);
    expect(drift.A).toEqual([]);
  });
});

describe('netem: exports', () => {
  const t = lab({ delay: '50ms', jitter: '5ms' }, { loss: '1%', rate: '10mbit' });
  it('YAML and JSON keep it, and read back to the same lab', () => {
    const parsed = checkTopology(t);
    if (!parsed.ok) throw new Error('invalid');
    for (const text of [toYaml(parsed.topology), toJson(parsed.topology)]) {
      const back = fromText(text);
      expect(back.ok && back.topology.links[0]).toEqual(parsed.topology.links[0]);
    }
    expect(toYaml(parsed.topology)).toContain('netem: { delay: 50ms, jitter: 5ms }');
  });
  it('the script sets it with tc, in a section of its own', () => {
    const parsed = checkTopology(t);
    if (!parsed.ok) throw new Error('invalid');
    const script = toScript(parsed.topology);
    expect(script).toMatch(/# \d+\. Impaired links: netem/);
    expect(script).toContain('tc -n imp-A qdisc replace dev eth0 root netem loss 1% rate 10mbit');
    expect(script).toContain('tc -n imp-B qdisc replace dev eth0 root netem delay 50ms 5ms');
  });
  it('the diagrams say it on the link', () => {
    const parsed = checkTopology(t);
    if (!parsed.ok) throw new Error('invalid');
    for (const text of [toMermaid(parsed.topology), toDrawio(parsed.topology), toSvg(parsed.topology)]) expect(text).toContain('a: 1 % · 10 Mbit/s | b: 50 ms ±5 ms');
  });
});

describe('netem read back by rtnetlink, in the shape tc -j qdisc show prints', () => {
  const u32 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(4); b.writeUInt32LE(x >>> 0); return b; }));
  const attr = (type: number, payload: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + payload.length, 0);
    head.writeUInt16LE(type, 2);
    const pad = Buffer.alloc((4 - (payload.length % 4)) % 4);
    return Buffer.concat([head, payload, pad]);
  };
  // delay 1500us 10us, loss 1%, duplicate 100%, corrupt 0.1%, rate 10mbit, as the kernel dumps them
  const pct = (p: number) => Math.round((p / 100) * 0xffffffff);
  const qopt = u32(Math.floor(1500 * 15.625), 1000, pct(1), 0, pct(100), Math.floor(10 * 15.625));
  const options = Buffer.concat([qopt, attr(1, u32(0, 0, 0)), attr(4, u32(pct(0.1), 0)), attr(6, u32(1_250_000, 0, 0, 0))]);

  it('decodes the options as tc prints them', () => {
    expect(decodeNetemOptions(options)).toEqual({
      limit: 1000,
      delay: { delay: 0.001499, jitter: 9e-6, correlation: 0 },
      'loss-random': { loss: 0.01, correlation: 0 },
      duplicate: { duplicate: 1, correlation: 0 },
      corrupt: { corrupt: 0.001, correlation: 0 },
      rate: { rate: 1_250_000, packetoverhead: 0, cellsize: 0, celloverhead: 0 },
      ecn: false,
      gap: 0,
    });
  });
  it('a qdisc message becomes the root netem of its interface, as set', () => {
    const tcmsg = Buffer.concat([Buffer.from([0, 0, 0, 0]), u32(7, 0x80010000, 0xffffffff, 2)]);
    const msg = Buffer.concat([tcmsg, attr(1, Buffer.from('netem\0')), attr(2, options)]);
    const q = decodeQdisc(msg, new Map([[7, 'eth0']]));
    expect(q).toMatchObject({ kind: 'netem', handle: '8001:', dev: 'eth0', root: true, refcnt: 2 });
    const got = netemsFrom('test', [q]).get('eth0');
    expect(sameNetem(toKNetem({ delay: '1500us', jitter: '10us', loss: '1%', duplicate: '100%', corrupt: '0.1%', rate: '10mbit' }), got), JSON.stringify(got)).toBe(true);
  });
  it('a short message or odd options are an error naming the read, never a guess', () => {
    expect(() => decodeNetemOptions(Buffer.alloc(10))).toThrow(/shorter than its header/);
    expect(() => netemsFrom('tc -j qdisc show', [{ kind: 'netem', handle: '8001:', dev: 'eth0', root: true, options: { delay: { delay: 'soon' } } }])).toThrow(/tc -j qdisc show.*netem options of eth0/);
  });
});
