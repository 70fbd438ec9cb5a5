// VLANs on the canvas (issue 13, point 3): each port's VLANs written at its end of the link, and
// edited in the inspector, with a bad VLAN id refused at its field.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { parse } from 'yaml';
import { call, deleteLab, login, viewSettled } from './helpers';

const LAB = 'vlans';

test.afterAll(async () => {
  await deleteLab(LAB);
});

/** Selects a link from the keyboard (its inspector opens). */
async function selectLink(page: Page, label: string): Promise<void> {
  await page.locator(`.react-flow__edge[aria-label="${label}"]`).focus();
  await page.keyboard.press('Enter');
}

test('ports show their VLANs on the canvas; the inspector changes them and names a bad id', async ({ page }) => {
  await deleteLab(LAB);
  const topology = { ...(parse(readFileSync('examples/vlans.yaml', 'utf8')) as object), host: { netns: 'vlans-host' } };
  const created = await call('lab:create', { topology, hostNetns: 'vlans-host' });
  expect(created.ok, JSON.stringify(created)).toBe(true);
  await login(page, `/labs/${LAB}`);
  await expect(page.locator('.react-flow__node[data-id="br0"]')).toBeVisible();
  await viewSettled(page);
  const vlans = page.locator('.link-end-vlan');
  await expect(vlans).toHaveCount(6);
  expect((await vlans.allInnerTexts()).sort()).toEqual(['VLAN 10', 'VLAN 10', 'VLAN 20', 'VLAN 30', 'tagged 10,30', 'trunk 10,30'].sort());
  await page.screenshot({ path: 'test-results/vlan-canvas.png' });

  await selectLink(page, 'link C eth0 to br0 p-C');
  const field = page.locator('[data-path="links[2].b.vlan"]');
  await expect(field).toHaveValue('20');
  await field.fill('5000');
  await expect(page.locator('[data-error-for="links[2].b.vlan"]')).toContainText('VLAN id 5000 is not valid: use a whole number from 1 to 4094');
  await field.fill('10');
  await expect(page.locator('[data-error-for="links[2].b.vlan"]')).toHaveCount(0);
  await expect(page.locator('.react-flow__edge[aria-label="link C eth0 to br0 p-C"]')).toBeVisible();
  await expect(vlans.filter({ hasText: 'VLAN 20' })).toHaveCount(0);
  // the trunk: typed as a list, kept as typed while typing
  await selectLink(page, 'link T eth0 to br0 p-T');
  const trunk = page.locator('[data-path="links[4].b.vlans"]');
  await trunk.fill('10, 30, 40');
  await expect(vlans.filter({ hasText: 'trunk 10,30,40' })).toHaveCount(1);
  await expect(page.locator('[data-path="links[4].a.subinterfaces[1].vlan"]')).toHaveValue('30');
  await page.screenshot({ path: 'test-results/vlan-inspector.png' });
});
