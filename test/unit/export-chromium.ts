// A headless Chromium (the Debian one, never a download) for the exporter tests: the real
// Mermaid parser and renderer from node_modules, and the browser's strict XML parser.
// It only loads local files; it makes no network connection.
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const MERMAID_JS = fileURLToPath(new URL('../../node_modules/mermaid/dist/mermaid.min.js', import.meta.url));

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface ChromiumChecker {
  /** null when Mermaid parses and renders the text, else Mermaid's error message */
  mermaidError(text: string): Promise<string | null>;
  /** the rendered SVG (throws on a syntax error) */
  mermaidSvg(text: string): Promise<string>;
  /** null when the text is well-formed XML, else the parser's message */
  xmlError(text: string): Promise<string | null>;
  /** the document parsed by the browser's XML parser, as element paths and mxCells */
  drawioModel(text: string): Promise<DrawioModel>;
  close(): Promise<void>;
}

export interface DrawioCell {
  id: string;
  parent: string | null;
  value: string | null;
  style: string | null;
  vertex: boolean;
  edge: boolean;
  source: string | null;
  target: string | null;
  geometry: { x: number; y: number; width: number; height: number; relative: boolean } | null;
}

export interface DrawioModel {
  /** the chain of element names from the root to the cells' parent, e.g. mxfile/diagram/mxGraphModel/root */
  path: string[];
  cells: DrawioCell[];
}

export async function openChromium(): Promise<ChromiumChecker> {
  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page: Page = await browser.newPage();
    await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
    await page.addScriptTag({ path: MERMAID_JS });
    await page.evaluate(() => (window as unknown as { mermaid: { initialize(o: object): void } }).mermaid.initialize({ startOnLoad: false }));
    let n = 0;
    const render = (text: string) =>
      page.evaluate(async ([t, id]) => {
        const m = (window as unknown as { mermaid: { parse(t: string): Promise<unknown>; render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
        await m.parse(t);
        return (await m.render(id, t)).svg;
      }, [text, `g${++n}`] as const);
    return {
      mermaidSvg: render,
      async mermaidError(text) {
        try {
          await render(text);
          return null;
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      },
      xmlError: (text) =>
        page.evaluate((t) => {
          const doc = new DOMParser().parseFromString(t, 'application/xml');
          const err = doc.getElementsByTagName('parsererror')[0];
          return err ? (err.textContent ?? 'parse error') : null;
        }, text),
      drawioModel: (text) =>
        page.evaluate((t) => {
          const doc = new DOMParser().parseFromString(t, 'application/xml');
          const err = doc.getElementsByTagName('parsererror')[0];
          if (err) throw new Error(`not well-formed XML: ${err.textContent}`);
          const cells = [...doc.getElementsByTagName('mxCell')];
          const path: string[] = [];
          for (let e: Element | null = cells[0]?.parentElement ?? null; e; e = e.parentElement) path.unshift(e.tagName);
          const num = (e: Element, a: string) => Number(e.getAttribute(a) ?? 'NaN');
          return {
            path,
            cells: cells.map((c) => {
              const g = [...c.children].find((e) => e.tagName === 'mxGeometry');
              return {
                id: c.getAttribute('id') ?? '',
                parent: c.getAttribute('parent'),
                value: c.getAttribute('value'),
                style: c.getAttribute('style'),
                vertex: c.getAttribute('vertex') === '1',
                edge: c.getAttribute('edge') === '1',
                source: c.getAttribute('source'),
                target: c.getAttribute('target'),
                geometry: g
                  ? { x: num(g, 'x'), y: num(g, 'y'), width: num(g, 'width'), height: num(g, 'height'), relative: g.getAttribute('relative') === '1' }
                  : null,
              };
            }),
          };
        }, text),
      close: () => browser.close(),
    };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
