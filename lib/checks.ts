// Checks: a small declarative vocabulary of facts about a lab that the real kernel can confirm
// (server/checks/ runs them, confined to the node's namespace). Lessons list them per step; the
// dashboard and `nslab check` show each result with its evidence: the command, as a student
// would type it, and what it printed. Pure: the schemas, the types and the words for each check.
import { z } from 'zod';
import { destinationSchema, ifaceSchema, ipSchema, ipv4CidrSchema } from './topology';
import { ipv4Number } from './addr';

/** A node id of the lab, or "host" (the host context). */
const nodeRef = z
  .string({ error: 'node must be a node id (or "host")' })
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,14}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a node id` });
/** A node id (its addresses) or a dotted IPv4 address. */
const targetRef = z
  .string({ error: 'target must be a node id or an IPv4 address' })
  .refine((v) => ipv4Number(v) !== null || /^[A-Za-z][A-Za-z0-9_-]{0,14}$/.test(v), {
    error: (iss) => `${JSON.stringify(iss.input)} is neither a node id nor an IPv4 address like 10.0.0.3`,
  });

export const reachCheckSchema = z.strictObject({ from: nodeRef, to: targetRef });
export const routeCheckSchema = z.strictObject({ node: nodeRef, to: destinationSchema, via: ipSchema.optional(), dev: ifaceSchema.optional() });
export const neighCheckSchema = z.strictObject({ node: nodeRef, address: ipSchema });
export const linkCheckSchema = z.strictObject({ node: nodeRef, iface: ifaceSchema, state: z.enum(['UP', 'DOWN'], { error: 'state must be UP or DOWN' }).default('UP') });
export const addrCheckSchema = z.strictObject({ node: nodeRef, iface: ifaceSchema, address: ipv4CidrSchema });
export const forwardingCheckSchema = z.strictObject({ node: nodeRef.default('host'), enabled: z.boolean({ error: 'enabled must be true or false' }).default(true) });
/**
 * The lab's masquerade counter in `node` (default the host): with `from` and `to`, a ping from
 * `from` to `to` must make it go up; without, it must be above zero.
 */
export const natUsedCheckSchema = z
  .strictObject({ node: nodeRef.default('host'), from: nodeRef.optional(), to: targetRef.optional() })
  .refine((v) => (v.from === undefined) === (v.to === undefined), { error: 'give both from and to (a ping through the NAT), or neither' });
/** A node's namespace (or a bridge), or with `iface` an interface of the node. */
export const existsCheckSchema = z.strictObject({ node: nodeRef, iface: ifaceSchema.optional() });

export const CHECK_KINDS = ['reach', 'no-reach', 'route', 'neigh', 'link', 'addr', 'forwarding', 'nat-used', 'exists'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

const shapes = {
  reach: reachCheckSchema,
  'no-reach': reachCheckSchema,
  route: routeCheckSchema,
  neigh: neighCheckSchema,
  link: linkCheckSchema,
  addr: addrCheckSchema,
  forwarding: forwardingCheckSchema,
  'nat-used': natUsedCheckSchema,
  exists: existsCheckSchema,
} as const satisfies Record<CheckKind, z.ZodType>;

/** One check as a file writes it: a mapping with exactly one of the kinds, e.g. `{ reach: { from: A, to: B } }`. */
export const checkSchema = z
  .strictObject({
    reach: shapes.reach.optional(),
    'no-reach': shapes['no-reach'].optional(),
    route: shapes.route.optional(),
    neigh: shapes.neigh.optional(),
    link: shapes.link.optional(),
    addr: shapes.addr.optional(),
    forwarding: shapes.forwarding.optional(),
    'nat-used': shapes['nat-used'].optional(),
    exists: shapes.exists.optional(),
  }, { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown check ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}; a check is one of ${CHECK_KINDS.join(', ')}` : iss.code === 'invalid_type' ? `a check must be a mapping with one of ${CHECK_KINDS.join(', ')}` : undefined) })
  .superRefine((v, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => v[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: kinds.length ? `a check has exactly one kind; this one has ${kinds.join(' and ')}` : `a check needs one of ${CHECK_KINDS.join(', ')}` });
    }
  });

export type CheckInput = z.input<typeof checkSchema>;
type Written = z.output<typeof checkSchema>;

/** A check as the runner sees it: its kind and its fields. */
export type Check =
  | { kind: 'reach' | 'no-reach'; from: string; to: string }
  | { kind: 'route'; node: string; to: string; via?: string; dev?: string }
  | { kind: 'neigh'; node: string; address: string }
  | { kind: 'link'; node: string; iface: string; state: 'UP' | 'DOWN' }
  | { kind: 'addr'; node: string; iface: string; address: string }
  | { kind: 'forwarding'; node: string; enabled: boolean }
  | { kind: 'nat-used'; node: string; from?: string; to?: string }
  | { kind: 'exists'; node: string; iface?: string };

/** A written check (one key) as its kind and fields. */
export function toCheck(w: Written): Check {
  for (const kind of CHECK_KINDS) {
    const body = w[kind];
    if (body !== undefined) return { kind, ...body } as Check;
  }
  throw new Error('a check without a kind passed the schema');
}

/** Parses one written check (throws on a bad one: use checkSchema.safeParse for messages). */
export function parseCheck(value: unknown): Check {
  return toCheck(checkSchema.parse(value));
}

/** The nodes a check names (to check they exist in the lab). */
export function nodesOf(c: Check): { field: string; node: string }[] {
  switch (c.kind) {
    case 'reach':
    case 'no-reach':
      return [{ field: 'from', node: c.from }, ...(isAddress(c.to) ? [] : [{ field: 'to', node: c.to }])];
    case 'nat-used':
      return [{ field: 'node', node: c.node }, ...(c.from ? [{ field: 'from', node: c.from }] : []), ...(c.to && !isAddress(c.to) ? [{ field: 'to', node: c.to }] : [])];
    default:
      return [{ field: 'node', node: c.node }];
  }
}

export function isAddress(target: string): boolean {
  return ipv4Number(target) !== null;
}

/** The check in words, e.g. "A reaches B", "route in A: default via 10.0.0.1". */
export function checkTitle(c: Check): string {
  switch (c.kind) {
    case 'reach':
      return `${c.from} reaches ${c.to}`;
    case 'no-reach':
      return `${c.from} does not reach ${c.to}`;
    case 'route':
      return `${c.node} has a route to ${c.to}${c.via ? ` via ${c.via}` : ''}${c.dev ? ` dev ${c.dev}` : ''}`;
    case 'neigh':
      return `${c.node} knows the MAC address of ${c.address} (ARP)`;
    case 'link':
      return `${c.node}: ${c.iface} is ${c.state}`;
    case 'addr':
      return `${c.node}: ${c.iface} has ${c.address}`;
    case 'forwarding':
      return `${c.node} ${c.enabled ? 'forwards' : 'does not forward'} IPv4 packets`;
    case 'nat-used':
      return c.from ? `${c.node} masquerades a ping from ${c.from} to ${c.to}` : `${c.node}'s masquerade rule has been used`;
    case 'exists':
      return c.iface ? `${c.node} has an interface ${c.iface}` : `${c.node} exists`;
  }
}

/** One command a check ran, as a student would type it, and what it printed. */
export interface Evidence {
  argv: string[];
  exitCode: number;
  output: string;
}

export interface CheckResult {
  kind: CheckKind;
  title: string;
  ok: boolean;
  /** why, in one sentence: what was found */
  detail: string;
  evidence: Evidence[];
}
