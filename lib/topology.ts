// The topology: the lab a user draws (desired state), as one document.
// The same zod schema checks files, socket payloads and editor forms.
import { z } from 'zod';
import { familyOf, ipv4Number, parseCidr, parseCidr6 } from './addr';
import { runSchema } from './services';
import { netemSchema } from './netem';
import { subinterfaceSchema, VLAN_IFACE_NAME, vlanIdSchema, vlanListSchema } from './vlan-schema';

/** Lab ids become part of namespace names and nft table names. */
export const LAB_NAME = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
/** Node ids: bridges become interface names, so they obey the interface-name rules too. */
export const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,14}$/;
/** Interface names: 1-15 bytes from an allow-list (no '/', spaces, ':', '%', '.'). */
export const IFACE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,14}$/;
/** Namespace names chosen by the user (the isolated host). */
export const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Words that `ip` reads as keywords; refused as names so a command line never reads oddly. */
export const RESERVED_NAMES = new Set([
  'lo', 'all', 'any', 'default', 'dev', 'name', 'help', 'up', 'down', 'type', 'link', 'none',
]);

export const HOST_ID = 'host';

const name = (what: string, re: RegExp, rule: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(re, { error: (iss) => `${what} ${JSON.stringify(iss.input)} is not valid: ${rule}` })
    .refine((v) => !RESERVED_NAMES.has(v.toLowerCase()), {
      error: (iss) => `${what} ${JSON.stringify(iss.input)} is reserved by ip; choose another`,
    });

export const labNameSchema = z
  .string({ error: 'lab name must be a string' })
  .regex(LAB_NAME, {
    error: (iss) =>
      `lab name ${JSON.stringify(iss.input)} is not valid: use 1-24 of a-z, 0-9 and '-', starting and ending with a letter or digit`,
  });

export const nodeIdSchema = name('node id', NODE_ID, "1-15 of A-Z a-z 0-9 '_' '-', starting with a letter");
export const ifaceSchema = name('interface name', IFACE_NAME, "1-15 of A-Z a-z 0-9 '_' '-', starting with a letter");
/** Where a route or NAT names an interface: an interface, or a VLAN sub-interface (`eth0.10`). */
export const devSchema = z.string({ error: 'interface name must be a string' }).superRefine((v, ctx) => {
  if (VLAN_IFACE_NAME.test(v)) return;
  const r = ifaceSchema.safeParse(v);
  if (!r.success) ctx.addIssue({ code: 'custom', message: `${r.error.issues[0]?.message ?? 'not valid'} (or a VLAN sub-interface like eth0.10)` });
});
export const netnsNameSchema = z
  .string()
  .regex(NETNS_NAME, {
    error: (iss) =>
      `namespace name ${JSON.stringify(iss.input)} is not valid: 1-64 of A-Z a-z 0-9 '_' '-', starting with a letter or digit`,
  });

/** An address with prefix of either family (IPv4 10.0.0.2/24, IPv6 2001:db8::2/64). */
export const cidrSchema = z.string({ error: 'address must be a string like 10.0.0.2/24 or 2001:db8::2/64' }).refine(
  (v) => parseCidr(v) !== null || parseCidr6(v) !== null,
  { error: (iss) => `${JSON.stringify(iss.input)} is not an address with prefix, like 10.0.0.2/24 or 2001:db8::2/64` },
);
/** An IPv4 address with prefix only; `why` ends the message (NAT is IPv4's). */
const ipv4Cidr = (why = '') =>
  z.string({ error: 'address must be a string like 10.0.0.0/24' }).refine((v) => parseCidr(v) !== null, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address with prefix, like 10.0.0.0/24${why}`,
  });
export const ipv4CidrSchema = ipv4Cidr();
export const ipSchema = z.string({ error: 'gateway must be a string like 10.0.0.1' }).refine(
  (v) => ipv4Number(v) !== null,
  { error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address like 10.0.0.1` },
);
/** A gateway of either family. */
export const gatewaySchema = z.string({ error: 'gateway must be a string like 10.0.0.1 or 2001:db8::1' }).refine(
  (v) => familyOf(v) !== null,
  { error: (iss) => `${JSON.stringify(iss.input)} is not an address like 10.0.0.1 or 2001:db8::1` },
);
/** A route destination: `default` or a network prefix like 192.168.5.0/24 or 2001:db8:5::/64. */
export const destinationSchema = z.string().refine((v) => v === 'default' || parseCidr(v) !== null || parseCidr6(v) !== null, {
  error: (iss) => `route destination ${JSON.stringify(iss.input)} must be "default" or a prefix like 10.1.0.0/24 or 2001:db8:1::/64`,
});

export const routeSchema = z.strictObject({
  to: destinationSchema,
  /** the gateway; its family says which default route `default` is (an IPv6 default on a device alone: `::/0`) */
  via: gatewaySchema.optional(),
  dev: devSchema.optional(),
});

export const natSchema = z.strictObject({
  /** the source prefix to masquerade, e.g. 10.0.0.0/24 */
  source: ipv4Cidr(' (NAT is IPv4 only)'),
  /** the interface of this node the traffic leaves through */
  out: devSchema,
});

