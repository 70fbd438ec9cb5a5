// Impaired links (`tc qdisc … netem`): the `netem:` block of a link (both ends) or of an endpoint
// (that end only; an endpoint's block replaces the link's for that end, `netem: {}` clears it),
// its strict schema, the kernel model of it (KNetem, as `tc -j qdisc show` reads it back), the
// tc arguments it becomes, and the short text the canvas draws on an edge (`50 ms · 1 %`).
// Pure: used by the topology schema, compile, the planner, the exports and the editor.
import { z } from 'zod';

/** A netem qdisc as nslab models it: the values `tc -j qdisc show` reads back, 0 when unset. */
export interface KNetem {
  /** microseconds */
  delay: number;
  /** microseconds */
  jitter: number;
  /** percentages (0-100) */
  loss: number;
  duplicate: number;
  corrupt: number;
  /** bytes per second (0: no rate limit) */
  rate: number;
}

export const NETEM_FIELDS = ['delay', 'jitter', 'loss', 'duplicate', 'corrupt', 'rate'] as const;
export type NetemField = (typeof NETEM_FIELDS)[number];

/** netem delays above this are refused (the kernel keeps a delay in 64 ns ticks of 32 bits). */
export const MAX_DELAY_US = 60_000_000;
/** 100gbit in bytes per second. */
export const MAX_RATE_BYTES = 12_500_000_000;

const TIME = /^(\d+(?:\.\d+)?)\s*(us|ms|s)$/i;
const TIME_UNIT: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000 };
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;
const RATE = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)$/i;
const RATE_UNIT: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** `50ms` -> 50000 (microseconds); null when it is not a time. */
export function parseTime(text: string): number | null {
  const us = rawTime(text);
  return us === null ? null : Math.round(us);
}

function rawTime(text: string): number | null {
  const m = TIME.exec(text.trim());
  return m ? Number(m[1]) * TIME_UNIT[m[2]!.toLowerCase()]! : null;
}

/** `1.5%` -> 1.5, rounded to 0.0001; null when it is not a percentage. */
export function parsePercent(text: string): number | null {
  const m = PERCENT.exec(text.trim());
  return m ? Math.round(Number(m[1]) * 10_000) / 10_000 : null;
}

/** `10mbit` -> 1250000 (bytes per second, whole bytes as tc keeps them); null when it is not a rate. */
export function parseRate(text: string): number | null {
  const m = RATE.exec(text.trim());
  if (!m) return null;
  return Math.floor((Number(m[1]) * RATE_UNIT[m[2]!.toLowerCase()]!) / 8);
}

const asString = (field: string, example: string) =>
  z.string({ error: (iss) => `${JSON.stringify(iss.input)} is not valid for netem ${field}: write a string like ${example}` });

const timeSchema = (field: string) =>
  asString(field, '50ms').superRefine((v, ctx) => {
    const us = rawTime(v);
    if (us === null) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a time like 50ms (units: us, ms, s)` });
    else if (us > MAX_DELAY_US) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is too long: netem ${field} is at most 60s` });
    else if (Math.abs(us - Math.round(us)) > 1e-6)
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is finer than tc can set: use whole microseconds (e.g. 1500us)` });
  });

const percentSchema = (field: string) =>
  asString(field, '1%').superRefine((v, ctx) => {
    const p = parsePercent(v);
    if (p === null) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a percentage like 1%` });
    else if (p > 100) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not between 0% and 100%` });
  });

const rateSchema = asString('rate', '10mbit').superRefine((v, ctx) => {
  const r = parseRate(v);
  if (r === null) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a rate like 10mbit (units: bit, kbit, mbit, gbit)` });
  else if (r < 1) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is below 8bit, the smallest rate tc sets; remove rate for no limit` });
  else if (r > MAX_RATE_BYTES) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is above 100gbit` });
});

