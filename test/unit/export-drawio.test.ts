import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePositions } from '@/lib/export/auto-layout';
import { diagramLinks } from '@/lib/export/describe';
import { toDrawio, xmlAttr } from '@/lib/export/drawio';
import { HOST_ID } from '@/lib/topology';
import { assertTopology } from '@/lib/validate';
import { openChromium, type ChromiumChecker } from './export-chromium';
import { sampleLabs, seedLab } from './export-fixtures';

let chromium: ChromiumChecker;
beforeAll(async () => {
  chromium = await openChromium();
});
afterAll(async () => {
  await chromium?.close();
});

describe('the browser XML parser (Chromium)', () => {
  it.each([
    ['a bare ampersand', '<mxfile><diagram name="a & b"/></mxfile>'],
    ['a < in an attribute', '<mxfile><diagram name="a<b"/></mxfile>'],
    ['unclosed elements', '<mxfile><diagram>'],
    ['a quote ending an attribute early', '<mxfile><diagram name="say "hi""/></mxfile>'],
  ])('refuses %s (negative control)', async (_what, text) => {
    expect(await chromium.xmlError(text)).not.toBeNull();
  });
});

describe.each(sampleLabs())('toDrawio of %s', (_name, lab) => {
  it('is a well-formed diagrams.net file with one cell per node and per link, at the canvas positions', async () => {
    const text = toDrawio(lab);
    expect(await chromium.xmlError(text)).toBeNull();
    const model = await chromium.drawioModel(text);
    expect(model.path).toEqual(['mxfile', 'diagram', 'mxGraphModel', 'root']);
    const [zero, one, ...cells] = model.cells;
    expect(zero).toMatchObject({ id: '0', parent: null });
    expect(one).toMatchObject({ id: '1', parent: '0' });

    const vertices = cells.filter((c) => c.vertex);
    const edges = cells.filter((c) => c.edge);
    expect(vertices.length + edges.length).toBe(cells.length);
    expect(vertices.map((c) => c.id)).toEqual([HOST_ID, ...lab.nodes.map((n) => n.id)].map((id) => `node-${id}`));
    expect(edges).toHaveLength(lab.links.length);
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);

    const placed = lab.layout?.nodes ?? {};
    const defaults = nodePositions(lab);
    // the host holds its bridges (a container): a bridge's geometry is relative to it, the host's is its frame
    const bridges = new Set(lab.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id));
    const hostCell = vertices.find((v) => v.id === `node-${HOST_ID}`)!;
    // (a lab laid out so far out that the frame's size is lost in rounding keeps a plain host)
    const container = !!hostCell.style?.includes('container=1');
    for (const v of vertices) {
      const id = v.id.slice('node-'.length);
      const want = placed[id] ?? defaults.get(id)!;
      expect(v.geometry!.width).toBeGreaterThan(0);
      if (id === HOST_ID && container) {
        expect(bridges.size).toBeGreaterThan(0);
        expect(v.parent).toBe('1');
      } else if (bridges.has(id) && container) {
        expect(v.parent).toBe(`node-${HOST_ID}`);
        expect({ x: hostCell.geometry!.x! + v.geometry!.x!, y: hostCell.geometry!.y! + v.geometry!.y! }, v.id).toEqual({ x: want.x, y: want.y });
        expect(v.geometry!.x!).toBeGreaterThanOrEqual(0);
        expect(v.geometry!.y!).toBeGreaterThanOrEqual(0);
        expect(v.geometry!.x! + v.geometry!.width!).toBeLessThanOrEqual(hostCell.geometry!.width!);
        expect(v.geometry!.y! + v.geometry!.height!).toBeLessThanOrEqual(hostCell.geometry!.height!);
      } else {
        expect(v.geometry, v.id).toMatchObject({ x: want.x, y: want.y });
        expect(v.parent).toBe('1');
      }
    }
    const links = diagramLinks(lab);
    edges.forEach((e, i) => {
      const l = links[i]!;
      expect(e).toMatchObject({ source: `node-${l.a.node}`, target: `node-${l.b.node}`, parent: '1' });
      for (const text of [l.a.iface, l.b.iface, ...l.a.addresses, ...l.b.addresses]) expect(e.value).toContain(text);
      expect(e.geometry?.relative).toBe(true);
    });
  });
});

describe('toDrawio of the seed lab', () => {
  const lab = seedLab();
  it('keeps the text of labels with quotes, markup and line breaks exactly', async () => {
    const odd = assertTopology({ name: 'x', nodes: [{ id: 'n', kind: 'namespace', label: `"q" 'a' <b> & </mxCell>` }] });
    const model = await chromium.drawioModel(toDrawio(odd));
    expect(model.cells.find((c) => c.id === 'node-n')?.value).toBe(`"q" 'a' <b> & </mxCell>\nn`);
  });

  it.each([
    ['host', /container=1/],
    ['br0', /shape=hexagon/],
    ['A', /rounded=1/],
    ['remote', /dashed=1/],
  ])('styles %s by its kind', async (id, style) => {
    const model = await chromium.drawioModel(toDrawio(lab));
    expect(model.cells.find((c) => c.id === `node-${id}`)?.style).toMatch(style);
  });

  it('labels the link to another machine with both interfaces and addresses', async () => {
    const model = await chromium.drawioModel(toDrawio(lab));
    expect(model.cells.find((c) => c.edge && c.target === 'node-remote')?.value).toBe('to-remote 203.0.113.1/24 — eth0 203.0.113.2/24');
  });
});

describe('default positions for nodes the canvas has not placed', () => {
  const lab = assertTopology({
    name: 'lay',
    nodes: [{ id: 'br', kind: 'bridge' }, { id: 'a', kind: 'namespace' }, { id: 'b', kind: 'namespace' }, { id: 'far', kind: 'namespace' }, { id: 'alone', kind: 'namespace' }],
    links: [
      { a: { node: 'a', iface: 'e0' }, b: { node: 'br' } },
      { a: { node: 'b', iface: 'e0' }, b: { node: 'br' } },
      { a: { node: 'b', iface: 'e1' }, b: { node: 'far', iface: 'e0' } },
    ],
    layout: { nodes: { b: { x: 999, y: -5 } } },
  });
  const pos = nodePositions(lab);
  it.each([
    ['host', 0],
    ['br', 160],
    ['a', 320],
    ['far', 480],
    ['alone', 640],
  ])('puts %s in the layer at y=%d (hops from the host)', (id, y) => {
    expect(pos.get(id)?.y).toBe(y);
  });
  it('keeps positions the canvas gave', () => {
    expect(pos.get('b')).toEqual({ x: 999, y: -5 });
  });
  it('spreads a layer over distinct columns', () => {
    const layer2 = ['a', 'b'].map((id) => nodePositions({ ...lab, layout: undefined }).get(id)!.x);
    expect(new Set(layer2).size).toBe(2);
  });
});

describe('xmlAttr', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<x>', '&lt;x&gt;'],
    [`"'`, '&quot;&apos;'],
    ['1\n2', '1&#10;2'],
    ['bell\u0007', 'bell'],
  ])('escapes %j as %j', (raw, escaped) => {
    expect(xmlAttr(raw)).toBe(escaped);
  });
});
