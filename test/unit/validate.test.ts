// Bad topologies are refused before any kernel change, each problem naming its field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkTopology, normalizeLinks, parseTopologyText, type Problem } from '@/lib/validate';

/** A small sound lab: A and B on a bridge, R routing to the host, NAT out of the host's uplink. */
function base(): Record<string, any> {
  return {
    name: 'lab1',
    host: { forwarding: true, nat: [{ source: '10.0.0.0/24', out: 'up0' }] },
    nodes: [
      { id: 'br0', kind: 'bridge', addresses: ['10.0.0.1/24'] },
      { id: 'A', kind: 'namespace', routes: [{ to: 'default', via: '10.0.0.1' }] },
      { id: 'B', kind: 'namespace' },
      { id: 'R', kind: 'namespace', forwarding: true },
    ],
    links: [
      { a: { node: 'A', iface: 'eth0', addresses: ['10.0.0.2/24'] }, b: { node: 'br0', iface: 'veth-A' } },
      { a: { node: 'B', iface: 'eth0', addresses: ['10.0.0.3/24'] }, b: { node: 'br0' } },
      { a: { node: 'host', iface: 'up0', addresses: ['192.0.2.1/30'] }, b: { node: 'R', iface: 'eth0', addresses: ['192.0.2.2/30'] } },
    ],
  };
}

type Row = [name: string, edit: (t: Record<string, any>) => void, path: string, fragment: string];

