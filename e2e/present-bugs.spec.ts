// Issue 11, point 7: the bugs found on the way, each with its test; and point 6 in the browser:
// the Layout button, and a lab without positions laid out when it is opened.
import { expect, test, type Page } from '@playwright/test';
import { call, centerOf, createAppliedSeedLab, createSeedLab, deleteLab, login, mouseDrag, nslab, seedTopology, viewSettled, viewZoom } from './helpers';

/** Clicks a link on its drawn line (the middle of its path), not on its box's centre, which a curve may miss. */
async function clickLink(page: Page, label: string): Promise<void> {
  const at = await page.locator(`.react-flow__edge[aria-label="${label}"] path.react-flow__edge-path`).evaluate((p: SVGPathElement) => {
    const m = p.getPointAtLength(p.getTotalLength() / 2);
    const c = p.getScreenCTM()!;
    return { x: m.x * c.a + m.y * c.c + c.e, y: m.x * c.b + m.y * c.d + c.f };
  });
  await page.mouse.click(at.x, at.y);
}

const LAB = 'bugs';
const DRAFT = 'bugs-draft';

test.afterAll(async () => {
  await deleteLab(LAB);
  await deleteLab(DRAFT);
});

/** Applies the lab's saved topology again (after a test changed the kernel by hand). */
async function reapply(name: string) {
  const opened = await call('lab:open', { name });
  if (!opened.ok) throw new Error(opened.message);
  const applied = await call('lab:apply', { name, rev: opened.snapshot.lab.rev });
  if (!applied.ok || !applied.result.ok) throw new Error(`could not apply ${name}: ${JSON.stringify(applied)}`);
}

async function openEditor(page: Page, lab: string) {
  await login(page, `/labs/${lab}`);
  await expect(page.locator('.react-flow__node[data-id="host"]')).toBeVisible();
  await viewSettled(page);
}


interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const inside = (a: Box, b: Box) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function nodeBoxes(page: Page): Promise<Record<string, Box>> {
  return page.locator('.react-flow__node').evaluateAll((els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.id ?? '', e.getBoundingClientRect().toJSON() as Box])));
}

/** br0 inside the host, and no other two nodes overlapping. */
function expectApart(boxes: Record<string, Box>) {
  expect(inside(boxes.br0!, boxes.host!), 'br0 inside the host').toBe(true);
  const ids = Object.keys(boxes);
  for (const [i, a] of ids.entries()) {
    for (const b of ids.slice(i + 1)) {
      if ([a, b].sort().join() === 'br0,host') continue;
      expect(overlaps(boxes[a]!, boxes[b]!), `${a} and ${b} overlap`).toBe(false);
    }
  }
}

