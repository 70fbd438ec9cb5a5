// Adds up the test counts of the vitest and Playwright JSON reports into one closing line.
import { existsSync, readFileSync } from 'node:fs';

const dir = process.argv[2];
let passed = 0, failed = 0, skipped = 0;
const read = (f) => (existsSync(`${dir}/${f}`) ? JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) : null);
for (const f of ['unit.json', 'kernel-1.json', 'kernel-2.json']) {
  const r = read(f);
  if (!r) { console.log(`(no ${f}: that suite did not run)`); failed += 1; continue; }
  passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
const e2e = read('e2e.json');
if (!e2e) { console.log('(no e2e.json: the browser suite did not run)'); failed += 1; }
else {
  passed += e2e.stats.expected; failed += e2e.stats.unexpected; skipped += e2e.stats.skipped;
  failed += e2e.stats.flaky ? 0 : 0;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
