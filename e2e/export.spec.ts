// Acceptance 4 (and the editor side of 1), and issue 11's acceptance 6: export the seed lab from
// the browser. The SVG is the same drawing as `nslab export --format svg` (vector only, no
// foreignObject, under 100 KB, every name and address), the same bytes whatever is on screen
// (selection, drift, rates, a path highlight, packets in flight); the PNG is that SVG at 2x, not blank; a copy is kept as
// docs/seed.png for the README. YAML and JSON downloads import back to the same lab.
import { copyFileSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { parseTopologyText } from '@/lib/validate';
import { call, createSeedLab, deleteLab, login, nslab, viewSettled } from './helpers';

const LAB = 'seed-export';

test.afterEach(async () => {
  await deleteLab(LAB);
});

async function download(page: Page, format: string): Promise<{ name: string; path: string }> {
  await page.getByRole('button', { name: /^Export/ }).click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator(`.export-menu-list button[data-format="${format}"]`).click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), path };
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** How many distinct colours (sampled), and the share of pixels that are not white, when the browser decodes the image. */
async function pixelVariety(page: Page, png: Buffer): Promise<{ colours: number; inked: number }> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i]! < 250 || d[i + 1]! < 250 || d[i + 2]! < 250) inked++;
      if (i % 64 === 0) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    }
    return { colours: seen.size, inked: inked / (d.length / 4) };
  }, png.toString('base64'));
}

test('PNG and SVG of the seed lab from the canvas; YAML and JSON import back to the same lab', async ({ page }) => {
  await createSeedLab(LAB);
  // Applied (with its isolated host), so the canvas shows every interface with its address, UP.
  const opened = await call('lab:open', { name: LAB });
  if (!opened.ok) throw new Error(opened.message);
  const applied = await call('lab:apply', { name: LAB, rev: opened.snapshot.lab.rev });
  if (!applied.ok || !applied.result.ok) throw new Error(`could not apply ${LAB}: ${JSON.stringify(applied)}`);
  await login(page, `/labs/${LAB}`);
  for (const id of ['host', 'br0', 'A', 'B', 'C', 'remote']) await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="A"]')).toContainText('10.0.0.2/24');
  // The first packets of new interfaces (IPv6 neighbour discovery) pass: the links go quiet.
  await expect(page.locator('.react-flow__edge-path.rate-low, .react-flow__edge-path.rate-busy')).toHaveCount(0, { timeout: 20_000 });
  await viewSettled(page);

  const svg = await download(page, 'svg');
  expect(svg.name).toBe(`${LAB}.svg`);
  const svgText = readFileSync(svg.path, 'utf8');
  expect(svgText).toMatch(/^<\?xml/);
  expect(svgText).not.toMatch(/foreignObject|<div|xhtml/i);
  expect(Buffer.byteLength(svgText)).toBeLessThan(100_000);
  expect(await page.evaluate((text) => new DOMParser().parseFromString(text, 'image/svg+xml').getElementsByTagName('parsererror').length, svgText)).toBe(0);
  for (const text of ['host', 'br0', 'A', 'B', 'C', 'another machine', '10.0.0.1/24', '10.0.0.2/24', '10.0.0.3/24', '10.0.0.4/24', '203.0.113.1/24', '203.0.113.2/24', 'veth-A', 'to-remote']) {
    expect(svgText, `the SVG shows ${text}`).toContain(`>${text}<`);
  }
  // the same renderer as `nslab export --format svg`
  const cli = await nslab('export', LAB, '--format', 'svg');
  expect(cli.code, cli.stderr).toBe(0);
  expect(svgText).toBe(cli.stdout);

  const png = await download(page, 'png');
  expect(png.name).toBe(`${LAB}.png`);
  const bytes = readFileSync(png.path);
  const size = pngSize(bytes);
  // the SVG drawn at 2x
  const [, w, h] = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(svgText)!;
  expect(size).toEqual({ width: 2 * Number(w), height: 2 * Number(h) });
  const variety = await pixelVariety(page, bytes);
  expect(variety.colours).toBeGreaterThan(10);
  expect(variety.inked).toBeGreaterThan(0.03);
  copyFileSync(png.path, 'test-results/seed-export.png');
  if (process.env.NSLAB_SAVE_DOCS === '1') copyFileSync(png.path, 'docs/seed.png');

  // nothing transient: with a node and a link selected and A's link DOWN (drift marks, a red
  // link), the SVG and PNG are byte for byte the ones taken at rest
  await page.locator('.react-flow__node[data-id="B"] .fnode-title').click();
  await page.locator('.react-flow__edge[aria-label="link C eth0 to br0 veth-C"]').click({ force: true, modifiers: ['Shift'] });
  expect((await nslab('exec', LAB, 'A', '--', 'ip', 'link', 'set', 'eth0', 'down')).code).toBe(0);
  await expect(page.locator('[data-link="A-br0"]')).toHaveAttribute('data-state', 'down', { timeout: 5000 });
  await expect(page.locator('[data-drift="true"]').first()).toBeVisible({ timeout: 10_000 });
  expect(readFileSync((await download(page, 'svg')).path, 'utf8')).toBe(svgText);
  expect(readFileSync((await download(page, 'png')).path).equals(bytes)).toBe(true);
  await nslab('exec', LAB, 'A', '--', 'ip', 'link', 'set', 'eth0', 'up');
  // (the lab is deleted after the test: its drift, the route the kernel dropped with the link, goes with it)

  // and while a ping from B's menu has its path highlighted and the kernel's packets move on the links
  await page.locator('.react-flow__node[data-id="B"]').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Ping…' }).click();
  await page.getByLabel('target node or address').fill('C');
  await page.getByRole('button', { name: 'Ping', exact: true }).click();
  await expect(page.getByTestId('probe-card')).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  // traffic from C to B once the probe is done (its taps are running by then): a ping begun
  // before the probe could be over before the packet layer showed any of it
  const pings = nslab('exec', LAB, 'C', '--', 'ping', '-c', '20', '-i', '0.2', '10.0.0.3');
  await expect.poll(() => page.evaluate(() => document.querySelectorAll('[data-packet]').length), { timeout: 10_000 }).toBeGreaterThan(0);
  await expect(page.locator('.probe-reached').first()).toBeAttached();
  expect(readFileSync((await download(page, 'svg')).path, 'utf8')).toBe(svgText);
  expect(readFileSync((await download(page, 'png')).path).equals(bytes)).toBe(true);
  await pings;

  const saved = await call('lab:open', { name: LAB });
  if (!saved.ok) throw new Error(saved.message);
  for (const format of ['yaml', 'json'] as const) {
    const file = await download(page, format);
    expect(file.name).toBe(`${LAB}.${format}`);
    const back = parseTopologyText(readFileSync(file.path, 'utf8'));
    expect(back.ok, JSON.stringify(back)).toBe(true);
    if (back.ok) expect(back.topology).toEqual(saved.snapshot.lab.topology);
  }
  for (const [format, ext, marker] of [['drawio', 'drawio', '<mxfile'], ['mermaid', 'mmd', 'flowchart'], ['script', 'sh', '#!/bin/sh']] as const) {
    const file = await download(page, format);
    expect(file.name).toBe(`${LAB}.${ext}`);
    expect(readFileSync(file.path, 'utf8')).toContain(marker);
  }
});
