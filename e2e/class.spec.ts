// Issue 12 acceptance 4: a class of 3 seats made
// with `nslab class create`; each join URL opens its own lab in a browser of its own; seat 1's
// token cannot open seat 2's lab (HTTP 403), cannot term:open on host, cannot lab:destroy seat 2
// (each refused, nothing changed in the kernel); the instructor's room shows the three seats and
// the step each reached; a revoked seat's link no longer opens anything.
// The room (issue 12, point 7): a live thumbnail per seat (a link set down by hand shows there),
// following a seat read-only, broadcasting the instructor's lab to a seat's page until it stops;
// a class created and ended from the dashboard. Screenshots of the room: 1280x800, 1920x1080, and
// a projector (1280x720, large text).
import { expect, request, test, type Page } from '@playwright/test';
import { io } from 'socket.io-client';
import { BASE, call, createSeedLab, deleteLab, login, netnsList, nslab, sh } from './helpers';

const CLASS = 'e2ecls';
/** the instructor's own lab, broadcast to the class */
const SHOWN = 'e2eshown';
let seats: { seat: number; lab: string; token: string; join: string }[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  await nslab('class', 'end', CLASS);
  const r = await nslab('class', 'create', CLASS, '--lesson', 'namespaces-101', '--seats', '3', '--step', '9', '--json');
  if (r.code !== 0) throw new Error(r.stderr);
  seats = (JSON.parse(r.stdout) as { seats: typeof seats }).seats;
  await deleteLab(SHOWN);
  await createSeedLab(SHOWN);
  const applied = await call('lab:apply', { name: SHOWN, rev: 1 });
  if (!applied.ok || !applied.result.ok) throw new Error(`could not apply lab ${SHOWN}`);
});

test.afterAll(async () => {
  test.setTimeout(300_000);
  await deleteLab(SHOWN);
  await nslab('class', 'end', 'e2edash');
  const r = await nslab('class', 'end', CLASS);
  expect(r.code, r.stderr).toBe(0);
  expect((await netnsList()).filter((n) => n.startsWith(`${CLASS}-`))).toEqual([]);
});

async function seatCall(token: string, event: string, payload: unknown): Promise<{ ok: boolean; code?: string; message?: string }> {
  const socket = io(BASE, { extraHeaders: { cookie: `nslab_seat=${token}` }, transports: ['polling', 'websocket'], reconnection: false });
  try {
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('connect_error', () => resolve(false));
    });
    if (!connected) return { ok: false, code: 'unauthorized', message: 'the server refused the connection' };
    return (await socket.timeout(60_000).emitWithAck(event, payload)) as { ok: boolean; code?: string; message?: string };
  } finally {
    socket.close();
  }
}

test('each join URL opens its own lab, and only it', async ({ browser }) => {
  for (const s of seats) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(s.join);
    await expect(page).toHaveURL(new RegExp(`/labs/${s.lab}$`));
    await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible({ timeout: 30_000 });
    // another seat's lab, the labs list, adopting: 403
    const other = seats.find((o) => o.seat !== s.seat)!;
    for (const path of [`/labs/${other.lab}`, '/', '/adopt']) {
      const res = await page.goto(path);
      expect([path, res?.status()]).toEqual([path, 403]);
    }
    await context.close();
  }
});

