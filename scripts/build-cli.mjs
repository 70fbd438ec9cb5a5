#!/usr/bin/env node
// Builds the nslab command (server/cli/main.ts, and with it the server that `nslab serve` starts)
// to JavaScript with esbuild, so the command starts without compiling TypeScript:
//   dist/cli-<hash>/main.cjs   the whole command in one CommonJS file; every command's heavy
//                              modules are evaluated only when that command runs (`nslab --help`
//                              runs commander's alone)
//   dist/cli-<hash>/v8-cache/  V8's compiled code of that file, one per subcommand (runBuild in
//                              scripts/cli-run.cjs, which bin/nslab.js loads)
//   dist/cli.json              which build is current, and the size and time of every source it
//                              was built from (bin/nslab.js runs the build only while they match)
// Pure-JavaScript packages the command needs at start (commander, zod, yaml, execa, ipaddr.js)
// are bundled in: one file loads faster than their hundreds. Every other package (native ones,
// Next, socket.io, playwright-core) stays an ordinary require from node_modules.
// A build never changes a directory another process may be running from: each build's files go
// to a directory named after their content, and dist/cli.json is replaced by a rename.
// Usage: node scripts/build-cli.mjs [--quiet]      (npm run build:cli; setup.sh and the tests run it)
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
// what running the build needs (bin/nslab.js loads only that file, as CommonJS)
import { currentBuild, ENTRY_FILE, MANIFEST, ROOT, stamp } from './cli-run.cjs';

export { currentBuild, ROOT };
const ENTRY = 'server/cli/main.ts';
/** Bundled into the build (with what they import); every other package is imported at run time. */
const BUNDLED = new Set(['commander', 'zod', 'yaml', 'execa', 'ipaddr.js']);
/** Besides the sources esbuild read: what else decides the output. */
const ALSO = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build-cli.mjs', 'scripts/cli-run.cjs', 'node_modules/.package-lock.json'];
/**
 * zod's `z.locales` holds the messages of some fifty languages, half the size of zod; nslab
 * words every message itself and uses none of them, and zod's default (English) is imported
 * apart from that list. The list is cut to English, so the command loads half as much zod.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export { default as en } from "./en.js";\n', loader: 'js' }));
  },
};

/** Older builds kept for processes still running from them (a long `nslab serve`). */
const KEEP = 3;

/**
 * Builds when the current build is stale (or always, with force) and returns its entry file.
 * Throws on a build error; quiet keeps esbuild's messages to itself (the caller falls back).
 */
