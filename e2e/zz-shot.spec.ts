import { expect, test } from '@playwright/test';
import { createAppliedSeedLab, deleteLab, login, nslab, sh } from './helpers';
const LAB = 'shotpk';
test('shot', async ({ page }) => {
  await createAppliedSeedLab(LAB);
  try {
    await login(page, `/labs/${LAB}`);
    await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
    await page.getByTestId('packets-toggle').click();
    await page.getByRole('button', { name: '¼×' }).click();
    await page.waitForTimeout(1500);
    await sh('ip', ['-n', `${LAB}-A`, 'neigh', 'flush', 'all']);
    void nslab('exec', LAB, 'A', '--', 'ping', '-c2', '203.0.113.2');
    await page.waitForTimeout(2500);
    await page.screenshot({ path: '/tmp/pk-shot1.png' });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: '/tmp/pk-shot2.png' });
    await page.locator('.react-flow__node[data-id="B"]').click({ button: 'right' });
    await page.screenshot({ path: '/tmp/pk-shot3.png' });
    await page.getByRole('menuitem', { name: 'Ping…' }).click();
    await page.getByLabel('target node or address').fill('remote');
    await page.screenshot({ path: '/tmp/pk-shot4.png' });
    await page.getByRole('button', { name: 'Ping', exact: true }).click();
    await expect(page.getByTestId('probe-card')).toBeVisible({ timeout: 20000 });
    await page.screenshot({ path: '/tmp/pk-shot5.png' });
  } finally {
    await deleteLab(LAB);
  }
});