test.describe('on a lab not applied', () => {
  test.beforeEach(async () => {
    await deleteLab(DRAFT);
    await createSeedLab(DRAFT);
  });

  test('a link dropped anywhere on a node body connects, not only on its dot', async ({ page }) => {
    await openEditor(page, DRAFT);
    const before = (await call('lab:open', { name: DRAFT })).ok;
    expect(before).toBe(true);
    const edges = await page.locator('.react-flow__edge').count();
    const from = await centerOf(page, '.react-flow__node[data-id="A"] .react-flow__handle-bottom');
    const target = (await page.locator('.react-flow__node[data-id="C"]').boundingBox())!;
    const handle = (await page.locator('.react-flow__node[data-id="C"] .react-flow__handle-top').boundingBox())!;
    // the body's right end: farther from both of C's dots than React Flow's connection radius (40 px)
    const to = { x: target.x + target.width - 5, y: target.y + target.height / 2 };
    expect(Math.hypot(to.x - (handle.x + handle.width / 2), to.y - (handle.y + handle.height / 2))).toBeGreaterThan(45);
    await mouseDrag(page, from, to);
    await expect(page.locator('.react-flow__edge')).toHaveCount(edges + 1);
    await expect(page.locator('.react-flow__edge[aria-label*="link A"][aria-label*="to C"]')).toHaveCount(1);
  });

  test('a duplicate address is flagged at the field where it was typed (either end of the clash)', async ({ page }) => {
    await openEditor(page, DRAFT);
    // A's address typed as B's: A is the earlier link, the validator names B's field; both show it
    await clickLink(page, 'link A eth0 to br0 veth-A');
    const field = page.locator('[data-path="links[0].a.addresses[0]"]');
    await field.fill('10.0.0.3/24');
    await expect(page.locator('[data-error-for="links[0].a.addresses[0]"]')).toContainText('used twice');
    await expect(page.locator('[data-error-for="links[0].a.addresses[0]"]')).toContainText('links[1].a.addresses[0]');
    await field.fill('10.0.0.2/24');
    await expect(page.locator('[data-error-for="links[0].a.addresses[0]"]')).toHaveCount(0);
    // and typed at the later one
    await clickLink(page, 'link C eth0 to br0 veth-C');
    await page.locator('[data-path="links[2].a.addresses[0]"]').fill('10.0.0.2/24');
    await expect(page.locator('[data-error-for="links[2].a.addresses[0]"]')).toContainText('used twice');
  });

  test('the bridge inspector says the bridge lives in the host, not in a namespace <lab>-br0', async ({ page }) => {
    await openEditor(page, DRAFT);
    await page.locator('.react-flow__node[data-id="br0"] .fnode-title').click();
    const inspector = page.locator('.inspector');
    await expect(inspector).toContainText('Bridge br0');
    await expect(inspector).toContainText('lives in the host');
    await expect(inspector).not.toContainText(`${DRAFT}-br0`);
    await expect(inspector).not.toContainText('<lab>-br0');
  });

  test('placeholders read as examples (e.g., grey, italic), and the host end’s example is a host address', async ({ page }) => {
    await openEditor(page, DRAFT);
    // (an arch: its box's middle is not on it; select it from the keyboard)
    await page.locator('.react-flow__edge[aria-label="link host to-remote to remote eth0"]').focus();
    await page.keyboard.press('Enter');
    const hostAddr = page.locator('[data-path="links[3].a.addresses[0]"]');
    await hostAddr.fill('');
    const placeholder = (await hostAddr.getAttribute('placeholder')) ?? '';
    expect(placeholder).toMatch(/^e\.g\. /);
    expect(placeholder).toContain('203.0.113.1/24');
    await page.locator('.react-flow__edge[aria-label="link A eth0 to br0 veth-A"]').click({ force: true });
    const nsAddr = page.locator('[data-path="links[0].a.addresses[0]"]');
    await nsAddr.fill('');
    expect((await nsAddr.getAttribute('placeholder')) ?? '').toMatch(/^e\.g\. 10\.0\.0\.\d+\/24$/);
    const look = await nsAddr.evaluate((e) => {
      const ph = getComputedStyle(e, '::placeholder');
      return { placeholder: ph.color, italic: ph.fontStyle, value: getComputedStyle(e).color };
    });
    expect(look.italic).toBe('italic');
    expect(look.placeholder).not.toBe(look.value);
    for (const input of await page.locator('.inspector input[placeholder]').all()) {
      const p = (await input.getAttribute('placeholder')) ?? '';
      expect(p, 'a placeholder that looks like a value').toMatch(/^e\.g\. |\s/);
    }
  });

  test('"Large text" makes the canvas text larger, it does not shrink the diagram', async ({ page }) => {
    await openEditor(page, DRAFT);
    const size = async () => page.locator('.react-flow__node[data-id="A"] .fnode-title').evaluate((e) => e.getBoundingClientRect().height);
    const normal = await size();
    await page.getByRole('button', { name: 'Large text' }).click();
    await viewSettled(page);
    await expect.poll(size).toBeGreaterThan(normal * 1.1);
    expectApart(await nodeBoxes(page));
    await page.getByRole('button', { name: 'Normal text' }).click();
  });

  test('Layout (elkjs): the host with br0 on top, A B C below, the other machine beside; undo puts it back', async ({ page }) => {
    await openEditor(page, DRAFT);
    await page.getByRole('button', { name: 'Layout' }).click();
    await expect(page.getByText('unsaved changes')).toBeVisible();
    await page.locator('.react-flow__controls-fitview').click();
    await viewSettled(page);
    const b = await nodeBoxes(page);
    expectApart(b);
    for (const id of ['A', 'B', 'C']) expect(b[id]!.y, `${id} below the host`).toBeGreaterThan(b.host!.y + b.host!.height);
    expect(b.A!.x).toBeLessThan(b.B!.x);
    expect(b.B!.x).toBeLessThan(b.C!.x);
    expect(b.remote!.x, 'the other machine beside the host').toBeGreaterThan(b.host!.x + b.host!.width);
    expect(b.remote!.y).toBeLessThan(b.A!.y);
    await page.keyboard.press('Control+z');
    await expect(page.getByText('unsaved changes')).toHaveCount(0);
  });

  test('a lab made from a file without positions is laid out when opened', async ({ page }) => {
    await deleteLab(`${DRAFT}-nopos`);
    const t = seedTopology(`${DRAFT}-nopos`);
    delete t.layout;
    const made = await call('lab:create', { topology: t, hostNetns: `${DRAFT}-nopos-host` });
    expect(made.ok, JSON.stringify(made)).toBe(true);
    try {
      await openEditor(page, `${DRAFT}-nopos`);
      await expect(page.getByText('unsaved changes')).toBeVisible();
      await page.locator('.react-flow__controls-fitview').click();
      await viewSettled(page);
      const b = await nodeBoxes(page);
      expectApart(b);
      for (const id of ['A', 'B', 'C']) expect(b[id]!.y).toBeGreaterThan(b.host!.y + b.host!.height);
    } finally {
      await deleteLab(`${DRAFT}-nopos`);
    }
  });

  test('the terminal panel’s header is not cut off at 1280x800', async ({ page }) => {
    await deleteLab(LAB);
    await createAppliedSeedLab(LAB);
    await page.setViewportSize({ width: 1280, height: 800 });
    await openEditor(page, LAB);
    await page.getByRole('tab', { name: 'Terminal', exact: true }).click();
    await page.getByLabel('terminal node').selectOption('A');
    await page.getByRole('button', { name: 'Open terminal' }).click();
    await expect(page.locator('.term-screen .xterm-rows')).toContainText('[A]');
    await page.locator('.term-screen .xterm').click();
    const bar = (await page.locator('.terminal-panel .tool-bar').boundingBox())!;
    const panel = (await page.locator('.dock-panel:not([hidden])').boundingBox())!;
    expect(bar.y).toBeGreaterThanOrEqual(panel.y - 0.5);
    expect(bar.y + bar.height).toBeLessThanOrEqual(panel.y + panel.height + 0.5);
    expect(bar.y + bar.height).toBeLessThanOrEqual(800);
    await expect(page.getByRole('button', { name: 'Open terminal' })).toBeInViewport();
  });
});

