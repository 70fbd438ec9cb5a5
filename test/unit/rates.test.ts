import { describe, expect, it } from 'vitest';
import { counterDelta, formatRate, perSecond, rateBetween, ratesBetween, type Counters } from '@/lib/rates';
import { countersFromIpJson } from '@/server/tools/link-rates';

const c = (rxPackets: number, txPackets: number, rxBytes: number, txBytes: number): Counters => ({
  rxPackets, txPackets, rxBytes, txBytes,
});

describe('counterDelta', () => {
  it.each([
    { before: 10, after: 15, delta: 5, why: 'counts up' },
    { before: 10, after: 10, delta: 0, why: 'no traffic' },
    { before: 1000, after: 3, delta: 0, why: 'reset (veth recreated)' },
    { before: 4294967290, after: 5, delta: 0, why: '32-bit wrap reads as a reset' },
    { before: Number.NaN, after: 5, delta: 0, why: 'missing value' },
  ])('$why: $before -> $after = $delta', ({ before, after, delta }) => {
    expect(counterDelta(before, after)).toBe(delta);
  });
});

describe('perSecond', () => {
  it.each([
    { delta: 100, ms: 1000, rate: 100 },
    { delta: 100, ms: 2000, rate: 50 },
    { delta: 3, ms: 1500, rate: 2 },
    { delta: 1, ms: 3000, rate: 0.3 },
    { delta: 5, ms: 0, rate: 0 },
    { delta: 5, ms: -10, rate: 0 },
  ])('$delta in $ms ms = $rate/s', ({ delta, ms, rate }) => {
    expect(perSecond(delta, ms)).toBe(rate);
  });
});

describe('rateBetween', () => {
  it.each([
    {
      why: 'ping: 1 request out, 1 reply in, 98 bytes each, in 1 s',
      prev: c(10, 10, 1000, 1000), next: c(11, 11, 1098, 1098), ms: 1000,
      rate: { pps: 2, bps: 196, txPps: 1, rxPps: 1 },
    },
    {
      why: 'flood over 2 s',
      prev: c(0, 0, 0, 0), next: c(200, 200, 19600, 19600), ms: 2000,
      rate: { pps: 200, bps: 19600, txPps: 100, rxPps: 100 },
    },
    {
      why: 'rx counter reset keeps the tx rate',
      prev: c(500, 10, 50000, 1000), next: c(2, 20, 200, 2000), ms: 1000,
      rate: { pps: 10, bps: 1000, txPps: 10, rxPps: 0 },
    },
    { why: 'idle', prev: c(7, 7, 700, 700), next: c(7, 7, 700, 700), ms: 1000, rate: { pps: 0, bps: 0, txPps: 0, rxPps: 0 } },
  ])('$why', ({ prev, next, ms, rate }) => {
    expect(rateBetween({ at: 5000, counters: prev }, { at: 5000 + ms, counters: next })).toEqual(rate);
  });
});

describe('ratesBetween', () => {
  it('reads 0 for a new link, leaves out a vanished one, and computes the rest', () => {
    const prev = { 'A-br0': { at: 0, counters: c(0, 0, 0, 0) }, gone: { at: 0, counters: c(1, 1, 1, 1) } };
    const next = { 'A-br0': { at: 1000, counters: c(3, 3, 300, 300) }, fresh: { at: 1000, counters: c(99, 99, 9e5, 9e5) } };
    expect(ratesBetween(prev, next)).toEqual({
      'A-br0': { pps: 6, bps: 600, txPps: 3, rxPps: 3 },
      fresh: { pps: 0, bps: 0, txPps: 0, rxPps: 0 },
    });
  });
});

describe('formatRate', () => {
  it.each([
    { r: { pps: 0, bps: 0 }, text: '0 pkt/s · 0 B/s' },
    { r: { pps: 2, bps: 196 }, text: '2 pkt/s · 196 B/s' },
    { r: { pps: 1500, bps: 147000 }, text: '1.5k pkt/s · 147.0 kB/s' },
    { r: { pps: 0.5, bps: 49 }, text: '0.5 pkt/s · 49 B/s' },
  ])('$text', ({ r, text }) => {
    expect(formatRate({ ...r, txPps: 0, rxPps: 0 })).toBe(text);
  });
});

describe('countersFromIpJson: the counters of `ip -j -s link show`', () => {
  const link = (ifname: unknown, stats64: unknown) => ({ ifindex: 2, ifname, flags: ['UP'], mtu: 1500, stats64 });
  const stats = { rx: { bytes: 1200, packets: 12, errors: 0 }, tx: { bytes: 3400, packets: 34, errors: 0 } };

  it('reads each interface\'s packets and bytes, as the full schema does', () => {
    const text = JSON.stringify([link('lo', stats), link('veth-A', { rx: { bytes: 0, packets: 0 }, tx: { bytes: 7, packets: 1 } })]);
    expect([...countersFromIpJson('ip -j -s link show', text)]).toEqual([
      ['lo', { rxPackets: 12, txPackets: 34, rxBytes: 1200, txBytes: 3400 }],
      ['veth-A', { rxPackets: 0, txPackets: 1, rxBytes: 0, txBytes: 7 }],
    ]);
  });

  it.each([
    ['no stats', link('a', undefined)],
    ['a name that is not a string', link(7, stats)],
    ['a count that is a string', link('a', { ...stats, rx: { bytes: '1', packets: 1 } })],
    ['a negative count', link('a', { ...stats, tx: { bytes: -1, packets: 1 } })],
    ['a missing count', link('a', { rx: { bytes: 1 }, tx: { bytes: 1, packets: 1 } })],
    ['not an object', null],
  ])('leaves out an interface with %s, and keeps the others', (_what, bad) => {
    const got = countersFromIpJson('ip -j -s link show', JSON.stringify([bad, link('ok', stats)]));
    expect([...got.keys()]).toEqual(['ok']);
  });

  it.each([['not JSON', 'Device "x" does not exist.'], ['not a list', '{"ifname":"a"}'], ['empty', '']])('names the command when the answer is %s', (_what, text) => {
    expect(() => countersFromIpJson('ip -n H -j -s link show', text)).toThrow('ip -n H -j -s link show: the answer is not a JSON list');
  });
});
