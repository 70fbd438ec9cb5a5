// Services (a namespace node's `run`): splitting, validation naming the field, round trips
// through YAML, JSON and the script export, the plan's service lines.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toScript } from '@/lib/export/script';
import { fromText, toJson, toYaml } from '@/lib/export/topology-file';
import { shellQuote } from '@/lib/ops';
import { plan } from '@/lib/plan';
import { renderPlan } from '@/lib/plan-text';
import { serviceChanges, servicesOf, splitCommand, stateText } from '@/lib/services';
import { requests, type RequestName } from '@/lib/protocol';
import { checkTopology } from '@/lib/validate';
import { answer } from '@/server/register';
import { seedText } from './export-fixtures';

const COMMANDS = [
  'python3 -m http.server 8080',
  "sh -c 'echo \"hi there\"; exit 3'",
  'socat TCP-LISTEN:9000,fork,reuseaddr EXEC:cat',
  '/usr/bin/nc -l -k -p 7000',
  'printf "%s\\n" a\\ b "c \\"d\\""',
  "echo ''",
  '  sleep   600  ',
];

function lab(run: unknown, node = 'remote') {
  const doc = parse(seedText()) as { nodes: Record<string, unknown>[] };
  doc.nodes.find((n) => n.id === node)!.run = run;
  return doc;
}

describe('splitCommand: words like a shell splits them, nothing else of a shell', () => {
  it.each([
    ['python3 -m http.server 8080', ['python3', '-m', 'http.server', '8080']],
    ["sh -c 'echo \"hi there\"; exit 3'", ['sh', '-c', 'echo "hi there"; exit 3']],
    ['printf "%s\\n" a\\ b "c \\"d\\""', ['printf', '%s\\n', 'a b', 'c "d"']],
    ["echo ''", ['echo', '']],
    ['echo $HOME | cat > /etc/x', ['echo', '$HOME', '|', 'cat', '>', '/etc/x']],
    ['  sleep   600  ', ['sleep', '600']],
  ])('%s', (line, argv) => expect(splitCommand(line)).toEqual(argv));

  it('every command survives quoting for the script and splitting again (the export is what runs)', () => {
    for (const c of COMMANDS) {
      const argv = splitCommand(c) as string[];
      expect(splitCommand(shellQuote(argv))).toEqual(argv);
    }
  });
});

describe('bad input: refused naming the field, with the fix', () => {
  it.each([
    ['not a list', 'python3 -m http.server', 'nodes[4].run', /must be a list of command lines/],
    ['a number', [8080], 'nodes[4].run[0]', /must be a command line/],
    ['empty', [''], 'nodes[4].run[0]', /is empty/],
    ['only spaces', ['   '], 'nodes[4].run[0]', /is empty/],
    ['unclosed quote', ["sh -c 'echo"], 'nodes[4].run[0]', /unclosed ' quote/],
    ['lone backslash', ['echo \\'], 'nodes[4].run[0]', /lone \\/],
    ['newline', ['sleep 1\nrm -rf /'], 'nodes[4].run[0]', /one line without control characters/],
    ['NUL', ['sleep\u00001'], 'nodes[4].run[0]', /no NUL/],
    ['too long', [`sleep ${'1'.repeat(1000)}`], 'nodes[4].run[0]', /longer than 1000 characters/],
    ['too many words', [`echo ${'a '.repeat(64)}`], 'nodes[4].run[0]', /65 words, more than 64/],
    ['too many services', Array(9).fill('sleep 1'), 'nodes[4].run', /more than 8/],
    ['an option first', ['-m http.server'], 'nodes[4].run[0]', /starts with an option/],
    ['a relative path', ['./serve 80'], 'nodes[4].run[0]', /relative path/],
  ])('%s', (_what, run, path, message) => {
    const r = checkTopology(lab(run));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toContain(path);
    expect(r.problems.find((p) => p.path === path)!.message).toMatch(message);
  });

  it('a bridge takes no services', () => {
    const r = checkTopology(lab(['sleep 1'], 'br0'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.path).toBe('nodes[0]');
  });
});

describe('round trips', () => {
  const t = (() => {
    const r = checkTopology(lab(COMMANDS));
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    return r.topology;
  })();

  it('YAML and JSON import back to the same services', () => {
    for (const text of [toYaml(t), toJson(t)]) {
      const back = fromText(text);
      expect(back.ok && back.topology).toStrictEqual(t);
    }
    expect(toYaml(t)).toContain('    run:\n      - python3 -m http.server 8080\n');
  });

  it('the script starts each in its namespace in the background, and down stops them first', () => {
    const script = toScript(t, { hostNetns: 'H' });
    for (const s of servicesOf(t)) expect(script).toContain(`  ip netns exec ${shellQuote(['seed-remote', ...s.argv])} >/dev/null 2>&1 &\n`);
    expect(script).toContain('ip netns pids seed-remote | xargs -r kill');
    const down = script.slice(script.indexOf('down() {'));
    expect(down.indexOf('xargs -r kill')).toBeLessThan(down.indexOf('ip netns del'));
  });

  it('the plan lists services to start and stop, and sums them up', () => {
    const desired = servicesOf(t);
    const lines = serviceChanges(desired, [{ node: 'remote', command: 'sleep 5' }, { node: 'remote', command: COMMANDS[0]! }]);
    expect(lines).toEqual([...COMMANDS.slice(1).map((c) => `+ service remote: ${c}`), '- service remote: sleep 5']);
    const empty = plan('seed', { namespaces: {} }, { namespaces: {} });
    const text = renderPlan(empty, lines);
    expect(text).toContain('  + service remote: python3 -m http.server 8080'.replace('python3 -m http.server 8080', COMMANDS[1]!));
    expect(text).toMatch(/No kernel changes\. Services: 6 to start, 1 to stop\.$/);
    expect(renderPlan(empty, [])).toBe('No changes. The kernel matches the lab.');
    expect(serviceChanges(desired, desired)).toEqual([]);
  });
});

it('states read as a person says them', () => {
  expect(stateText({ state: 'running', code: null, signal: null, restarts: 0 })).toBe('running');
  expect(stateText({ state: 'exited', code: 0, signal: null, restarts: 0 })).toBe('exited (code 0)');
  expect(stateText({ state: 'restarting', code: 3, signal: null, restarts: 2 })).toBe('restarting (code 3, 2 restarts)');
  expect(stateText({ state: 'stopped', code: null, signal: 'SIGTERM', restarts: 1 })).toBe('stopped (signal SIGTERM, 1 restart)');
});

it('no request a seat may send carries a topology: a student never makes the server start a program', async () => {
  const carrying = (Object.keys(requests) as RequestName[]).filter((n) => {
    const schema = requests[n].schema as unknown as { shape?: Record<string, unknown> };
    return !!schema.shape && 'topology' in schema.shape;
  });
  expect(carrying).toEqual(expect.arrayContaining(['lab:create', 'lab:save']));
  for (const n of carrying) expect([n, requests[n].role]).toEqual([n, 'instructor']);
  const refused = await answer('seat', 'lab:save', () => { throw new Error('the handler ran'); }, { topology: lab(['python3 -m http.server 80']), rev: 1 }, 'seed');
  expect(refused).toMatchObject({ ok: false, code: 'forbidden' });
});
