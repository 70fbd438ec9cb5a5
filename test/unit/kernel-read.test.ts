// The kernel-read layer against real outputs recorded from iproute2 6.1 / nftables 1.0.6 on the
// seed lab (scripts/record-kernel-fixtures.sh), and against garbage: every surprise is one
// sentence naming the command.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NslabError } from '@/lib/errors';
import {
  forwardingFrom, linkFrom, natFromText, NODE_VIEW, nsidsFrom, OBSERVE, pairVeths, parseIpBatch, parseIpLinks, parseIpNeighs,
  parseIpNetconf, parseIpNsids, parseIpRoutes, parseNftTables, parseTcQdiscs, rootQdiscs, routesFrom, SCAN,
} from '@/server/kernel/read';
import { parseMonitorLine } from '@/server/kernel/monitor-child';
import { interfaceRows, neighRows, routeRows } from '@/server/tools/node-view-rows';

const DIR = 'test/fixtures/kernel';
const used = new Set<string>();
const fixture = (name: string) => {
  used.add(name);
  return readFileSync(`${DIR}/${name}`, 'utf8');
};
const argv = (ns: string) => ['ip', '-n', ns, '-j', '-d', '-s', '-batch', '-'];

describe('ip -j batches (recorded)', () => {
  it('observe, host namespace H: the bridge, its ports with their mark and group, forwarding on, no static route', () => {
    const [links, routes, netconf] = parseIpBatch(OBSERVE, argv('H'), fixture('ip-batch-observe-H.jsonl'));
    const byName = Object.fromEntries(links.map((l) => [l.ifname, linkFrom(l)]));
    expect(Object.keys(byName).sort()).toEqual(['br0', 'lo', 'to-remote', 'veth-A', 'veth-B', 'veth-C']);
    expect(byName.br0).toMatchObject({ kind: 'bridge', mark: 'nslab:seed:bridge:br0', up: true, addresses: ['10.0.0.1/24'], group: 1850064044 });
    expect(byName['veth-A']).toMatchObject({ kind: 'veth', master: 'br0', mark: 'nslab:seed:link:A-br0' });
    expect(byName.lo).toMatchObject({ kind: 'loopback', mark: 'nslab:seed:ns:host', addresses: [], group: 0 });
    expect(byName.br0?.stats?.rxPackets).toBeGreaterThan(0);
    expect(routesFrom(routes)).toEqual([]); // only the kernel's connected routes
    expect(forwardingFrom(netconf)).toBe(true);
  });

  it('observe, node A: lo marked, eth0 with its address and counters, the default route', () => {
    const [links, routes, netconf] = parseIpBatch(OBSERVE, argv('seed-A'), fixture('ip-batch-observe-A.jsonl'));
    const eth0 = linkFrom(links.find((l) => l.ifname === 'eth0')!);
    expect(eth0).toMatchObject({ kind: 'veth', up: true, master: null, addresses: ['10.0.0.2/24'], oper: 'UP', mtu: 1500 });
    expect(eth0.mac).toMatch(/^[0-9a-f:]{17}$/);
    expect(routesFrom(routes)).toEqual([{ dst: 'default', via: '10.0.0.1', dev: 'eth0' }]);
    expect(forwardingFrom(netconf)).toBe(false);
  });

  it('observe: veth ends found in two namespaces are paired by their mark', () => {
    const ns = (name: string, file: string) => ({ links: Object.fromEntries(parseIpBatch(OBSERVE, argv(name), fixture(file))[0].map((l) => [l.ifname, linkFrom(l)])) });
    const state = { H: ns('H', 'ip-batch-observe-H.jsonl'), 'seed-A': ns('seed-A', 'ip-batch-observe-A.jsonl') };
    pairVeths(state);
    expect(state['seed-A'].links.eth0?.peer).toEqual({ ns: 'H', name: 'veth-A' });
    expect(state.H.links['veth-A']?.peer).toEqual({ ns: 'seed-A', name: 'eth0' });
  });

  it('scan: the nsid map and each veth end’s link_netnsid', () => {
    const [links, , , ids] = parseIpBatch(SCAN, ['ip', '-n', 'H', '-j', '-d', '-batch', '-'], fixture('ip-batch-scan-H.jsonl'));
    expect(nsidsFrom(ids)).toEqual(new Map([[0, 'seed-A'], [1, 'seed-B'], [2, 'seed-C'], [3, 'seed-remote']]));
    expect(links.find((l) => l.ifname === 'veth-A')).toMatchObject({ link_netnsid: 0, link_index: 2 });
  });

  it('node view: interfaces, routes like route -n, neighbours like arp -n (an incomplete one too)', () => {
    const [links, routes, neigh] = parseIpBatch(NODE_VIEW, ['ip', '-n', 'seed-A', '-j', '-d', '-batch', '-'], fixture('ip-batch-view-A.jsonl'));
    expect(interfaceRows(links).map((r) => [r.name, r.kind, r.addresses])).toEqual([['lo', 'loopback', ['127.0.0.1/8']], ['eth0', 'veth', ['10.0.0.2/24']]]);
    expect(routeRows(routes)).toContainEqual({ destination: '0.0.0.0', gateway: '10.0.0.1', genmask: '0.0.0.0', flags: 'UG', metric: 0, iface: 'eth0' });
    const rows = neighRows(neigh);
    expect(rows.find((r) => r.address === '10.0.0.1')).toMatchObject({ iface: 'eth0', state: 'REACHABLE' });
    expect(rows.find((r) => r.address === '10.0.0.9')).toMatchObject({ hwaddress: '(incomplete)', state: 'INCOMPLETE' });
  });
});

