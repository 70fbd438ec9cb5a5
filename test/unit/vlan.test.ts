// VLANs on bridges (lib/vlan.ts): bad input refused naming the field, the plan of a changed port
// (an update in place), and the kernel's answers read back (ip -j, the netlink dump, bridge -j).
import { describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import type { KernelState } from '@/lib/kernel-state';
import { plan } from '@/lib/plan';
import type { TopologyInput } from '@/lib/topology';
import { assertTopology, checkTopology, formatProblem } from '@/lib/validate';
import { diagramLinks, linkLabel } from '@/lib/export/describe';
import { portLabel } from '@/lib/vlan';
import { attachMemberships, linkFrom, membershipsFrom, parseBridgeVlans, parseIpLinks } from '@/server/kernel/read';
import { decodeDump } from '@/server/kernel/read/netlink';
import { run } from './kernel-sim';

const base = (): TopologyInput & { nodes: NonNullable<TopologyInput['nodes']>; links: NonNullable<TopologyInput['links']> } => ({
  name: 'v',
  host: { netns: 'vh' },
  nodes: [
    { id: 'br0', kind: 'bridge' },
    { id: 'A', kind: 'namespace' },
    { id: 'B', kind: 'namespace' },
    { id: 'T', kind: 'namespace' },
  ],
  links: [
    { a: { node: 'A', iface: 'eth0', addresses: ['10.0.10.2/24'] }, b: { node: 'br0', iface: 'p-A', vlan: 10 } },
    { a: { node: 'B', iface: 'eth0', addresses: ['10.0.20.2/24'] }, b: { node: 'br0', iface: 'p-B', vlan: 20 } },
    { a: { node: 'T', iface: 'eth0', subinterfaces: [{ vlan: 10, addresses: ['10.0.10.5/24'] }, { vlan: 20, addresses: ['10.0.20.5/24'] }] }, b: { node: 'br0', iface: 'p-T', vlans: [10, 20] } },
  ],
});
type Lab = ReturnType<typeof base>;
const edit = (f: (t: Lab) => void) => {
  const t = base();
  f(t);
  return t;
};
const end = (t: Lab, i: number, side: 'a' | 'b') => t.links[i]![side] as Record<string, unknown>;

// [what, lab, the field the problem names, fragment of its message]
const bad: [string, Lab, string, RegExp][] = [
  ['VLAN id 0', edit((t) => (end(t, 0, 'b').vlan = 0)), 'links[0].b.vlan', /VLAN id 0 is not valid: use a whole number from 1 to 4094/],
  ['VLAN id 4095', edit((t) => (end(t, 0, 'b').vlan = 4095)), 'links[0].b.vlan', /VLAN id 4095 is not valid/],
  ['VLAN id 1.5', edit((t) => (end(t, 0, 'b').vlan = 1.5)), 'links[0].b.vlan', /VLAN id 1.5 is not valid/],
  ['VLAN id as a string', edit((t) => (end(t, 0, 'b').vlan = '10')), 'links[0].b.vlan', /VLAN id "10" must be a number/],
  ['an empty trunk', edit((t) => (end(t, 2, 'b').vlans = [])), 'links[2].b.vlans', /at least one VLAN id/],
  ['a VLAN twice in a trunk', edit((t) => (end(t, 2, 'b').vlans = [10, 20, 10])), 'links[2].b.vlans[2]', /VLAN 10 is listed twice/],
  ['a trunk VLAN out of range', edit((t) => (end(t, 2, 'b').vlans = [10, 5000])), 'links[2].b.vlans[1]', /VLAN id 5000 is not valid/],
  ['a trunk that is not a list', edit((t) => (end(t, 2, 'b').vlans = 10)), 'links[2].b.vlans', /list of VLAN ids/],
  ['the access VLAN in the trunk list too', edit((t) => (end(t, 2, 'b').vlan = 10)), 'links[2].b.vlans', /VLAN 10 is this port's untagged VLAN/],
  ['vlan on a namespace end', edit((t) => (end(t, 0, 'a').vlan = 10)), 'links[0].a.vlan', /vlan is for a bridge port; "A" is not a bridge/],
  ['vlans on a namespace end', edit((t) => (end(t, 0, 'a').vlans = [10])), 'links[0].a.vlans', /vlans is for a bridge port/],
  ['sub-interfaces on a bridge port', edit((t) => (end(t, 0, 'b').subinterfaces = [{ vlan: 10 }])), 'links[0].b.subinterfaces', /a bridge port has no sub-interfaces/],
  ['two sub-interfaces for one VLAN', edit((t) => (end(t, 2, 'a').subinterfaces = [{ vlan: 10 }, { vlan: 10 }])), 'links[2].a.subinterfaces[1].vlan', /VLAN 10 has two sub-interfaces/],
  ['a sub-interface VLAN out of range', edit((t) => (end(t, 2, 'a').subinterfaces = [{ vlan: 0 }])), 'links[2].a.subinterfaces[0].vlan', /VLAN id 0 is not valid/],
  ['a sub-interface name over 15 bytes', edit((t) => (end(t, 2, 'a').iface = 'trunk-to-sw01')), 'links[2].a.subinterfaces[0].vlan', /"trunk-to-sw01.10" is longer than 15 bytes/],
  ['a sub-interface with a name of its own', edit((t) => (end(t, 2, 'a').subinterfaces = [{ vlan: 10, name: 'x' }])), 'links[2].a.subinterfaces[0]', /unknown key "name"/],
  ['VLANs on a bridge with vlanFiltering: false', edit((t) => Object.assign(t.nodes[0]!, { vlanFiltering: false })), 'links[0].b.vlan', /bridge "br0" has vlanFiltering: false/],
  ['vlanFiltering that is not a boolean', edit((t) => Object.assign(t.nodes[0]!, { vlanFiltering: 'yes' })), 'nodes[0].vlanFiltering', /boolean/],
  ['an interface name with a dot', edit((t) => (end(t, 0, 'a').iface = 'eth0.10')), 'links[0].a.iface', /not valid/],
  ['a route through a missing sub-interface', edit((t) => Object.assign(t.nodes[1]!, { routes: [{ to: '10.9.0.0/24', dev: 'eth0.30' }] })), 'nodes[1].routes[0].dev', /"A" has no interface "eth0.30"/],
  ['a route dev with VLAN 0', edit((t) => Object.assign(t.nodes[3]!, { routes: [{ to: '10.9.0.0/24', dev: 'eth0.0' }] })), 'nodes[3].routes[0].dev', /not valid.*VLAN sub-interface like eth0.10/],
  ['a sub-interface subnet overlapping its parent', edit((t) => (end(t, 2, 'a').addresses = ['10.0.10.9/24'])), 'links[2].a.subinterfaces[0].addresses[0]', /overlaps/],
  ['a sub-interface outside its VLAN subnet', edit((t) => ((end(t, 2, 'a').subinterfaces as { addresses: string[] }[])[0]!.addresses = ['10.0.11.5/24'])), 'links[2].a.subinterfaces[0].addresses[0]', /outside VLAN 10 of bridge "br0"'s subnet 10.0.10.0\/24/],
  ['a sub-interface address taken in its VLAN', edit((t) => ((end(t, 2, 'a').subinterfaces as { addresses: string[] }[])[0]!.addresses = ['10.0.10.2/24'])), 'links[2].a.subinterfaces[0].addresses[0]', /10.0.10.2 is used twice/],
];

describe('VLAN fields: bad input names the field', () => {
  it('the base lab is sound (and a route or NAT may name a sub-interface)', () => {
    const t = edit((t) => Object.assign(t.nodes[3]!, { forwarding: true, routes: [{ to: '10.9.0.0/24', via: '10.0.20.9', dev: 'eth0.20' }], nat: [{ source: '10.0.10.0/24', out: 'eth0.20' }] }));
    const r = checkTopology(t);
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([]);
  });
  it.each(bad)('%s', (_what, lab, field, message) => {
    const r = checkTopology(lab);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const p = r.problems.find((x) => x.path === field);
    expect(p, r.problems.map(formatProblem).join('\n')).toBeDefined();
    expect(p!.message).toMatch(message);
  });
});

describe('planning VLANs', () => {
  const applied = (t: Lab) => {
    const c = compile(assertTopology(t));
    return run({ namespaces: {} }, plan('v', c.desired, { namespaces: {} }).steps.map((s) => s.op));
  };
  it('a port moved to another VLAN is an update of its membership, nothing is made again', () => {
    const before = applied(base());
    const next = edit((t) => {
      end(t, 1, 'b').vlan = 10;
      end(t, 1, 'a').addresses = ['10.0.10.3/24'];
    });
    const p = plan('v', compile(assertTopology(next)).desired, before);
    expect(p.changes.map((c) => `${c.action} ${c.address}: ${c.details.join('; ')}`)).toEqual([
      'update veth v-B/eth0 <-> vh/p-B: v-B/eth0 addresses: 10.0.20.2/24 -> 10.0.10.3/24',
      'update vlan port vh/p-B of br0: vlans: 20 (pvid untagged) -> 10 (pvid untagged)',
    ]);
    expect(p.steps.map((s) => s.op).filter((o) => o.type.startsWith('bridge'))).toEqual([
      { type: 'bridge.vlan.add', ns: 'vh', dev: 'p-B', member: { vid: 10, pvid: true, untagged: true } },
      { type: 'bridge.vlan.del', ns: 'vh', dev: 'p-B', vid: 20 },
    ]);
  });
  it('hand-made changes are drift the next plan repairs', () => {
    const c = compile(assertTopology(base()));
    const before: KernelState = applied(base());
    const drifted = structuredClone(before);
    const ports = drifted.namespaces.vh!.links;
    ports['p-A']!.vlans = [{ vid: 1, pvid: true, untagged: true }];
    delete ports.br0!.vlanFiltering;
    delete drifted.namespaces['v-T']!.links['eth0.20'];
    const p = plan('v', c.desired, drifted);
    expect(p.changes.map((x) => `${x.action} ${x.address}`).sort()).toEqual([
      'create vlan interface v-T/eth0.20',
      'update vlan filtering of bridge br0 (in vh)',
      'update vlan port vh/p-A of br0',
    ]);
    expect(plan('v', c.desired, run(drifted, p.steps.map((s) => s.op))).steps).toEqual([]);
  });
  it('labels a port for the canvas, and the diagrams (Mermaid, draw.io, SVG) write the same', () => {
    expect([portLabel({ vlan: 10 }), portLabel({ vlans: [10, 20] }), portLabel({ vlan: 1, vlans: [10, 20] }), portLabel({})]).toEqual(['VLAN 10', 'trunk 10,20', 'trunk 10,20 · native 1', null]);
    expect(diagramLinks(assertTopology(base())).map((l) => linkLabel(l))).toEqual([
      'eth0 10.0.10.2/24 — p-A (VLAN 10)',
      'eth0 10.0.20.2/24 — p-B (VLAN 20)',
      'eth0 (tagged 10,20) — p-T (trunk 10,20)',
    ]);
  });
});

describe('reading VLANs back', () => {
  // ip -j -d link (iproute2 6.1) for a vlan and a filtering bridge, trimmed to what nslab reads
  const ipLinks = JSON.stringify([
    { ifindex: 2, ifname: 'br0', flags: ['UP'], link_type: 'ether', linkinfo: { info_kind: 'bridge', info_data: { forward_delay: 1500, vlan_filtering: 1, bridge_id: '8000.0:0:0:0:0:0' } } },
    { ifindex: 3, ifname: 'p-T', flags: ['UP'], master: 'br0', link_type: 'ether', linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' } },
    { ifindex: 4, ifname: 'eth0', link: 'p-T', flags: ['UP'], link_type: 'ether', linkinfo: { info_kind: 'veth' } },
    { ifindex: 5, ifname: 'eth0.10', link: 'eth0', flags: ['UP'], link_type: 'ether', ifalias: 'nslab:v:vlan:T-br0:a.10', linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 10, flags: ['REORDER_HDR'] } } },
    { ifindex: 6, ifname: 'x', link: null, flags: [], link_type: 'ether', linkinfo: { info_kind: 'vxlan', info_data: { id: 'weird' } } },
  ]);
  it('ip -j -d: a vlan link with its parent and id, a bridge with VLAN filtering', () => {
    const links = parseIpLinks('ip -j -d link', ipLinks).map(linkFrom);
    expect(links.map((l) => [l.name, l.kind, l.vlan ?? null, l.vlanFiltering ?? null])).toEqual([
      ['br0', 'bridge', null, true],
      ['p-T', 'veth', null, null],
      ['eth0', 'veth', null, null],
      ['eth0.10', 'vlan', { parent: 'eth0', id: 10 }, null],
      ['x', 'other', null, null],
    ]);
  });

  it('bridge -j vlan show: each port its VLANs with their flags (ranges expanded), none for a port it omits', () => {
    const text = JSON.stringify([
      { ifname: 'br0', vlans: [{ vlan: 1, flags: ['PVID', 'Egress Untagged'] }] },
      { ifname: 'p-A', vlans: [{ vlan: 10, flags: ['PVID', 'Egress Untagged'] }] },
      { ifname: 'p-T', vlans: [{ vlan: 10 }, { vlan: 20, vlanEnd: 22 }] },
    ]);
    const members = membershipsFrom(parseBridgeVlans('bridge -j vlan show', text));
    const links = Object.fromEntries(parseIpLinks('ip', ipLinks).map(linkFrom).map((l) => [l.name, l]));
    links['p-A'] = { ...links['p-T']!, name: 'p-A' };
    links['p-B'] = { ...links['p-T']!, name: 'p-B' };
    attachMemberships(links, members);
    expect([links['p-A']!.vlans, links['p-T']!.vlans, links['p-B']!.vlans, links.br0!.vlans]).toEqual([
      [{ vid: 10, pvid: true, untagged: true }],
      [{ vid: 10 }, { vid: 20 }, { vid: 21 }, { vid: 22 }],
      [],
      undefined,
    ]);
    expect(() => parseBridgeVlans('bridge -j vlan show', '[{"ifname":"p","vlans":[{"vlan":5000}]}]')).toThrow(/bridge -j vlan show/);
  });

  it('the netlink dump decodes a vlan (kind, id, parent) and a bridge (vlan_filtering) as ip prints them', () => {
    const attr = (type: number, payload: Buffer) => {
      const b = Buffer.alloc((4 + payload.length + 3) & ~3);
      b.writeUInt16LE(4 + payload.length, 0);
      b.writeUInt16LE(type, 2);
      payload.copy(b, 4);
      return b;
    };
    const u32 = (n: number) => Buffer.from(new Uint32Array([n]).buffer);
    const u16 = (n: number) => Buffer.from(new Uint16Array([n]).buffer);
    const link = (index: number, name: string, kind: string, data: Buffer | null, parent?: number) => {
      const head = Buffer.alloc(16);
      head.writeUInt16LE(1, 2);
      head.writeInt32LE(index, 4);
      const info = Buffer.concat([attr(1, Buffer.from(`${kind}\0`)), ...(data ? [attr(2 | 0x8000, data)] : [])]);
      return Buffer.concat([head, attr(3, Buffer.from(`${name}\0`)), attr(18 | 0x8000, info), ...(parent ? [attr(5, u32(parent))] : [])]).toString('hex');
    };
    const out = [
      `H\tL\t${link(2, 'br0', 'bridge', Buffer.concat([attr(1, u32(1500)), attr(7, Buffer.from([1]))]))}`,
      `H\tL\t${link(4, 'eth0', 'veth', null)}`,
      `H\tL\t${link(5, 'eth0.10', 'vlan', Buffer.concat([attr(1, u16(10)), attr(5, Buffer.from([0x81, 0x00]))]), 4)}`,
      'H\tF\t0',
    ].join('\n');
    const links = decodeDump(out).namespaces.get('H')!.links.map(linkFrom);
    expect(links.map((l) => [l.name, l.kind, l.vlan ?? null, l.vlanFiltering ?? null])).toEqual([
      ['br0', 'bridge', null, true],
      ['eth0', 'veth', null, null],
      ['eth0.10', 'vlan', { parent: 'eth0', id: 10 }, null],
    ]);
  });
});
