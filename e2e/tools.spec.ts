// Issue 4 acceptance: inside the namespaces from the browser (terminal, node views, ping,
// live traffic, capture) on the real kernel, in Debian's Chromium.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { io } from 'socket.io-client';
import { BASE, call, createAppliedSeedLab, deleteLab, HOME, login, nslab, sh } from './helpers';

const LAB = 'e2etools';
const ns = (node: string) => `${LAB}-${node}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  await createAppliedSeedLab(LAB);
});

test.afterAll(async () => {
  await deleteLab(LAB);
});

async function openEditor(page: Page): Promise<void> {
  await login(page, `/labs/${LAB}`);
  await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
}

async function dockTab(page: Page, title: string): Promise<void> {
  await page.getByRole('tab', { name: title, exact: true }).click();
}

async function openTerminal(page: Page, node: string): Promise<void> {
  await dockTab(page, 'Terminal');
  await page.getByLabel('terminal node').selectOption(node);
  const before = await page.locator('.term-tab').count();
  await page.getByRole('button', { name: 'Open terminal' }).click();
  await expect(page.locator('.term-tab')).toHaveCount(before + 1);
  await expect(page.locator('.term-screen .xterm-rows')).toContainText(`[${node}]`);
}

/** PIDs of live processes named `name` (the server runs in this same sandbox). */
function pidsOf(name: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/comm`, 'utf8').trim() === name && !readFileSync(`/proc/${e}/stat`, 'utf8').includes(') Z ');
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('1. a terminal in A: `ip route` shows default via 10.0.0.1', async ({ page }) => {
  await openEditor(page);
  await openTerminal(page, 'A');
  await page.locator('.term-screen .xterm').click();
  await page.keyboard.type('ip route');
  await page.keyboard.press('Enter');
  await expect(page.locator('.term-screen .xterm-rows')).toContainText('default via 10.0.0.1');
});

test("2. ping B from A with the UI action; A's neighbour view then lists the neighbour without a reload", async ({ page }) => {
  await sh('ip', ['-n', ns('A'), 'neigh', 'flush', 'all']);
  await openEditor(page);
  await page.locator('.react-flow__node[data-id="A"]').click();
  await dockTab(page, 'Node');
  const neighbours = page.getByRole('table', { name: 'neighbour table' });
  await expect(neighbours).toBeVisible();
  const neighbour = (address: RegExp) => neighbours.getByRole('cell', { name: address });
  await expect(neighbour(/^10\.0\.0\.3$/)).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'routing table' })).toContainText('10.0.0.1');

  await dockTab(page, 'Ping');
  await page.getByLabel('probe source').selectOption('A');
  await page.getByLabel('probe target').fill('B');
  await page.getByRole('button', { name: 'Ping', exact: true }).click();
  const result = page.locator('.probe-result');
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 15_000 });
  await expect(result).toContainText('3 received');
  await expect(result).toContainText('A → br0 → B');

  await dockTab(page, 'Node');
  await expect(neighbour(/^10\.0\.0\.(1|3)$/).first()).toBeVisible();

  // and live: a ping made outside the UI shows up in the open view by itself
  await expect(neighbour(/^10\.0\.0\.4$/)).toHaveCount(0);
  await sh('ip', ['netns', 'exec', ns('A'), 'ping', '-c1', '-W1', '10.0.0.4']);
  await expect(neighbour(/^10\.0\.0\.4$/)).toBeVisible();
});

test("3. while A floods B, the A-br0 link's rate rises above zero on the canvas, then returns to zero", async ({ page }) => {
  await openEditor(page);
  const edge = page.locator('[data-testid="rf__edge-A-br0"]');
  await expect(edge).toContainText(/pkt\/s/, { timeout: 15_000 });
  const ping = sh('ip', ['netns', 'exec', ns('A'), 'ping', '-c', '300', '-i', '0.01', '10.0.0.3']);
  await expect(edge).toContainText(/(^|[^.\d])([1-9][\d.]*k?|0\.[1-9]) pkt\/s/, { timeout: 8000 });
  expect((await ping).code).toBe(0);
  await expect(edge).toContainText(/(^|\D)0 pkt\/s/, { timeout: 8000 });
});

