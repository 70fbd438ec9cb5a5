// The SVG exporter, checked in a real Chromium (the Debian one): the file parses as SVG, shows
// every node's name, every interface name and address, one line per link, no two node boxes
// overlap, and every text fits inside its box and inside the picture.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { diagramLinks } from '@/lib/export/describe';
import { exportTopology } from '@/lib/export/index';
import { toSvg } from '@/lib/export/svg';
import { CSS_SOURCES } from '@/lib/export/colors';
import { HOST_ID } from '@/lib/topology';
import { assertTopology } from '@/lib/validate';
import { PNG_SCALE, pngOfTopology } from '@/server/export/png';
import { CHROMIUM_ARGS } from './export-chromium';
import { sampleLabs, seedLab } from './export-fixtures';

interface Rendered {
  error: string | null;
  texts: string[];
  nodes: Array<{ id: string; box: DOMRectLike; texts: DOMRectLike[] }>;
  lines: number;
  view: DOMRectLike;
  allTexts: DOMRectLike[];
}
interface DOMRectLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
});

function render(svg: string): Promise<Rendered> {
  return page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const err = doc.getElementsByTagName('parsererror')[0];
    if (err) return { error: err.textContent ?? 'parse error', texts: [], nodes: [], lines: 0, view: { x: 0, y: 0, width: 0, height: 0 }, allTexts: [] };
    document.body.innerHTML = '';
    const svgEl = document.importNode(doc.documentElement, true) as unknown as SVGSVGElement;
    document.body.appendChild(svgEl);
    const rect = (r: DOMRect) => ({ x: r.x, y: r.y, width: r.width, height: r.height });
    const nodes = [...svgEl.querySelectorAll('g.node')].map((g) => ({
      id: g.getAttribute('data-id') ?? '',
      box: rect((g.querySelector('rect') as SVGGraphicsElement).getBBox()),
      texts: [...g.querySelectorAll('text')].map((t) => rect((t as SVGGraphicsElement).getBBox())),
    }));
    const vb = svgEl.viewBox.baseVal;
    return {
      error: null,
      texts: [...svgEl.querySelectorAll('text')].map((t) => t.textContent ?? ''),
      nodes,
      lines: svgEl.querySelectorAll('line.link').length,
      view: { x: vb.x, y: vb.y, width: vb.width, height: vb.height },
      allTexts: [...svgEl.querySelectorAll('text')].map((t) => rect((t as SVGGraphicsElement).getBBox())),
    };
  }, svg);
}

