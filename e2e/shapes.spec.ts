// Shapes and auto-addressing in the dashboard: New lab with a shape opens the editor with the
// generated lab drawn; Assign addresses… (the lab's overview) lists what gets which address before it changes anything, and
// Assign is one editor change. Screenshots at 1280x800.
import { expect, test } from '@playwright/test';
import { generateShape } from '@/lib/shapes';
import { call, deleteLab, login } from './helpers';

const RING = 'ring-e2e';
const STAR = 'star-e2e';

test.afterEach(async () => {
  await deleteLab(RING);
  await deleteLab(STAR);
});

test('New lab with a shape: a routed ring of 6, drawn with its layout', async ({ page }) => {
  await login(page);
  await page.getByRole('textbox', { name: /^Lab name/ }).fill(RING);
  await page.getByRole('combobox', { name: 'Shape' }).selectOption('ring');
  // a ring exists only routed: the box is ticked and cannot be unticked
  await expect(page.getByRole('checkbox', { name: /^Routed/ })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: /^Routed/ })).toBeDisabled();
  await page.getByRole('spinbutton', { name: 'Namespaces' }).fill('2000');
  await expect(page.locator('form').getByRole('alert')).toContainText('size 2000 is too big for a routed ring');
  await expect(page.getByRole('button', { name: 'Create and open' })).toBeDisabled();
  await page.getByRole('spinbutton', { name: 'Namespaces' }).fill('6');
  await page.screenshot({ path: 'test-results/new-lab-shape-1280x800.png' });
  await page.getByRole('button', { name: 'Create and open' }).click();
  await expect(page).toHaveURL(new RegExp(`/labs/${RING}$`));
  for (const id of ['host', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']) await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(7);
  await expect(page.getByText('saved, revision 1')).toBeVisible();
  await expect(page.getByText(/problems? to fix/)).toHaveCount(0);
  await page.screenshot({ path: 'test-results/new-lab-ring6-1280x800.png' });
});

test('Assign addresses… shows what gets which address, then assigns them as one change', async ({ page }) => {
  const t = generateShape({ shape: 'star', size: 4, name: STAR, hostNetns: `${STAR}-h` });
  for (const l of t.links) if (l.a.node !== 'host') delete l.a.addresses;
  const res = await call('lab:create', { topology: t, hostNetns: `${STAR}-h` });
  expect(res.ok).toBe(true);
  await login(page, `/labs/${STAR}`);
  await expect(page.locator('.react-flow__node[data-id="n4"]')).toBeVisible();
  await page.getByRole('button', { name: 'Assign addresses…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Assign addresses' });
  const rows = dialog.getByRole('table', { name: 'addresses to assign' }).locator('tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.first()).toContainText('n1');
  await expect(rows.first()).toContainText('+ 10.0.0.2/24');
  await expect(dialog.getByTestId('addr-summary')).toHaveText('4 addresses to assign, 0 new subnets from 10.0.0.0/8.');
  // a bad pool is named, and nothing can be assigned
  await dialog.getByRole('textbox', { name: 'Pool' }).fill('10.0.0.1/8');
  await expect(dialog.getByRole('alert')).toHaveText('pool 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?');
  await expect(dialog.getByRole('button', { name: /^Assign/ })).toBeDisabled();
  await dialog.getByRole('textbox', { name: 'Pool' }).fill('10.0.0.0/8');
  await page.screenshot({ path: 'test-results/assign-addresses-1280x800.png' });
  // nothing changed before Assign
  await expect(page.getByText('saved, revision 1')).toBeVisible();
  await dialog.getByRole('button', { name: 'Assign 4' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByText('unsaved changes')).toBeVisible();
  await page.getByRole('button', { name: 'Assign addresses…' }).click();
  await expect(dialog.getByText('nothing to assign')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  // one undo step takes it all back
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('button', { name: 'Assign addresses…' }).click();
  await expect(rows).toHaveCount(4);
});
