#!/usr/bin/env -S node --no-opt --min-semi-space-size=16 --initial-old-space-size=64
// The nslab command. Runs the JavaScript build of server/cli/main.ts in dist/ (scripts/build-cli.mjs;
// `npm start`, `npm test` and scripts/setup.sh make it), so it starts without compiling TypeScript,
// and with V8's compiled code of that JavaScript from the command's earlier runs (runBuild).
// The build is used only while every source it was made from is unchanged (one stat per file);
// otherwise it is made again first (about a second, once). Where it cannot be made (esbuild
// missing, a read-only checkout, a source that does not compile) the sources run through tsx.
// CommonJS (bin/package.json): an ES module here would start Node's ES module loader first.
//
// Run as a command (`nslab`, `npx nslab`: this first line), Node starts without V8's optimizing
// compiler (TurboFan, `--no-opt`): a command lives a second or two, too short for optimized code
// to pay back its compiling, which runs on the machine's other core while the kernel works on the
// lab (two cores: building 200 namespaces took 57 ms less, 1000 namespaces 0.66 s less; reading,
// checking and planning 5000 namespaces alone, the same). The dashboard's server runs for hours
// and needs it (a link change reached the page at 1000 namespaces in 0.38 s p95 without it, 0.23
// with it): `serve` turns it back on. The heap starts larger (a 16 MB young generation, an old
// one that is not collected below 64 MB): building 200 namespaces allocates about 60 MB, mostly
// short-lived, and with Node's defaults spent 60 ms in nine minor and one major collection (the
// last as the command ended); three minor ones now (about 25 ms less, median of 16 pairs; the
// server: 4-14 MB more). Run as `node bin/nslab.js` (npm start, the tests), Node's flags are
// left as they are: set once the program runs, `--no-opt` measured no gain.
'use strict';
if (process.argv[2] === 'serve' && process.execArgv.includes('--no-opt')) require('node:v8').setFlagsFromString('--opt');
const { currentBuild, runBuild } = require('../scripts/cli-run.cjs');

async function build() {
  try {
    return { entry: (await (await import('../scripts/build-cli.mjs')).buildCli({ quiet: true })).entry };
  } catch (e) {
    return { failed: e };
  }
}

function run(entry) {
  if (process.env.NSLAB_DEBUG && process.env.NSLAB_DEBUG !== '0') {
    // NSLAB_DEBUG stacks name the TypeScript sources: Node's own loader reads the source map
    // (it does not for code run from V8's cache)
    process.setSourceMapsEnabled(true);
    require(entry);
  } else {
    runBuild(entry);
  }
}

async function withoutBuild(failed) {
  if (process.env.NSLAB_REQUIRE_BUILD === '1') {
    // the tests set this: they test the build, never the sources through tsx
    const why = failed?.errors?.length ? failed.errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('; ') : String(failed?.message ?? failed);
    process.stderr.write(`nslab: the command's JavaScript build could not be made (${why}); run \`node scripts/build-cli.mjs\` to see why\n`);
    process.exit(1);
  }
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: require('node:path').join(__dirname, '../tsconfig.json') });
  await import('../server/cli/main.ts');
}

const entry = currentBuild();
if (entry) {
  run(entry);
} else {
  void build().then((b) => (b.entry ? run(b.entry) : withoutBuild(b.failed)));
}