describe('single ip -j commands (recorded)', () => {
  it.each([
    { file: 'ip-addr-A.json', parse: parseIpLinks, n: 2 },
    { file: 'ip-link-stats-A.json', parse: parseIpLinks, n: 2 },
    { file: 'ip-link-dev-br0.json', parse: parseIpLinks, n: 1 },
    { file: 'ip-link-dev-lo-root.json', parse: parseIpLinks, n: 1 },
    { file: 'ip-route-A.json', parse: parseIpRoutes, n: 2 },
    { file: 'ip-route-H.json', parse: parseIpRoutes, n: 2 },
    { file: 'ip-route-exact-A.json', parse: parseIpRoutes, n: 1 },
    { file: 'ip-route-exact-none.json', parse: parseIpRoutes, n: 0 },
    { file: 'ip-route-get-A.json', parse: parseIpRoutes, n: 1 },
    { file: 'ip-netconf-H.json', parse: parseIpNetconf, n: 16 },
    { file: 'ip-neigh-A.json', parse: parseIpNeighs, n: 3 },
    { file: 'ip-netns-list-id-H.json', parse: parseIpNsids, n: 4 },
    { file: 'ip-netns-list-id-empty.json', parse: parseIpNsids, n: 0 },
  ])('$file', ({ file, parse, n }) => {
    expect(parse('ip -j …', fixture(file))).toHaveLength(n);
  });

  it('a link read for a benign-error check: kind and mark', () => {
    const [br0] = parseIpLinks('ip -n H -j -d link show dev br0', fixture('ip-link-dev-br0.json'));
    expect(linkFrom(br0!)).toMatchObject({ kind: 'bridge', mark: 'nslab:seed:bridge:br0' });
  });

  it('empty output is an empty list (ip prints nothing for some empty answers)', () => {
    expect(parseIpRoutes('ip -j route show exact 192.0.2.0/24', '')).toEqual([]);
  });
});

