// Acceptance 1, 6 and 7: build the seed lab only by dragging, connecting and typing; apply it;
// every interface shows UP with its address; the plan and the command log show the real work;
// `nslab exec seed A -- ping -c1 10.0.0.3` works. Screenshots at 1280x800 and 1920x1080.
import { expect, test, type Page } from '@playwright/test';
import { labGroup } from '@/lib/names';
import { centerOf, deleteLab, login, mouseDrag, nslab, viewSettled } from './helpers';

const LAB = 'seed';

test.afterEach(async () => {
  await deleteLab(LAB);
});

async function dropFromPalette(page: Page, kind: string, at: { x: number; y: number }) {
  await page.locator(`.palette-item[data-kind=${kind}]`).dragTo(page.locator('.canvas .react-flow__pane'), { targetPosition: at, force: true });
}

async function connect(page: Page, from: string, fromHandle: 'top' | 'bottom', to: string, toHandle: 'top' | 'bottom') {
  const a = await centerOf(page, `.react-flow__node[data-id="${from}"] .react-flow__handle-${fromHandle}`);
  const b = await centerOf(page, `.react-flow__node[data-id="${to}"] .react-flow__handle-${toHandle}`);
  await mouseDrag(page, a, b);
}

async function selectNode(page: Page, id: string) {
  await page.locator(`.react-flow__node[data-id="${id}"] .fnode-title`).click();
}

