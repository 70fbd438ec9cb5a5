// A dual-stack lab in the editor: "Add static routes…" (the lab's overview) lists the computed routes (both families) before they
// are added to the drawing, Apply… builds them, and the canvas shows each interface's IPv4 and
// IPv6 addresses read back from the kernel. The screenshot is for a person to look at.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { parse } from 'yaml';
import { call, deleteLab, login, viewSettled } from './helpers';

const LAB = 'dual6';

test.afterAll(async () => {
  await deleteLab(LAB);
});

test('computed routes, shown before they are added, then applied; both families on the canvas', async ({ page }) => {
  // the dual-stack seed without the namespaces' routes
  const t = parse(readFileSync('examples/seed-dualstack.yaml', 'utf8')) as { nodes: Record<string, unknown>[] } & Record<string, unknown>;
  for (const n of t.nodes) delete n.routes;
  await deleteLab(LAB);
  const made = await call('lab:create', { topology: { ...t, name: LAB, host: { ...(t.host as object), netns: `${LAB}-host` } }, hostNetns: `${LAB}-host` });
  expect(made.ok, JSON.stringify(made)).toBe(true);

  await login(page, `/labs/${LAB}`);
  await page.getByRole('button', { name: 'Add static routes so every node reaches every other…' }).click();
  const routes = page.getByTestId('auto-routes');
  await expect(routes.getByRole('list', { name: 'routes to add' })).toContainText('+ A: default (IPv6) via 2001:db8:0:1::fe');
  await expect(routes).toContainText('+ remote: default (IPv6) via 2001:db8:0:2::1');
  await expect(page.getByText('unsaved changes')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/ipv6-routes-dialog-1280x800.png' });
  await routes.getByRole('button', { name: /^Add \d+ routes to the drawing$/ }).click();
  await expect(page.getByText('unsaved changes')).toBeVisible();

  await page.getByRole('button', { name: 'Apply…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('plan-summary')).toBeVisible();
  await expect(dialog).toContainText('route ::/0 via 2001:db8:0:1::fe');
  await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(dialog.getByText('Applied: the kernel now matches the lab.')).toBeVisible({ timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();

  const eth0 = page.locator('.react-flow__node[data-id="A"] [data-iface="eth0"]');
  await expect(eth0).toHaveAttribute('data-state', 'UP');
  await expect(eth0.locator('.iface-addr')).toHaveText('10.0.0.2/24\n2001:db8:0:1::2/64');
  await page.locator('.react-flow__controls-fitview').click();
  await viewSettled(page);
  await page.screenshot({ path: 'test-results/ipv6-dual-stack-1280x800.png' });
});
