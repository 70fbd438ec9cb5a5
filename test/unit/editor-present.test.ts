// Issue 11 on the canvas, without a browser: boxes kept apart when nodes grow, the state each
// link is drawn in, "building" instead of drift during an apply, the elkjs layout of the seed
// lab (the host with br0 on top, the namespaces below, the other machine beside), and the
// presentation's status line.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absolutePosition, HOST_HEAD, toFlow, type FlowInput } from '@/lib/editor/flow';
import { keepApart, overlaps, type Rect } from '@/lib/editor/frame';
import { autoLayout, LAYOUT_DEFAULT_SIZE } from '@/lib/editor/layout';
import type { LiveNodeView } from '@/lib/editor/live-view';
import { statusLine } from '@/lib/editor/status-line';
import type { LiveState } from '@/lib/labs-types';
import type { Topology } from '@/lib/topology';
import { seed } from './editor-fixtures';

const input = (t: Topology, extra: Partial<FlowInput> = {}): FlowInput => ({
  topology: t, problems: [], live: {}, selectedNodes: [], selectedEdges: [], sizes: {}, observed: false, ...extra,
});

const rect = fc.record({ x: fc.integer({ min: -500, max: 500 }), y: fc.integer({ min: -500, max: 500 }), width: fc.integer({ min: 20, max: 300 }), height: fc.integer({ min: 20, max: 300 }) });

describe('keepApart: boxes that grew never cover each other', () => {
  it('leaves no two boxes overlapping, moves boxes only down, and leaves a lone box where it is (any boxes)', () => {
    fc.assert(
      fc.property(fc.array(rect, { maxLength: 30 }), (list) => {
        const boxes = new Map(list.map((r, i) => [`n${i}`, { ...r }]));
        const moved = keepApart(boxes);
        const after = [...boxes.values()];
        for (const [i, a] of after.entries()) for (const b of after.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
        list.forEach((r, i) => {
          const b = boxes.get(`n${i}`)!;
          expect(b.x).toBe(r.x);
          expect(b.y).toBeGreaterThanOrEqual(r.y);
          expect(b.y - r.y).toBe(moved.get(`n${i}`) ?? 0);
        });
      }),
    );
  });
  it('boxes that do not touch keep their places', () => {
    const boxes = new Map<string, Rect>([['a', { x: 0, y: 0, width: 100, height: 50 }], ['b', { x: 200, y: 0, width: 100, height: 50 }]]);
    expect(keepApart(boxes).size).toBe(0);
  });
});

const view = (ifaces: Array<[string, 'UP' | 'DOWN', boolean?]>, drift: string[] = []): LiveNodeView => ({
  exists: true,
  ifaces: ifaces.map(([name, state, port]) => ({ name, addresses: [], state, oper: state, port: !!port })),
  drift,
});

describe('toFlow: the seed lab grown after an apply', () => {
  it('no two nodes cover each other however tall they have grown, br0 stays inside the host', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 40, max: 400 }), { minLength: 6, maxLength: 6 }), fc.integer({ min: 40, max: 300 }), (heights, head) => {
        const ids = ['host', 'br0', 'A', 'B', 'C', 'remote'];
        const sizes = Object.fromEntries(ids.map((id, i) => [id, { width: 176, height: heights[i]! }]));
        const { nodes } = toFlow(input(seed(), { sizes: { ...sizes, [HOST_HEAD]: { width: 260, height: head } } }));
        const box = (id: string): Rect => {
          const n = nodes.find((m) => m.id === id)!;
          const at = absolutePosition(nodes, id, n.position);
          return { ...at, width: n.width ?? sizes[id]!.width, height: n.height ?? sizes[id]!.height };
        };
        const host = box('host');
        const br0 = box('br0');
        expect(br0.x >= host.x && br0.y >= host.y + head && br0.x + br0.width <= host.x + host.width && br0.y + br0.height <= host.y + host.height).toBe(true);
        const outer = ['host', 'A', 'B', 'C', 'remote'].map(box);
        for (const [i, a] of outer.entries()) for (const b of outer.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
      }),
    );
  });
});

