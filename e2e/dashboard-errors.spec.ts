// Issue 8, point 7 in the dashboard: a lab whose saved topology no longer passes validation is
// listed (marked broken, with the problem) beside the others, and opening it shows the server's
// one-sentence error, not a crash or an empty page.
import { expect, test } from '@playwright/test';
import { Store } from '@/server/store/store';
import { HOME, login } from './helpers';

const LAB = 'brokenlab';

function withStore<T>(fn: (store: Store) => T): T {
  const store = new Store(HOME);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

test.afterEach(() => {
  withStore((s) => s.deleteLab(LAB));
});

test('a broken lab is listed as broken and opening it says what is wrong and the fix', async ({ page }) => {
  withStore((s) =>
    s.db
      .prepare(`INSERT INTO labs (name, topology, rev, created_at, updated_at) VALUES (?, ?, 1, 'x', 'x')`)
      .run(LAB, JSON.stringify({ name: LAB, nodes: [{ id: 'A B', kind: 'namespace' }], links: [] })),
  );
  await login(page);
  const row = page.locator(`tr[data-lab="${LAB}"]`);
  await expect(row.locator('.badge')).toHaveText('broken');
  await expect(row).toContainText('the saved topology is not valid (nodes[0].id:');
  await row.getByRole('link', { name: LAB }).click();
  await expect(page.getByRole('heading', { name: `Cannot open lab ${LAB}` })).toBeVisible();
  const message = page.locator('.error-text');
  await expect(message).toHaveText(/^the topology of lab "brokenlab" saved in the database is not valid \(nodes\[0\]\.id: .*\); replace it with a good file of the lab: `nslab apply FILE`$/);
  await expect(message).not.toContainText('unexpected');
});
