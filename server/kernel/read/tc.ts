// `tc -j qdisc show` (iproute2 6.1): the queueing disciplines of a namespace's interfaces, for
// link impairments (netem). Options are kept as printed: each kind has its own.
import { z } from 'zod';
import { parseJson } from './check';

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
