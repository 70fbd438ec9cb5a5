// The server the browser tests talk to: builds the dashboard when its sources are newer than the
// last build (as scripts/setup.sh --build does), then starts it like `nslab serve`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '@/server/main';

const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.ts', 'package-lock.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

const buildId = '.next/BUILD_ID';
if (!existsSync(buildId) || Math.max(...SOURCES.map(newestMtime)) > statSync(buildId).mtimeMs) {
  console.log('e2e: building the dashboard (next build)');
  execFileSync('npx', ['next', 'build'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
}
await startServer({ port: Number(process.env.NSLAB_E2E_PORT ?? 3199) });
