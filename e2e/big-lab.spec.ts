// A big lab on the canvas (issue 10, goal 6): seen from far out, nodes keep their box, name and
// size but drop the text too small to read, and an interface that is DOWN is a red bar; zoomed in,
// everything is written out again. While the pane is dragged, the drawing is moved as one layer.
// A small lab is never drawn the far way, however far out it is zoomed.
import { expect, test, type Page } from '@playwright/test';
import { call, createAppliedSeedLab, deleteLab, login, sh, viewSettled, viewZoom } from './helpers';

const LAB = 'big';
const NAMESPACES = 320; // over BIG_LAB (300) nodes

/** One bridge with NAMESPACES namespaces, each with an address, in a grid of 20 columns. */
function bigLab(): Record<string, unknown> {
  const nodes: unknown[] = [{ id: 'br0', kind: 'bridge', addresses: ['10.9.0.1/16'] }];
  const links: unknown[] = [];
  const layout: Record<string, { x: number; y: number }> = { br0: { x: 2000, y: 0 } };
  for (let k = 0; k < NAMESPACES; k++) {
    const h = k + 2;
    nodes.push({ id: `n${k}`, kind: 'namespace' });
    links.push({ a: { node: `n${k}`, iface: 'eth0', addresses: [`10.9.${h >> 8}.${h & 255}/16`] }, b: { node: 'br0', iface: `v${k}` } });
    layout[`n${k}`] = { x: (k % 20) * 210, y: 200 + Math.floor(k / 20) * 160 };
  }
  return { name: LAB, host: { netns: `${LAB}-host` }, nodes, links, layout: { nodes: layout } };
}

const willChange = (page: Page) => page.evaluate(() => getComputedStyle(document.querySelector('.react-flow__viewport')!).willChange);

/** An empty spot of the pane (where a drag pans instead of moving a node). */
async function emptySpot(page: Page): Promise<{ x: number; y: number }> {
  const spot = await page.evaluate(() => {
    const pane = document.querySelector('.react-flow__pane')!.getBoundingClientRect();
    for (let y = pane.top + 40; y < pane.bottom - 40; y += 11)
      for (let x = pane.left + 60; x < pane.right - 40; x += 13) {
        const el = document.elementFromPoint(x, y);
        if (el?.classList.contains('react-flow__pane')) return { x, y };
      }
    return null;
  });
  if (!spot) throw new Error('no empty spot of the canvas to drag');
  return spot;
}

