// Bad topology files are refused by `nslab apply` before any kernel change, naming the field.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { netnsList, nslabIn, rmHome, rootSnapshot, SEED, tempHome } from './cli-helpers';

const home = tempHome();
const nslab = nslabIn(home);
const seed = parse(readFileSync(SEED, 'utf8')) as Seed;

interface Seed {
  name: string;
  host: { netns: string; forwarding: boolean; nat: { source: string; out: string }[] };
  nodes: { id: string; kind: string; addresses?: string[]; routes?: { to: string; via: string }[]; [k: string]: unknown }[];
  links: { a: { node: string; iface?: string; addresses?: string[]; [k: string]: unknown }; b: { node: string; iface?: string; addresses?: string[]; [k: string]: unknown }; netem?: Record<string, unknown> }[];
  [k: string]: unknown;
}

const edit = (f: (s: Seed) => void) => () => {
  const s = structuredClone(seed);
  f(s);
  return stringify(s);
};
const node = (s: Seed, id: string) => s.nodes.find((n) => n.id === id)!;

// [what, file text, field the message must name, fragment of the message]
const cases: [string, () => string, string, RegExp][] = [
  ['unknown node in a link', edit((s) => { s.links[0]!.a.node = 'Z'; }), 'links[0].a.node', /unknown node "Z"/],
  ['duplicate node ids', edit((s) => { s.nodes.push({ id: 'A', kind: 'namespace' }); }), 'nodes[5].id', /duplicate node id "A"/],
  ['a name too long', edit((s) => { s.links[0]!.a.iface = 'averyveryverylongname'; }), 'links[0].a.iface', /1-15/],
  ['a name with /', edit((s) => { s.links[0]!.a.iface = 'eth/0'; }), 'links[0].a.iface', /not valid/],
  ['a name with a space', edit((s) => { node(s, 'B').id = 'B B'; }), 'nodes[2].id', /not valid/],
  ['a name with ;', edit((s) => { s.links[1]!.a.iface = 'e;reboot'; }), 'links[1].a.iface', /not valid/],
  ['a name with $(...)', edit((s) => { s.links[1]!.a.iface = '$(reboot)'; }), 'links[1].a.iface', /not valid/],
  ['a lab name with a dot', edit((s) => { s.name = '../x'; }), 'name', /lab name/],
  ['a malformed address', edit((s) => { s.links[0]!.a.addresses = ['10.0.0.300/24']; }), 'links[0].a.addresses[0]', /10\.0\.0\.300\/24/],
  ['a short-form address', edit((s) => { s.links[0]!.a.addresses = ['10.2/24']; }), 'links[0].a.addresses[0]', /not an address with prefix/],
  ['an octal address', edit((s) => { s.links[0]!.a.addresses = ['010.0.0.2/24']; }), 'links[0].a.addresses[0]', /not an address with prefix/],
  ['a prefix out of range', edit((s) => { s.links[0]!.a.addresses = ['10.0.0.2/33']; }), 'links[0].a.addresses[0]', /not an address with prefix/],
  ['a link-local IPv6 address', edit((s) => { s.links[0]!.a.addresses = ['10.0.0.2/24', 'fe80::2/64']; }), 'links[0].a.addresses[1]', /link-local/],
  ['a multicast IPv6 address', edit((s) => { s.nodes[0]!.addresses = ['10.0.0.1/24', 'ff02::1/64']; }), 'nodes[0].addresses[1]', /multicast/],
  ['an IPv6 gateway off every subnet', edit((s) => { node(s, 'B').routes!.push({ to: '2001:db8:5::/64', via: '2001:db8::1' }); }), 'nodes[2].routes[1].via', /not on any IPv6 subnet/],
  ['overlapping subnets on one node', edit((s) => {
    s.links.push({ a: { node: 'A', iface: 'eth1', addresses: ['10.0.0.9/16'] }, b: { node: 'B', iface: 'eth1', addresses: ['10.0.200.9/16'] } });
  }), 'links[4].a.addresses[0]', /overlaps/],
  ['an address outside its bridge subnet', edit((s) => { s.links[2]!.a.addresses = ['10.0.1.4/24']; }), 'links[2].a.addresses[0]', /outside bridge "br0"'s subnet/],
  ['a duplicate address', edit((s) => { s.links[2]!.a.addresses = ['10.0.0.2/24']; }), 'links[2].a.addresses[0]', /used twice/],
  ['two default routes', edit((s) => { node(s, 'A').routes!.push({ to: 'default', via: '10.0.0.3' }); }), 'nodes[1].routes[1].to', /two default routes/],
  ['a gateway off every subnet', edit((s) => { node(s, 'B').routes![0]!.via = '192.0.2.1'; }), 'nodes[2].routes[0].via', /not on any subnet/],
  ['NAT out of a missing interface', edit((s) => { s.host.nat[0]!.out = 'eth9'; }), 'host.nat[0].out', /no interface "eth9"/],
  ['NAT without forwarding', edit((s) => { s.host.forwarding = false; }), 'host.nat[0]', /needs forwarding/],
  ['an address on a bridge port', edit((s) => { s.links[0]!.b.addresses = ['10.0.0.9/24']; }), 'links[0].b.addresses', /bridge port carries no address/],
  ['a link from a node to itself', edit((s) => { s.links[0]!.b = { node: 'A', iface: 'eth5' }; }), 'links[0].b.node', /two different nodes/],
  ['an unknown key', edit((s) => { s.colour = 'red'; }), '', /unknown key "colour"/],
  ['a VLAN id out of range', edit((s) => { s.links[0]!.b.vlan = 4095; }), 'links[0].b.vlan', /VLAN id 4095 is not valid: use a whole number from 1 to 4094/],
  ['a VLAN on a namespace end', edit((s) => { s.links[0]!.a.vlans = [10]; }), 'links[0].a.vlans', /vlans is for a bridge port/],
  ['a sub-interface name over 15 bytes', edit((s) => { s.links[0]!.a.iface = 'uplink-to-sw0'; s.links[0]!.a.subinterfaces = [{ vlan: 100 }]; }), 'links[0].a.subinterfaces[0].vlan', /"uplink-to-sw0.100" is longer than 15 bytes/],
  ['VLANs on a bridge without filtering', edit((s) => { node(s, 'br0').vlanFiltering = false; s.links[1]!.b.vlan = 10; }), 'links[1].b.vlan', /vlanFiltering: false/],
  ['an unknown node kind', edit((s) => { s.nodes[0]!.kind = 'router'; }), 'nodes[0].kind', /must be "namespace" or "bridge"/],
  ['a netem delay that is no time', edit((s) => { s.links[0]!.netem = { delay: '50 parsecs' }; }), 'links[0].netem.delay', /"50 parsecs" is not a time like 50ms/],
  ['a netem jitter without delay', edit((s) => { s.links[1]!.netem = { jitter: '5ms', loss: '1%' }; }), 'links[1].netem.jitter', /jitter needs a delay/],
  ['a netem loss above 100% on one end', edit((s) => { s.links[0]!.a.netem = { loss: '150%' }; }), 'links[0].a.netem.loss', /not between 0% and 100%/],
  ['a netem rate in bytes', edit((s) => { s.links[2]!.netem = { rate: '10mbps' }; }), 'links[2].netem.rate', /not a rate like 10mbit/],
  ['a YAML syntax error', () => 'name: seed\nnodes: [\n  - id: A\n', '', /not valid YAML/],
  ['not a mapping', () => '- just\n- a list\n', '', /must hold a mapping/],
];

afterAll(() => rmHome(home));

describe('bad input is refused before any kernel change, naming the field', () => {
  it.each(cases)('%s', async (_what, text, field, message) => {
    const before = await rootSnapshot();
    const netns = netnsList();
    const file = join(home, 'bad.yaml');
    writeFileSync(file, text());
    const r = await nslab('apply', file, '--host-netns', 'HB');
    expect(r.exitCode).toBe(1);
    if (field) expect(r.stderr).toContain(`${field}:`);
    expect(r.stderr).toMatch(message);
    expect(netnsList()).toEqual(netns);
    expect(await rootSnapshot()).toEqual(before);
  });

  it('refuses bad command-line arguments the same way', async () => {
    const r = await nslab('apply', SEED, '--host-netns', 'bad/name');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/--host-netns/);
    const m = await nslab('apply', join(home, 'missing.yaml'));
    expect(m.exitCode).toBe(1);
    expect(m.stderr).toMatch(/no such file/);
    expect(netnsList()).toEqual([]);
  });
});