/** The `netem:` block, as written in a topology file. */
export const netemSchema = z
  .strictObject({
    /** e.g. 50ms: each packet leaving this end waits this long */
    delay: timeSchema('delay').optional(),
    /** e.g. 10ms: the delay varies by up to this much (needs delay) */
    jitter: timeSchema('jitter').optional(),
    /** e.g. 1%: packets dropped */
    loss: percentSchema('loss').optional(),
    /** e.g. 1%: packets sent twice */
    duplicate: percentSchema('duplicate').optional(),
    /** e.g. 0.1%: packets with a flipped bit */
    corrupt: percentSchema('corrupt').optional(),
    /** e.g. 10mbit: the most this end sends per second */
    rate: rateSchema.optional(),
  })
  .superRefine((n, ctx) => {
    if (n.jitter !== undefined && n.delay === undefined) {
      ctx.addIssue({ code: 'custom', path: ['jitter'], message: 'jitter needs a delay: add delay (e.g. delay: 50ms) or remove jitter' });
    }
  });

export type Netem = z.infer<typeof netemSchema>;

/**
 * The netem of one end of a link: the endpoint's own block if it has one, else the link's;
 * null when that is absent or sets nothing (no qdisc).
 */
export function endNetem(link: { netem?: Netem | undefined }, end: { netem?: Netem | undefined }): KNetem | null {
  const spec = end.netem ?? link.netem;
  if (!spec) return null;
  const k = toKNetem(spec);
  return NETEM_FIELDS.some((f) => k[f] !== 0) ? k : null;
}

/** A checked block in the kernel's units. */
export function toKNetem(spec: Netem): KNetem {
  return {
    delay: spec.delay !== undefined ? (parseTime(spec.delay) ?? 0) : 0,
    jitter: spec.jitter !== undefined ? (parseTime(spec.jitter) ?? 0) : 0,
    loss: spec.loss !== undefined ? (parsePercent(spec.loss) ?? 0) : 0,
    duplicate: spec.duplicate !== undefined ? (parsePercent(spec.duplicate) ?? 0) : 0,
    corrupt: spec.corrupt !== undefined ? (parsePercent(spec.corrupt) ?? 0) : 0,
    rate: spec.rate !== undefined ? (parseRate(spec.rate) ?? 0) : 0,
  };
}

const numText = (n: number) => String(Math.round(n * 10_000) / 10_000);

/** 50000 -> `50ms`, 1500 -> `1500us`, 2000000 -> `2s`: tc's own units, exact. */
export function timeText(us: number): string {
  if (us !== 0 && us % 1_000_000 === 0) return `${us / 1_000_000}s`;
  if (us !== 0 && us % 1000 === 0) return `${us / 1000}ms`;
  return `${us}us`;
}

/** Bytes per second as tc's rate text: 1250000 -> `10mbit`. */
export function rateText(bytes: number): string {
  const bits = bytes * 8;
  if (bits === 0) return '0bit';
  for (const [unit, n] of [['gbit', 1e9], ['mbit', 1e6], ['kbit', 1e3]] as const) if (bits % n === 0) return `${bits / n}${unit}`;
  return `${bits}bit`;
}

/**
 * The arguments after `tc qdisc replace dev DEV root netem`. `reset`: a netem is there already;
 * the kernel keeps its corrupt and rate unless they are given (delay, jitter, loss and duplicate
 * it always takes), so they are given, as 0 when unset.
 */
export function netemArgs(k: KNetem, reset = false): string[] {
  const out: string[] = [];
  if (k.delay || k.jitter) out.push('delay', timeText(k.delay), ...(k.jitter ? [timeText(k.jitter)] : []));
  if (k.loss) out.push('loss', `${numText(k.loss)}%`);
  if (k.duplicate) out.push('duplicate', `${numText(k.duplicate)}%`);
  if (k.corrupt || reset) out.push('corrupt', `${numText(k.corrupt)}%`);
  if (k.rate || reset) out.push('rate', rateText(k.rate));
  return out;
}