export async function buildCli({ root = ROOT, force = false, quiet = false } = {}) {
  if (!force) {
    const entry = currentBuild(root);
    if (entry) return { entry, built: false };
  }
  const started = Date.now();
  const { build, stop } = await import('esbuild');
  const { createHash } = await import('node:crypto');
  const dist = join(root, 'dist');
  const outdir = join(dist, '.out'); // nothing is written here (write: false); it names the outputs
  // esbuild's service process stays after a build and pings this process every second: a server
  // started on a stale build (`nslab serve` builds first) kept it for its whole life: 33 of the
  // 183 samples of an idle server's main thread in a 138 s profile answered its pings
  const res = await build({
    absWorkingDir: root,
    entryPoints: { main: ENTRY },
    bundle: true,
    // One CommonJS file, not ES modules: Node 20 keeps no compiled code of ES modules between
    // runs, and of a script it does (runBuild). A module the command imports only with import()
    // stays unevaluated until then, as with ES module chunks.
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.cjs' },
    // import() of a package becomes a require() (every package nslab loads late is CommonJS),
    // so the file needs no ES module loader
    supported: { 'dynamic-import': false },
    // import.meta.url in a source: the URL of the built file
    define: { 'import.meta.url': '__nslabImportMetaUrl' },
    banner: { js: "var __nslabImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    minify: process.env.NSLAB_CLI_MINIFY !== '0',
    // Functions keep their minified names: keepNames wraps every function a name would be lost
    // for in a call that sets it, each time the function is made (a closure in a loop: each
    // turn), 20 ms of a 200-namespace build in a process without V8's optimizing compiler
    // (bin/nslab.js). Nothing of nslab reads a function's or class's name: errors are told apart
    // with instanceof or their own `name` field, and stack traces with NSLAB_DEBUG come from the
    // source map.
    keepNames: false,
    sourcemap: 'linked',
    sourcesContent: false,
    tsconfig: join(root, 'tsconfig.json'),
    metafile: true,
    write: false,
    logLevel: quiet ? 'silent' : 'warning',
    plugins: [zodEnglishOnly, {
      name: 'nslab-externals',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => {
          if (a.path.startsWith('@/') || a.path.startsWith('node:')) return undefined;
          if (a.importer.includes('/node_modules/')) return undefined; // inside a bundled package
          const pkg = a.path.startsWith('@') ? a.path.split('/').slice(0, 2).join('/') : a.path.split('/')[0];
          return BUNDLED.has(pkg) ? undefined : { path: a.path, external: true };
        });
      },
    }],
  }).finally(() => stop());

  const hash = createHash('sha256');
  for (const f of [...res.outputFiles].sort((a, b) => a.path.localeCompare(b.path))) hash.update(relative(outdir, f.path)).update('\0').update(f.contents);
  const dir = `cli-${hash.digest('hex').slice(0, 12)}`;
  const target = join(dist, dir);
  if (!existsSync(join(target, ENTRY_FILE))) {
    const tmp = join(dist, `.tmp-${process.pid}-${Date.now()}`);
    for (const f of res.outputFiles) {
      const to = join(tmp, relative(outdir, f.path));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, f.contents);
    }
    try {
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(target, ENTRY_FILE))) throw e; // else another process built the same
    }
  }

  const finished = Date.now();
  const inputs = {};
  for (const file of [...Object.keys(res.metafile.inputs).filter((f) => !f.includes('node_modules/')), ...ALSO].sort()) {
    const st = stamp(join(root, file));
    // changed while it was being built (file times lag the clock by a tick): the next run builds
    // again; a time in the future (a skewed clock) is kept as it is
    inputs[file] = st && st[1] >= started - 20 && st[1] <= finished + 20 ? [-1, -1] : st;
  }
  const tmpManifest = join(dist, `.cli-${process.pid}-${Date.now()}.json`);
  writeFileSync(tmpManifest, JSON.stringify({ dir, builtAt: new Date().toISOString(), inputs }, null, 1) + '\n');
  renameSync(tmpManifest, join(root, MANIFEST));
  prune(dist, dir);
  return { entry: join(target, ENTRY_FILE), built: true };
}

/** Removes all but the newest KEEP older builds (and temporary files a killed build left). */
function prune(dist, current) {
  const old = readdirSync(dist)
    .filter((d) => d.startsWith('cli-') && d !== current)
    .map((d) => ({ d, t: stamp(join(dist, d))?.[1] ?? 0 }))
    .sort((a, b) => b.t - a.t);
  const hour = Date.now() - 3_600_000;
  const leftovers = readdirSync(dist).filter((d) => d.startsWith('.tmp-') || d.startsWith('.cli-')).filter((d) => (stamp(join(dist, d))?.[1] ?? 0) < hour);
  for (const d of [...old.slice(KEEP).map((o) => o.d), ...leftovers]) rmSync(join(dist, d), { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quiet = process.argv.includes('--quiet');
  const t0 = performance.now();
  try {
    const { entry, built } = await buildCli({ force: process.argv.includes('--force') });
    const where = relative(ROOT, entry);
    if (!quiet) console.log(built ? `==> built the nslab command (${where}) in ${((performance.now() - t0) / 1000).toFixed(1)} s` : `==> the nslab command is built (${where})`);
  } catch (e) {
    // esbuild has printed what is wrong and where
    if (!e?.errors) console.error(`build-cli: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
