// PNG for `nslab export --format png`: the SVG diagram (lib/export/svg.ts) drawn by Debian's
// Chromium at 2x and screenshotted. Local content only: the page makes no network request.
import { existsSync } from 'node:fs';
import { NslabError } from '@/lib/errors';
import { toSvg } from '@/lib/export/svg';
import type { Topology } from '@/lib/topology';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const PNG_SCALE = 2;

export async function pngOfTopology(topology: Topology): Promise<Buffer> {
  if (!existsSync(CHROMIUM)) {
    throw new NslabError('invalid', `a PNG is drawn by Chromium, and ${CHROMIUM} is not there; install it (apt-get install chromium), or export --format svg`);
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new NslabError('invalid', 'a PNG is drawn with playwright-core, which is not installed (npm ci installs it); or export --format svg');
  }
  const svg = toSvg(topology).replace(/^<\?xml[^>]*>\s*/, '');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: PNG_SCALE });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
    return await page.locator('svg').first().screenshot({ type: 'png' });
  } finally {
    await browser.close();
  }
}