test.describe('on an applied lab', () => {
  test.beforeAll(async () => {
    await createAppliedSeedLab(LAB);
  });

  test('drifted: the overview shows the drift, not "No problems: ready to apply"', async ({ page }) => {
    await openEditor(page, LAB);
    await expect(page.getByText('No problems: ready to apply.')).toBeVisible();
    expect((await nslab('exec', LAB, 'A', '--', 'ip', 'link', 'set', 'eth0', 'down')).code).toBe(0);
    try {
      await expect(page.locator('[data-drift-overview]')).toContainText('drifted', { timeout: 10_000 });
      await expect(page.locator('[data-drift-overview]')).toContainText('A:');
      await expect(page.getByText('No problems: ready to apply.')).toHaveCount(0);
    } finally {
      await nslab('exec', LAB, 'A', '--', 'ip', 'link', 'set', 'eth0', 'up');
    }
    // (the kernel dropped A's default route with the link: an apply puts it back)
    await reapply(LAB);
    await expect(page.getByText('No problems: ready to apply.')).toBeVisible({ timeout: 10_000 });
  });

  test('the view re-fits when the window changes size', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openEditor(page, LAB);
    const before = await viewZoom(page);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await expect.poll(() => viewZoom(page)).not.toBe(before);
    await viewSettled(page);
    const pane = (await page.locator('.canvas .react-flow__pane').boundingBox())!;
    for (const [id, b] of Object.entries(await nodeBoxes(page))) expect(inside(b, pane), `${id} in view`).toBe(true);
  });

  test('rates and their labels are gone after Destroy; every link is then drawn planned', async ({ page }) => {
    await openEditor(page, LAB);
    // traffic makes the rates show
    await nslab('exec', LAB, 'A', '--', 'ping', '-c3', '-i', '0.2', '10.0.0.3');
    await expect(page.locator('.link-rate').first()).toBeVisible({ timeout: 15_000 });
    const destroyed = await call('lab:destroy', { name: LAB });
    expect(destroyed.ok, JSON.stringify(destroyed)).toBe(true);
    for (const id of ['A-br0', 'B-br0', 'C-br0', 'host-remote']) await expect(page.locator(`[data-link="${id}"]`)).toHaveAttribute('data-state', 'planned', { timeout: 10_000 });
    await expect(page.locator('.link-rate')).toHaveCount(0);
    await expect(page.locator('.react-flow__edge-path.rate-low, .react-flow__edge-path.rate-busy')).toHaveCount(0);
  });
});
