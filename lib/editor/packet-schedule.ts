// When each watched packet moves on the canvas: the server's events (lib/packets.ts) arrive in
// wire order; each is drawn travelling along its link for `hopMs`, and the next starts `gapMs`
// after it, so a ping is seen hop by hop (A → br0, br0 → B, ...) however fast the kernel was.
// A speed (1×, ¼×) stretches both; pause freezes every packet; step plays the next one through.
// A link busier than the eye can follow (more than `eyeRate` packets a second) is no longer drawn
// packet by packet: it pulses with its rate. (Slow motion does not lower that bar: it is there to
// watch a ping's few packets; a waiting line shortens its gaps instead.) Pure: time is
// passed in (ms), so the unit tests drive it without a browser.
import type { LabPackets, PacketEvent } from '../packets';

export interface ScheduleOptions {
  /** how long one packet takes along its link at 1× (ms) */
  hopMs: number;
  /** the least time between two packets' starts at 1× (ms) */
  gapMs: number;
  /** packets a second on one link that the eye can follow */
  eyeRate: number;
  /** packets waiting at most; past it the oldest are dropped (and counted in their link's rate) */
  maxQueue: number;
  /** a pulsing link goes back to single packets this long after its rate fell (ms) */
  calmMs: number;
}

export const SCHEDULE_DEFAULTS: ScheduleOptions = { hopMs: 650, gapMs: 70, eyeRate: 10, maxQueue: 200, calmMs: 1500 };

export interface Flight {
  id: number;
  event: PacketEvent;
  /** 0 at the start of the link, 1 at its end (the event's `to` node) */
  progress: number;
}

export interface Pulse {
  link: string;
  /** packets a second (real time) */
  rate: number;
}

export interface Frame {
  flights: Flight[];
  pulses: Pulse[];
  /** packets waiting for their turn */
  waiting: number;
}

interface Airborne {
  id: number;
  event: PacketEvent;
  /** on the animation clock */
  start: number;
}

export class PacketSchedule {
  speed = 1;
  paused = false;
  private clock = 0;
  /** the clock at the previous frame: a packet released now started no earlier */
  private prevClock = 0;
  private last: number | null = null;
  private nextStart = 0;
  private budget = 0;
  /** waiting packets, with the animation clock when each arrived */
  private queue: { event: PacketEvent; at: number }[] = [];
  private flying: Airborne[] = [];
  private ids = 0;
  /** real arrival times per link over the last second, with how many packets came then */
  private arrivals = new Map<string, [number, number][]>();
  /** links in pulse mode -> when their rate was last above the eye's */
  private pulsing = new Map<string, number>();

  constructor(private readonly opts: ScheduleOptions = SCHEDULE_DEFAULTS) {}

  /** Packets per second the eye can follow on one link. */
  get eyeRate(): number {
    return this.opts.eyeRate;
  }

  setSpeed(speed: number): void {
    this.speed = speed;
  }

  setPaused(paused: boolean, now: number): void {
    this.advance(now);
    this.paused = paused;
  }

  /** While paused: the next waiting packet starts and everything plays for one hop. */
  step(now: number): void {
    this.advance(now);
    if (!this.paused) return;
    const next = this.queue.shift();
    if (next) this.launch(next.event, this.clock);
    this.budget = this.opts.hopMs;
  }

  /** Forgets every packet (the view was closed, the lab changed). */
  clear(): void {
    this.queue = [];
    this.flying = [];
    this.arrivals.clear();
    this.pulsing.clear();
  }

  push(batch: Pick<LabPackets, 'packets' | 'counted'>, now: number): void {
    this.advance(now);
    for (const [link, n] of Object.entries(batch.counted)) this.count(link, now, n);
    for (const e of batch.packets) {
      this.count(e.link, now, 1);
      if (this.isPulsing(e.link, now)) continue;
      this.queue.push({ event: e, at: this.clock });
    }
    if (this.queue.length > this.opts.maxQueue) this.queue.splice(0, this.queue.length - this.opts.maxQueue);
    this.release();
  }

  /** Where everything is at `now`. */
  frame(now: number): Frame {
    this.advance(now);
    this.release();
    const hop = this.opts.hopMs;
    this.flying = this.flying.filter((f) => this.clock - f.start < hop);
    const pulses: Pulse[] = [];
    for (const link of [...this.pulsing.keys()]) {
      const rate = this.rate(link, now);
      if (!this.isPulsing(link, now)) continue;
      pulses.push({ link, rate });
    }
    return {
      flights: this.flying.map((f) => ({ id: f.id, event: f.event, progress: Math.min(1, Math.max(0, (this.clock - f.start) / hop)) })),
      pulses,
      waiting: this.queue.length,
    };
  }

  /** True while something moves or waits (the canvas keeps animating). */
  busy(): boolean {
    return this.flying.length > 0 || this.queue.length > 0 || this.pulsing.size > 0;
  }

  private advance(now: number): void {
    if (this.last === null) this.last = now;
    const dt = Math.max(0, now - this.last);
    this.last = now;
    this.prevClock = this.clock;
    if (!this.paused) this.clock += dt * this.speed;
    else if (this.budget > 0) {
      const run = Math.min(this.budget, dt * this.speed);
      this.clock += run;
      this.budget -= run;
    }
  }

  private release(): void {
    if (this.paused) return;
    // a backlog tightens the gap so the view never falls far behind the wire
    const gap = this.queue.length > 12 ? (this.opts.gapMs * 12) / this.queue.length : this.opts.gapMs;
    // each starts when its turn came (a coarse frame launches every packet that was due since)
    while (this.queue.length && this.clock >= this.nextStart) {
      const next = this.queue.shift()!;
      const start = Math.max(this.nextStart, next.at, this.prevClock);
      this.launch(next.event, start);
      this.nextStart = start + gap;
    }
  }

  private launch(event: PacketEvent, start: number): void {
    this.flying.push({ id: ++this.ids, event, start });
  }

  private count(link: string, now: number, n: number): void {
    const list = this.recent(link, now);
    list.push([now, n]);
    if (this.rate(link, now) > this.eyeRate) this.pulsing.set(link, now);
  }

  /** Arrivals on a link within the last second: [time, count] pairs. */
  private recent(link: string, now: number): [number, number][] {
    const list = (this.arrivals.get(link) ?? []).filter(([t]) => now - t < 1000);
    this.arrivals.set(link, list);
    return list;
  }

  private rate(link: string, now: number): number {
    return this.recent(link, now).reduce((sum, [, n]) => sum + n, 0);
  }

  private isPulsing(link: string, now: number): boolean {
    const since = this.pulsing.get(link);
    if (since === undefined) return false;
    if (this.rate(link, now) > this.eyeRate) {
      this.pulsing.set(link, now);
      return true;
    }
    if (now - since < this.opts.calmMs) return true;
    this.pulsing.delete(link);
    return false;
  }
}
