import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/sandbox-guard.ts'],
    // the CLI the tests run is the JavaScript build of the sources as they are (test/build-cli.ts)
    globalSetup: ['test/build-cli.ts'],
    env: { NSLAB_REQUIRE_BUILD: '1' },
    // Kernel tests share one sandbox; run files one at a time so their labs never race.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