test("seat 1's token cannot term:open on host, cannot destroy seat 2's lab; nothing changes in the kernel", async () => {
  const [one, two] = [seats[0]!, seats[1]!];
  const before = (await netnsList()).filter((n) => n.startsWith(`${two.lab}-`)).sort();
  expect(before.length).toBe(5);
  expect(await seatCall(one.token, 'term:open', { lab: one.lab, node: 'host' })).toMatchObject({ ok: false, code: 'forbidden' });
  expect(await seatCall(one.token, 'lab:destroy', { name: two.lab })).toMatchObject({ ok: false, code: 'forbidden' });
  expect(await seatCall(one.token, 'lab:open', { name: two.lab })).toMatchObject({ ok: false, code: 'forbidden' });
  expect(await seatCall(one.token, 'term:open', { lab: two.lab, node: 'A' })).toMatchObject({ ok: false, code: 'forbidden' });
  expect(await seatCall(one.token, 'labs:list', {})).toMatchObject({ ok: false, code: 'forbidden' });
  expect((await netnsList()).filter((n) => n.startsWith(`${two.lab}-`)).sort()).toEqual(before);
  // its own lab: a terminal in its namespace opens
  const term = await seatCall(one.token, 'term:open', { lab: one.lab, node: 'A' });
  expect(term.ok, term.message).toBe(true);
});

test("the instructor's room shows all three seats and the step each reached", async ({ page }) => {
  await login(page, `/classes/${CLASS}`);
  const cards = page.getByRole('list', { name: 'seats' }).getByRole('listitem');
  await expect(cards).toHaveCount(3);
  for (const s of seats) {
    const card = page.getByRole('listitem', { name: `seat ${s.seat}` });
    await expect(card).toContainText(s.lab);
    await expect(card).toContainText('step 9 of 9');
  }
  // a seat's cookie does not open the room
  const asSeat = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { cookie: `nslab_seat=${seats[0]!.token}` } });
  expect((await asSeat.get(`/classes/${CLASS}`, { maxRedirects: 0 })).status()).toBe(403);
  await asSeat.dispose();
});

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/${name}.png` });
  if (process.env.NSLAB_SAVE_DOCS === '1') await page.screenshot({ path: `docs/${name}.png` });
}

test('the room: a live thumbnail per seat (a link set down by hand shows at once), follow a seat read-only; screenshots', async ({ page }) => {
  await login(page, `/classes/${CLASS}`);
  const thumb = (seat: number) => page.getByRole('listitem', { name: `seat ${seat}` }).locator('svg.seat-thumb');
  for (const s of seats) {
    await expect(thumb(s.seat)).toHaveAttribute('data-down', '0');
    await expect(thumb(s.seat).locator('[data-node]')).toHaveCount(5);
    await expect(thumb(s.seat).locator('line[data-state="up"]')).toHaveCount(4);
  }
  await shoot(page, 'class-room-1280x800');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await shoot(page, 'class-room-1920x1080');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByRole('button', { name: 'Large text' }).click();
  await shoot(page, 'class-room-projector-1280x720');
  await page.getByRole('button', { name: 'Normal text' }).click();
  await page.setViewportSize({ width: 1280, height: 800 });
  // a hand-made change in seat 2's kernel reaches its thumbnail (pushed, not polled), and only its
  expect((await sh('ip', ['-n', `${CLASS}-2-A`, 'link', 'set', 'eth0', 'down'])).code).toBe(0);
  await expect(thumb(2)).toHaveAttribute('data-down', '1');
  await expect(thumb(2).locator('line[data-state="down"]')).toHaveCount(1);
  await expect(thumb(1)).toHaveAttribute('data-down', '0');
  await shoot(page, 'class-room-link-down-1280x800');
  expect((await sh('ip', ['-n', `${CLASS}-2-A`, 'link', 'set', 'eth0', 'up'])).code).toBe(0);
  await expect(thumb(2)).toHaveAttribute('data-down', '0');

  // follow seat 1: its canvas, live, read-only: no toolbar, no apply, no terminal
  await page.getByRole('link', { name: 'follow seat 1' }).click();
  await expect(page).toHaveURL(new RegExp(`/classes/${CLASS}/seats/1$`));
  await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
  await expect(page.getByText(`Following seat 1 of class ${CLASS} (read-only)`)).toBeVisible();
  await expect(page.getByRole('button', { name: /apply/i })).toHaveCount(0);
  await expect(page.locator('.xterm, .palette, .inspector')).toHaveCount(0);
  expect((await sh('ip', ['-n', `${CLASS}-1-B`, 'link', 'set', 'eth0', 'down'])).code).toBe(0);
  await expect(page.locator('[data-link][data-state="down"]')).toHaveCount(1);
  expect((await sh('ip', ['-n', `${CLASS}-1-B`, 'link', 'set', 'eth0', 'up'])).code).toBe(0);
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(new RegExp(`/classes/${CLASS}$`));
});

test("broadcast: a seat's page shows the instructor's lab, read-only, until the instructor stops", async ({ page, browser }) => {
  const context = await browser.newContext();
  const seatPage = await context.newPage();
  await seatPage.goto(seats[0]!.join);
  await expect(seatPage.locator('.react-flow__node[data-id="A"]')).toBeVisible({ timeout: 30_000 });
  await login(page, `/classes/${CLASS}`);
  await page.getByRole('combobox', { name: 'lab to broadcast' }).selectOption(SHOWN);
  await page.getByRole('button', { name: 'Broadcast' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Broadcasting ${SHOWN}` })).toBeVisible();
  // the seat sees the instructor's lab in the presentation view, with no way to change it
  await expect(seatPage.locator(`[data-broadcast="${SHOWN}"]`)).toBeVisible();
  await expect(seatPage.locator(`.present-page[data-lab="${SHOWN}"] .react-flow__node[data-id="remote"]`)).toBeVisible();
  await expect(seatPage.locator('.present-exit, .palette, .inspector')).toHaveCount(0);
  await shoot(seatPage, 'class-seat-broadcast-1280x800');
  await page.getByRole('button', { name: 'Stop broadcast' }).click();
  // its own lab again
  await expect(seatPage.locator(`[data-broadcast]`)).toHaveCount(0);
  await expect(seatPage.locator('.editor .react-flow__node[data-id="A"]')).toBeVisible();
  await context.close();
});

