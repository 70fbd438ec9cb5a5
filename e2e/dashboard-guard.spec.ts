// Acceptance 4 and 5: a bad address is refused at its field before any kernel change, and
// nothing answers without the access token.
import { expect, test } from '@playwright/test';
import { io } from 'socket.io-client';
import { BASE, createSeedLab, deleteLab, login, netnsList } from './helpers';

const LAB = 'guard';

test.afterEach(async () => {
  await deleteLab(LAB);
});

test('typing 10.0.0.300/24 shows an error at that field, disables Apply, and changes nothing', async ({ page }) => {
  await deleteLab(LAB);
  await createSeedLab(LAB);
  const before = await netnsList();
  await login(page, `/labs/${LAB}`);
  await page.locator('.react-flow__node[data-id="B"] .fnode-title').click();
  const field = page.locator('[data-path="links[1].a.addresses[0]"]');
  await field.fill('10.0.0.300/24');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('[data-error-for="links[1].a.addresses[0]"]')).toContainText('10.0.0.300/24');
  await expect(page.getByRole('button', { name: 'Apply…' })).toBeDisabled();
  await expect(page.locator('.react-flow__node[data-id="B"]')).toContainText('1 problem');
  await page.screenshot({ path: 'test-results/dashboard-invalid-1280x800.png' });
  // Ctrl+S would save; the server refuses the same topology, naming the field
  await page.keyboard.press('Control+s');
  await expect(page.locator('.banner.error')).toContainText('links[1].a.addresses[0]');
  expect(await netnsList()).toEqual(before);
  expect(before.some((ns) => ns.startsWith(`${LAB}-`))).toBe(false);
});

test('without the token, the page and the socket are refused', async ({ page, request }) => {
  const res = await request.get('/', { failOnStatusCode: false });
  expect(res.status()).toBe(401);
  expect(await res.text()).toContain('Access token needed');
  const wrong = await request.get('/?token=not-the-token', { failOnStatusCode: false });
  expect(wrong.status()).toBe(401);

  await page.goto('/labs/x');
  await expect(page.getByRole('heading', { name: 'Access token needed' })).toBeVisible();

  const refused = await new Promise<string>((resolve) => {
    const socket = io(BASE, { reconnection: false, transports: ['polling'] });
    socket.on('connect', () => resolve('connected'));
    socket.on('connect_error', (e) => resolve(`refused: ${e.message}`));
  });
  expect(refused).toMatch(/^refused/);

  // With the token a browser gets in; but a page of another origin cannot use its socket.
  await login(page);
  await expect(page.getByRole('heading', { name: 'Labs' })).toBeVisible();
  const foreign = await page.request.get(`${BASE}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'http://evil.example' }, failOnStatusCode: false });
  expect(foreign.status()).toBe(403);
});