describe('nft and tc (recorded)', () => {
  it('nft list table: the comment is the mark, the masquerade rule is read with its counter', () => {
    expect(natFromText('nslab_seed', fixture('nft-list-table-seed.txt'))).toEqual({ table: 'nslab_seed', mark: 'nslab:seed:nat', rules: [{ source: '10.0.0.0/24', out: 'to-remote' }] });
  });

  it('nft -j list tables: table names, none when only metainfo', () => {
    expect(parseNftTables('nft -j list tables ip', fixture('nft-list-tables-H.json'))).toEqual(['nslab_seed']);
    expect(parseNftTables('nft -j list tables ip', fixture('nft-list-tables-none.json'))).toEqual([]);
  });

  it('tc -j qdisc show: each interface’s root qdisc with its options', () => {
    const roots = rootQdiscs(parseTcQdiscs('tc -j qdisc show', fixture('tc-qdisc-A.json')));
    expect(roots.get('lo')?.kind).toBe('noqueue');
    expect(['netem', 'tbf']).toContain(roots.get('eth0')?.kind);
    expect(roots.get('eth0')?.options).toBeTypeOf('object');
  });
});

describe('garbage is refused with one sentence naming the command', () => {
  const cases: Array<{ why: string; run: () => unknown; command: string; says: RegExp }> = [
    { why: 'not JSON', run: () => parseIpLinks('ip -n X -j link show', '<html>'), command: 'ip -n X -j link show', says: /not JSON/ },
    { why: 'an object, not a list', run: () => parseIpRoutes('ip -j route show', '{"dst":"default"}'), command: 'ip -j route show', says: /the whole output: .*array/i },
    { why: 'a link without a name', run: () => parseIpLinks('ip -j link show', '[{"ifindex":1}]'), command: 'ip -j link show', says: /\[0\]\.ifname/ },
    { why: 'an ifindex that is text', run: () => parseIpLinks('ip -j link show', '[{"ifindex":"1","ifname":"lo"}]'), command: 'ip -j link show', says: /\[0\]\.ifindex/ },
    { why: 'a route without a destination', run: () => parseIpRoutes('ip -j route show', '[{"dev":"eth0"}]'), command: 'ip -j route show', says: /\[0\]\.dst/ },
    { why: 'forwarding that is not a boolean', run: () => parseIpNetconf('ip -j netconf show', '[{"family":"inet","interface":"all","forwarding":"yes"}]'), command: 'ip -j netconf show', says: /forwarding/ },
    { why: 'an nsid that is text', run: () => parseIpNsids('ip -j netns list-id', '[{"nsid":"0"}]'), command: 'ip -j netns list-id', says: /nsid/ },
    { why: 'too few documents in a batch', run: () => parseIpBatch(OBSERVE, argv('H'), '[]\n[]\n'), command: 'ip -n H -j -d -s -batch - (addr show; route show table all; netconf show)', says: /2 JSON documents for 3 commands/ },
    { why: 'a bad document in a batch names its line', run: () => parseIpBatch(OBSERVE, argv('H'), '[]\n[{}]\n[]\n'), command: 'ip -n H -j -d -s -batch - (route show table all)', says: /\[0\]\.dst/ },
    { why: 'nft text that is not the table', run: () => natFromText('nslab_x', 'Error: No such file or directory'), command: 'nft list table ip nslab_x', says: /not a listing of table ip nslab_x/ },
    { why: 'nft JSON without nftables', run: () => parseNftTables('nft -j list tables ip', '{"tables":[]}'), command: 'nft -j list tables ip', says: /nftables/ },
    { why: 'a qdisc without a kind', run: () => parseTcQdiscs('tc -j qdisc show', '[{"handle":"0:","dev":"lo"}]'), command: 'tc -j qdisc show', says: /\[0\]\.kind/ },
  ];
  it.each(cases)('$why', ({ run, command, says }) => {
    let err: unknown;
    try {
      run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NslabError);
    const { message, code } = err as NslabError;
    expect(code).toBe('kernel');
    expect(message).toContain(`"${command}"`);
    expect(message).toMatch(says);
    expect(message).not.toMatch(/\n|\bat \w+ \(/); // one sentence, no stack
  });
});

describe('ip monitor all-nsid label (recorded)', () => {
  it('every event line gives its namespace id and kind; continuation lines give nothing', () => {
    const lines = fixture('ip-monitor-H.txt').split('\n').filter(Boolean);
    const events = lines.map(parseMonitorLine);
    lines.forEach((l, i) => expect(events[i] === null).toBe(/^\s/.test(l)));
    const seen = events.filter((e) => e !== null);
    for (const e of seen) expect(e.nsid).toMatch(/^(current|\d+)$/);
    expect(new Set(seen.map((e) => e.kind))).toEqual(new Set(['LINK', 'ADDR', 'ROUTE', 'NEIGH']));
  });

  it('tells the kernel\'s own IPv6 events (link-local addresses, their routes and neighbours) from the rest', () => {
    const lines = fixture('ip-monitor-H.txt').split('\n').filter((l) => l && !/^\s/.test(l));
    let v6 = 0;
    for (const line of lines) {
      const e = parseMonitorLine(line)!;
      const text = line.replace(/^(\[[^\]]*\])+/, '').replace(/^Deleted /, '');
      const want = e.kind === 'ADDR' ? / inet6 /.test(text) : e.kind === 'ROUTE' || e.kind === 'NEIGH' ? /^(\w+ )?[0-9a-f]*:[0-9a-f:]*[\s/]/.test(text) : false;
      expect(!!e.ipv6, line).toBe(want);
      if (want) v6++;
      if (e.kind === 'LINK' || / 10\.0\.|203\.0\./.test(text.split(' dev ')[0] ?? '')) expect(e.ipv6, line).toBeUndefined();
    }
    expect(v6).toBeGreaterThan(10);
    // a lab's own IPv6 (global addresses and routes, IPv6 forwarding) is lab state, not noise
    for (const line of [
      '[nsid 3][ADDR]2: eth0    inet6 2001:db8:0:1::2/64 scope global ',
      '[nsid 3][ROUTE]2001:db8:5::/64 via 2001:db8:0:1::fe dev eth0 metric 1024 pref medium',
      '[nsid 3][ROUTE]Deleted default via 2001:db8:0:1::fe dev eth0 metric 1024 pref medium',
      '[nsid 3][NETCONF]ipv6 all forwarding on ',
    ])
      expect(parseMonitorLine(line)!.ipv6, line).toBeUndefined();
    for (const line of ['[nsid 3][NETCONF]inet6 eth0 forwarding off ', '[nsid 3][ROUTE]multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium'])
      expect(parseMonitorLine(line)!.ipv6, line).toBe(true);
  });
});

