import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fromText, toJson, toYaml, updateYamlText } from '@/lib/export/topology-file';
import type { Topology } from '@/lib/topology';
import { sampleLabs, seedLab, seedText } from './export-fixtures';

function imported(text: string): Topology {
  const r = fromText(text);
  if (!r.ok) throw new Error(`import failed:\n${r.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}\n---\n${text}`);
  return r.topology;
}

describe.each(sampleLabs())('round trip of %s', (_name, lab) => {
  it('YAML imports back to the same topology', () => {
    expect(imported(toYaml(lab))).toStrictEqual(lab);
  });
  it('JSON imports back to the same topology', () => {
    const text = toJson(lab);
    expect(JSON.parse(text)).toStrictEqual(JSON.parse(JSON.stringify(lab)));
    expect(imported(text)).toStrictEqual(lab);
  });
  it('exports are stable (the same lab gives the same text)', () => {
    expect(toYaml(imported(toYaml(lab)))).toBe(toYaml(lab));
    expect(toJson(imported(toJson(lab)))).toBe(toJson(lab));
  });
});

describe('key order', () => {
  const lab = seedLab();
  const shuffled = JSON.parse(JSON.stringify({ layout: lab.layout, links: lab.links, nodes: lab.nodes, host: lab.host, description: lab.description, name: lab.name }));
  it.each([
    ['JSON', (t: Topology) => Object.keys(JSON.parse(toJson(t)))],
    ['YAML', (t: Topology) => Object.keys(parseDocument(toYaml(t)).toJSON())],
  ])('%s writes name, description, host, nodes, links, layout in that order', (_f, keys) => {
    expect(keys(shuffled)).toEqual(['name', 'description', 'host', 'nodes', 'links', 'layout']);
  });
  it('writes node keys id, kind first and route keys to, via', () => {
    const text = toYaml(lab);
    expect(text).toContain('  - id: br0\n    kind: bridge\n');
    expect(text).toContain('{ to: default, via: 10.0.0.1 }');
  });
});

describe('YAML is readable like examples/seed.yaml', () => {
  const text = toYaml(seedLab());
  it.each([
    ['the lab name on top, unquoted', /^name: seed$/m],
    ['short endpoint maps on one line', /^ {2}- \{ a: \{ node: A, iface: eth0, addresses: \[ 10\.0\.0\.2\/24 \] \}, b: \{ node: br0, iface: veth-A \} \}$/m],
    ['positions on one line', /^ {4}A: \{ x: -260, y: 320 \}$/m],
    ['nodes as blocks', /^ {2}- id: remote\n {4}kind: namespace\n {4}role: machine\n {4}label: another machine$/m],
    ['the empty host netns quoted', /^ {2}netns: ""$/m],
  ])('%s', (_what, re) => {
    expect(text).toMatch(re);
  });
  it('refuses to be read back when broken (negative control)', () => {
    expect(fromText(text.replace('name: seed', 'name: Seed!')).ok).toBe(false);
    expect(fromText(`${text}\n  - broken: [`).ok).toBe(false);
  });
});

describe('updateYamlText keeps the user\'s comments', () => {
  const original = seedText();
  const comments = original.split('\n').filter((l) => l.trim().startsWith('#')).map((l) => l.trim());

  function changed(edit: (t: Topology) => void): { text: string; lab: Topology } {
    const lab = structuredClone(seedLab());
    edit(lab);
    return { text: updateYamlText(original, lab), lab };
  }

  it('seed.yaml has comments to keep (the test would be empty otherwise)', () => {
    expect(comments.length).toBeGreaterThan(5);
  });

  it.each<[string, (t: Topology) => void, RegExp]>([
    ['an address of A changes', (t) => { t.links[0]!.a.addresses = ['10.0.0.12/24']; }, /node: A, iface: eth0, addresses: \[ ?10\.0\.0\.12\/24 ?\]/],
    ['the host NAT source changes', (t) => { t.host!.nat![0]!.source = '10.0.0.0/16'; }, /- source: 10\.0\.0\.0\/16\n\s+out: to-remote/],
    ['a node is added with its link', (t) => {
      t.nodes.push({ id: 'D', kind: 'namespace', routes: [{ to: 'default', via: '10.0.0.1' }] });
      t.links.push({ a: { node: 'D', iface: 'eth0', addresses: ['10.0.0.5/24'] }, b: { node: 'br0', iface: 'veth-D' } });
    }, /- id: D\n\s+kind: namespace[\s\S]*node: D, iface: eth0/],
    ['a node is removed with its link and position', (t) => { t.nodes = t.nodes.filter((n) => n.id !== 'C'); t.links = t.links.filter((l) => l.a.node !== 'C'); delete t.layout!.nodes!['C']; }, /^(?![\s\S]*\bC\b: \{)[\s\S]*$/],
    ['a node moves on the canvas', (t) => { t.layout!.nodes!['B'] = { x: 5, y: 7.5 }; }, /B: \{ ?x: 5, y: 7\.5 ?\}/],
    ['the description changes to text with quotes', (t) => { t.description = 'a "new" one: #1'; }, /^description: .*"new" one: #1/m],
  ])('when %s', (_what, edit, expected) => {
    const { text, lab } = changed(edit);
    expect(text).toMatch(expected);
    for (const c of comments) expect(text).toContain(c);
    expect(imported(text)).toStrictEqual(lab);
  });

  it('changes nothing in the text when nothing changed', () => {
    expect(updateYamlText(original, seedLab())).toBe(parseDocument(original).toString({ lineWidth: 0 }));
  });

  it('writes a fresh file when the original is not a YAML mapping', () => {
    expect(updateYamlText('- just\n- a list\n', seedLab())).toBe(toYaml(seedLab()));
  });
});