const rows: Row[] = [
  ['unknown node in a link', (t) => (t.links[0].b.node = 'br9'), 'links[0].b.node', 'unknown node "br9"'],
  ['duplicate node ids', (t) => (t.nodes[2].id = 'A'), 'nodes[2].id', 'duplicate node id "A"'],
  ['duplicate node ids differing in case', (t) => (t.nodes[2].id = 'a'), 'nodes[2].id', 'duplicate node id "a"'],
  ['a node called host', (t) => (t.nodes[2].id = 'host'), 'nodes[2].id', '"host" is the implicit host node'],
  ['node id longer than 15 bytes', (t) => (t.nodes[2].id = 'Bbbbbbbbbbbbbbbb'), 'nodes[2].id', 'is not valid'],
  ['interface name longer than 15 bytes', (t) => (t.links[0].a.iface = 'eth0123456789012'), 'links[0].a.iface', 'is not valid'],
  ["interface name with '/'", (t) => (t.links[0].a.iface = 'eth/0'), 'links[0].a.iface', '"eth/0" is not valid'],
  ['interface name with a space', (t) => (t.links[0].a.iface = 'eth 0'), 'links[0].a.iface', 'is not valid'],
  ["interface name with ';'", (t) => (t.links[0].a.iface = 'eth0;reboot'), 'links[0].a.iface', 'is not valid'],
  ['interface name with $(...)', (t) => (t.links[0].a.iface = '$(reboot)'), 'links[0].a.iface', 'is not valid'],
  ["interface name with '%d'", (t) => (t.links[0].a.iface = 'eth%d'), 'links[0].a.iface', 'is not valid'],
  ["interface name with ':'", (t) => (t.links[0].a.iface = 'eth0:1'), 'links[0].a.iface', 'is not valid'],
  ['interface name ip reads as a keyword', (t) => (t.links[0].a.iface = 'dev'), 'links[0].a.iface', 'reserved by ip'],
  ['lab name with capitals and a space', (t) => (t.name = 'My Lab'), 'name', 'lab name "My Lab" is not valid'],
  ['an octet above 255', (t) => (t.links[0].a.addresses = ['10.0.0.300/24']), 'links[0].a.addresses[0]', '"10.0.0.300/24" is not an address with prefix'],
  ['a shortened address (127.1)', (t) => (t.links[0].a.addresses = ['127.1/8']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['an octal octet', (t) => (t.links[0].a.addresses = ['010.0.0.2/24']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['a hex octet', (t) => (t.links[0].a.addresses = ['0x0a.0.0.2/24']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['a prefix above 32', (t) => (t.links[0].a.addresses = ['10.0.0.2/33']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['a prefix with a leading zero', (t) => (t.links[0].a.addresses = ['10.0.0.2/024']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['an address without prefix', (t) => (t.links[0].a.addresses = ['10.0.0.2']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['an IPv6 address with two "::"', (t) => (t.links[0].a.addresses = ['fd00::2::1/64']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['a trailing space', (t) => (t.links[0].a.addresses = ['10.0.0.2/24 ']), 'links[0].a.addresses[0]', 'is not an address with prefix'],
  ['the network address as a host address', (t) => (t.links[0].a.addresses = ['10.0.0.0/24']), 'links[0].a.addresses[0]', 'network address of 10.0.0.0/24'],
  ['the broadcast address as a host address', (t) => (t.links[0].a.addresses = ['10.0.0.255/24']), 'links[0].a.addresses[0]', 'broadcast address of 10.0.0.0/24'],
  ['one address twice on a segment', (t) => (t.links[1].a.addresses = ['10.0.0.2/24']), 'links[1].a.addresses[0]', 'address 10.0.0.2 is used twice'],
  [
    'overlapping subnets on one node',
    (t) => t.links.push({ a: { node: 'A', iface: 'eth1', addresses: ['10.0.0.130/25'] }, b: { node: 'R', iface: 'eth1', addresses: ['10.0.0.131/25'] } }),
    'links[3].a.addresses[0]',
    'overlaps 10.0.0.0/24',
  ],
  ['an address outside its bridge subnet', (t) => (t.links[1].a.addresses = ['10.1.0.3/24']), 'links[1].a.addresses[0]', `is outside bridge "br0"'s subnet 10.0.0.0/24`],
  ['an address on a bridge port', (t) => (t.links[0].b.addresses = ['10.0.0.9/24']), 'links[0].b.addresses', 'a bridge port carries no address'],
  ['a namespace end without an interface name', (t) => delete t.links[0].a.iface, 'links[0].a.iface', 'an interface name is required'],
  ['an interface name used twice in one namespace', (t) => (t.links[2].b.iface = 'eth0') && (t.links[2].b.node = 'A'), 'links[2].b.iface', 'interface name "eth0" is used twice in "A"'],
  ['a link to itself', (t) => (t.links[0].b = { node: 'A', iface: 'eth1' }), 'links[0].b.node', 'both ends are "A"'],
  ['two default routes', (t) => t.nodes[1].routes.push({ to: 'default', via: '10.0.0.3' }), 'nodes[1].routes[1].to', 'two default routes'],
  ['a gateway on no subnet of the node', (t) => (t.nodes[1].routes[0].via = '10.9.9.1'), 'nodes[1].routes[0].via', 'gateway 10.9.9.1 is not on any subnet of "A"'],
  ["a gateway that is the node's own address", (t) => (t.nodes[1].routes[0].via = '10.0.0.2'), 'nodes[1].routes[0].via', `is "A"'s own address`],
  ['a route with neither gateway nor device', (t) => (t.nodes[1].routes = [{ to: '10.5.0.0/16' }]), 'nodes[1].routes[0]', 'needs a gateway (via) or an interface (dev)'],
  ['a route out of a missing device', (t) => (t.nodes[1].routes = [{ to: '10.5.0.0/16', dev: 'eth7' }]), 'nodes[1].routes[0].dev', 'has no interface "eth7"'],
  ['a route destination with host bits', (t) => (t.nodes[1].routes = [{ to: '10.5.0.9/16', via: '10.0.0.1' }]), 'nodes[1].routes[0].to', 'did you mean 10.5.0.0/16?'],
  ['a route destination that is not a prefix', (t) => (t.nodes[1].routes = [{ to: 'everywhere', via: '10.0.0.1' }]), 'nodes[1].routes[0].to', 'must be "default" or a prefix'],
  ['NAT out of a missing interface', (t) => (t.host.nat[0].out = 'wan9'), 'host.nat[0].out', 'the host has no interface "wan9"'],
  ['NAT without forwarding', (t) => (t.host.forwarding = false), 'host.nat[0]', 'needs forwarding: set host.forwarding to true'],
  ['NAT in a namespace without forwarding', (t) => (t.nodes[2].nat = [{ source: '10.0.0.0/24', out: 'eth0' }]), 'nodes[2].nat[0]', 'set nodes[2].forwarding to true'],
  ['an unknown key', (t) => (t.nodes[1].colour = 'red'), 'nodes[1]', 'unknown key "colour"'],
  ['an unknown top-level key', (t) => (t.hosts = {}), '', 'unknown key "hosts"'],
  ['an unknown node kind', (t) => (t.nodes[2].kind = 'router'), 'nodes[2].kind', 'node kind must be "namespace" or "bridge"'],
  ['an isolated host name with a slash', (t) => (t.host.netns = 'a/b'), 'host.netns', 'namespace name "a/b" is not valid'],
  ["an isolated host named like one of the lab's namespaces", (t) => (t.host.netns = 'lab1-B'), 'host.netns', `is node "B"'s own namespace`],
  ['two default routes, one written 0.0.0.0/0', (t) => t.nodes[1].routes.push({ to: '0.0.0.0/0', via: '10.0.0.3' }), 'nodes[1].routes[1].to', 'two default routes'],
  ['forwarding that is not a boolean', (t) => (t.nodes[3].forwarding = 'yes'), 'nodes[3].forwarding', 'expected boolean'],
];

function problemsOf(value: unknown): Problem[] {
  const r = checkTopology(value);
  return r.ok ? [] : r.problems;
}

const nodeIndex = (t: Record<string, any>, id: string) => t.nodes.findIndex((n: { id: string }) => n.id === id);
const A = (t: Record<string, any>) => t.nodes[nodeIndex(t, 'A')];
/** The same, on the dual-stack seed (examples/seed-dualstack.yaml): IPv6's rules. */
const ipv6Rows: Row[] = [
  ['a link-local address', (t) => (t.links[0].a.addresses[1] = 'fe80::2/64'), 'links[0].a.addresses[1]', 'a link-local address'],
  ['a multicast address', (t) => (t.links[0].a.addresses[1] = 'ff02::1/64'), 'links[0].a.addresses[1]', 'a multicast address'],
  ['the unspecified address', (t) => (t.links[0].a.addresses[1] = '::/64'), 'links[0].a.addresses[1]', 'the unspecified address'],
  ['the loopback address', (t) => (t.links[0].a.addresses[1] = '::1/128'), 'links[0].a.addresses[1]', 'the loopback address'],
  ['an IPv4-mapped address', (t) => (t.links[0].a.addresses[1] = '::ffff:10.0.0.9/120'), 'links[0].a.addresses[1]', 'IPv4-mapped'],
  ['the subnet-router anycast address', (t) => (t.links[0].a.addresses[1] = '2001:db8:0:1::/64'), 'links[0].a.addresses[1]', 'the network address of 2001:db8:0:1::/64'],
  ['a prefix above 128', (t) => (t.links[0].a.addresses[1] = '2001:db8:0:1::2/129'), 'links[0].a.addresses[1]', 'is not an address with prefix'],
  ['a zone index', (t) => (t.links[0].a.addresses[1] = 'fe80::2%eth0/64'), 'links[0].a.addresses[1]', 'is not an address with prefix'],
  ['one address twice on a segment (written differently)', (t) => (t.links[1].a.addresses[1] = '2001:DB8:0:1:0::2/64'), 'links[1].a.addresses[1]', 'address 2001:db8:0:1::2 is used twice (also links[0].a.addresses[1])'],
  ['an address outside its bridge subnet', (t) => (t.links[1].a.addresses[1] = '2001:db8:0:9::3/64'), 'links[1].a.addresses[1]', `outside bridge "br0"'s IPv6 subnet 2001:db8:0:1::/64`],
  ['overlapping subnets on one node', (t) => (t.links[5].a.addresses[0] = '2001:db8::1/48'), 'links[5].a.addresses[0]', 'overlaps 2001:db8:0:1::/64 on another interface'],
  ['an IPv6 gateway on no subnet of the node', (t) => (A(t).routes[1].via = '2001:db8:0:7::1'), 'nodes[1].routes[1].via', 'is not on any IPv6 subnet of "A"'],
  ["an IPv6 gateway that is the node's own", (t) => (A(t).routes[1].via = '2001:db8:0:1::2'), 'nodes[1].routes[1].via', `is "A"'s own address`],
  ['a link-local gateway', (t) => (A(t).routes[1].via = 'fe80::1'), 'nodes[1].routes[1].via', 'a link-local address'],
  ['an IPv6 destination through an IPv4 gateway', (t) => A(t).routes.push({ to: '2001:db8:5::/64', via: '10.0.0.1' }), 'nodes[1].routes[2].via', 'is IPv4 but 2001:db8:5::/64 is IPv6'],
  ['an IPv4 destination through an IPv6 gateway', (t) => A(t).routes.push({ to: '10.5.0.0/16', via: '2001:db8:0:1::fe' }), 'nodes[1].routes[2].via', 'is IPv6 but 10.5.0.0/16 is IPv4'],
  ['two IPv6 default routes', (t) => A(t).routes.push({ to: '::/0', via: '2001:db8:0:1::1' }), 'nodes[1].routes[2].to', 'two IPv6 default routes'],
  ['an IPv6 destination with host bits', (t) => A(t).routes.push({ to: '2001:db8:5::1/64', via: '2001:db8:0:1::fe' }), 'nodes[1].routes[2].to', 'did you mean 2001:db8:5::/64?'],
  ['a gateway that is no address', (t) => (A(t).routes[1].via = '2001:db8::g'), 'nodes[1].routes[1].via', 'is not an address like'],
  ['NAT of an IPv6 prefix', (t) => (t.host.nat[0].source = '2001:db8:0:1::/64'), 'host.nat[0].source', 'NAT is IPv4 only'],
  ['NAT in a router that does not forward', (t) => Object.assign(t.nodes[nodeIndex(t, 'R')], { forwarding: false, nat: [{ source: '10.0.0.0/24', out: 'eth1' }] }), 'nodes[4].nat[0]', 'needs forwarding'],
];

const dualBase = (): Record<string, any> => parseYaml(readFileSync(new URL('../../examples/seed-dualstack.yaml', import.meta.url), 'utf8'));

describe.each([
  ['the IPv4 lab', base, rows],
  ['the dual-stack seed', dualBase, ipv6Rows],
] as const)('validate: bad input is refused with the field and a reason (%s)', (_lab, make, table) => {
  it('the base lab is sound', () => expect(problemsOf(make())).toEqual([]));

  it.each(table)('%s', (_name, edit, path, fragment) => {
    const t = make();
    edit(t);
    const problems = problemsOf(t);
    expect(problems.map((p) => p.path), JSON.stringify(problems)).toContain(path);
    expect(problems.find((p) => p.path === path)!.message).toContain(fragment);
  });
});

describe('validate: text input', () => {
  it.each([
    ['a YAML syntax error', 'name: lab1\nnodes: [ {id: A, kind: namespace\n', 'is not valid YAML/JSON (line'],
    ['a duplicate key', 'name: lab1\nname: lab2\n', 'is not valid YAML/JSON'],
    ['a duplicate key in JSON', '{"name": "lab1", "nodes": [], "name": "lab2"}', 'is not valid YAML/JSON'],
    // strings holding quotes, colons and backslashes: still each key counted once
    ['a duplicate key in JSON, after tricky strings', '{"description": "a \\"b\\": c\\\\", "name": "lab1", "nodes": [], "links": [], "name" \n : "lab2"}', 'is not valid YAML/JSON'],
    ['a list instead of a mapping', '- name: lab1\n', 'must hold a mapping'],
    ['an unclosed quote', 'name: "lab1\nnodes: []\n', 'is not valid YAML/JSON'],
  ])('%s', (_name, text, fragment) => {
    const r = parseTopologyText(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems[0]!.path).toBe('');
      expect(r.problems[0]!.message).toContain(fragment);
    }
  });

  it('the seed lab passes', () => {
    const r = parseTopologyText(readFileSync(new URL('../../examples/seed.yaml', import.meta.url), 'utf8'));
    expect(r.ok ? [] : r.problems).toEqual([]);
  });

  it('JSON is accepted too', () => {
    expect(parseTopologyText(JSON.stringify(base())).ok).toBe(true);
    // a description full of quotes, colons and backslashes is not mistaken for a key
    expect(parseTopologyText(JSON.stringify({ ...base(), description: 'say "x": y\\ "z":' }, null, 2)).ok).toBe(true);
  });
});

describe('normalizeLinks', () => {
  it('names links and bridge ports that the file leaves out', () => {
    const r = checkTopology(base());
    if (!r.ok) throw new Error('base lab must be sound');
    const links = normalizeLinks(r.topology);
    expect(links.map((l) => l.id)).toEqual(['A-br0', 'B-br0', 'host-R']);
    expect(links[1]!.b).toEqual({ node: 'br0', kind: 'bridge', iface: 'B-eth0', addresses: [] });
  });
});