test.describe('a big lab', () => {
  // built once for both tests (320 namespaces take a few seconds)
  test.beforeAll(async () => {
    await deleteLab(LAB);
    const created = await call('lab:create', { topology: bigLab(), hostNetns: `${LAB}-host` });
    if (!created.ok) throw new Error(created.message);
    const applied = await call('lab:apply', { name: LAB, rev: created.lab.rev });
    if (!applied.ok || !applied.result.ok) throw new Error(`apply failed: ${JSON.stringify(applied)}`);
  });
  test.afterAll(async () => {
    await deleteLab(LAB);
  });

  test('from far out: names and boxes, a red bar for each DOWN interface; zoomed in, the rows again', async ({ page }) => {
    await login(page, `/labs/${LAB}`);
    const n30 = page.locator('.react-flow__node[data-id="n30"]');
    const row = n30.locator('[data-iface="eth0"]');
    await expect(row).toHaveAttribute('data-state', 'UP', { timeout: 30_000 });
    await viewSettled(page);
    expect(await viewZoom(page)).toBeLessThan(0.5);
    await expect(page.locator('.canvas.is-far')).toHaveCount(1);
    await expect(n30.locator('.fnode-title')).toBeVisible();
    await expect(n30.locator('.fnode-title')).toHaveText('n30');
    // the row is there (its facts are read by tests and screen readers) but not drawn
    await expect(row).toBeHidden();

    const down = await sh('ip', ['-n', `${LAB}-n30`, 'link', 'set', 'eth0', 'down']);
    expect(down.code).toBe(0);
    await expect(row).toHaveAttribute('data-state', 'DOWN', { timeout: 5_000 });
    await expect(row).toBeVisible();
    await expect(row).toHaveCSS('background-color', 'rgb(180, 35, 24)');
    await expect(row.locator('.iface-state')).toBeHidden();
    // a namespace still UP shows no bar
    await expect(page.locator('.react-flow__node[data-id="n31"] [data-iface="eth0"]')).toBeHidden();
    await page.screenshot({ path: 'test-results/big-lab-far-1280x800.png' });
    const size = (el: HTMLElement) => `${el.offsetWidth}x${el.offsetHeight}`;
    const farSize = await n30.evaluate(size);

    // zoomed in past the far view: every row written out again, in a node of the same size
    const box = await n30.boundingBox();
    if (!box) throw new Error('n30 is not on screen');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 20 && (await viewZoom(page)) < 0.55; i++) {
      await page.mouse.wheel(0, -200);
      await viewSettled(page);
    }
    expect(await viewZoom(page)).toBeGreaterThanOrEqual(0.5);
    await expect(page.locator('.canvas.is-far')).toHaveCount(0);
    await expect(row).toBeVisible();
    await expect(row.locator('.iface-state')).toHaveText('DOWN');
    await expect(row.locator('.iface-addr')).toBeVisible();
    expect(await n30.evaluate(size)).toBe(farSize);
    await expect(page.locator('.react-flow__node[data-id="n31"] [data-iface="eth0"] .iface-state')).toHaveText('UP');
    await page.screenshot({ path: 'test-results/big-lab-near-1280x800.png' });
  });

  test('dragging the pane moves the drawing as one layer, and draws it sharp again after', async ({ page }) => {
    await login(page, `/labs/${LAB}`);
    await expect(page.locator('.react-flow__node[data-id="n31"] [data-iface="eth0"]')).toHaveAttribute('data-state', 'UP', { timeout: 30_000 });
    await viewSettled(page);
    expect(await willChange(page)).toBe('auto');
    const before = await page.locator('.react-flow__viewport').evaluate((el) => (el as HTMLElement).style.transform);
    const spot = await emptySpot(page);
    await page.mouse.move(spot.x, spot.y);
    await page.mouse.down();
    await page.mouse.move(spot.x + 40, spot.y + 10, { steps: 4 });
    expect(await willChange(page)).toBe('transform');
    await page.mouse.move(spot.x + 80, spot.y + 20, { steps: 4 });
    await page.mouse.up();
    expect(await willChange(page)).toBe('auto');
    const after = await page.locator('.react-flow__viewport').evaluate((el) => (el as HTMLElement).style.transform);
    expect(after).not.toBe(before);
    // a drag of the pane selects no text
    expect(await page.evaluate(() => String(window.getSelection()))).toBe('');
  });
});

test('a small lab is never drawn the far way, even zoomed all the way out', async ({ page }) => {
  await createAppliedSeedLab('small');
  try {
    await login(page, '/labs/small');
    const row = page.locator('.react-flow__node[data-id="A"] [data-iface="eth0"]');
    await expect(row).toHaveAttribute('data-state', 'UP', { timeout: 30_000 });
    await viewSettled(page);
    const a = await page.locator('.react-flow__node[data-id="A"]').boundingBox();
    if (!a) throw new Error('A is not on screen');
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    for (let i = 0; i < 20 && (await viewZoom(page)) > 0.21; i++) {
      await page.mouse.wheel(0, 300);
      await viewSettled(page);
    }
    expect(await viewZoom(page)).toBeLessThan(0.5);
    await expect(page.locator('.canvas.is-far')).toHaveCount(0);
    await expect(row).toBeVisible();
  } finally {
    await deleteLab('small');
  }
});