const nodeCommon = {
  id: nodeIdSchema,
  label: z.string().max(64).optional(),
};

export const namespaceNodeSchema = z.strictObject({
  ...nodeCommon,
  kind: z.literal('namespace'),
  /**
   * how the canvas draws it ("machine" = another machine reached through NAT); a "router"
   * forwards (IPv4 and IPv6) unless `forwarding: false`
   */
  role: z.enum(['namespace', 'router', 'machine']).optional(),
  /** the kernel namespace this node is (default `<lab>-<id>`); adopted labs keep the names they found */
  netns: netnsNameSchema.optional(),
  /** forwards packets between its interfaces: IPv4 and IPv6 (default: on for a router) */
  forwarding: z.boolean().optional(),
  routes: z.array(routeSchema).optional(),
  nat: z.array(natSchema).optional(),
  /** services: command lines run in this namespace once the lab is up (lib/services.ts) */
  run: runSchema.optional(),
});

/** Whether a namespace node forwards: `forwarding` when set, else on for `role: router`. */
export function forwards(n: { forwarding?: boolean | undefined; role?: string | undefined }): boolean {
  return n.forwarding ?? n.role === 'router';
}

export const bridgeNodeSchema = z.strictObject({
  ...nodeCommon,
  kind: z.literal('bridge'),
  /** host addresses on the bridge ("give Bridge_0 an IP") */
  addresses: z.array(cidrSchema).optional(),
  /** VLAN filtering (lib/vlan.ts); on by default when a port has `vlan` or `vlans` */
  vlanFiltering: z.boolean().optional(),
});

export const nodeSchema = z.discriminatedUnion('kind', [namespaceNodeSchema, bridgeNodeSchema], {
  error: (iss) =>
    iss.code === 'invalid_union' ? 'node kind must be "namespace" or "bridge"' : undefined,
});

export const endpointSchema = z.strictObject({
  /** a node id, or "host" */
  node: z.string({ error: 'endpoint node must be a node id' }),
  /** interface name in that node; optional on a bridge (nslab names the port) */
  iface: ifaceSchema.optional(),
  addresses: z.array(cidrSchema).optional(),
  /** impairments of this end only (lib/netem.ts); replaces the link's netem for this end */
  netem: netemSchema.optional(),
  // VLANs (lib/vlan.ts): a bridge port's access VLAN or trunk; a namespace interface's sub-interfaces
  vlan: vlanIdSchema.optional(),
  vlans: vlanListSchema.optional(),
  subinterfaces: z.array(subinterfaceSchema(cidrSchema)).optional(),
});

export const linkSchema = z.strictObject({
  id: nodeIdSchema.optional(),
  a: endpointSchema,
  b: endpointSchema,
  /** impairments of both ends (tc qdisc … netem), lib/netem.ts */
  netem: netemSchema.optional(),
});

export const hostSchema = z.strictObject({
  /** empty: this machine's own namespace; a name: an isolated host namespace nslab creates and owns */
  netns: z.union([z.literal(''), netnsNameSchema]).optional(),
  /**
   * forwarding: IPv4 (ip_forward) and, in an isolated host, IPv6 too; IPv6 forwarding of this
   * machine's own namespace is never changed (it would stop its interfaces taking router adverts)
   */
  forwarding: z.boolean().optional(),
  routes: z.array(routeSchema).optional(),
  nat: z.array(natSchema).optional(),
});

export const positionSchema = z.strictObject({
  x: z.number().finite(),
  y: z.number().finite(),
  color: z.string().max(32).optional(),
  note: z.string().max(500).optional(),
});

export const layoutSchema = z.strictObject({
  nodes: z.record(z.string(), positionSchema).optional(),
});

export const topologySchema = z.strictObject({
  name: labNameSchema,
  description: z.string().max(2000).optional(),
  host: hostSchema.optional(),
  /**
   * made from what the kernel had (nslab adopt): namespaces, bridges and veths of this lab that
   * exist without any nslab mark are taken over (marked on apply) instead of being conflicts
   */
  adopt: z.boolean().optional(),
  nodes: z.array(nodeSchema).default([]),
  links: z.array(linkSchema).default([]),
  /** cosmetic: never reaches the kernel */
  layout: layoutSchema.optional(),
});

export type Route = z.infer<typeof routeSchema>;
export type Nat = z.infer<typeof natSchema>;
export type NamespaceNode = z.infer<typeof namespaceNodeSchema>;
export type BridgeNode = z.infer<typeof bridgeNodeSchema>;
export type TopologyNode = z.infer<typeof nodeSchema>;
export type Endpoint = z.infer<typeof endpointSchema>;
export type Link = z.infer<typeof linkSchema>;
export type HostConfig = z.infer<typeof hostSchema>;
export type Layout = z.infer<typeof layoutSchema>;
export type Topology = z.infer<typeof topologySchema>;
/** What a user writes: defaults not yet applied. */
export type TopologyInput = z.input<typeof topologySchema>;
