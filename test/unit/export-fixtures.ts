// Labs the exporter tests share: the seed tutorial lab and a few odd or generated ones.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assertTopology } from '@/lib/validate';
import { parse } from 'yaml';
import type { Topology, TopologyInput } from '@/lib/topology';

export const seedPath = fileURLToPath(new URL('../../examples/seed.yaml', import.meta.url));
export const seedText = (): string => readFileSync(seedPath, 'utf8');
export const seedLab = (): Topology => assertTopology(parse(seedText()));
/** examples/vlans.yaml (access ports, a trunk, sub-interfaces), with a route through a sub-interface */
export const vlanLab = (): Topology => {
  const t = parse(readFileSync(fileURLToPath(new URL('../../examples/vlans.yaml', import.meta.url)), 'utf8')) as TopologyInput;
  const T = t.nodes!.find((n) => n.id === 'T')!;
  if (T.kind === 'namespace') T.routes = [{ to: '10.0.99.0/24', via: '10.0.30.6', dev: 'eth0.30' }];
  return assertTopology(t);
};

/** A router namespace between two bridges, with NAT and forwarding of its own, and an isolated host. */
const routerLab: TopologyInput = {
  name: 'router-nat',
  description: 'R forwards between two LANs and masquerades LAN 1 out of wan',
  host: { netns: 'rtr-host', forwarding: false },
  nodes: [
    { id: 'lan1', kind: 'bridge' },
    { id: 'lan2', kind: 'bridge', addresses: [] },
    { id: 'R', kind: 'namespace', role: 'router', forwarding: true, nat: [{ source: '10.1.0.0/24', out: 'wan' }], routes: [{ to: '198.51.100.0/24', dev: 'wan' }] },
    { id: 'h1', kind: 'namespace', routes: [{ to: 'default', via: '10.1.0.1' }] },
    { id: 'h2', kind: 'namespace', routes: [{ to: 'default', via: '10.2.0.1', dev: 'eth0' }] },
    { id: 'out', kind: 'namespace', role: 'machine' },
  ],
  links: [
    { id: 'r-lan1', a: { node: 'R', iface: 'eth1', addresses: ['10.1.0.1/24'] }, b: { node: 'lan1' }, netem: { delay: '50ms', jitter: '5ms', loss: '1%' } },
    { a: { node: 'R', iface: 'eth2', addresses: ['10.2.0.1/24'] }, b: { node: 'lan2', iface: 'r-port' } },
    { a: { node: 'h1', iface: 'eth0', addresses: ['10.1.0.2/24'] }, b: { node: 'lan1' } },
    { a: { node: 'h2', iface: 'eth0', addresses: ['10.2.0.2/24'] }, b: { node: 'lan2' } },
    { a: { node: 'R', iface: 'wan', addresses: ['198.51.100.1/30'] }, b: { node: 'out', iface: 'eth0', addresses: ['198.51.100.2/30'], netem: { rate: '10mbit', corrupt: '0.1%', duplicate: '0.5%' } } },
  ],
};

/** Text that YAML, JSON, XML and Mermaid all treat specially, in every free-text field. */
const oddLab: TopologyInput = {
  name: 'odd-0',
  description: `He said "hi" & left: 'quoted' # not a comment\n  indented line <b>bold</b> --> end; %% [x] {y} |z| \\ tab\tend`,
  host: { netns: '' },
  nodes: [
    { id: 'end', kind: 'namespace', label: '"quoted" <label> & \'single\' #35; `tick`' },
    { id: 'graph', kind: 'namespace', label: 'yes' },
    { id: 'o1', kind: 'namespace', label: '123' },
    { id: 'x-y_z', kind: 'bridge', label: 'null' },
    { id: 'subgraph', kind: 'namespace', label: ': - ? [ ] { } , > |' },
  ],
  links: [
    { id: 'style', a: { node: 'end', iface: 'eth0', addresses: ['192.168.7.2/24'] }, b: { node: 'x-y_z' } },
    { a: { node: 'graph', iface: 'click', addresses: ['192.168.7.3/24'] }, b: { node: 'x-y_z', iface: 'class' } },
    { a: { node: 'o1', iface: 'o-', addresses: [] }, b: { node: 'subgraph', iface: 'x' } },
  ],
  layout: { nodes: { end: { x: 0.1 + 0.2, y: -1e-7, color: '#ff0000', note: 'line 1\nline "2"' }, 'x-y_z': { x: 1e21, y: -12345.678 } } },
};

/** A larger lab built from a seeded generator: N namespaces per bridge, a layout for some nodes. */
export function generatedLab(seed: number, bridges: number, perBridge: number): Topology {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const t: TopologyInput = { name: `gen-${seed}`, host: { netns: `gen${seed}`, forwarding: true }, nodes: [], links: [], layout: { nodes: {} } };
  for (let b = 0; b < bridges; b++) {
    t.nodes!.push({ id: `br${b}`, kind: 'bridge', addresses: [`10.${b}.0.1/24`] });
    for (let i = 0; i < perBridge; i++) {
      const id = `n${b}x${i}`;
      t.nodes!.push({ id, kind: 'namespace', ...(rand() < 0.5 ? { routes: [{ to: 'default', via: `10.${b}.0.1` }] } : {}) });
      t.links!.push({ a: { node: id, iface: 'eth0', addresses: [`10.${b}.0.${i + 2}/24`] }, b: { node: `br${b}` } });
      if (rand() < 0.6) t.layout!.nodes![id] = { x: Math.round(rand() * 2000 - 1000), y: Math.round(rand() * 800) / 4 };
    }
  }
  t.host!.nat = [{ source: '10.0.0.0/24', out: 'br0' }];
  return assertTopology(t);
}

export const emptyLab = (): Topology => assertTopology({ name: 'empty' });

/** Name → lab, for table-driven tests. */
export function sampleLabs(): [string, Topology][] {
  return [
    ['seed', seedLab()],
    ['empty lab', emptyLab()],
    ['router namespace with NAT, isolated host', assertTopology(routerLab)],
    ['quotes and specials in labels and descriptions', assertTopology(oddLab)],
    ['generated 3x4', generatedLab(7, 3, 4)],
    ['generated 1x12', generatedLab(42, 1, 12)],
    ['VLANs: access ports, a trunk, sub-interfaces', vlanLab()],
  ];
}
