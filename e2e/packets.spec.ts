// Issue 11, packets you can watch (acceptance 2, 3, 4 and 7): with the packet view on, the real
// kernel's packets move along the links of the seed lab, hop by hop; the NAT rewrite shows on the
// host–remote link and the host's NAT counter goes up; a ping from a node's menu animates and
// reports, and its highlight clears by itself; closing the view ends every tap the server started.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { normalizeLinks } from '@/lib/model';
import { assertTopology } from '@/lib/validate';
import { createAppliedSeedLab, deleteLab, login, nslab, seedTopology, sh } from './helpers';

const LAB = 'e2epkts';
const ns = (node: string) => `${LAB}-${node}`;
const [LINK_A, LINK_B, LINK_C, LINK_REMOTE] = normalizeLinks(assertTopology(seedTopology(LAB))).map((l) => l.id) as [string, string, string, string];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await createAppliedSeedLab(LAB);
});

test.afterAll(async () => {
  await deleteLab(LAB);
});

// --- processes: the server runs in this same sandbox ------------------------------------------

function procs(): { pid: number; ppid: number; comm: string; cmdline: string }[] {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      out.push({ pid: Number(e), ppid: Number(rest[1]), comm: readFileSync(`/proc/${e}/comm`, 'utf8').trim(), cmdline: readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Live tcpdump processes below the e2e server (e2e/serve.ts), by parent PID. */
function serverTaps(): number[] {
  const all = procs();
  const below = new Set(all.filter((p) => p.cmdline.includes('e2e/serve.ts')).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!below.has(p.pid) && below.has(p.ppid)) (below.add(p.pid), (grew = true));
  }
  return all.filter((p) => below.has(p.pid) && p.comm === 'tcpdump').map((p) => p.pid);
}

const alive = (pid: number) => procs().some((p) => p.pid === pid);

// --- the page -----------------------------------------------------------------------------------

interface Seen { packet: string; link: string; label: string; at: number; wire: number }

async function openWatching(page: Page): Promise<void> {
  await login(page, `/labs/${LAB}`);
  await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
  const toggle = page.getByTestId('packets-toggle');
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => serverTaps().length, { message: 'the server taps the lab' }).toBeGreaterThan(0);
  // every packet element that appears, with the wall-clock time it appeared (same machine clock)
  await page.evaluate(() => {
    const w = window as unknown as { __seen: Seen[] };
    w.__seen = [];
    new MutationObserver((muts) => {
      for (const m of muts)
        for (const n of m.addedNodes) {
          if (!(n instanceof HTMLElement)) continue;
          for (const el of [n, ...n.querySelectorAll<HTMLElement>('[data-packet]')]) {
            if (el.dataset.packet) w.__seen.push({ packet: el.dataset.packet, link: el.dataset.link ?? '', label: el.textContent ?? '', at: Date.now(), wire: Number(el.dataset.wire) });
          }
        }
    }).observe(document.body, { childList: true, subtree: true });
  });
}

const seen = (page: Page) => page.evaluate(() => (window as unknown as { __seen: Seen[] }).__seen);
const first = (list: Seen[], link: string, packet: string) => list.find((s) => s.link === link && s.packet === packet);

test('2. ping B from A after a neighbour flush: ARP then ICMP on the A–br0 link and on B\'s; no ICMP on C\'s', async ({ page }) => {
  await openWatching(page);
  await sh('ip', ['-n', ns('A'), 'neigh', 'flush', 'all']);
  await sh('ip', ['-n', ns('B'), 'neigh', 'flush', 'all']);
  const run = await nslab('exec', LAB, 'A', '--', 'ping', '-c1', '10.0.0.3');
  const done = Date.now();
  expect(run.code, run.stderr).toBe(0);
  await expect.poll(async () => (await seen(page)).filter((s) => s.packet === 'icmp' && s.link === LINK_B).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
  const list = await seen(page);
  for (const link of [LINK_A, LINK_B]) {
    const arp = first(list, link, 'arp');
    const icmp = first(list, link, 'icmp');
    expect(arp, `ARP on ${link}`).toBeDefined();
    expect(icmp, `ICMP on ${link}`).toBeDefined();
    expect(arp!.at).toBeLessThanOrEqual(icmp!.at);
    // on the canvas within a second of crossing the wire (the tap's timestamp; same clock)
    expect(arp!.at - arp!.wire).toBeLessThan(1000);
    expect(icmp!.at - icmp!.wire).toBeLessThan(1000);
    expect(icmp!.at).toBeLessThan(done + 1000);
  }
  expect(first(list, LINK_A, 'arp')!.label).toContain('ARP who-has 10.0.0.3');
  expect(list.filter((s) => s.link === LINK_B && s.packet === 'arp').map((s) => s.label).join('\n')).toMatch(/ARP 10\.0\.0\.3 is-at [0-9a-f:]{17}/);
  expect(list.find((s) => s.link === LINK_A && s.packet === 'icmp')!.label).toContain('ICMP echo 10.0.0.2 → 10.0.0.3');
  // C's link carries nothing of the ping: only the bridge's flood of the broadcast who-has reaches it
  expect(list.filter((s) => s.link === LINK_C && !(s.packet === 'arp' && s.label.includes('who-has 10.0.0.3')))).toEqual([]);
});

test('2b. above the rate the eye can follow, the link pulses with its rate instead of single packets', async ({ page }) => {
  await openWatching(page);
  const pulse = page.locator(`.packet-pulse[data-link="${LINK_A}"]`);
  // 100 a second for 4 s, bounded, between the lab's own namespaces
  const flood = sh('ip', ['netns', 'exec', ns('A'), 'ping', '-q', '-c', '400', '-i', '0.01', '10.0.0.3']);
  await expect(pulse).toBeAttached({ timeout: 8000 });
  expect(Number(await pulse.getAttribute('data-rate'))).toBeGreaterThan(10);
  await expect(pulse).toContainText('pkt/s');
  expect((await flood).code).toBe(0);
  // the link calms down when the flood is over
  await expect(pulse).toHaveCount(0, { timeout: 8000 });
});

test('3. ping the other machine from A: ICMP on A\'s link and, rewritten by NAT, on the host–remote link; the NAT counter goes up', async ({ page }) => {
  await openWatching(page);
  const rule = page.locator('.react-flow__node[data-id="host"] [data-nat-counter="10.0.0.0/24>to-remote"]');
  await expect(rule).toHaveText(/^\d+ pkts?$/, { timeout: 15_000 });
  const count = async () => Number((await rule.textContent())?.split(' ')[0]);
  const before = await count();
  const run = await nslab('exec', LAB, 'A', '--', 'ping', '-c1', '203.0.113.2');
  expect(run.code, run.stderr).toBe(0);
  await expect.poll(async () => (await seen(page)).filter((s) => s.packet === 'icmp' && s.link === LINK_REMOTE).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
  const list = await seen(page);
  expect(first(list, LINK_A, 'icmp')!.label).toContain('ICMP echo 10.0.0.2 → 203.0.113.2');
  expect(first(list, LINK_REMOTE, 'icmp')!.label).toContain('ICMP echo 203.0.113.1 → 203.0.113.2');
  await expect.poll(count, { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 1);
});

test('4. Ping… from a node\'s menu animates, reports on the canvas, and its highlight is gone 10 s later', async ({ page }) => {
  await login(page, `/labs/${LAB}`);
  await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
  // the view may be off: the menu turns it on
  const toggle = page.getByTestId('packets-toggle');
  if ((await toggle.getAttribute('aria-pressed')) === 'true') await toggle.click();
  await expect.poll(() => serverTaps().length).toBe(0);
  await page.evaluate(() => {
    const w = window as unknown as { __seen: { packet: string; link: string }[] };
    w.__seen = [];
    new MutationObserver((muts) => {
      for (const m of muts) for (const n of m.addedNodes) if (n instanceof HTMLElement && n.dataset.packet) w.__seen.push({ packet: n.dataset.packet, link: n.dataset.link ?? '' });
    }).observe(document.body, { childList: true, subtree: true });
  });
  // the keyboard way: Shift+F10 on the selected node opens its menu
  await page.locator('.react-flow__node[data-id="C"]').click();
  await page.keyboard.press('Shift+F10');
  await expect(page.getByRole('menu', { name: 'node C' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu', { name: 'node C' })).toHaveCount(0);
  await sh('ip', ['-n', ns('A'), 'neigh', 'flush', 'all']);
  await page.locator('.react-flow__node[data-id="A"]').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Ping…' }).click();
  await page.getByLabel('target node or address').fill('B');
  await page.getByRole('button', { name: 'Ping', exact: true }).click();
  const card = page.getByTestId('probe-card');
  await expect(card).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  await expect(card).toContainText('ping A → B');
  await expect(card).toContainText('0% packet loss');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  const list = (await page.evaluate(() => (window as unknown as { __seen: { packet: string; link: string }[] }).__seen));
  expect(list.some((s) => s.link === LINK_A && s.packet === 'icmp')).toBe(true);
  expect(list.some((s) => s.link === LINK_B && s.packet === 'icmp')).toBe(true);
  expect(list.some((s) => s.link === LINK_A && s.packet === 'arp')).toBe(true);
  const highlighted = page.locator('.react-flow__edge-path.probe-reached');
  await expect(highlighted).not.toHaveCount(0);
  await expect(highlighted).toHaveCount(0, { timeout: 10_000 });
  // the result stays readable
  await expect(card).toBeVisible();
});

test('7. after the view closes, no tap of nslab is left (by the PIDs the server started, and by /proc)', async ({ browser }) => {
  const page = await browser.newPage();
  await openWatching(page);
  const taps = serverTaps();
  expect(taps.length).toBeGreaterThan(0);
  // turning the view off ends them
  await page.getByTestId('packets-toggle').click();
  await expect.poll(() => serverTaps(), { timeout: 5000 }).toEqual([]);
  for (const pid of taps) expect(alive(pid)).toBe(false);
  // on again, then the page goes away (the socket disconnects)
  await page.getByTestId('packets-toggle').click();
  await expect.poll(() => serverTaps().length).toBeGreaterThan(0);
  const again = serverTaps();
  await page.close();
  await expect.poll(() => serverTaps(), { timeout: 5000 }).toEqual([]);
  for (const pid of again) expect(alive(pid)).toBe(false);
  expect(procs().filter((p) => p.comm === 'tcpdump')).toEqual([]);
});
