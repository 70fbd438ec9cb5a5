// Issue 11, presentation mode (acceptance 1, 5 and 8): the seed lab at /labs/<lab>/present, the
// canvas alone, fitted, node text at least 20 px on screen at 1280x800, br0 inside the host's
// frame; links tell their state (a link with an end DOWN turns red and dashed); a second browser
// follows the lab live; screenshots in light and dark at 1280x800 and 1920x1080, at rest and with
// packets in flight, go to docs/ (NSLAB_SAVE_DOCS=1).
import { expect, test, type Browser, type Page } from '@playwright/test';
import { call, createAppliedSeedLab, createSeedLab, deleteLab, login, nslab, viewSettled } from './helpers';

const LAB = 'present';
const DRAFT = 'present-draft';

test.beforeAll(async () => {
  await createAppliedSeedLab(LAB);
});

test.afterAll(async () => {
  await deleteLab(LAB);
  await deleteLab(DRAFT);
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The viewport's zoom and, per node, its box on screen and its text's font size in CSS px (times the zoom). */
async function measure(page: Page) {
  return page.evaluate(() => {
    const vp = document.querySelector<HTMLElement>('.react-flow__viewport')!;
    const zoom = new DOMMatrixReadOnly(getComputedStyle(vp).transform).a;
    const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')].map((n) => {
      const r = n.getBoundingClientRect();
      const title = n.querySelector<HTMLElement>('.fnode-title');
      return {
        id: n.dataset.id ?? '',
        box: { x: r.x, y: r.y, width: r.width, height: r.height },
        title: title ? parseFloat(getComputedStyle(title).fontSize) * zoom : 0,
        // every text a node shows: its smallest size on screen
        smallest: Math.min(...[...n.querySelectorAll<HTMLElement>('.fnode-body *')].filter((e) => e.childElementCount === 0 && e.textContent?.trim()).map((e) => parseFloat(getComputedStyle(e).fontSize) * zoom)),
      };
    });
    return { zoom, nodes, width: window.innerWidth, height: window.innerHeight };
  });
}

const inside = (a: Box, b: Box) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function openPresent(page: Page, lab = LAB) {
  await login(page, `/labs/${lab}/present`);
  await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
  await viewSettled(page);
}

