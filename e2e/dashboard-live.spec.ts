// Acceptance 2 and 3: the canvas follows the kernel. A hand-made `ip link set ... down` shows as
// DOWN with drift within 2 s and Apply repairs it; a second browser sees an apply live.
import { expect, test, type Page } from '@playwright/test';
import { createSeedLab, deleteLab, login, sh } from './helpers';

const LAB = 'live';

test.beforeEach(async () => {
  await deleteLab(LAB);
  await createSeedLab(LAB);
});
test.afterEach(async () => {
  await deleteLab(LAB);
});

const iface = (page: Page, node: string, name: string) => page.locator(`.react-flow__node[data-id="${node}"] [data-iface="${name}"]`);

async function applyFromEditor(page: Page) {
  await page.getByRole('button', { name: 'Apply…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('plan-summary')).toBeVisible();
  await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(dialog.getByText('Applied: the kernel now matches the lab.')).toBeVisible({ timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();
}

test('a second browser sees the first one apply, without reloading', async ({ page, browser }) => {
  await login(page, `/labs/${LAB}`);
  const other = await browser.newContext();
  try {
    const watcher = await other.newPage();
    await login(watcher, `/labs/${LAB}`);
    await expect(iface(watcher, 'A', 'eth0')).toHaveCount(0);
    await expect(watcher.locator('.react-flow__node[data-id="A"]')).toContainText('not in the kernel yet');

    await applyFromEditor(page);
    await expect(iface(watcher, 'A', 'eth0')).toHaveAttribute('data-state', 'UP');
    await expect(iface(watcher, 'A', 'eth0')).toContainText('10.0.0.2/24');
    await expect(watcher.getByRole('list', { name: 'command log' })).toContainText('of=/run/netns/live-A conv=excl');
    await expect(watcher.locator('.topbar .badge')).toHaveText('applied');
  } finally {
    await other.close();
  }
});

test('a link set down by hand shows DOWN and drift within 2 s; Apply repairs it', async ({ page }) => {
  await login(page, `/labs/${LAB}`);
  await applyFromEditor(page);
  await expect(iface(page, 'A', 'eth0')).toHaveAttribute('data-state', 'UP');

  const down = await sh('ip', ['-n', 'live-A', 'link', 'set', 'eth0', 'down']);
  expect(down.code).toBe(0);
  await expect(iface(page, 'A', 'eth0')).toHaveAttribute('data-state', 'DOWN', { timeout: 2_000 });
  await expect(iface(page, 'A', 'eth0')).toContainText('DOWN');
  await expect(page.locator('.react-flow__node[data-id="A"] [data-drift]')).toBeVisible({ timeout: 2_000 });
  await expect(page.locator('.react-flow__node[data-id="A"] .fnode-drift')).toContainText('eth0 is DOWN');
  await page.screenshot({ path: 'test-results/dashboard-drift-1280x800.png' });

  // The plan repairs it (the kernel also dropped A's default route with the link), and the command log shows the command that did it.
  await page.getByRole('button', { name: 'Apply…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('plan-summary')).toHaveText(/Plan: \d+ to add, [1-9]\d* to change, 0 to destroy\./);
  await expect(dialog.locator('[data-action=update]').first()).toContainText('~');
  await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(dialog.getByText('Applied: the kernel now matches the lab.')).toBeVisible({ timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(iface(page, 'A', 'eth0')).toHaveAttribute('data-state', 'UP');
  await expect(page.locator('.react-flow__node[data-id="A"] [data-drift]')).toHaveCount(0);
  await expect(page.getByRole('list', { name: 'command log' })).toContainText('ip -n live-A link set dev eth0 up');
});
