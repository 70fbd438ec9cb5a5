#!/usr/bin/env node
// The nslab command. Runs the JavaScript build of server/cli/main.ts in dist/ (scripts/build-cli.mjs;
// `npm start`, `npm test` and scripts/setup.sh make it), so it starts without compiling TypeScript,
// and with V8's compiled code of that JavaScript from the command's earlier runs (runBuild).
// The build is used only while every source it was made from is unchanged (one stat per file);
// otherwise it is made again first (about a second, once). Where it cannot be made (esbuild
// missing, a read-only checkout, a source that does not compile) the sources run through tsx.
// CommonJS (bin/package.json): an ES module here would start Node's ES module loader first.
'use strict';
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