test('4. a capture on A with filter icmp shows requests and replies; the .pcap reads back with the same count', async ({ page }) => {
  await openEditor(page);
  await dockTab(page, 'Capture');
  await page.getByLabel('capture node').selectOption('A');
  await page.getByLabel('capture interface').selectOption('eth0');
  await page.getByLabel('capture filter').fill('icmp');
  await page.getByRole('button', { name: 'Start capture' }).click();
  await expect(page.locator('.capture-view')).toContainText('capturing');
  expect((await sh('ip', ['netns', 'exec', ns('A'), 'ping', '-c', '3', '-i', '0.2', '10.0.0.3'])).code).toBe(0);
  const list = page.getByRole('table', { name: 'captured packets' });
  await expect(list.locator('tbody tr')).toHaveCount(6);
  await expect(list).toContainText('echo request');
  await expect(list).toContainText('echo reply');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('capture-count')).toHaveText('6');

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download .pcap' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^e2etools-A-eth0-.*\.pcap$/);
  const dir = mkdtempSync(join(tmpdir(), 'nslab-e2e-pcap-'));
  try {
    const file = join(dir, 'capture.pcap');
    await download.saveAs(file);
    const read = await sh('tcpdump', ['-n', '-r', file]);
    expect(read.code, read.stderr).toBe(0);
    const lines = read.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.filter((l) => l.includes('ICMP echo request'))).toHaveLength(3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('5. closing the browser ends its shells and captures: no stray bash or tcpdump remains', async ({ browser }) => {
  const bashBefore = pidsOf('bash');
  const tcpdumpBefore = pidsOf('tcpdump');
  const context = await browser.newContext();
  const page = await context.newPage();
  await openEditor(page);
  await openTerminal(page, 'A');
  await openTerminal(page, 'host');
  await dockTab(page, 'Capture');
  await page.getByLabel('capture node').selectOption('B');
  await page.getByRole('button', { name: 'Start capture' }).click();
  await expect(page.locator('.capture-view')).toContainText('capturing');
  const newBash = pidsOf('bash').filter((p) => !bashBefore.includes(p));
  const newTcpdump = pidsOf('tcpdump').filter((p) => !tcpdumpBefore.includes(p));
  expect(newBash.length).toBeGreaterThanOrEqual(2);
  expect(newTcpdump).toHaveLength(1);

  await context.close();
  await expect.poll(() => [...newBash, ...newTcpdump].filter((p) => pidsOf('bash').includes(p) || pidsOf('tcpdump').includes(p)), { timeout: 10_000 }).toEqual([]);
  expect(pidsOf('bash').filter((p) => !bashBefore.includes(p))).toEqual([]);
  expect(pidsOf('tcpdump').filter((p) => !tcpdumpBefore.includes(p))).toEqual([]);
});

test('6. the terminal is confined to A (after the neighbour tests: its ping fills the neighbour table): no way into B, the server state is hidden, ping and addresses work', async ({ page }) => {
  await openEditor(page);
  await openTerminal(page, 'A');
  await page.locator('.term-screen .xterm').click();
  const rows = page.locator('.term-screen .xterm-rows');
  const run = async (cmd: string, tag: string) => {
    await page.keyboard.type(`${cmd}; echo ${tag}=$?`);
    await page.keyboard.press('Enter');
    await expect(rows).toContainText(new RegExp(`${tag}=\\d+`));
    return Number(new RegExp(`${tag}=(\\d+)`).exec((await rows.textContent()) ?? '')![1]);
  };
  expect(await run(`ip netns exec ${ns('B')} true`, 'RC-NETNS')).not.toBe(0);
  expect(await run('nsenter --net=/proc/1/ns/net true', 'RC-NSENTER')).not.toBe(0);
  expect(await run(`ip netns del ${ns('B')}`, 'RC-DEL')).not.toBe(0);
  expect(await run(`test -e ${HOME}/nslab.db`, 'RC-DB')).not.toBe(0);
  expect(await run('ping -c1 -W2 10.0.0.3 >/dev/null', 'RC-PING')).toBe(0);
  expect(await run('ip addr add 10.0.0.9/24 dev eth0', 'RC-ADDR')).toBe(0);
  expect((await sh('ip', ['-n', ns('A'), '-br', 'addr', 'show', 'dev', 'eth0'])).stdout).toContain('10.0.0.9/24');
  await sh('ip', ['-n', ns('A'), 'addr', 'del', '10.0.0.9/24', 'dev', 'eth0']);
  expect((await sh('ip', ['netns', 'list'])).stdout).toContain(ns('B'));
});

test('7. a service in remote (its `run`): the Node view shows it running with its last output lines, live; a request from A adds one', async ({ page }, info) => {
  const opened = await call('lab:open', { name: LAB });
  if (!opened.ok) throw new Error(opened.message);
  const { topology, rev } = opened.snapshot.lab;
  const nodes = topology.nodes.map((n) => (n.id === 'remote' ? { ...n, run: ['python3 -m http.server 8080'] } : n));
  const saved = await call('lab:save', { topology: { ...topology, nodes }, rev });
  if (!saved.ok) throw new Error(saved.message);
  const applied = await call('lab:apply', { name: LAB, rev: saved.lab.rev });
  expect(applied.ok && applied.result.ok && applied.result.plan.services).toEqual(['+ service remote: python3 -m http.server 8080']);

  await openEditor(page);
  await page.locator('.react-flow__node[data-id="remote"]').click();
  await dockTab(page, 'Node');
  const services = page.getByRole('table', { name: 'services' });
  await expect(services.locator('tr[data-state="running"]')).toContainText('python3 -m http.server 8080');
  await expect(services).toContainText('Serving HTTP on 0.0.0.0 port 8080');
  await expect.poll(async () => (await nslab('exec', LAB, 'A', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', 'http://203.0.113.2:8080/')).stdout, { timeout: 20_000 }).toBe('200');
  await expect(services).toContainText('"GET / HTTP/1.1" 200');
  await page.locator('[data-path="nodes[4].run"]').scrollIntoViewIfNeeded();
  await expect(page.locator('[data-path="nodes[4].run"]')).toHaveValue('python3 -m http.server 8080');
  await page.screenshot({ path: info.outputPath('services-node-view-1280x800.png') });
});

test('terminals only for clients holding the access token', async () => {
  const bashBefore = pidsOf('bash');
  const socket = io(BASE, { transports: ['polling', 'websocket'], reconnection: false });
  try {
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (e) => resolve(`refused: ${e.message}`));
    });
    expect(outcome).toMatch(/^refused/);
    // nothing was started for it
    expect(pidsOf('bash').filter((p) => !bashBefore.includes(p))).toEqual([]);
  } finally {
    socket.close();
  }
});