test('build the seed lab by hand, apply it, and see the kernel answer', async ({ page }) => {
  await login(page);
  await expect(page.getByText('No labs yet.')).toBeVisible();
  await page.screenshot({ path: 'test-results/dashboard-labs-empty-1280x800.png' });
  await page.getByRole('textbox', { name: /^Lab name/ }).fill(LAB);
  await page.getByRole('button', { name: 'Create and open' }).click();
  await expect(page).toHaveURL(/\/labs\/seed$/);
  await expect(page.getByText('Drag a namespace here')).toBeVisible();
  await page.screenshot({ path: 'test-results/dashboard-empty-canvas-1280x800.png' });

  // The palette: a bridge under the host, three namespaces under it, another machine aside.
  // (zoomed out first, so that there is room between them for the links' interface labels)
  for (let i = 0; i < 3; i++) await page.locator('.react-flow__controls-zoomout').click();
  await viewSettled(page);
  const pane = await page.locator('.canvas .react-flow__pane').boundingBox();
  const host = await page.locator('.react-flow__node[data-id="host"]').boundingBox();
  if (!pane || !host) throw new Error('the canvas is not on screen');
  const hx = host.x - pane.x + host.width / 2;
  const hy = host.y - pane.y + host.height / 2;
  await dropFromPalette(page, 'bridge', { x: hx, y: hy + 85 });
  await dropFromPalette(page, 'namespace', { x: hx - 190, y: hy + 220 });
  await dropFromPalette(page, 'namespace', { x: hx, y: hy + 220 });
  await dropFromPalette(page, 'namespace', { x: hx + 190, y: hy + 220 });
  await dropFromPalette(page, 'machine', { x: hx + 200, y: hy - 110 });
  for (const id of ['br0', 'A', 'B', 'C', 'remote']) await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toBeVisible();
  await page.locator('.react-flow__controls-fitview').click();

  // Give the bridge the host's address, then plug A, B and C into it.
  await selectNode(page, 'br0');
  await page.locator('[data-path="nodes[0].addresses[0]"]').fill('10.0.0.1/24');
  // (from the bridge's dot down to each namespace: C may sit near the minimap's corner)
  for (const id of ['A', 'B', 'C']) await connect(page, 'br0', 'bottom', id, 'top');
  // the next free address of the bridge's subnet is filled in; A's is typed over by hand
  await expect(page.locator('[data-path="links[2].a.addresses[0]"]')).toHaveValue('10.0.0.4/24');
  await selectNode(page, 'A');
  await page.locator('[data-path="links[0].a.addresses[0]"]').fill('10.0.0.2/24');
  await page.getByRole('button', { name: '+ default route via 10.0.0.1' }).click();
  for (const id of ['B', 'C']) {
    await selectNode(page, id);
    await page.getByRole('button', { name: '+ default route via 10.0.0.1' }).click();
  }

  // The other machine hangs off the host on its own link.
  await connect(page, 'host', 'top', 'remote', 'top');
  await page.locator('[data-path="links[3].a.addresses[0]"]').fill('203.0.113.1/24');
  await page.locator('[data-path="links[3].b.addresses[0]"]').fill('203.0.113.2/24');
  await expect(page.locator('[data-path="links[3].a.iface"]')).toHaveValue('to-remote');

  // The host forwards and masquerades the bridge's subnet towards the other machine.
  await selectNode(page, 'host');
  await page.getByLabel('Forward packets (ip_forward)').check();
  await page.getByRole('button', { name: '+ NAT rule' }).click();
  await expect(page.locator('[data-path="host.nat[0].source"]')).toHaveValue('10.0.0.0/24');
  await expect(page.locator('[data-path="host.nat[0].out"]')).toHaveValue('to-remote');
  await expect(page.getByText('problem')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/dashboard-drawn-1280x800.png' });

  // Apply: the plan first (acceptance 6), then the kernel work.
  await page.getByRole('button', { name: 'Apply…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('plan-summary')).toHaveText(/Plan: \d+ to add, 0 to change, 0 to destroy\./);
  for (const address of ['seed-A', 'seed-B', 'seed-C', 'seed-remote', 'br0']) await expect(dialog.locator('.plan-address', { hasText: address }).first()).toBeVisible();
  await expect(dialog.locator('[data-action=create]').first()).toContainText('+');
  await page.screenshot({ path: 'test-results/dashboard-plan-1280x800.png' });
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(dialog.getByText('Applied: the kernel now matches the lab.')).toBeVisible({ timeout: 60_000 });
  await expect(dialog.locator('[data-status=done]').first()).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The kernel's truth on the canvas: every interface UP with its address.
  const iface = (node: string, name: string) => page.locator(`.react-flow__node[data-id="${node}"] [data-iface="${name}"]`);
  for (const [node, name, addr] of [
    ['A', 'eth0', '10.0.0.2/24'],
    ['B', 'eth0', '10.0.0.3/24'],
    ['C', 'eth0', '10.0.0.4/24'],
    ['br0', 'br0', '10.0.0.1/24'],
    ['host', 'to-remote', '203.0.113.1/24'],
    ['remote', 'eth0', '203.0.113.2/24'],
  ] as const) {
    await expect(iface(node, name)).toHaveAttribute('data-state', 'UP');
    await expect(iface(node, name)).toContainText(addr);
    await expect(iface(node, name)).toContainText('UP');
  }
  for (const port of ['veth-A', 'veth-B', 'veth-C']) await expect(iface('br0', port)).toHaveAttribute('data-state', 'UP');

  // The command log shows the commands as a student could type them (acceptance 6).
  const log = page.getByRole('list', { name: 'command log' });
  await expect(log).toContainText('dd if=/dev/null of=/run/netns/seed-A conv=excl'); // the namespace's name claimed, then made with its user namespace
  await expect(log).toContainText(`ip -n seed-host link add name br0 group ${labGroup('seed')} type bridge`);
  await expect(log).toContainText('ip -n seed-A addr add 10.0.0.2/24 dev eth0');
  await expect(log).toContainText('nft -f -');

  await page.screenshot({ path: 'test-results/dashboard-applied-1280x800.png' });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.locator('.react-flow__controls-fitview').click();
  await page.screenshot({ path: 'test-results/dashboard-applied-1920x1080.png' });

  // The lab is real: A reaches B over the bridge, and the other machine through NAT.
  const ping = await nslab('exec', LAB, 'A', '--', 'ping', '-c1', '-W2', '10.0.0.3');
  expect(ping.stderr + ping.stdout).toContain('1 received');
  expect(ping.code).toBe(0);
  const nat = await nslab('exec', LAB, 'A', '--', 'ping', '-c1', '-W2', '203.0.113.2');
  expect(nat.code).toBe(0);
});