/**
 * Whether the kernel's netem is the one wanted. tc keeps delays in 64 ns ticks and prints
 * fractions with 6 significant digits, so what it reads back may differ from what was set by a
 * microsecond or a millionth: that is the same netem.
 */
export function sameNetem(want: KNetem | null | undefined, have: KNetem | null | undefined): boolean {
  if (!want || !have) return !want === !have;
  const near = (a: number, b: number, abs: number) => Math.abs(a - b) <= abs + Math.max(Math.abs(a), Math.abs(b)) * 1e-5;
  return (
    near(want.delay, have.delay, 1) &&
    near(want.jitter, have.jitter, 1) &&
    near(want.loss, have.loss, 1e-4) &&
    near(want.duplicate, have.duplicate, 1e-4) &&
    near(want.corrupt, have.corrupt, 1e-4) &&
    want.rate === have.rate
  );
}

/** `delay 50ms 10ms loss 1%`, or `(none)`: for plan lines. */
export function netemText(k: KNetem | null | undefined): string {
  return k ? netemArgs(k).join(' ') || 'netem (no impairment)' : '(none)';
}

function msText(us: number): string {
  const ms = us / 1000;
  return ms >= 1 || us === 0 ? `${Math.round(ms * 100) / 100} ms` : `${us} µs`;
}

function rateLabel(bytes: number): string {
  const bits = bytes * 8;
  for (const [unit, n] of [['Gbit/s', 1e9], ['Mbit/s', 1e6], ['kbit/s', 1e3]] as const) if (bits >= n) return `${Math.round((bits / n) * 100) / 100} ${unit}`;
  return `${bits} bit/s`;
}

/** What the canvas draws on an edge: `50 ms ±10 ms · 1 % · dup 1 % · corrupt 0.1 % · 10 Mbit/s`. */
export function netemLabel(k: KNetem | null | undefined): string {
  if (!k) return '';
  const parts: string[] = [];
  if (k.delay || k.jitter) parts.push(`${msText(k.delay)}${k.jitter ? ` ±${msText(k.jitter)}` : ''}`);
  if (k.loss) parts.push(`${numText(k.loss)} %`);
  if (k.duplicate) parts.push(`dup ${numText(k.duplicate)} %`);
  if (k.corrupt) parts.push(`corrupt ${numText(k.corrupt)} %`);
  if (k.rate) parts.push(rateLabel(k.rate));
  return parts.join(' · ');
}

/** The label of a link: one text when both ends are alike, else `a: … | b: …`. */
export function linkNetemLabel(a: KNetem | null, b: KNetem | null): string {
  if (sameNetem(a, b)) return netemLabel(a);
  const side = (name: string, k: KNetem | null) => `${name}: ${netemLabel(k) || 'none'}`;
  return `${side('a', a)} | ${side('b', b)}`;
}

// ---------------------------------------------------------------------------------------------
// Reading it back: `tc -j qdisc show` prints a netem qdisc's options like this (iproute2 6.1,
// tc/q_netem.c): times in seconds, percentages as fractions, the rate in bytes per second.

export interface TcNetemOptions {
  limit?: number;
  delay?: { delay?: number; jitter?: number; correlation?: number };
  'loss-random'?: { loss?: number; correlation?: number };
  duplicate?: { duplicate?: number; correlation?: number };
  corrupt?: { corrupt?: number; correlation?: number };
  rate?: { rate?: number };
  [other: string]: unknown;
}

/** A netem qdisc's options as `tc -j` prints them -> the model. */
export function netemFromTc(o: TcNetemOptions): KNetem {
  const pct = (f: number | undefined) => (f ? Math.round(f * 100 * 10_000) / 10_000 : 0);
  return {
    delay: Math.round((o.delay?.delay ?? 0) * 1e6),
    jitter: Math.round((o.delay?.jitter ?? 0) * 1e6),
    loss: pct(o['loss-random']?.loss),
    duplicate: pct(o.duplicate?.duplicate),
    corrupt: pct(o.corrupt?.corrupt),
    rate: o.rate?.rate ?? 0,
  };
}
