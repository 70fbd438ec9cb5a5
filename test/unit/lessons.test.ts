// Lesson files and checks: the shape and meaning of a lesson (every problem names its field),
// merging a step into a lab, the commands of a step (from the plan), and the verdicts of checks
// over real kernel outputs (test/fixtures/kernel/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { checkSchema, CHECK_KINDS, checkTitle, parseCheck, toCheck } from '@/lib/checks';
import { compile } from '@/lib/compile';
import { checkLesson, mergeChange, parseLessonText, stepCommands, topologyAt } from '@/lib/lessons';
import type { Topology } from '@/lib/topology';
import { assertTopology, formatProblem, parseTopologyText } from '@/lib/validate';
import { answerLab, compare } from '@/server/checks/against';
import { cellOf, parsePingAll, type ReachMatrix } from '@/server/checks/reach';
import { addrVerdict, forwardingVerdict, kernelDestination, linkVerdict, masqueradePackets, neighVerdict, routeVerdict } from '@/server/checks/verdicts';

const ROOT = new URL('../..', import.meta.url).pathname;
const LESSON = readFileSync(join(ROOT, 'lessons/namespaces-101/lesson.yaml'), 'utf8');
const fixture = (name: string) => readFileSync(join(ROOT, 'test/fixtures/kernel', name), 'utf8');

function lessonDoc(): Record<string, any> {
  return parse(LESSON) as Record<string, any>;
}

function problemsOf(doc: unknown): string[] {
  const r = checkLesson(doc);
  return r.ok ? [] : r.problems.map(formatProblem);
}

describe('checks: the vocabulary', () => {
  const good: Record<string, unknown>[] = [
    { reach: { from: 'A', to: 'B' } },
    { reach: { from: 'A', to: '10.0.0.3' } },
    { 'no-reach': { from: 'A', to: '203.0.113.2' } },
    { route: { node: 'A', to: 'default', via: '10.0.0.1' } },
    { route: { node: 'A', to: '10.1.0.0/24', dev: 'eth0' } },
    { neigh: { node: 'A', address: '10.0.0.1' } },
    { link: { node: 'A', iface: 'eth0' } },
    { addr: { node: 'A', iface: 'eth0', address: '10.0.0.2/24' } },
    { forwarding: {} },
    { 'nat-used': { from: 'A', to: 'remote' } },
    { 'nat-used': { node: 'R' } },
    { exists: { node: 'A' } },
    { exists: { node: 'host', iface: 'br0' } },
  ];

  it('parses one check of every kind, with defaults', () => {
    const kinds = good.map((g) => parseCheck(g).kind);
    expect(new Set(kinds)).toEqual(new Set(CHECK_KINDS));
    expect(parseCheck({ link: { node: 'A', iface: 'eth0' } })).toEqual({ kind: 'link', node: 'A', iface: 'eth0', state: 'UP' });
    expect(parseCheck({ forwarding: {} })).toEqual({ kind: 'forwarding', node: 'host', enabled: true });
    for (const g of good) expect(checkTitle(parseCheck(g)).length).toBeGreaterThan(5);
  });

  const bad: [unknown, string, string][] = [
    [{ pnig: { from: 'A', to: 'B' } }, '', 'unknown check "pnig"; a check is one of reach, no-reach'],
    [{}, '', 'a check needs one of reach'],
    [{ reach: { from: 'A', to: 'B' }, exists: { node: 'A' } }, '', 'exactly one kind; this one has reach and exists'],
    [{ reach: { from: 'A' } }, 'reach.to', 'target must be a node id or an IPv4 address'],
    [{ reach: { from: 'A', to: '10.0.0.300' } }, 'reach.to', 'is neither a node id nor an IPv4 address'],
    [{ route: { node: 'A', to: 'nowhere' } }, 'route.to', 'must be "default" or a prefix'],
    [{ route: { node: 'A', to: 'default', via: '010.0.0.1' } }, 'route.via', 'is not an IPv4 address'],
    [{ link: { node: 'A', iface: 'eth0', state: 'up' } }, 'link.state', 'state must be UP or DOWN'],
    [{ addr: { node: 'A', iface: 'eth0', address: '10.0.0.2' } }, 'addr.address', 'is not an IPv4 address with prefix'],
    [{ 'nat-used': { from: 'A' } }, 'nat-used', 'give both from and to'],
    [{ exists: { node: 'A', colour: 'red' } }, 'exists', '"colour"'],
    ['reach A B', '', 'a check must be a mapping'],
  ];
  it.each(bad)('refuses %j, naming the field', (value, path, fragment) => {
    const r = checkSchema.safeParse(value);
    expect(r.success).toBe(false);
    const issues = r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    expect(issues.some((i) => i.path === path && i.message.includes(fragment)), JSON.stringify(issues)).toBe(true);
  });
});

