// The nslab command runs as a JavaScript build (scripts/build-cli.mjs, bin/nslab.js): it is used
// only while it matches its sources, it is made again when one changes, it says the same as the
// TypeScript sources, and without it the command still runs (tsx), unless the tests forbid that.
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentBuild, ROOT } from '../../scripts/build-cli.mjs';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const temp = () => {
  const t = mkdtempSync(join(tmpdir(), 'nslab-cli-build-'));
  temps.push(t);
  return t;
};

describe('currentBuild: the build is used only while every source it was made from is unchanged', () => {
  // a made-up build of two sources
  const make = () => {
    const root = temp();
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'dist/cli-abc'), { recursive: true });
    writeFileSync(join(root, 'dist/cli-abc/main.cjs'), '');
    writeFileSync(join(root, 'src/a.ts'), 'a');
    writeFileSync(join(root, 'src/b.ts'), 'bb');
    const stamp = (f: string) => {
      const { size, mtimeMs } = statSync(join(root, f));
      return [size, mtimeMs];
    };
    // c.ts was absent at build time (package-lock.json in a checkout without one, say)
    writeFileSync(join(root, 'dist/cli.json'), JSON.stringify({ dir: 'cli-abc', inputs: { 'src/a.ts': stamp('src/a.ts'), 'src/b.ts': stamp('src/b.ts'), 'src/c.ts': null } }));
    return root;
  };
  const changes: [string, (root: string) => void][] = [
    ['a source is rewritten', (r) => writeFileSync(join(r, 'src/a.ts'), 'A')],
    ['a source grows', (r) => writeFileSync(join(r, 'src/b.ts'), 'bbb')],
    ['a source only gets a new time', (r) => utimesSync(join(r, 'src/a.ts'), new Date(), new Date(Date.now() + 5_000))],
    ['a source gets an older time (a copy, a checkout)', (r) => utimesSync(join(r, 'src/b.ts'), new Date(0), new Date(0))],
    ['a source is removed', (r) => rmSync(join(r, 'src/a.ts'))],
    ['a file absent at build time appears', (r) => writeFileSync(join(r, 'src/c.ts'), '')],
    ['the built entry is gone', (r) => rmSync(join(r, 'dist/cli-abc/main.cjs'))],
    ['the manifest is gone', (r) => rmSync(join(r, 'dist/cli.json'))],
    ['the manifest is damaged', (r) => writeFileSync(join(r, 'dist/cli.json'), '{"dir": "cli-abc", "inpu')],
    ['the manifest names no sources list', (r) => writeFileSync(join(r, 'dist/cli.json'), '{"dir": "cli-abc"}')],
  ];
  it('an untouched build is current', () => {
    const root = make();
    expect(currentBuild(root)).toBe(join(root, 'dist/cli-abc/main.cjs'));
  });
  it.each(changes)('stale when %s', (_, change) => {
    const root = make();
    change(root);
    expect(currentBuild(root)).toBeNull();
  });
});

/** A copy of the command's sources with the project's node_modules, to build and break freely. */
function checkoutCopy(): string {
  const root = temp();
  for (const p of ['bin', 'server', 'lib', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(ROOT, p), join(root, p), { recursive: true });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(root, 'node_modules'));
  return root;
}

const run = (root: string, args: string[], env: Record<string, string | undefined> = {}) =>
  execa('node', [join(root, 'bin/nslab.js'), ...args], { reject: false, env: { NSLAB_REQUIRE_BUILD: '1', ...env }, timeout: 60_000 });

