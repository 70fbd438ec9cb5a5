// Browser tests: Debian's Chromium against our real server (Next + socket.io + the labs service)
// on 127.0.0.1, inside scripts/sandbox (a private network namespace): `npm run test:e2e`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

if (process.env.NSLAB_SANDBOX !== '1') {
  throw new Error('the browser tests build real labs: run them inside the sandbox (npm run test:e2e, i.e. scripts/sandbox npx playwright test)');
}

export const E2E_PORT = 3199;
// Workers inherit the runner's environment, so the state folder and token are chosen once.
process.env.NSLAB_E2E_HOME ??= mkdtempSync(join(tmpdir(), 'nslab-e2e-'));
process.env.NSLAB_E2E_TOKEN ??= 'e2e0c0ffee0c0ffee0c0ffee0c0ffee0';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // one server, one kernel: specs run one at a time so their labs never race
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? 'list' : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'npx tsx e2e/serve.ts',
    url: `http://127.0.0.1:${E2E_PORT}/`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      NSLAB_HOME: process.env.NSLAB_E2E_HOME,
      NSLAB_TOKEN: process.env.NSLAB_E2E_TOKEN,
      NSLAB_E2E_PORT: String(E2E_PORT),
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
});