describe('lesson files', () => {
  it('namespaces-101 is valid and ends as examples/seed.yaml (the same kernel state)', () => {
    const r = parseLessonText(LESSON, 'lesson.yaml', 'namespaces-101');
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([]);
    if (!r.ok) return;
    const seed = parseTopologyText(readFileSync(join(ROOT, 'examples/seed.yaml'), 'utf8'));
    if (!seed.ok) throw new Error('seed.yaml');
    const end = topologyAt(r.lesson, r.lesson.steps.length, 'seed', 'H');
    expect(compile(assertTopology(end)).desired).toEqual(compile({ ...seed.topology, host: { ...seed.topology.host, netns: 'H' } }).desired);
    // every step has checks and an explanation in its own words
    for (const s of r.lesson.steps) {
      expect(s.checks.length).toBeGreaterThan(0);
      expect(s.explanation.length).toBeGreaterThan(200);
    }
  });

  it('every step changes the kernel, and its commands come from the plan', () => {
    const r = parseLessonText(LESSON);
    if (!r.ok) throw new Error('lesson');
    const all: string[] = [];
    r.lesson.steps.forEach((_, i) => {
      const cmds = stepCommands(r.lesson, i + 1, 'seed', 'H');
      expect(cmds.length, `step ${i + 1}`).toBeGreaterThan(0);
      all.push(...cmds);
    });
    expect(all).toContain('ip -n seed-A addr add 10.0.0.2/24 dev eth0');
    expect(all).toContain('ip -n H addr add 10.0.0.1/24 dev br0');
    expect(all).toContain('ip -n seed-A route replace default via 10.0.0.1');
    expect(all).toContain('ip netns exec H sysctl -w net.ipv4.ip_forward=1');
    expect(all.some((c) => c.startsWith("ip netns exec H nft -f - <<'EOF'\n") && c.includes('ip saddr 10.0.0.0/24 oifname "to-remote" counter masquerade'))).toBe(true);
    // the machine's own namespace as the host: the same commands without -n H
    expect(stepCommands(r.lesson, 5, 'seed')).toEqual(['ip addr add 10.0.0.1/24 dev br0']);
    // the lesson file itself holds no command
    expect(LESSON).not.toMatch(/^\s*(ip|nft|sysctl) /m);
  });

  const rows: [string, (d: Record<string, any>) => void, string][] = [
    ['a check names a node the lab does not have yet', (d) => (d.steps[0].checks[0] = { reach: { from: 'remote', to: 'A' } }), 'steps[0].checks[0].reach.from: node "remote" is not in the lab at this step'],
    ['a check names an unknown target node', (d) => (d.steps[3].checks[3] = { reach: { from: 'A', to: 'D' } }), 'steps[3].checks[3].reach.to: node "D" is not in the lab at this step'],
    ['a new node without a kind', (d) => (d.steps[0].change.nodes[0] = { id: 'A' }), 'steps[0].change.nodes[0].kind: node "A" is new here'],
    ['a step makes the lab invalid', (d) => (d.steps[5].change.nodes[0].routes[0].via = '10.9.9.9'), 'steps[5].change: the lab after this step is not valid: nodes[0].routes[0].via'],
    ['an unknown check kind', (d) => (d.steps[1].checks[0] = { ping: { from: 'A', to: 'B' } }), 'steps[1].checks[0]: unknown key "ping"; a check is one of reach, no-reach, route'],
    ['a bad field in a check', (d) => (d.steps[3].checks[0].addr.address = '10.0.0.2'), 'steps[3].checks[0].addr.address:'],
    ['a step without an explanation', (d) => delete d.steps[2].explanation, 'steps[2].explanation: a step needs an explanation'],
    ['an unknown key in a change', (d) => (d.steps[2].change.commands = ['ip link add']), 'steps[2].change: unknown key "commands"'],
    ['the host namespace set by the lesson', (d) => (d.steps[7].change.host.netns = 'H'), 'steps[7].change.host: unknown key "netns"'],
    ['no steps', (d) => (d.steps = []), 'steps: a lesson needs at least one step'],
    ['a bad id', (d) => (d.id = 'Namespaces 101'), 'id: lesson id "Namespaces 101" is not valid'],
  ];
  it.each(rows)('%s: the problem names its field', (_, edit, expected) => {
    const d = lessonDoc();
    edit(d);
    const problems = problemsOf(d);
    expect(problems.some((p) => p.startsWith(expected)), problems.join('\n')).toBe(true);
  });

  it('refuses YAML that does not parse, and an id that is not its folder', () => {
    const bad = parseLessonText('id: x\nsteps: [\n', 'x.yaml');
    expect(bad.ok ? '' : formatProblem(bad.problems[0]!)).toMatch(/^x\.yaml is not valid YAML\/JSON \(line \d+\)/);
    const other = parseLessonText(LESSON, 'lesson.yaml', 'other');
    expect(other.ok ? '' : formatProblem(other.problems[0]!)).toBe('id: the lesson in folder "other" says its id is "namespaces-101"; make them the same');
  });

  it('merges a change into a lab: lists are added to (no repeats), links matched by their ends either way round', () => {
    const t: Topology = {
      name: 'm', nodes: [{ id: 'A', kind: 'namespace', routes: [{ to: 'default', via: '10.0.0.1' }] }, { id: 'br0', kind: 'bridge' }],
      links: [{ a: { node: 'A', iface: 'eth0' }, b: { node: 'br0', iface: 'veth-A' } }],
    };
    const m = mergeChange(t, {
      nodes: [{ id: 'A', routes: [{ to: 'default', via: '10.0.0.1' }, { to: '10.1.0.0/24', via: '10.0.0.9' }] }, { id: 'B', kind: 'namespace' }],
      links: [{ a: { node: 'br0', iface: 'veth-A' }, b: { node: 'A', iface: 'eth0', addresses: ['10.0.0.2/24'] } }],
      host: { forwarding: true },
    });
    expect(m.nodes.map((n) => n.id)).toEqual(['A', 'br0', 'B']);
    expect(m.nodes[0]!.kind === 'namespace' && m.nodes[0]!.routes).toEqual([{ to: 'default', via: '10.0.0.1' }, { to: '10.1.0.0/24', via: '10.0.0.9' }]);
    expect(m.links).toEqual([{ a: { node: 'A', iface: 'eth0', addresses: ['10.0.0.2/24'] }, b: { node: 'br0', iface: 'veth-A' } }]);
    expect(m.host).toEqual({ forwarding: true });
    expect(t.links[0]!.a.addresses).toBeUndefined(); // pure
    // a link with other ends is a new link
    const n = mergeChange(m, { links: [{ a: { node: 'B', iface: 'eth0' }, b: { node: 'br0', iface: 'veth-B' } }] });
    expect(n.links.length).toBe(2);
  });

  it('a lesson round-trips through YAML', () => {
    const d = lessonDoc();
    expect(problemsOf(parse(stringify(d)))).toEqual([]);
  });
});

