// The shape of an operation (lib/ops.ts) as zod, for operations read back from storage (the
// apply journal): a row that is not an operation is refused, never handed to recovery.
import { z } from 'zod';
import { FORWARDING6_KEY, FORWARDING_KEY, type Op } from './ops';

const ns = z.string();
const name = z.string();
const route = z.strictObject({ dst: z.string(), via: z.string().optional(), dev: z.string().optional() });
const rule = z.strictObject({ source: z.string(), out: z.string() });
const count = z.number().finite().nonnegative();
const netem = z.strictObject({ delay: count, jitter: count, loss: count, duplicate: count, corrupt: count, rate: count });

export const opSchema: z.ZodType<Op> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('netns.add'), ns, mark: z.string() }),
  z.strictObject({ type: z.literal('netns.del'), ns }),
  z.strictObject({ type: z.literal('userns.del'), ns }),
  z.strictObject({ type: z.literal('bridge.add'), ns, name, mark: z.string() }),
  z.strictObject({ type: z.literal('veth.add'), ns, name, peerNs: ns, peerName: name, mark: z.string() }),
  z.strictObject({ type: z.literal('link.del'), ns, name }),
  z.strictObject({ type: z.literal('link.set'), ns, name, up: z.boolean().optional(), master: z.string().nullable().optional(), mark: z.string().optional() }),
  z.strictObject({ type: z.literal('addr.add'), ns, dev: z.string(), cidr: z.string() }),
  z.strictObject({ type: z.literal('addr.del'), ns, dev: z.string(), cidr: z.string() }),
  z.strictObject({ type: z.literal('route.add'), ns, route }),
  z.strictObject({ type: z.literal('route.replace'), ns, route }),
  z.strictObject({ type: z.literal('route.del'), ns, route }),
  z.strictObject({ type: z.literal('sysctl.set'), ns, key: z.enum([FORWARDING_KEY, FORWARDING6_KEY]), value: z.enum(['0', '1']) }),
  z.strictObject({ type: z.literal('nft.load'), ns, table: z.string(), rules: z.array(rule), mark: z.string() }),
  z.strictObject({ type: z.literal('nft.del'), ns, table: z.string() }),
  z.strictObject({ type: z.literal('netem.set'), ns, dev: z.string(), netem, reset: z.literal(true).optional() }),
  z.strictObject({ type: z.literal('netem.del'), ns, dev: z.string() }),
  z.strictObject({ type: z.literal('bridge.vlanFiltering'), ns, name, on: z.boolean() }),
  z.strictObject({ type: z.literal('bridge.vlan.add'), ns, dev: z.string(), member: z.strictObject({ vid: z.number().int(), pvid: z.literal(true).optional(), untagged: z.literal(true).optional() }) }),
  z.strictObject({ type: z.literal('bridge.vlan.del'), ns, dev: z.string(), vid: z.number().int() }),
  z.strictObject({ type: z.literal('vlan.add'), ns, name, parent: name, id: z.number().int(), mark: z.string() }),
]);
