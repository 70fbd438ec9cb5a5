// Issue 12 acceptance 4: a class of 3 seats made
// with `nslab class create`; each join URL opens its own lab in a browser of its own; seat 1's
// token cannot open seat 2's lab (HTTP 403), cannot term:open on host, cannot lab:destroy seat 2
// (each refused, nothing changed in the kernel); the instructor's room shows the three seats and
// the step each reached; a revoked seat's link no longer opens anything.
import { expect, request, test } from '@playwright/test';
import { io } from 'socket.io-client';
import { BASE, login, netnsList, nslab } from './helpers';

const CLASS = 'e2ecls';
let seats: { seat: number; lab: string; token: string; join: string }[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(600_000);
  await nslab('class', 'end', CLASS);
  const r = await nslab('class', 'create', CLASS, '--lesson', 'namespaces-101', '--seats', '3', '--step', '9', '--json');
  if (r.code !== 0) throw new Error(r.stderr);
  seats = (JSON.parse(r.stdout) as { seats: typeof seats }).seats;
});

test.afterAll(async () => {
  test.setTimeout(300_000);
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

test("a revoked seat's link opens nothing", async ({ browser }) => {
  expect((await nslab('class', 'revoke', CLASS, '3')).code).toBe(0);
  const context = await browser.newContext();
  const page = await context.newPage();
  const res = await page.goto(seats[2]!.join);
  expect(res?.status()).toBe(403);
  expect(await seatCall(seats[2]!.token, 'lab:open', { name: seats[2]!.lab })).toMatchObject({ ok: false, code: 'unauthorized' });
  await context.close();
});
