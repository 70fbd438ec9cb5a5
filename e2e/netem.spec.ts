// Issue 13, point 1 in the browser: a link's netem is drawn on it (`50 ms · 1 %`) and edited in
// the inspector, on the link and on one end; a bad value is named at its field.
import { expect, test } from '@playwright/test';
import { call, deleteLab, login, seedTopology, viewSettled } from './helpers';

const LAB = 'impaired';

test.afterAll(async () => {
  await deleteLab(LAB);
});

test('a link’s netem is drawn on it and edited in the inspector', async ({ page }) => {
  await deleteLab(LAB);
  const t = seedTopology(LAB) as { links: Array<Record<string, unknown>> };
  t.links[0]!.netem = { delay: '50ms', loss: '1%' };
  const made = await call('lab:create', { topology: t, hostNetns: `${LAB}-host` });
  expect(made.ok, JSON.stringify(made)).toBe(true);
  await login(page, `/labs/${LAB}`);
  const edge = page.locator('.react-flow__edge[aria-label="link A eth0 to br0 veth-A"]');
  const label = edge.locator('.link-netem');
  await expect(label).toHaveText('50 ms · 1 %');
  await viewSettled(page);
  await page.screenshot({ path: 'test-results/netem-edge-1280x800.png' });

  await edge.focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-path="links[0].netem.delay"]').fill('10ms');
  await expect(label).toHaveText('10 ms · 1 %');
  await page.getByText('Impair A’s end only'.replace('’', "'")).click();
  await page.locator('[data-path="links[0].a.netem.loss"]').fill('5%');
  await expect(label).toHaveText('a: 5 % | b: 10 ms · 1 %');
  await page.screenshot({ path: 'test-results/netem-inspector-1280x800.png' });

  await page.locator('[data-path="links[0].netem.delay"]').fill('50 parsecs');
  await expect(page.locator('.inspector')).toContainText('"50 parsecs" is not a time like 50ms');
});
