// Runs the nslab command's JavaScript build (scripts/build-cli.mjs makes it): which build is
// current, and running it with V8's compiled code of it kept between runs. CommonJS, and apart
// from the builder (esbuild), so that bin/nslab.js starts without Node's ES module loader: every
// `nslab` command pays for what this file loads.
'use strict';
const { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire, Module } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const ROOT = join(__dirname, '..');
const MANIFEST = 'dist/cli.json';
/** The built command, in dist/cli-<hash>/. */
const ENTRY_FILE = 'main.cjs';

const stamp = (file) => {
  try {
    const st = statSync(file, { throwIfNoEntry: false });
    return st ? [st.size, st.mtimeMs] : null;
  } catch {
    return null;
  }
};

/**
 * The current build's entry file when it was built from the sources as they are now; otherwise
 * null (no build, or a source changed, appeared or went since). Costs one stat per source.
 */
function currentBuild(root = ROOT) {
  let m;
  try {
    m = JSON.parse(readFileSync(join(root, MANIFEST), 'utf8'));
  } catch {
    return null;
  }
  if (!m || typeof m.dir !== 'string' || !m.inputs || typeof m.inputs !== 'object') return null;
  for (const [file, was] of Object.entries(m.inputs)) {
    const now = stamp(join(root, file));
    if (now === null || was === null) {
      if (now !== was) return null; // appeared or went (a file of ALSO may be absent)
    } else if (!Array.isArray(was) || now[0] !== was[0] || now[1] !== was[1]) return null;
  }
  const entry = join(root, 'dist', m.dir, ENTRY_FILE);
  return existsSync(entry) ? entry : null;
}

/**
 * Runs the built command (ENTRY_FILE) as Node runs a CommonJS file, with V8's compiled code of it
 * kept between runs: compiling the command's JavaScript cost a tenth of a second at every start,
 * more than the rest of `nslab status`. The code is kept per subcommand (what `nslab apply`
 * compiles is not what `nslab status` does), in v8-cache/ beside the file, written when a run
 * ends well if there was none yet or V8 refused it (a new Node, other V8 flags). A cache is only
 * ever used with the file it was made from: a build's directory is named after its content and
 * never changes. Writing it may fail (a read-only checkout): the command then compiles as before.
 */
function runBuild(entry, argv = process.argv) {
  const dir = dirname(entry);
  const word = /^[a-z][a-z-]{0,31}$/.test(argv[2] ?? '') ? argv[2] : 'main';
  const cacheFile = join(dir, 'v8-cache', `${word}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // the wrapper CommonJS gives every file, on the file's first line: line numbers are the file's
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(entry, 'utf8')}\n})`;
  const script = new vm.Script(source, { filename: entry, cachedData });
  if (script.cachedDataRejected !== false) {
    process.once('exit', (code) => {
      // a run that failed (a mistyped command, say) may have compiled little of what it does
      if (code !== 0) return;
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        try {
          rmSync(tmp, { force: true });
        } catch {
          // nothing was written
        }
      }
    });
  }
  const mod = new Module(entry);
  mod.filename = entry;
  mod.paths = Module._nodeModulePaths(dir);
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(entry), mod, entry, dir);
}

module.exports = { currentBuild, ENTRY_FILE, MANIFEST, ROOT, runBuild, stamp };