describe('verdicts over real kernel outputs', () => {
  it('route: found, other gateway, none', () => {
    const json = fixture('ip-route-A.json');
    const c = (via?: string) => toCheck(checkSchema.parse({ route: { node: 'A', to: 'default', ...(via ? { via } : {}) } })) as never;
    expect(routeVerdict(c('10.0.0.1'), json, 'ip -j route show')).toEqual({ ok: true, detail: 'found: default via 10.0.0.1 dev eth0' });
    expect(routeVerdict(c('10.0.0.9'), json, 'x')).toEqual({ ok: false, detail: 'the route to default is default via 10.0.0.1 dev eth0, not via 10.0.0.9' });
    const none = toCheck(checkSchema.parse({ route: { node: 'A', to: '10.5.0.0/16' } })) as never;
    expect(routeVerdict(none, json, 'x').ok).toBe(false);
    const connected = toCheck(checkSchema.parse({ route: { node: 'A', to: '10.0.0.7/24' } })) as never;
    expect(routeVerdict(connected, json, 'x').ok).toBe(true);
    expect(routeVerdict(c(), '', 'x')).toEqual({ ok: false, detail: 'no route to default (the routing table is empty)' });
    expect([kernelDestination('0.0.0.0/0'), kernelDestination('10.0.0.9/32'), kernelDestination('10.0.0.9/8')]).toEqual(['default', '10.0.0.9', '10.0.0.0/8']);
  });

  it('neigh: a MAC address known, an INCOMPLETE entry, no entry', () => {
    const json = fixture('ip-neigh-A.json');
    const c = (address: string) => toCheck(checkSchema.parse({ neigh: { node: 'A', address } })) as never;
    expect(neighVerdict(c('10.0.0.3'), json, 'x').ok).toBe(true);
    expect(neighVerdict(c('10.0.0.9'), json, 'x')).toEqual({ ok: false, detail: 'the entry for 10.0.0.9 has no MAC address yet (INCOMPLETE)' });
    expect(neighVerdict(c('10.0.0.77'), json, 'x')).toEqual({ ok: false, detail: 'no ARP entry for 10.0.0.77' });
  });

  it('link and addr over `ip -j addr show`', () => {
    const json = fixture('ip-addr-A.json');
    const link = (iface: string, state: 'UP' | 'DOWN') => toCheck(checkSchema.parse({ link: { node: 'A', iface, state } })) as never;
    expect(linkVerdict(link('eth0', 'UP'), json, 'x').ok).toBe(true);
    expect(linkVerdict(link('eth0', 'DOWN'), json, 'x').ok).toBe(false);
    expect(linkVerdict(link('eth9', 'UP'), json, 'x')).toEqual({ ok: false, detail: 'there is no interface eth9' });
    const addr = (address: string) => toCheck(checkSchema.parse({ addr: { node: 'A', iface: 'eth0', address } })) as never;
    expect(addrVerdict(addr('10.0.0.2/24'), json, 'x').ok).toBe(true);
    expect(addrVerdict(addr('10.0.0.2/16'), json, 'x')).toEqual({ ok: false, detail: 'eth0 has 10.0.0.2/24, not 10.0.0.2/16' });
    // output that is not what ip prints is one sentence naming the command
    expect(() => linkVerdict(link('eth0', 'UP'), '{"x":1}', 'ip -j link show')).toThrow(/could not read the output of "ip -j link show"/);
  });

  it('forwarding and the masquerade counter', () => {
    const f = (enabled: boolean) => toCheck(checkSchema.parse({ forwarding: { enabled } })) as never;
    expect(forwardingVerdict(f(true), 'net.ipv4.ip_forward = 1\n')).toEqual({ ok: true, detail: 'net.ipv4.ip_forward is 1 (forwarding on)' });
    expect(forwardingVerdict(f(true), 'net.ipv4.ip_forward = 0\n').ok).toBe(false);
    expect(forwardingVerdict(f(false), 'net.ipv4.ip_forward = 0\n').ok).toBe(true);
    expect(forwardingVerdict(f(true), 'sysctl: permission denied').ok).toBe(false);
    expect(masqueradePackets(fixture('nft-list-table-seed.txt'))).toBe(1);
    expect(masqueradePackets('table ip nslab_seed {\n}\n')).toBeNull();
    expect(masqueradePackets('x counter packets 4 bytes 1 masquerade\ny counter packets 5 bytes 2 masquerade')).toBe(9);
  });

  it('the matrix: ping outputs per address, and cells', () => {
    const out = '@@nslab-ping 10.0.0.3 0\nPING 10.0.0.3\n1 received\n@@nslab-ping 10.0.0.9 1\nPING 10.0.0.9\n0 received\n';
    expect([...parsePingAll(out)]).toEqual([['10.0.0.3', { exitCode: 0, output: 'PING 10.0.0.3\n1 received' }], ['10.0.0.9', { exitCode: 1, output: 'PING 10.0.0.9\n0 received' }]]);
    expect([cellOf({ reached: ['a'], missed: [] }), cellOf({ reached: ['a'], missed: ['b'] }), cellOf({ reached: [], missed: ['b'] }), cellOf({ reached: [], missed: [] })]).toEqual(['all', 'some', 'none', 'none']);
  });
});

