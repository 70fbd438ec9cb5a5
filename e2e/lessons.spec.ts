// Issue 12 acceptance 3: in the editor, running every step of namespaces-101 from an empty lab
// (Run step, in slow motion with its commands shown, then Check) ends with every check ticked;
// progress is kept per lab (a reload shows it); Back to step k takes the lab back.
import { expect, test, type Page } from '@playwright/test';
import { call, deleteLab, login, netnsList } from './helpers';

const LAB = 'e2elesson';
const STEPS = 9;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await deleteLab(LAB);
  const r = await call('lab:create', { topology: { name: LAB, nodes: [], links: [] }, hostNetns: `${LAB}-host` });
  if (!r.ok) throw new Error(r.message);
});

test.afterAll(async () => {
  await deleteLab(LAB);
});

async function openLesson(page: Page): Promise<void> {
  await login(page, `/labs/${LAB}`);
  await page.getByRole('tab', { name: 'Lesson', exact: true }).click();
}

const stepButton = (page: Page, k: number) => page.getByRole('list', { name: 'lesson steps' }).getByRole('button', { name: new RegExp(`^step ${k}: `) });

test('every step of namespaces-101, run and checked in the editor, ends with every check ticked', async ({ page }) => {
  test.setTimeout(600_000);
  await openLesson(page);
  await page.getByLabel('lesson', { exact: true }).selectOption('namespaces-101');
  await page.getByRole('button', { name: 'Start lesson' }).click();
  await expect(stepButton(page, 1)).toBeVisible();

  for (let k = 1; k <= STEPS; k++) {
    await stepButton(page, k).click();
    const view = page.getByRole('region', { name: `step ${k}` });
    // before the step: checking says it is not done yet
    await view.getByRole('button', { name: `Check step ${k}` }).click();
    await expect(view.getByRole('list', { name: 'checks' }).locator('li[data-ok="no"]').first()).toBeVisible({ timeout: 60_000 });
    await expect(view.getByRole('list', { name: 'checks' }).locator('li[data-ok="yes"]')).toHaveCount(0);
    // Run step: its commands show as they run, from the plan
    await view.getByRole('button', { name: `Run step ${k}` }).click();
    await expect(view.getByLabel('commands run')).toContainText('$ ', { timeout: 60_000 });
    await expect(page.getByText(`The lab is at step ${k} of ${STEPS}.`)).toBeVisible({ timeout: 120_000 });
    await expect(view.getByRole('button', { name: `Check step ${k}` })).toBeEnabled();
    // Check: every check ticked, with its evidence
    await view.getByRole('button', { name: `Check step ${k}` }).click();
    const checks = view.getByRole('list', { name: 'checks' }).locator('li');
    await expect(checks.first()).toHaveAttribute('data-ok', 'yes', { timeout: 60_000 });
    await expect(view.getByRole('list', { name: 'checks' }).locator('li[data-ok="no"]')).toHaveCount(0);
    await expect(stepButton(page, k)).toHaveAccessibleName(/checks passed$/);
  }
  // the commands shown for a step are the plan's: step 9 loaded the lab's NAT table
  await expect(page.getByRole('region', { name: `step ${STEPS}` }).getByLabel('commands run')).toContainText(`nft -f -`);
  // the canvas has the whole lab
  for (const id of ['A', 'B', 'C', 'br0', 'remote']) await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toBeVisible();

  // progress is kept per lab: a reload shows every step passed
  await page.reload();
  await page.getByRole('tab', { name: 'Lesson', exact: true }).click();
  for (let k = 1; k <= STEPS; k++) await expect(stepButton(page, k)).toHaveAccessibleName(/checks passed$/);
});

test('Back to step k resets the lab to the state after step k', async ({ page }) => {
  test.setTimeout(300_000);
  await openLesson(page);
  await stepButton(page, 3).click();
  const view = page.getByRole('region', { name: 'step 3' });
  await view.getByRole('button', { name: 'Back to step 3' }).click();
  await expect(page.getByText(`The lab is at step 3 of ${STEPS}.`)).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('.react-flow__node[data-id="remote"]')).toHaveCount(0);
  expect((await netnsList()).filter((n) => n.startsWith(`${LAB}-`)).sort()).toEqual([`${LAB}-A`, `${LAB}-B`, `${LAB}-C`, `${LAB}-host`]);
  // later steps are no longer passed; the steps up to 3 still are
  await expect(stepButton(page, 4)).not.toHaveAccessibleName(/checks passed$/);
  await expect(stepButton(page, 3)).toHaveAccessibleName(/checks passed$/);
  await view.getByRole('button', { name: 'Check step 3' }).click();
  await expect(view.getByRole('list', { name: 'checks' }).locator('li[data-ok="yes"]')).toHaveCount(4, { timeout: 60_000 });
});
