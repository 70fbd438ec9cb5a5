import { describe, expect, it } from 'vitest';
import { removeElements, setPosition } from '@/lib/editor/edit';
import { absolutePosition, HOST_HEAD, toFlow, type FlowInput } from '@/lib/editor/flow';
import { FRAME_PAD } from '@/lib/editor/frame';
import { linkIds, linkIndexOf } from '@/lib/editor/ids';
import { IFACE_ROWS_MAX, IFACE_ROWS_SHOWN, ifaceRows, type LiveIface } from '@/lib/editor/live-view';
import type { Topology } from '@/lib/topology';
import { seed } from './editor-fixtures';

const input = (t: Topology, extra: Partial<FlowInput> = {}): FlowInput => ({
  topology: t, problems: [], live: {}, selectedNodes: [], selectedEdges: [], sizes: {}, observed: false, ...extra,
});

describe('toFlow: one canvas node per topology node plus the host, one edge per link', () => {
  const { nodes, edges } = toFlow(input(seed()));
  it.each([
    { id: 'br0', type: 'bridge', x: 0, y: 160 },
    { id: 'A', type: 'namespace', x: -260, y: 320 },
    { id: 'remote', type: 'machine', x: 320, y: 0 },
  ])('$id is a $type node drawn at ($x, $y)', ({ id, type, x, y }) => {
    const n = nodes.find((m) => m.id === id)!;
    expect(n.type).toBe(type);
    expect(absolutePosition(nodes, id, n.position)).toEqual({ x, y });
  });
  it('the host is a frame holding br0: br0 is its child, inside it, below its head; the host comes first', () => {
    const host = nodes[0]!;
    const br0 = nodes.find((n) => n.id === 'br0')!;
    expect(host.id).toBe('host');
    expect(br0.parentId).toBe('host');
    expect(host.data.host).toMatchObject({ forwarding: true, nat: [{ source: '10.0.0.0/24', out: 'to-remote' }], frame: true });
    expect(host.data.host?.natCounters).toBeUndefined();
    expect(br0.position.x).toBeGreaterThanOrEqual(FRAME_PAD);
    expect(br0.position.y).toBeGreaterThanOrEqual(FRAME_PAD);
    expect(br0.position.x + 176 + FRAME_PAD).toBeLessThanOrEqual(host.width!);
    expect(br0.position.y + 64 + FRAME_PAD).toBeLessThanOrEqual(host.height!);
  });
  it('the head measured bigger: the frame grows upwards, br0 stays where it was drawn', () => {
    const big = toFlow(input(seed(), { sizes: { [HOST_HEAD]: { width: 400, height: 200 } } })).nodes;
    const host = big[0]!;
    expect(host.height).toBeGreaterThanOrEqual(200 + 64 + 2 * FRAME_PAD);
    expect(host.width).toBeGreaterThanOrEqual(400);
    expect(absolutePosition(big, 'br0', big.find((n) => n.id === 'br0')!.position)).toEqual({ x: 0, y: 160 });
  });
  it('the frame says its own size as measured (React Flow judges what is in view by it), whatever was measured of the host before', () => {
    const host = toFlow(input(seed(), { sizes: { host: { width: 900, height: 40 }, br0: { width: 176, height: 3000 } } })).nodes[0]!;
    expect(host.height).toBeGreaterThan(3000);
    expect(host.measured).toEqual({ width: host.width, height: host.height });
  });
  it('a host without bridges is a plain box at its own position', () => {
    const t = { ...seed(), nodes: seed().nodes.filter((n) => n.kind !== 'bridge'), links: seed().links.filter((l) => l.b.node !== 'br0') };
    const host = toFlow(input(t)).nodes[0]!;
    expect(host.position).toEqual({ x: 0, y: 0 });
    expect(host.width).toBeUndefined();
    expect(host.data.host?.frame).toBe(false);
  });
  it('the host cannot be deleted, the others can', () => {
    expect(nodes.filter((n) => !n.deletable).map((n) => n.id)).toEqual(['host']);
  });
  it.each([
    { id: 'A-br0', source: 'A', target: 'br0', sourceHandle: 'top', targetHandle: 'bottom', a: 'eth0 10.0.0.2/24', b: 'veth-A ' },
    { id: 'host-remote', source: 'host', target: 'remote', sourceHandle: 'right', targetHandle: 'left', a: 'to-remote 203.0.113.1/24', b: 'eth0 203.0.113.2/24' },
  ])('link $id: $source.$sourceHandle -> $target.$targetHandle, ends "$a" / "$b"', ({ id, source, target, sourceHandle, targetHandle, a, b }) => {
    const e = edges.find((x) => x.id === id);
    expect(e).toMatchObject({ type: 'link', source, target, sourceHandle, targetHandle });
    expect(`${e?.data.source.iface} ${e?.data.source.address}`).toBe(a);
    expect(`${e?.data.target.iface} ${e?.data.target.address}`).toBe(b);
  });
  it.each([
    { x: 320, y: 600, handles: ['bottom', 'top'], why: 'the other node is below' },
    { x: 320, y: -300, handles: ['top', 'bottom'], why: 'the other node is above' },
    { x: 420, y: 100, handles: ['right', 'left'], why: 'side by side (the host frame beside the machine): side to side, no arch over the top' },
    { x: -600, y: 100, handles: ['left', 'right'], why: 'side by side, the other on the left' },
  ])('$why: $handles', ({ x, y, handles }) => {
    const t = setPosition(seed(), 'remote', { x, y });
    const e = toFlow(input(t)).edges.find((x) => x.id === 'host-remote')!;
    expect([e.sourceHandle, e.targetHandle]).toEqual(handles);
  });
  it('links sharing the bridge handle fan out left to right in the order of their other ends (A, B, C)', () => {
    const off = ['A-br0', 'B-br0', 'C-br0'].map((id) => edges.find((e) => e.id === id)!.data.target.offset);
    expect(off[0]).toBeLessThan(off[1]!);
    expect(off[1]).toBe(0);
    expect(off[2]).toBeGreaterThan(off[1]!);
    // a handle with one link keeps it centred
    expect(edges.find((e) => e.id === 'A-br0')!.data.source.offset).toBe(0);
  });
});

