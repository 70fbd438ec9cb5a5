// lib/editor/packet-schedule.ts: packets move hop by hop in wire order, speed stretches time,
// pause freezes and step plays one through, a busy link pulses with its rate instead.
import { describe, expect, it } from 'vitest';
import { PacketSchedule, type ScheduleOptions } from '@/lib/editor/packet-schedule';
import type { PacketEvent } from '@/lib/packets';

const opts: ScheduleOptions = { hopMs: 600, gapMs: 100, eyeRate: 8, maxQueue: 50, calmMs: 1000 };
let seq = 0;
const ev = (link: string, label = link): PacketEvent => ({ link, from: 'a', to: 'b', kind: 'icmp', label, time: seq, length: 84, seq: ++seq });
const batch = (...packets: PacketEvent[]) => ({ packets, counted: {} });
const labels = (s: PacketSchedule, now: number) => s.frame(now).flights.map((f) => `${f.event.label}@${f.progress.toFixed(2)}`);

describe('PacketSchedule', () => {
  it('starts the first packet at once and each next one a gap later, in order', () => {
    const s = new PacketSchedule(opts);
    s.push(batch(ev('A', 'a1'), ev('B', 'b1'), ev('B', 'b2'), ev('A', 'a2')), 0);
    expect(labels(s, 0)).toEqual(['a1@0.00']);
    expect(labels(s, 100)).toEqual(['a1@0.17', 'b1@0.00']);
    expect(labels(s, 300)).toEqual(['a1@0.50', 'b1@0.33', 'b2@0.17', 'a2@0.00']);
    expect(labels(s, 650)).toEqual(['b1@0.92', 'b2@0.75', 'a2@0.58']);
    expect(labels(s, 2000)).toEqual([]);
    expect(s.busy()).toBe(false);
  });

  it('¼× takes four times as long', () => {
    const s = new PacketSchedule(opts);
    s.setSpeed(0.25);
    s.push(batch(ev('A', 'a'), ev('B', 'b')), 0);
    expect(labels(s, 400)).toEqual(['a@0.17', 'b@0.00']);
    expect(labels(s, 2399)).toEqual(['a@1.00', 'b@0.83']);
    expect(labels(s, 2401)).toEqual(['b@0.83']);
  });

  it('pause freezes; step plays the next packet through and pauses again', () => {
    const s = new PacketSchedule(opts);
    s.push(batch(ev('A', 'a'), ev('B', 'b'), ev('C', 'c')), 0);
    expect(labels(s, 300)).toEqual(['a@0.50', 'b@0.33', 'c@0.17']);
    s.setPaused(true, 300);
    expect(labels(s, 5000)).toEqual(['a@0.50', 'b@0.33', 'c@0.17']);
    s.push(batch(ev('D', 'd'), ev('E', 'e')), 5000);
    expect(s.frame(5000).waiting).toBe(2);
    s.step(5000);
    expect(labels(s, 5000)).toEqual(['a@0.50', 'b@0.33', 'c@0.17', 'd@0.00']);
    expect(labels(s, 5300)).toEqual(['b@0.83', 'c@0.67', 'd@0.50']);
    expect(labels(s, 9000)).toEqual([]);
    expect(s.frame(9000).waiting).toBe(1);
    s.setPaused(false, 9000);
    expect(labels(s, 9001)).toEqual(['e@0.00']);
  });

  it('a link above the eye rate pulses with its rate, and calms down after', () => {
    const s = new PacketSchedule(opts);
    const flood = Array.from({ length: 12 }, () => ev('F'));
    s.push({ packets: [ev('A', 'a'), ...flood], counted: { F: 30 } }, 0);
    const f = s.frame(0);
    expect(f.pulses).toEqual([{ link: 'F', rate: 42 }]);
    // the packets before the link went over its rate were drawn; none after
    expect(f.waiting + f.flights.length).toBeLessThanOrEqual(1 + 9);
    s.push(batch(ev('F')), 500);
    expect(s.frame(500).pulses[0]!.link).toBe('F');
    expect(s.frame(1400).pulses).toEqual([{ link: 'F', rate: 1 }]);
    expect(s.frame(3000).pulses).toEqual([]);
    // slow motion does not lower the bar: a ping's few packets are what it is for
    const slow = new PacketSchedule(opts);
    slow.setSpeed(0.25);
    slow.push(batch(...Array.from({ length: 8 }, () => ev('G'))), 0);
    expect(slow.frame(0).pulses).toEqual([]);
  });

  it('drops the oldest waiting packets past the queue limit', () => {
    const s = new PacketSchedule({ ...opts, eyeRate: 1000 });
    s.setPaused(true, 0);
    s.push(batch(...Array.from({ length: 80 }, (_, i) => ev(`L${i}`, `p${i}`))), 0);
    expect(s.frame(0).waiting).toBe(50);
    s.step(0);
    expect(labels(s, 0)).toEqual(['p30@0.00']);
  });
});
