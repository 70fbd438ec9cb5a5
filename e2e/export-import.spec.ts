// Import: a lab file picked on the labs page becomes a lab (a broken one is refused, the
// problems naming their fields); a file dropped on the canvas replaces the drawing after a
// confirm, keeping the lab's name; Undo brings the old drawing back.
import { expect, test, type Page } from '@playwright/test';
import { stringify } from 'yaml';
import { deleteLab, login, seedTopology } from './helpers';

const LAB = 'imported';

test.afterEach(async () => {
  await deleteLab(LAB);
});

async function pick(page: Page, name: string, text: string) {
  await page.getByLabel('lab file to import').setInputFiles({ name, mimeType: 'application/yaml', buffer: Buffer.from(text) });
}

/** A file dropped onto the canvas the way the browser delivers one (a DataTransfer with a File). */
async function dropOnCanvas(page: Page, name: string, text: string) {
  await page.locator('.canvas').evaluate((canvas, [fileName, body]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([body], fileName, { type: 'application/yaml' }));
    const box = canvas.getBoundingClientRect();
    const at = { clientX: box.x + box.width / 2, clientY: box.y + box.height / 2 };
    canvas.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true, ...at }));
    canvas.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true, ...at }));
  }, [name, text] as const);
}

test('a picked file becomes a lab; a broken one is refused field by field; a dropped one replaces the canvas', async ({ page }) => {
  await login(page);
  const seed = seedTopology(LAB) as { links: Array<{ a: { addresses?: string[] } }> };

  const broken = structuredClone(seed);
  broken.links[0]!.a.addresses = ['10.0.0.300/24'];
  await pick(page, 'broken.yaml', stringify(broken));
  const alert = page.getByTestId('import-drop').getByRole('alert');
  await expect(alert).toContainText('links[0].a.addresses[0]');
  await expect(alert).toContainText('10.0.0.300/24');
  await pick(page, 'notes.txt', 'hello');
  await expect(alert).toContainText('drop a .yaml, .yml or .json file');

  await pick(page, `${LAB}.yaml`, stringify(seed));
  await expect(page).toHaveURL(new RegExp(`/labs/${LAB}$`));
  for (const id of ['br0', 'A', 'B', 'C', 'remote']) await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toBeVisible();

  // Dropping a two-namespace lab (under another name) on the canvas replaces the drawing.
  const other = { name: 'elsewhere', host: { netns: `${LAB}-host` }, nodes: [{ id: 'left', kind: 'namespace' }, { id: 'right', kind: 'namespace' }], links: [{ a: { node: 'left', iface: 'eth0', addresses: ['10.9.0.1/30'] }, b: { node: 'right', iface: 'eth0', addresses: ['10.9.0.2/30'] } }] };
  page.once('dialog', (d) => {
    expect(d.message()).toContain(`Replace lab "${LAB}"`);
    expect(d.message()).toContain(`its name "elsewhere" becomes "${LAB}"`);
    void d.accept();
  });
  await dropOnCanvas(page, 'two.json', JSON.stringify(other));
  await expect(page.locator('.react-flow__node[data-id="left"]')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="A"]')).toHaveCount(0);
  await expect(page.locator('.lab-title')).toHaveText(LAB);

  // A broken drop changes nothing and says why.
  await dropOnCanvas(page, 'bad.yaml', 'name: [unclosed');
  await expect(page.locator('.import-canvas-problems')).toContainText('bad.yaml is not valid YAML/JSON');
  await expect(page.locator('.react-flow__node[data-id="left"]')).toBeVisible();

  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.locator('.react-flow__node[data-id="A"]')).toBeVisible();
});
