import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mermaidText, toMermaid } from '@/lib/export/mermaid';
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

describe('the real Mermaid parser (Chromium)', () => {
  it.each([
    ['an unclosed label', 'flowchart LR\n  a["x] --> b\n'],
    ['a dangling edge', 'flowchart LR\n  a --- \n'],
    ['a keyword as a node id', 'flowchart LR\n  end["x"]\n'],
    ['quotes in an unquoted label', 'flowchart LR\n  a[x "y"] --> b\n'],
    ['an unclosed edge label', 'flowchart LR\n  a["x"] ---|"l| b\n'],
  ])('refuses broken syntax: %s (negative control)', async (_what, text) => {
    expect(await chromium.mermaidError(text)).not.toBeNull();
  });

  it.each(sampleLabs())('parses and renders the flowchart of %s', async (_name, lab) => {
    const text = toMermaid(lab);
    expect(await chromium.mermaidError(text)).toBeNull();
    expect(await chromium.mermaidError(toMermaid(lab, { direction: 'TB' }))).toBeNull();
  });

  it('renders every node and link of the seed lab with its labels', async () => {
    const svg = await chromium.mermaidSvg(toMermaid(seedLab()));
    for (const text of ['host', 'this machine', 'br0', '10.0.0.1/24', 'another machine', 'eth0 10.0.0.2/24 — veth-A', 'to-remote 203.0.113.1/24 — eth0 203.0.113.2/24'])
      expect(svg).toContain(text);
  });

  it('shows labels with quotes, # and HTML as the user typed them', async () => {
    const lab = assertTopology({ name: 'q', nodes: [{ id: 'end', kind: 'namespace', label: 'say "hi" #1 <b>&' }] });
    const svg = await chromium.mermaidSvg(toMermaid(lab));
    expect(svg).toContain('say "hi" #1 &lt;b&gt;&amp;');
  });
});

describe('toMermaid', () => {
  const text = toMermaid(seedLab());
  it.each([
    ['a left-to-right flowchart', /^flowchart LR$/m],
    ['the host, double-edged, in the host context', /^ {4}n_host\[\["host<br\/>this machine/m],
    ['the bridge as a hexagon, in the host context', /^ {4}n_br0\{\{"br0<br\/>bridge<br\/>10\.0\.0\.1\/24"\}\}$/m],
    ['a namespace as a box with its route', /^ {2}n_A\["A<br\/>route default via 10\.0\.0\.1"\]$/m],
    ['the other machine in its own shape', /^ {2}n_remote\[\/"another machine<br\/>remote"\/\]$/m],
    ['links labelled with interfaces and addresses', /^ {2}n_A ---\|"eth0 10\.0\.0\.2\/24 — veth-A"\| n_br0$/m],
    ['the host a place holding its bridges', /^ {2}subgraph n_host_ctx\["host context"\]\n {4}n_host\[\[.*\n {4}n_br0\{\{.*\n {2}end$/m],
    ['a class per kind', /^ {2}class n_A,n_B,n_C namespace$/m],
  ])('draws %s', (_what, re) => {
    expect(text).toMatch(re);
  });

  it.each([
    ['"quoted"', '#quot;quoted#quot;'],
    ['a # b', 'a #35; b'],
    ['<i>&', '#lt;i#gt;#amp;'],
    ['two\nlines', 'two<br/>lines'],
    ['`md`', '#96;md#96;'],
  ])('escapes %j as %j', (raw, escaped) => {
    expect(mermaidText(raw)).toBe(escaped);
  });

  it('gives ids that differ only in - and _ distinct Mermaid ids', () => {
    const lab = assertTopology({ name: 'ids', nodes: [{ id: 'a-b', kind: 'namespace' }, { id: 'a_b', kind: 'namespace' }] });
    const out = toMermaid(lab);
    expect(out).toMatch(/^ {2}n_a_b\["a-b"\]$/m);
    expect(out).toMatch(/^ {2}n_a_b_2\["a_b"\]$/m);
  });
});