const inside = (a: DOMRectLike, b: DOMRectLike) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
const overlap = (a: DOMRectLike, b: DOMRectLike) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe.each(sampleLabs())('toSvg of %s', (_name, lab) => {
  it('parses as SVG with every name, interface and address, and one line per link', async () => {
    const r = await render(toSvg(lab));
    expect(r.error).toBeNull();
    const all = r.texts.join('\n');
    for (const n of lab.nodes) expect(all).toContain(n.label ?? n.id);
    for (const l of diagramLinks(lab)) {
      for (const e of [l.a, l.b]) {
        expect(r.texts).toContain(e.iface);
        for (const a of e.addresses) expect(r.texts).toContain(a);
      }
    }
    expect(r.lines).toBe(diagramLinks(lab).filter((l) => r.nodes.some((n) => n.id === l.a.node) && r.nodes.some((n) => n.id === l.b.node)).length);
  });

  it('keeps node boxes apart and every text inside its box and the picture', async () => {
    const r = await render(toSvg(lab));
    for (const [i, a] of r.nodes.entries()) {
      for (const t of a.texts) expect(inside(t, a.box), `a text of ${a.id} leaves its box`).toBe(true);
      // nothing but the host's own head in the host's frame: its text never runs under a bridge
      if (a.id === HOST_ID) for (const b of r.nodes.filter((n) => n.id !== HOST_ID)) for (const t of a.texts) expect(overlap(t, b.box), `the host's text runs under ${b.id}`).toBe(false);
      for (const b of r.nodes.slice(i + 1)) {
        // the host is a place holding its bridges: each lies inside its frame, and covers nothing else
        const isBridge = (id: string) => lab.nodes.some((n) => n.id === id && n.kind === 'bridge');
        if (a.id === HOST_ID && isBridge(b.id)) expect(inside(b.box, a.box), `${b.id} lies inside the host`).toBe(true);
        else expect(overlap(a.box, b.box), `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
    for (const t of r.allTexts) expect(inside(t, r.view)).toBe(true);
  });
});

describe('toSvg', () => {
  it('draws the seed lab with the host, since a link ends on it', async () => {
    const r = await render(toSvg(seedLab()));
    expect(r.nodes.map((n) => n.id)).toEqual([HOST_ID, 'br0', 'A', 'B', 'C', 'remote']);
    expect(r.lines).toBe(4);
    expect(r.texts).toEqual(expect.arrayContaining(['veth-A', 'eth0', '10.0.0.2/24', '203.0.113.1/24', 'NAT 10.0.0.0/24 out to-remote', 'another machine']));
  });

  it('is a clean vector picture: no foreignObject or HTML, the canvas colours, under 100 KB', () => {
    const svg = toSvg(seedLab());
    expect(svg).not.toMatch(/foreignObject|<div|<span|xhtml/i);
    expect(Buffer.byteLength(svg)).toBeLessThan(100_000);
    for (const [, colour] of CSS_SOURCES.filter(([v]) => ['--ns', '--br', '--host', '--machine', '--ns-line', '--br-line', '--host-line', '--machine-line', '--edge'].includes(v))) expect(svg).toContain(colour);
  });

  it('uses the canvas colours: every colour it takes from app/globals.css is the one the CSS sets', () => {
    const css = readFileSync('app/globals.css', 'utf8');
    const root = css.slice(css.indexOf(':root {'), css.indexOf('}', css.indexOf(':root {')));
    for (const [name, colour] of CSS_SOURCES) expect(root, name).toMatch(new RegExp(`${name}: ${colour};`));
  });

  it('draws the host as a frame around its bridges, its NAT rule and forwarding in its head', async () => {
    const r = await render(toSvg(seedLab()));
    const host = r.nodes.find((n) => n.id === HOST_ID)!;
    const br0 = r.nodes.find((n) => n.id === 'br0')!;
    expect(inside(br0.box, host.box)).toBe(true);
    expect(r.texts).toEqual(expect.arrayContaining(['forwarding', 'NAT 10.0.0.0/24 out to-remote']));
  });

  it('leaves the host out when nothing uses it', async () => {
    const t = assertTopology({ name: 'two', nodes: [{ id: 'a', kind: 'namespace' }, { id: 'b', kind: 'namespace' }], links: [{ a: { node: 'a', iface: 'e0' }, b: { node: 'b', iface: 'e0' } }] });
    expect((await render(toSvg(t))).nodes.map((n) => n.id)).toEqual(['a', 'b']);
  });

  it('escapes markup in labels and descriptions', async () => {
    const t = assertTopology({ name: 'esc', nodes: [{ id: 'a', kind: 'namespace', label: 'A <&> "B"' }] });
    const r = await render(toSvg(t));
    expect(r.error).toBeNull();
    expect(r.texts).toContain('A <&> "B"');
  });

  it('becomes a PNG at twice its size for nslab export --format png', async () => {
    const svg = toSvg(seedLab());
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    const png = await pngOfTopology(seedLab());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([PNG_SCALE * Number(w), PNG_SCALE * Number(h)]);
  });

  it('is the svg format of exportTopology (nslab export --format svg)', () => {
    expect(exportTopology(seedLab(), 'svg')).toBe(toSvg(seedLab()));
  });
});