test('a class created and ended from the dashboard: progress, join links once, errors in one sentence', async ({ page }) => {
  await login(page, '/');
  const form = page.getByRole('form', { name: 'new class' });
  await form.getByLabel('Class name').fill(CLASS);
  await form.getByLabel('Seats').fill('2');
  await form.getByRole('button', { name: 'Create class' }).click();
  await expect(form.getByRole('alert')).toHaveText(`a class named "${CLASS}" exists already; end it first (nslab class end ${CLASS})`);
  await form.getByLabel('Class name').fill('e2edash');
  await form.getByRole('button', { name: 'Create class' }).click();
  const links = page.getByRole('region', { name: 'join links of e2edash' });
  await expect(links.getByRole('listitem')).toHaveCount(2, { timeout: 120_000 });
  await expect(links).toContainText('/join/');
  const row = page.getByRole('listitem', { name: 'class e2edash' });
  await expect(row).toContainText('2 seats');
  expect((await netnsList()).filter((n) => n.startsWith('e2edash-')).length).toBeGreaterThan(0);
  // End class asks first
  await row.getByRole('button', { name: 'End class' }).click();
  await row.getByRole('button', { name: 'Cancel' }).click();
  await row.getByRole('button', { name: 'End class' }).click();
  await row.getByRole('button', { name: 'End e2edash' }).click();
  await expect(row).toHaveCount(0, { timeout: 120_000 });
  expect((await netnsList()).filter((n) => n.startsWith('e2edash-'))).toEqual([]);
});

test("a revoked seat's link opens nothing", async ({ browser }) => {
  expect((await nslab('class', 'revoke', CLASS, '3')).code).toBe(0);
  const context = await browser.newContext();
  const page = await context.newPage();
  const res = await page.goto(seats[2]!.join);
  expect(res?.status()).toBe(403);
  expect(await seatCall(seats[2]!.token, 'lab:open', { name: seats[2]!.lab })).toMatchObject({ ok: false, code: 'unauthorized' });
  await context.close();
});
