// The shapes nslab reads from `ip -j` (iproute2 6.1): links and addresses (`link`/`addr show`,
// with -d for linkinfo and -s for counters), routes, netconf, neighbours and namespace ids.
// Only the fields nslab uses are declared; everything else the tool prints is ignored.
import { z } from 'zod';
import { parseJson } from './check';

const count = z.number().nonnegative();
const counters = z.object({ bytes: count.optional(), packets: count.optional() });

export const IpLink = z.object({
  ifindex: z.number().int(),
  ifname: z.string().min(1),
  flags: z.array(z.string()).optional(),
  mtu: z.number().int().optional(),
  operstate: z.string().optional(),
  master: z.string().optional(),
  link_type: z.string().optional(),
  address: z.string().optional(),
  ifalias: z.string().optional(),
  /** "default", a name from /etc/iproute2/group, or the number (printed as a string) */
  group: z.union([z.string(), z.number()]).optional(),
  /** the peer's ifindex (veth), in the namespace `link_netnsid` names when it is elsewhere */
  link_index: z.number().int().optional(),
  link_netnsid: z.number().int().optional(),
  /** the parent's name (a VLAN's; a veth's peer in the same namespace); null: none */
  link: z.string().nullish(),
  linkinfo: z
    .object({
      info_kind: z.string().optional(),
      /** kind-specific: a vlan's `id`, a bridge's `vlan_filtering` (other kinds print other fields) */
      info_data: z.object({ id: z.unknown().optional(), vlan_filtering: z.unknown().optional() }).optional(),
    })
    .optional(),
  addr_info: z.array(z.object({ family: z.string().optional(), local: z.string().optional(), prefixlen: z.number().int().optional(), scope: z.string().optional() })).optional(),
  stats64: z.object({ rx: counters.optional(), tx: counters.optional() }).optional(),
});

export const IpRoute = z.object({
  /** 'default', a prefix, or a host address without /32 */
  dst: z.string().min(1),
  type: z.string().optional(),
  gateway: z.string().optional(),
  dev: z.string().optional(),
  protocol: z.string().optional(),
  table: z.string().optional(),
  metric: z.number().optional(),
  flags: z.array(z.string()).optional(),
  /** IPv6 routes only (the kernel always gives them a router preference): how a family-less `default` is told apart */
  pref: z.string().optional(),
});

export const IpNetconf = z.object({
  family: z.string().optional(),
  interface: z.string().optional(),
  forwarding: z.boolean().optional(),
});

export const IpNeigh = z.object({
  dst: z.string().min(1),
  dev: z.string().optional(),
  lladdr: z.string().optional(),
  state: z.array(z.string()).optional(),
});

/** `ip -j netns list-id`: the ids this namespace gave its peers (name only for those in /run/netns). */
export const IpNsid = z.object({ nsid: z.number().int(), name: z.string().optional() });

// One-command readers: `command` names what ran, for the error. Empty output reads as [].
export const parseIpLinks = (command: string, text: string) => parseJson(command, text, IpLinks, []);
export const parseIpRoutes = (command: string, text: string) => parseJson(command, text, IpRoutes, []);
export const parseIpNetconf = (command: string, text: string) => parseJson(command, text, IpNetconfs, []);
export const parseIpNeighs = (command: string, text: string) => parseJson(command, text, IpNeighs, []);
export const parseIpNsids = (command: string, text: string) => parseJson(command, text, IpNsids, []);

// What each schema reads, and the lists `ip -j` prints of them.
export type IpLink = z.output<typeof IpLink>;
export type IpRoute = z.output<typeof IpRoute>;
export type IpNetconf = z.output<typeof IpNetconf>;
export type IpNeigh = z.output<typeof IpNeigh>;
export type IpNsid = z.output<typeof IpNsid>;
export const IpLinks = z.array(IpLink);
export const IpRoutes = z.array(IpRoute);
export const IpNetconfs = z.array(IpNetconf);
export const IpNeighs = z.array(IpNeigh);
export const IpNsids = z.array(IpNsid);