test('acceptance 1: the seed lab at 1280x800 in /present: text at least 20 px, br0 inside the host, nothing but the canvas', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openPresent(page);
  await expect(page.locator('.react-flow__node[data-id="A"] [data-iface="eth0"]')).toHaveAttribute('data-state', 'UP');
  await viewSettled(page);
  const m = await measure(page);
  expect(m.nodes.map((n) => n.id).sort()).toEqual(['A', 'B', 'C', 'br0', 'host', 'remote']);
  for (const n of m.nodes) expect(n.title, `${n.id}'s label on screen`).toBeGreaterThanOrEqual(20);
  const box = (id: string) => m.nodes.find((n) => n.id === id)!.box;
  expect(inside(box('br0'), box('host')), 'br0 lies inside the host').toBe(true);
  // every node on screen, and none covers another (the host holds br0, nothing else)
  for (const n of m.nodes) expect(inside(n.box, { x: 0, y: 0, width: m.width, height: m.height }), `${n.id} is on screen`).toBe(true);
  for (const [i, a] of m.nodes.entries()) {
    for (const b of m.nodes.slice(i + 1)) {
      if ([a.id, b.id].sort().join() === 'br0,host') continue;
      expect(overlaps(a.box, b.box), `${a.id} and ${b.id} overlap`).toBe(false);
    }
  }
  await expect(page.locator('.palette')).toHaveCount(0);
  await expect(page.locator('.inspector')).toHaveCount(0);
  await expect(page.locator('.react-flow__controls')).toHaveCount(0);
  // read-only: nothing to drag from, nothing to connect
  await expect(page.locator('.react-flow__node.draggable')).toHaveCount(0);
  // the host shows forwarding and its NAT rule
  await expect(page.locator('.react-flow__node[data-id="host"] [data-fact="forwarding"]')).toContainText('forwarding on');
  await expect(page.locator('.react-flow__node[data-id="host"] [data-nat="10.0.0.0/24>to-remote"]')).toContainText('NAT 10.0.0.0/24 → to-remote');
  // a large status line
  const status = page.locator('.present-status');
  await expect(status).toContainText('applied');
  expect(parseFloat(await status.evaluate((e) => getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(24);
});

test('re-fits when the window changes size', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openPresent(page);
  const small = await measure(page);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await viewSettled(page);
  await expect.poll(async () => (await measure(page)).zoom).toBeGreaterThan(small.zoom * 1.1);
  const big = await measure(page);
  for (const n of big.nodes) expect(inside(n.box, { x: 0, y: 0, width: big.width, height: big.height }), `${n.id} is on screen`).toBe(true);
});

test('the toolbar button and the P key open it; Escape goes back to the editor', async ({ page }) => {
  await login(page, `/labs/${LAB}`);
  await page.getByRole('link', { name: 'Present' }).click();
  await expect(page).toHaveURL(new RegExp(`/labs/${LAB}/present$`));
  await expect(page.locator('.present-status')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(new RegExp(`/labs/${LAB}$`));
  await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('p');
  await expect(page).toHaveURL(new RegExp(`/labs/${LAB}/present$`));
});

test('acceptance 5: an end set DOWN by hand turns its link red and dashed within 2 s; a second browser follows', async ({ page, browser }) => {
  await openPresent(page);
  const projector = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  try {
    await openPresent(projector);
    const link = (p: Page) => p.locator('[data-link="A-br0"]');
    await expect(link(page)).toHaveAttribute('data-state', 'up');
    const down = await nslab('exec', LAB, 'A', '--', 'ip', 'link', 'set', 'eth0', 'down');
    expect(down.code, down.stderr).toBe(0);
    const started = Date.now();
    for (const p of [page, projector]) await expect(link(p)).toHaveAttribute('data-state', 'down', { timeout: 2000 });
    expect(Date.now() - started).toBeLessThan(2500);
    const look = await link(page).locator('path.react-flow__edge-path').evaluate((e) => ({ stroke: getComputedStyle(e).stroke, dash: getComputedStyle(e).strokeDasharray }));
    expect(look.stroke).toBe('rgb(180, 35, 24)');
    expect(look.dash).not.toBe('none');
    // the others stay as they were, and the status line says why
    await expect(page.locator('[data-link="B-br0"]')).toHaveAttribute('data-state', 'up');
    await expect(projector.locator('.present-status')).toContainText('drifted', { timeout: 10_000 });
    await expect(projector.locator('.present-why')).toContainText('A:');
    await nslab('exec', LAB, 'A', '--', 'ip', 'link', 'set', 'eth0', 'up');
    for (const p of [page, projector]) await expect(link(p)).toHaveAttribute('data-state', 'up', { timeout: 5000 });
    // the kernel dropped A's default route with the link: an apply puts it back, and both views say so
    const again = await call('lab:open', { name: LAB });
    if (!again.ok) throw new Error(again.message);
    const applied = await call('lab:apply', { name: LAB, rev: again.snapshot.lab.rev });
    expect(applied.ok && applied.result.ok, JSON.stringify(applied)).toBe(true);
    for (const p of [page, projector]) await expect(p.locator('.present-status')).toContainText('applied', { timeout: 10_000 });

    // an edit saved in the editor shows on the projector at once
    const opened = await call('lab:open', { name: LAB });
    if (!opened.ok) throw new Error(opened.message);
    const t = opened.snapshot.lab.topology;
    const saved = await call('lab:save', { rev: opened.snapshot.lab.rev, topology: { ...t, nodes: [...t.nodes, { id: 'D', kind: 'namespace' }], layout: { nodes: { ...t.layout?.nodes, D: { x: 520, y: 320 } } } } });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    await expect(projector.locator('.react-flow__node[data-id="D"]')).toBeVisible();
    await viewSettled(projector);
    const m = await measure(projector);
    for (const n of m.nodes) expect(inside(n.box, { x: 0, y: 0, width: m.width, height: m.height }), `${n.id} is on screen`).toBe(true);
    if (saved.ok) await call('lab:save', { rev: saved.lab.rev, topology: t });
    await expect(projector.locator('.react-flow__node[data-id="D"]')).toHaveCount(0);
  } finally {
    await projector.close();
  }
});

test('a lab not applied yet: its links are drawn planned (grey, dashed)', async ({ page }) => {
  await deleteLab(DRAFT);
  await createSeedLab(DRAFT);
  await openPresent(page, DRAFT);
  for (const id of ['A-br0', 'B-br0', 'C-br0', 'host-remote']) await expect(page.locator(`[data-link="${id}"]`)).toHaveAttribute('data-state', 'planned');
  const dash = await page.locator('[data-link="A-br0"] path.react-flow__edge-path').evaluate((e) => getComputedStyle(e).strokeDasharray);
  expect(dash).not.toBe('none');
  await expect(page.locator('.present-status')).toContainText('not applied');
});

/**
 * The present view in light and dark, at 1280x800 and 1920x1080, each in a browser of its own:
 * `ready` brings the view to the moment to shoot (and returns what to await after the shot);
 * the shot goes to test-results/ and, with NSLAB_SAVE_DOCS=1, to docs/.
 */
async function shootEach(browser: Browser, prefix: string, ready: (page: Page) => Promise<(() => Promise<void>) | void>): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const size of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
      const context = await browser.newContext({ viewport: size, colorScheme });
      const page = await context.newPage();
      try {
        await openPresent(page);
        await expect(page.locator('.react-flow__node[data-id="A"] [data-iface="eth0"]')).toHaveAttribute('data-state', 'UP');
        const after = await ready(page);
        const path = `${prefix}-${colorScheme}-${size.width}x${size.height}.png`;
        await page.screenshot({ path: `test-results/${path}` });
        if (process.env.NSLAB_SAVE_DOCS === '1') await page.screenshot({ path: `docs/${path}` });
        await after?.();
      } finally {
        await context.close();
      }
    }
  }
}

test('acceptance 8: screenshots of the present view, light and dark, 1280x800 and 1920x1080, at rest', async ({ browser }) => {
  await shootEach(browser, 'present', async (page) => {
    // the first packets of new interfaces pass: the links go quiet
    await expect(page.locator('.react-flow__edge-path.rate-low, .react-flow__edge-path.rate-busy')).toHaveCount(0, { timeout: 20_000 });
    await viewSettled(page);
    const m = await measure(page);
    for (const n of m.nodes) expect(n.title).toBeGreaterThanOrEqual(20);
  });
});

test('acceptance 8: the same screenshots with the kernel\'s packets in flight (a ping from A to the other machine, through NAT)', async ({ browser }) => {
  await shootEach(browser, 'present-packets', async (page) => {
    // the view taps the lab's links while it is open; a ping runs while the packets move
    const ping = nslab('exec', LAB, 'A', '--', 'ping', '-c', '25', '-i', '0.3', '203.0.113.2');
    await expect.poll(() => page.evaluate(() => document.querySelectorAll('[data-packet]').length), { timeout: 15_000 }).toBeGreaterThan(0);
    return async () => expect((await ping).code).toBe(0);
  });
});