describe('bin/nslab.js in a checkout', () => {
  it('builds on first use, runs the build, and builds again when a source changed', async () => {
    const root = checkoutCopy();
    // a source dated tomorrow (a skewed clock) is a source like any other, not one always changing
    utimesSync(join(root, 'server/cli/io.ts'), new Date(), new Date(Date.now() + 86_400_000));
    const first = await run(root, ['--help']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Build Linux network namespace labs');
    const entry = currentBuild(root);
    expect(entry).not.toBeNull();
    const manifest = readFileSync(join(root, 'dist/cli.json'), 'utf8');
    expect((await run(root, ['status', '--help'])).exitCode).toBe(0);
    expect(readFileSync(join(root, 'dist/cli.json'), 'utf8')).toBe(manifest); // not built again

    // a changed description shows at once: the old build is never run
    const main = join(root, 'server/cli/main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace('Build Linux network namespace labs', 'Build CHANGED labs'));
    const second = await run(root, ['--help']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('Build CHANGED labs');
    expect(currentBuild(root)).not.toBe(entry);
    expect(existsSync(entry!)).toBe(true); // kept for a process still running from it
  });

  it('without a build it can make, it runs the sources through tsx; the tests forbid that and say why', async () => {
    const root = checkoutCopy();
    writeFileSync(join(root, 'dist'), 'not a folder'); // the build cannot be written
    const tsx = await run(root, ['--help'], { NSLAB_REQUIRE_BUILD: undefined });
    expect(tsx.exitCode).toBe(0);
    expect(tsx.stdout).toContain('Build Linux network namespace labs');

    const strict = await run(root, ['--help']);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(/^nslab: the command's JavaScript build could not be made \(.+\); run `node scripts\/build-cli.mjs` to see why$/);
  });

  it('a source that does not compile is named with its line', async () => {
    const root = checkoutCopy();
    writeFileSync(join(root, 'server/cli/format.ts'), 'export const broken = ;\n');
    const r = await run(root, ['--help']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('server/cli/format.ts:1: ');
  });
});

describe("the build runs with V8's compiled code of its earlier runs", () => {
  it('keeps it per command, uses it as it is, and replaces a damaged one instead of trusting it', async () => {
    const root = checkoutCopy();
    const env = { NSLAB_HOME: join(temp(), 'home') };
    const first = await run(root, ['status'], env);
    expect(first.exitCode).toBe(0);
    const cache = join(dirname(currentBuild(root)!), 'v8-cache');
    const status = join(cache, 'status.bin');
    expect(statSync(status).size).toBeGreaterThan(10_000);
    const kept = readFileSync(status);
    const keptTime = statSync(status).mtimeMs;

    // a second run finds it good: the same answer, and the cache is not written again
    const second = await run(root, ['status'], env);
    expect([second.exitCode, second.stdout, second.stderr]).toEqual([first.exitCode, first.stdout, first.stderr]);
    expect(readFileSync(status).equals(kept)).toBe(true);
    expect(statSync(status).mtimeMs).toBe(keptTime);
    // another command keeps its own
    expect((await run(root, ['--help'])).exitCode).toBe(0);
    expect(existsSync(join(cache, 'main.bin'))).toBe(true);
    // a run that fails keeps nothing (a mistyped command compiled little of what it would do)
    expect((await run(root, ['nosuch'])).exitCode).toBe(1);
    expect(existsSync(join(cache, 'nosuch.bin'))).toBe(false);

    // damaged (cut short, or other bytes): V8 refuses it, the command runs as usual and writes it anew
    for (const damage of [kept.subarray(0, kept.length >> 1), Buffer.alloc(kept.length, 0x5a)]) {
      writeFileSync(status, damage);
      const r = await run(root, ['status'], env);
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([first.exitCode, first.stdout, first.stderr]);
      expect(readFileSync(status).equals(damage)).toBe(false);
      expect(statSync(status).size).toBeGreaterThan(10_000);
    }
  }, 60_000);

  it('where it cannot be written, the command runs all the same', async () => {
    const root = checkoutCopy();
    expect((await run(root, ['--help'])).exitCode).toBe(0);
    const cache = join(dirname(currentBuild(root)!), 'v8-cache');
    rmSync(cache, { recursive: true, force: true });
    writeFileSync(cache, 'not a folder');
    const r = await run(root, ['status'], { NSLAB_HOME: join(temp(), 'home') });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/No labs yet/);
    expect(r.stderr).toBe('');
  }, 60_000);
});

describe('the build says what the TypeScript sources say', () => {
  const commands = ['', 'apply', 'plan', 'destroy', 'status', 'exec', 'export', 'clean', 'serve', 'new', 'addr'];
  it('--help of the command and of every subcommand, word for word', async () => {
    const args = (c: string) => (c ? [c, '--help'] : ['--help']);
    for (const c of commands) {
      const built = await execa('node', [join(ROOT, 'bin/nslab.js'), ...args(c)], { reject: false });
      const tsx = await execa('node', ['--import', 'tsx', 'server/cli/main.ts', ...args(c)], { cwd: ROOT, reject: false });
      expect(built.exitCode, c).toBe(0);
      expect(built.stdout, c).toBe(tsx.stdout);
      expect(built.stdout.length, c).toBeGreaterThan(100);
    }
  }, 120_000);

  it('run as its own executable (its first line starts Node, as npx and a PATH run it), it says the same', async () => {
    const home = join(temp(), 'home');
    for (const args of [['--help'], ['apply', '--help'], ['status']]) {
      const direct = await execa(join(ROOT, 'bin/nslab.js'), args, { reject: false, env: { NSLAB_HOME: home } });
      const viaNode = await execa('node', [join(ROOT, 'bin/nslab.js'), ...args], { reject: false, env: { NSLAB_HOME: home } });
      expect(direct.exitCode, args.join(' ')).toBe(0);
      expect([direct.stdout, direct.stderr], args.join(' ')).toEqual([viaNode.stdout, viaNode.stderr]);
    }
  }, 60_000);

  it('an invalid topology and an invalid option are refused in the same words', async () => {
    const dir = temp();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nnodes:\n  - id: A\n    kind: namespace\n    bogus: 3\n  - 7\nlinks: {}\n');
    const cases = [['plan', bad], ['plan', bad, '--host-netns', '-x'], ['apply', bad, '--step-delay', 'soon'], ['status', 'x', 'y'], ['nosuch']];
    const env = { NSLAB_HOME: join(dir, 'home') };
    for (const c of cases) {
      const b = await execa('node', [join(ROOT, 'bin/nslab.js'), ...c], { reject: false, env });
      const t = await execa('node', ['--import', 'tsx', 'server/cli/main.ts', ...c], { cwd: ROOT, reject: false, env });
      expect(b.exitCode, c.join(' ')).toBe(1);
      expect([b.exitCode, b.stdout, b.stderr], c.join(' ')).toEqual([t.exitCode, t.stdout, t.stderr]);
      expect(b.stderr, c.join(' ')).toMatch(/^(nslab: |error: )/);
    }
  }, 120_000);
});