describe('toFlow: what the kernel says of each link', () => {
  const live = {
    host: view([['to-remote', 'UP']]),
    br0: view([['br0', 'UP'], ['veth-A', 'UP', true], ['veth-B', 'DOWN', true]]),
    A: view([['eth0', 'UP']]),
    B: view([['eth0', 'UP']]),
    remote: view([['eth0', 'UP']]),
  };
  const edges = toFlow(input(seed(), { observed: true, live })).edges;
  it.each([
    { id: 'A-br0', state: 'up', why: 'both ends UP' },
    { id: 'B-br0', state: 'down', why: 'an end DOWN' },
    { id: 'C-br0', state: 'planned', why: 'not in the kernel yet' },
    { id: 'host-remote', state: 'up', why: 'the host end is one of its own interfaces' },
  ])('$id is $state: $why', ({ id, state }) => {
    expect(edges.find((e) => e.id === id)?.data.state).toBe(state);
  });
  it('never observed: unknown (drawn plainly)', () => {
    expect(new Set(toFlow(input(seed())).edges.map((e) => e.data.state))).toEqual(new Set(['unknown']));
  });
  it('during an apply every node says building (and the node shell then hides its drift)', () => {
    const nodes = toFlow(input(seed(), { observed: true, live: { A: view([['eth0', 'UP']], ['eth0 is DOWN']) }, building: true })).nodes;
    expect(nodes.every((n) => n.data.building)).toBe(true);
  });
});

describe('autoLayout (elkjs) of the seed lab without positions', () => {
  it('the host with br0 on top, A B C below it left to right, the other machine beside the host; nothing overlaps', async () => {
    const t = { ...seed(), layout: undefined };
    const head = { width: 240, height: 110 };
    const at = await autoLayout(t, {}, head);
    const size = LAYOUT_DEFAULT_SIZE;
    const box = (id: string): Rect => ({ ...at[id]!, ...size });
    // the host's frame holds br0 under its head
    expect(at.br0!.y).toBeGreaterThanOrEqual(at.host!.y + head.height);
    const frameBottom = at.br0!.y + size.height;
    for (const id of ['A', 'B', 'C']) expect(at[id]!.y, `${id} below the host`).toBeGreaterThan(frameBottom);
    expect(at.A!.x).toBeLessThan(at.B!.x);
    expect(at.B!.x).toBeLessThan(at.C!.x);
    expect(at.remote!.x, 'the other machine beside the host').toBeGreaterThan(at.br0!.x + size.width);
    expect(at.remote!.y).toBeLessThan(at.A!.y);
    const outer = ['A', 'B', 'C', 'remote'].map(box);
    for (const [i, a] of outer.entries()) for (const b of outer.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
  });
  it('a lab of 40 namespaces on 4 bridges: no two boxes overlap, with the sizes given', async () => {
    const nodes: Topology['nodes'] = [];
    const links: Topology['links'] = [];
    for (let b = 0; b < 4; b++) {
      nodes.push({ id: `br${b}`, kind: 'bridge' } as Topology['nodes'][number]);
      for (let i = 0; i < 10; i++) {
        nodes.push({ id: `n${b}-${i}`, kind: 'namespace' } as Topology['nodes'][number]);
        links.push({ a: { node: `n${b}-${i}`, iface: 'eth0' }, b: { node: `br${b}`, iface: `v${b}-${i}` } } as Topology['links'][number]);
      }
    }
    const t = { name: 'big', nodes, links } as unknown as Topology;
    const sizes = Object.fromEntries(nodes.map((n, i) => [n.id, { width: 150 + (i % 3) * 30, height: 60 + (i % 5) * 25 }]));
    const at = await autoLayout(t, sizes);
    const boxes = nodes.map((n) => ({ ...at[n.id]!, ...sizes[n.id]! }));
    for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
  });
});

describe('the presentation status line', () => {
  const live = { nodes: { A: { id: 'A', ns: 'x', exists: true, drift: ['eth0 is DOWN (the lab wants it UP)'] } } } as unknown as LiveState;
  it.each([
    { state: 'applied' as const, text: 'applied' },
    { state: 'not-applied' as const, text: 'not applied' },
    { state: 'failed' as const, text: 'failed' },
  ])('$state: "$text"', ({ state, text }) => {
    expect(statusLine(state, null, null).text).toContain(text);
  });
  it('building step k of n while applying', () => {
    expect(statusLine('applying', null, { lab: 'x', step: 2, total: 9, change: 1, status: 'running' }).text).toBe('building · step 3 of 9');
  });
  it('drifted, and why', () => {
    const s = statusLine('drifted', live, null);
    expect(s.text).toContain('drifted');
    expect(s.detail).toEqual(['A: eth0 is DOWN (the lab wants it UP)']);
  });
});
