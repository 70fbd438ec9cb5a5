// Splits the kernel test files into two groups of about equal running time, for the two
// sandboxes `npm test` runs side by side (scripts/test.sh). Usage: node scripts/kernel-shards.mjs 1|2
// prints the files of that group, one per line. The seconds below are from a CI run (2 cores);
// a file not listed counts as 5 s. They only balance the groups: nothing depends on them.
import { readdirSync } from 'node:fs';

const SECONDS = {
  crash: 139, lessons: 44, trust: 38, errors: 26, engine: 26, shapes: 25, tools: 18, confine: 14,
  'bad-input': 13, packets: 13, 'serve-tls': 11, classes: 9, 'socket-bounds': 7, ipv6: 7,
  'observe-netlink': 5, 'live-cache': 5, services: 4, script: 4, driver: 3, seats: 3,
};
const which = Number(process.argv[2]);
if (which !== 1 && which !== 2) {
  console.error('usage: node scripts/kernel-shards.mjs 1|2');
  process.exit(2);
}
const files = readdirSync('test/kernel').filter((f) => f.endsWith('.test.ts')).sort();
const weight = (f) => SECONDS[f.replace(/\.test\.ts$/, '')] ?? 5;
const groups = [[], []];
const sums = [0, 0];
for (const f of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
  const g = sums[0] <= sums[1] ? 0 : 1;
  groups[g].push(`test/kernel/${f}`);
  sums[g] += weight(f);
}
console.log(groups[which - 1].join('\n'));
