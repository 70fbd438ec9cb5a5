// Acceptance 4 (and the editor side of 1): export the seed lab from the browser. The PNG is the
// canvas at 2x, not blank, with every name, interface and address; a copy is kept as
// docs/seed.png for the README. The SVG carries the names and addresses; YAML and JSON
// downloads import back to the same lab.
import { copyFileSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { parseTopologyText } from '@/lib/validate';
import { call, createSeedLab, deleteLab, login, viewSettled } from './helpers';

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

/** The size the image should have: the nodes' bounds in flow coordinates plus the 48px margin. */
async function expectedCssSize(page: Page): Promise<{ width: number; height: number }> {
  return page.evaluate(() => {
    const vp = document.querySelector<HTMLElement>('.react-flow__viewport')!;
    const zoom = new DOMMatrixReadOnly(getComputedStyle(vp).transform).a;
    const rects = [...document.querySelectorAll('.react-flow__node')].map((n) => n.getBoundingClientRect());
    const w = (Math.max(...rects.map((r) => r.right)) - Math.min(...rects.map((r) => r.left))) / zoom;
    const h = (Math.max(...rects.map((r) => r.bottom)) - Math.min(...rects.map((r) => r.top))) / zoom;
    return { width: Math.ceil(w + 96), height: Math.ceil(h + 96) };
  });
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

  const png = await download(page, 'png');
  expect(png.name).toBe(`${LAB}.png`);
  const bytes = readFileSync(png.path);
  const size = pngSize(bytes);
  const css = await expectedCssSize(page);
  // 2x pixel ratio: twice the CSS size (within a pixel of rounding per side)
  expect(Math.abs(size.width - 2 * css.width)).toBeLessThanOrEqual(4);
  expect(Math.abs(size.height - 2 * css.height)).toBeLessThanOrEqual(4);
  expect(size.width).toBeGreaterThan(1000);
  const variety = await pixelVariety(page, bytes);
  expect(variety.colours).toBeGreaterThan(20);
  expect(variety.inked).toBeGreaterThan(0.03);
  copyFileSync(png.path, 'test-results/seed-export.png');
  if (process.env.NSLAB_SAVE_DOCS === '1') copyFileSync(png.path, 'docs/seed.png');

  const svg = await download(page, 'svg');
  expect(svg.name).toBe(`${LAB}.svg`);
  const svgText = readFileSync(svg.path, 'utf8');
  expect(svgText).toMatch(/^<svg|^<\?xml/);
  for (const text of ['br0', 'remote', '10.0.0.1/24', '10.0.0.2/24', '10.0.0.3/24', '10.0.0.4/24', '203.0.113.1/24', '203.0.113.2/24', 'veth-A', 'to-remote']) {
    expect(svgText, `the SVG shows ${text}`).toContain(text);
  }
  expect(svgText).not.toContain('react-flow__minimap');
  expect(svgText).not.toContain('react-flow__controls');
  // the live packet rate is not part of the diagram: hidden wherever the canvas had one
  for (const g of svgText.match(/<g[^>]*class="[^"]*link-rate[^"]*"[^>]*>/g) ?? []) expect(g).toMatch(/display: none/);

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
