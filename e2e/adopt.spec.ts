// Acceptance 5 in the browser: namespaces and a bridge made by hand with `ip` appear in the
// adopt view with their links, addresses and routes; "Create lab from these" makes a lab whose
// plan changes nothing but nslab's ownership marks. Nothing in the kernel changes until apply.
import { expect, test } from '@playwright/test';
import { call, deleteLab, login, netnsList, sh } from './helpers';

const LAB = 'handmade';
const RED = 'hm-red';
const BLUE = 'hm-blue';
const BR = 'hmbr0';

async function ip(...args: string[]) {
  const r = await sh('ip', args);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

async function removeHandMade() {
  for (const ns of await netnsList()) if (ns === RED || ns === BLUE) await sh('ip', ['netns', 'del', ns]);
  for (const l of [BR, 'hm-vr', 'hm-vb']) await sh('ip', ['link', 'del', l]);
}

test.beforeEach(async () => {
  await removeHandMade();
  await ip('netns', 'add', RED);
  await ip('netns', 'add', BLUE);
  await ip('link', 'add', BR, 'type', 'bridge');
  await ip('addr', 'add', '10.66.0.1/24', 'dev', BR);
  await ip('link', 'set', BR, 'up');
  for (const [ns, port, addr] of [[RED, 'hm-vr', '10.66.0.2/24'], [BLUE, 'hm-vb', '10.66.0.3/24']] as const) {
    await ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('link', 'set', port, 'master', BR, 'up');
    await ip('-n', ns, 'addr', 'add', addr, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', ns, 'route', 'add', 'default', 'via', '10.66.0.1');
  }
});

test.afterEach(async () => {
  await deleteLab(LAB);
  await removeHandMade();
});

/** Every interface of the machine's namespace and of the two hand-made ones: name, alias (the nslab mark), master, addresses. */
async function kernelPicture(): Promise<string> {
  const out: string[] = [];
  for (const ns of ['', RED, BLUE]) {
    const r = await sh('ip', [...(ns ? ['-n', ns] : []), '-j', 'addr', 'show']);
    const links = JSON.parse(r.stdout) as Array<{ ifname: string; ifalias?: string; master?: string; addr_info?: Array<{ local: string; prefixlen: number }> }>;
    for (const l of links) out.push(`${ns}/${l.ifname} alias=${l.ifalias ?? ''} master=${l.master ?? ''} ${(l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`).join(',')}`);
  }
  return out.sort().join('\n');
}

test('hand-made namespaces and a bridge appear in the adopt view and become a lab that plans only marks', async ({ page }) => {
  const kernelBefore = await kernelPicture();
  expect(kernelBefore).toContain(`${RED}/eth0 alias= master= 10.66.0.2/24`);
  await login(page, '/adopt');
  const list = page.getByRole('list', { name: 'found objects' });
  for (const name of [RED, BLUE, BR]) await expect(list.locator(`[data-found="${name}"]`)).toBeVisible();
  await expect(list.locator(`[data-found="${RED}"]`)).toContainText('1 link');
  await expect(list.locator(`[data-found="${BR}"]`)).toContainText('2 links');

  // The diagram: both namespaces and the bridge, its address, the routes, and each link's ends.
  const diagram = page.getByTestId('adopt-diagram');
  await expect(diagram.locator(`.react-flow__node[data-id="${BR}"]`)).toContainText('10.66.0.1/24');
  await expect(diagram.locator('.react-flow__node[data-id="hm-red"]')).toContainText('route default via 10.66.0.1');
  await expect(diagram.locator('.react-flow__edge')).toHaveCount(3); // two veth pairs, and the bridge in the host
  for (const end of ['hm-vr', 'hm-vb', 'eth010.66.0.2/24', 'eth010.66.0.3/24']) await expect(diagram.locator('.found-end', { hasText: new RegExp(`^${end}$`) })).toBeVisible();
  await page.screenshot({ path: 'test-results/adopt-view.png' });

  // Only these three: leave out anything else the kernel has.
  for (const box of await list.locator('li').all()) {
    const name = await box.getAttribute('data-found');
    if (name !== RED && name !== BLUE && name !== BR) await box.getByRole('checkbox').uncheck();
  }
  await page.getByRole('textbox', { name: 'Lab name' }).fill(LAB);
  await page.getByRole('button', { name: 'Create lab from these' }).click();
  await expect(page.getByRole('status')).toContainText(`Lab ${LAB} created`);
  // Creating the lab changed nothing in the kernel.
  expect(await kernelPicture()).toBe(kernelBefore);

  const plan = await call('lab:plan', { name: LAB });
  if (!plan.ok) throw new Error(plan.message);
  expect(plan.plan.conflicts).toEqual([]);
  expect(plan.plan.summary).toEqual({ add: 0, change: 5, destroy: 0 });
  for (const c of plan.plan.changes) {
    expect(c.action).toBe('update');
    for (const d of c.details ?? []) expect(d).toMatch(/mark: \(none\) -> nslab:handmade:/);
  }

  await page.getByRole('link', { name: 'Open it in the editor' }).click();
  await expect(page).toHaveURL(new RegExp(`/labs/${LAB}$`));
  for (const id of [BR, 'hm-red', 'hm-blue']) await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toBeVisible();

  // Apply takes the hand-made objects over only once the user confirms the list of them.
  await page.getByRole('button', { name: 'Apply…' }).click();
  const dialog = page.getByRole('dialog');
  const takeovers = dialog.getByTestId('takeovers');
  await expect(takeovers).toBeVisible();
  for (const t of [`namespace ${RED}`, `namespace ${BLUE}`, `interface ${BR} in this machine's own namespace`]) await expect(takeovers).toContainText(t);
  const apply = dialog.getByRole('button', { name: 'Apply', exact: true });
  await expect(apply).toBeDisabled();
  await page.screenshot({ path: 'test-results/adopt-confirm-1280x800.png' });
  expect((await sh('ip', ['-n', RED, 'link', 'show', 'lo'])).stdout).not.toContain('alias');
  await takeovers.getByRole('checkbox').check();
  await apply.click();
  await expect(dialog.getByText('Applied: the kernel now matches the lab.')).toBeVisible({ timeout: 60_000 });
  expect((await sh('ip', ['-n', RED, 'link', 'show', 'lo'])).stdout).toContain(`alias nslab:${LAB}:ns:`);
});
