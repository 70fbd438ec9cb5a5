// Vitest's global setup: the tests that run `node bin/nslab.js` run the JavaScript build of the
// sources as they are now (built here when a source changed), never a stale one; and with
// NSLAB_REQUIRE_BUILD=1 (vitest.config.ts) bin/nslab.js fails rather than fall back to tsx.
import { buildCli } from '../scripts/build-cli.mjs';

export default async function setup(): Promise<void> {
  await buildCli();
}
