// Acceptance 7, for the eye: the applied seed lab in normal and large (projector) text at
// 1280x800 and 1920x1080, and the labs page with a lab. The screenshots are looked at by a person;
// the checks here only catch what a person would call broken (text cut off, panels overlapping).
import { expect, test, type Page } from '@playwright/test';
import { call, createAppliedSeedLab, deleteLab, login, viewSettled } from './helpers';

const LAB = 'look';

test.beforeAll(async () => {
  await createAppliedSeedLab(LAB);
});

test.afterAll(async () => {
  await deleteLab(LAB);
});

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

async function fit(page: Page) {
  await page.locator('.react-flow__controls-fitview').click();
  await viewSettled(page);
}

/** No two canvas nodes overlap, and no node sits under the minimap. */
async function expectNothingCovered(page: Page) {
  // the host's frame holds its bridges: those lie inside it, no other two nodes overlap
  const all = await page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => ({ id: (e as HTMLElement).dataset.id, kind: e.querySelector<HTMLElement>('.fnode')?.dataset.kind, box: e.getBoundingClientRect().toJSON() as DOMRect })));
  const boxes = all.filter((n) => n.kind !== 'bridge').map((n) => n.box);
  const host = all.find((n) => n.id === 'host')!.box;
  for (const b of all.filter((n) => n.kind === 'bridge')) {
    expect(b.box.x >= host.x && b.box.y >= host.y && b.box.right <= host.right && b.box.bottom <= host.bottom, `${b.id} inside the host`).toBe(true);
  }
  const map = page.locator('.react-flow__minimap');
  const minimap = (await map.count()) > 0 ? await map.boundingBox() : null;
  const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) expect(overlaps(a, b), 'two nodes overlap').toBe(false);
    if (minimap) expect(overlaps(a, minimap), 'the minimap covers a node').toBe(false);
  }
}

test('the applied seed lab, in normal and large text, at 1280x800 and 1920x1080', async ({ page }) => {
  await login(page, `/labs/${LAB}`);
  await expect(page.locator('.react-flow__node[data-id="A"] [data-iface="eth0"]')).toHaveAttribute('data-state', 'UP');
  for (const large of [false, true]) {
    if (large) await page.getByRole('button', { name: 'Large text' }).click();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await fit(page);
      await expectNothingCovered(page);
      // the toolbar's buttons stay on screen
      const apply = await page.getByRole('button', { name: 'Apply…' }).boundingBox();
      expect(apply && apply.x + apply.width <= size.width).toBe(true);
      await page.screenshot({ path: `test-results/dashboard-${large ? 'large' : 'normal'}-${size.width}x${size.height}.png` });
    }
  }
  await page.getByRole('button', { name: 'Normal text' }).click();
});

test('the labs page with a lab, in normal and large text', async ({ page }) => {
  await login(page);
  await expect(page.getByRole('link', { name: LAB })).toBeVisible();
  await page.screenshot({ path: 'test-results/dashboard-labs-1280x800.png' });
  await page.evaluate(() => localStorage.setItem('nslab:large-text', '1'));
  await page.reload();
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.screenshot({ path: 'test-results/dashboard-labs-large-1920x1080.png' });
  await page.evaluate(() => localStorage.removeItem('nslab:large-text'));
});
