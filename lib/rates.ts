// Kernel counters -> rates. The server samples each link's veth counters every second; a rate is
// the counter delta over the elapsed time. A counter that goes backwards (the veth was recreated,
// or a 32-bit counter wrapped) is a reset: that interval has no trustworthy delta, so it reads 0.

export interface Counters {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
}

/** One sample of a counter set, taken at `at` milliseconds (any monotonic clock). */
export interface CounterSample {
  at: number;
  counters: Counters;
}

export interface LinkRate {
  /** packets per second through the link, both directions together */
  pps: number;
  /** bytes per second through the link, both directions together */
  bps: number;
  /** per direction, seen from the end that was read */
  txPps: number;
  rxPps: number;
}

export const ZERO_RATE: LinkRate = { pps: 0, bps: 0, txPps: 0, rxPps: 0 };

/** Delta of one counter; a decrease means the counter restarted, which yields no delta. */
export function counterDelta(before: number, after: number): number {
  if (!Number.isFinite(before) || !Number.isFinite(after)) return 0;
  return after >= before ? after - before : 0;
}

/** Per-second rate of a delta over `ms`, rounded to 0.1; 0 when no time has passed. */
export function perSecond(delta: number, ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.round((delta * 1000 * 10) / ms) / 10;
}

/** The rate between two samples of the same link's counters. */
export function rateBetween(prev: CounterSample, next: CounterSample): LinkRate {
  const ms = next.at - prev.at;
  const d = (k: keyof Counters) => counterDelta(prev.counters[k], next.counters[k]);
  const tx = d('txPackets');
  const rx = d('rxPackets');
  return {
    pps: perSecond(tx + rx, ms),
    bps: perSecond(d('txBytes') + d('rxBytes'), ms),
    txPps: perSecond(tx, ms),
    rxPps: perSecond(rx, ms),
  };
}

/**
 * Rates of every link between two sampling rounds. A link seen for the first time (no previous
 * sample) reads 0 rather than its whole lifetime's count; a link that vanished is left out.
 */
export function ratesBetween(
  prev: Record<string, CounterSample>,
  next: Record<string, CounterSample>,
): Record<string, LinkRate> {
  const out: Record<string, LinkRate> = {};
  for (const [id, sample] of Object.entries(next)) {
    const before = prev[id];
    out[id] = before ? rateBetween(before, sample) : { ...ZERO_RATE };
  }
  return out;
}

/** "1.2k pkt/s · 96 kB/s" style text for an edge label. */
export function formatRate(r: LinkRate): string {
  return `${compact(r.pps)} pkt/s · ${bytes(r.bps)}/s`;
}

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}

function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${Math.round(n)} B`;
}
