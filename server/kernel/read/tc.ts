// `tc -j qdisc show` (iproute2 6.1): the queueing disciplines of a namespace's interfaces, for
// link impairments (netem). Options are kept as printed: each kind has its own.
import { z } from 'zod';
import { netemFromTc, type KNetem, type TcNetemOptions } from '@/lib/netem';
import { parseJson, readFailure } from './check';

export const TcQdisc = z.object({
  kind: z.string().min(1),
  /** `8001:` */
  handle: z.string(),
  dev: z.string().min(1),
  root: z.boolean().optional(),
  /** `1:1` when not the root */
  parent: z.string().optional(),
  refcnt: z.number().int().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});
export type TcQdisc = z.output<typeof TcQdisc>;
export const TcQdiscs = z.array(TcQdisc);

/** Empty output (no interfaces) reads as []. */
export const parseTcQdiscs = (command: string, text: string) => parseJson(command, text, TcQdiscs, []);

/** The root qdisc of each interface: dev -> qdisc. */
export function rootQdiscs(qdiscs: TcQdisc[]): Map<string, TcQdisc> {
  return new Map(qdiscs.filter((q) => q.root).map((q) => [q.dev, q]));
}

// A netem qdisc's options, as tc prints them (tc/q_netem.c); only what nslab models is checked,
// the rest (correlations, reorder, slot, ecn, gap) is kept as printed.
const fraction = z.number().min(0).max(1);
const NetemOptions = z.looseObject({
  limit: z.number().int().nonnegative().optional(),
  delay: z.looseObject({ delay: z.number().nonnegative(), jitter: z.number().nonnegative().optional() }).optional(),
  'loss-random': z.looseObject({ loss: fraction }).optional(),
  duplicate: z.looseObject({ duplicate: fraction }).optional(),
  corrupt: z.looseObject({ corrupt: fraction }).optional(),
  rate: z.looseObject({ rate: z.number().int().nonnegative() }).optional(),
});

/**
 * The netem at the root of each interface: dev -> its values (lib/netem.ts). `command` names
 * the read for an error: options nslab cannot read are one sentence naming it, never a guess.
 */
export function netemsFrom(command: string, qdiscs: TcQdisc[]): Map<string, KNetem> {
  const out = new Map<string, KNetem>();
  for (const [dev, q] of rootQdiscs(qdiscs)) {
    if (q.kind !== 'netem') continue;
    const o = NetemOptions.safeParse(q.options ?? {});
    if (!o.success) throw readFailure(command, `the netem options of ${dev}: ${o.error.issues[0]?.path.join('.')}: ${o.error.issues[0]?.message}`);
    out.set(dev, netemFromTc(o.data as TcNetemOptions));
  }
  return out;
}