describe('a bridge\'s notes about its ports (ip monitor, recorded)', () => {
  it('are told from link changes: no qdisc, a master; a port that changes or leaves is a link change', () => {
    // a bridge sends such a note for each of its ports for seconds after one port comes up
    // (multicast snooping); they change nothing a lab reads but VLANs (server/labs/live-hub.ts)
    for (const line of [
      '[nsid 10][LINK]178: v77@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master eth0 state UP ',
      '[nsid 0][LINK]3: A-eth0@br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state UP ',
    ])
      expect(parseMonitorLine(line), line).toEqual({ nsid: line.slice(6, line.indexOf(']')), kind: 'LINK', portInfo: true });
    for (const line of [
      '[nsid 0][LINK]7: v0@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue master br0 state DOWN group 1853158351 ',
      '[nsid 1][LINK]2: eth0@if7: <BROADCAST,MULTICAST> mtu 1500 qdisc noqueue state DOWN group 1853158351 ',
      '[nsid 0][LINK]Deleted 7: v0@eth0: <BROADCAST,MULTICAST> mtu 1500 master br0 state DOWN ',
      '[nsid 0][LINK]4: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default ',
    ])
      expect(parseMonitorLine(line)!.portInfo, line).toBeUndefined();
  });
});

describe('fixtures', () => {
  it('every recorded fixture is read by a test above', () => {
    expect(readdirSync(DIR).filter((f) => !used.has(f))).toEqual([]);
  });
});