describe('toFlow: selection, problems and live state', () => {
  it('marks the selected nodes and edges', () => {
    const { nodes, edges } = toFlow(input(seed(), { selectedNodes: ['B'], selectedEdges: ['C-br0'] }));
    expect(nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['B']);
    expect(edges.filter((e) => e.selected).map((e) => e.id)).toEqual(['C-br0']);
  });
  it('counts a bad address on its link and on the node of that end', () => {
    const problems = [{ path: 'links[1].a.addresses[0]', message: 'bad' }];
    const { nodes, edges } = toFlow(input(seed(), { problems }));
    expect(nodes.find((n) => n.id === 'B')?.data.problems).toBe(1);
    expect(edges.find((e) => e.id === 'B-br0')?.data.problems).toBe(1);
    expect(nodes.find((n) => n.id === 'A')?.data.problems).toBe(0);
  });
  it.each([
    { observed: false, live: null, why: 'never observed: no live section' },
    { observed: true, live: { exists: false, ifaces: [], drift: [] }, why: 'observed but absent: "not in the kernel yet"' },
  ])('$why', ({ observed, live }) => {
    const { nodes } = toFlow(input(seed(), { observed }));
    expect(nodes.find((n) => n.id === 'A')?.data.live).toEqual(live);
  });
});

describe('round trip: what the canvas does comes back as the same topology', () => {
  it('a node moved on the canvas is drawn where it was dropped, and nothing else changes', () => {
    const t = seed();
    const moved = setPosition(t, 'B', { x: 12.4, y: 401.6 });
    const { nodes } = toFlow(input(moved));
    expect(nodes.find((n) => n.id === 'B')?.position).toEqual({ x: 12, y: 402 });
    expect({ ...moved, layout: undefined }).toEqual({ ...t, layout: undefined });
    expect(t.layout?.nodes?.B).toEqual({ x: 0, y: 320 });
  });
  it('every edge id leads back to its link: data.index, linkIndexOf and linkIds agree', () => {
    const t = seed();
    const { edges } = toFlow(input(t));
    expect(edges.map((e) => e.id)).toEqual(linkIds(t));
    for (const e of edges) expect(linkIndexOf(t, e.id)).toBe(e.data.index);
  });
  it('deleting an edge on the canvas removes exactly that link', () => {
    const t = seed();
    const after = removeElements(t, [], ['B-br0']);
    expect(toFlow(input(after)).edges.map((e) => e.id)).toEqual(['A-br0', 'C-br0', 'host-remote']);
    expect(after.nodes).toEqual(t.nodes);
  });
});

describe('ifaceRows: a node with many interfaces lists a few, DOWN ones first, and counts the rest', () => {
  const iface = (name: string, state: 'UP' | 'DOWN', port: boolean): LiveIface => ({ name, addresses: [], state, oper: state, port });
  // a bridge (itself and n ports, the ports at `down` DOWN) and a host (n interfaces of its own)
  const cases = [0, 1, 5, 11, 12, 13, 40, 200].flatMap((n) =>
    [[], [0], [n - 1], [3, 7, 9, 150], Array.from({ length: n }, (_, i) => i)].flatMap((down) => [
      { n, down, bridge: true, ifaces: [iface('br0', 'UP', false), ...Array.from({ length: n }, (_, i) => iface(`v${i}`, down.includes(i) ? 'DOWN' : 'UP', true))] },
      { n, down, bridge: false, ifaces: Array.from({ length: n }, (_, i) => iface(`e${i}`, down.includes(i) ? 'DOWN' : 'UP', false)) },
    ]),
  );
  it.each(cases.map((c) => ({ ...c, what: `${c.bridge ? 'bridge' : 'host'} with ${c.n}, ${c.down.filter((d) => d < c.n).length} down` })))('$what', ({ ifaces, bridge }) => {
    const { rows, more } = ifaceRows(ifaces);
    if (ifaces.length <= IFACE_ROWS_MAX) {
      expect(rows).toBe(ifaces);
      expect(more).toBeNull();
      return;
    }
    expect(rows).toHaveLength(IFACE_ROWS_SHOWN);
    if (bridge) expect(rows[0]?.name).toBe('br0');
    // every DOWN one is listed while there is room, before any UP one
    const downs = ifaces.filter((i) => i.state === 'DOWN' && (!bridge || i.port));
    const firstUp = rows.findIndex((r) => r.state === 'UP' && (!bridge || r.port));
    const listedDown = rows.filter((r) => r.state === 'DOWN').length;
    expect(listedDown).toBe(Math.min(downs.length, IFACE_ROWS_SHOWN - (bridge ? 1 : 0)));
    if (firstUp >= 0) expect(rows.slice(firstUp).every((r) => r.state === 'UP')).toBe(true);
    // listed + counted = all, each once
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
    expect(more).toEqual({ count: ifaces.length - rows.length, up: ifaces.filter((i) => i.state === 'UP').length - rows.filter((r) => r.state === 'UP').length, down: downs.length - listedDown, ports: bridge });
  });
});