describe('grading against an answer', () => {
  const matrix = (cells: [string, string, string[], string[]][], addresses: ReachMatrix['addresses'], nodes = ['host', 'A', 'C']): ReachMatrix => ({
    lab: 'x', nodes, addresses, missing: [], ms: 0,
    cells: cells.map(([from, to, reached, missed]) => ({ from, to, reached, missed, evidence: [] })),
  });
  const addrs = (c: string) => ({ host: [{ iface: 'br0', address: '10.0.0.1/24' }], A: [{ iface: 'eth0', address: '10.0.0.2/24' }], C: [{ iface: 'eth0', address: c }] });

  it('names each differing pair, route and address; nothing when all match', () => {
    const answer = matrix([['A', 'C', ['10.0.0.4'], []], ['C', 'A', ['10.0.0.2'], []]], addrs('10.0.0.4/24'));
    const same = compare(answer, answer, new Map([['A', ['default via 10.0.0.1 dev eth0']]]), new Map([['A', ['default via 10.0.0.1 dev eth0']]]));
    expect(same).toEqual({ differences: [], notes: [] });
    const lab = matrix([['A', 'C', [], ['10.0.0.4']], ['C', 'A', ['10.0.0.2'], []]], addrs('10.0.0.14/24'));
    const d = compare(lab, answer, new Map([['A', []]]), new Map([['A', ['default via 10.0.0.1 dev eth0']]]));
    expect(d.differences).toEqual([
      'reachability A -> C: in the answer A reaches C; here A does not reach C (10.0.0.4 did not answer)',
      'routes of A: missing default via 10.0.0.1 dev eth0',
    ]);
    expect(d.notes).toEqual(['addresses of C: 10.0.0.14/24 on eth0 here, 10.0.0.4/24 on eth0 in the answer']);
  });

  it('names nodes only one side has', () => {
    const answer = matrix([], addrs('10.0.0.4/24'), ['host', 'A', 'C']);
    const lab = matrix([], addrs('10.0.0.4/24'), ['host', 'A', 'D']);
    expect(compare(lab, answer, new Map(), new Map()).differences).toEqual(['node C of the answer is not in the lab', 'node D is not in the answer']);
  });

  it('builds the answer under a name of its own, on an isolated host, without kernel names of its own', () => {
    const t = assertTopology({ name: 'seed', host: { netns: '' }, adopt: true, nodes: [{ id: 'A', kind: 'namespace', netns: 'old-A' }], links: [] });
    const a = answerLab(t, 'grade-1234');
    expect(a.name).toBe('grade-1234');
    expect(a.host?.netns).toBe('grade-1234-h');
    expect(a.adopt).toBeUndefined();
    expect(a.nodes[0]).toEqual({ id: 'A', kind: 'namespace' });
    expect(() => assertTopology(a)).not.toThrow();
  });
});
