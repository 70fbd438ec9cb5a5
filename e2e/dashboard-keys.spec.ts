// The editor with the keyboard: Delete removes the selection (never while typing), Ctrl+Z and
// Ctrl+Shift+Z undo and redo it, Ctrl+S saves, Escape closes the plan dialog, and the dock's
// tabs move with the arrow keys while every opened panel stays mounted.
import { expect, test, type Page } from '@playwright/test';
import { createSeedLab, deleteLab, login } from './helpers';

const LAB = 'keys';

test.beforeEach(async () => {
  await deleteLab(LAB);
  await createSeedLab(LAB);
});
test.afterEach(async () => {
  await deleteLab(LAB);
});

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const edge = (page: Page, id: string) => page.locator(`[data-testid="rf__edge-${id}"]`);

test('Delete removes the selection; Ctrl+Z brings it back, Ctrl+Shift+Z removes it again; Ctrl+S saves', async ({ page }) => {
  await login(page, `/labs/${LAB}`);
  await expect(node(page, 'A')).toBeVisible();

  await node(page, 'A').locator('.fnode-title').click();
  await page.keyboard.press('Delete');
  await expect(node(page, 'A')).toHaveCount(0);
  await expect(edge(page, 'A-br0')).toHaveCount(0);
  await expect(page.getByText('unsaved changes')).toBeVisible();

  await page.keyboard.press('Control+z');
  await expect(node(page, 'A')).toBeVisible();
  await expect(edge(page, 'A-br0')).toHaveCount(1);

  await page.keyboard.press('Control+Shift+z');
  await expect(node(page, 'A')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(node(page, 'A')).toBeVisible();

  // Backspace inside a text field edits the text, not the canvas
  await node(page, 'B').locator('.fnode-title').click();
  const field = page.locator('[data-path="links[1].a.iface"]');
  await field.click();
  await field.press('End');
  await field.press('Backspace');
  await expect(field).toHaveValue('eth');
  await expect(node(page, 'B')).toBeVisible();
  await page.keyboard.press('Control+z'); // the field's own undo, not the editor's
  await expect(node(page, 'B')).toBeVisible();
  await field.fill('eth0');

  // Backspace deletes too, and Ctrl+S saves the result as a new revision
  await node(page, 'C').locator('.fnode-title').click();
  await page.keyboard.press('Backspace');
  await expect(node(page, 'C')).toHaveCount(0);
  await page.keyboard.press('Control+s');
  await expect(page.getByText(/saved, revision 2/)).toBeVisible();
});

test('Escape closes the plan dialog; the dock tabs follow the arrow keys and keep their panels', async ({ page }) => {
  await login(page, `/labs/${LAB}`);
  await page.getByRole('button', { name: 'Apply…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('plan-summary')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  const tab = (name: string) => page.getByRole('tab', { name, exact: true });
  await tab('Commands').focus();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Terminal')).toBeFocused();
  await expect(tab('Terminal')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#dock-panel-terminal')).toBeVisible();
  await page.keyboard.press('End');
  await expect(tab('Lesson')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(tab('Commands')).toHaveAttribute('aria-selected', 'true');
  // the terminal panel is hidden, not unmounted
  await expect(page.locator('#dock-panel-terminal')).toBeHidden();
  await expect(page.locator('#dock-panel-terminal')).toHaveCount(1);
  // only the selected tab is in the Tab order (roving tabindex)
  await expect(page.locator('[role=tab][tabindex="0"]')).toHaveCount(1);

  // the dock collapses and comes back, its panels still there
  await page.getByRole('button', { name: /^Hide/ }).click();
  await expect(page.locator('#dock-panels')).toBeHidden();
  await page.getByRole('button', { name: /^Show/ }).click();
  await expect(page.locator('#dock-panel-commands')).toBeVisible();
  await expect(page.locator('#dock-panel-terminal')).toHaveCount(1);

  // and resizes from the keyboard on its top edge
  const before = (await page.locator('.dock').boundingBox())!.height;
  await page.getByRole('separator', { name: /resize the dock/ }).focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect.poll(async () => (await page.locator('.dock').boundingBox())!.height).toBeGreaterThan(before + 40);
});
