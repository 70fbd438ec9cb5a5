// The kernel's networking as nslab models it. `compile(topology)` produces the desired one,
// the observer (server/observer) reads the observed one, and `plan` diffs the two.
// Namespace key '' is the machine's own (root) namespace.

import type { KNetem } from './netem';

export type LinkKind = 'veth' | 'bridge' | 'vlan' | 'loopback' | 'other';

/** A bridge port's membership of one VLAN (`bridge vlan`): pvid = untagged frames in, untagged = out untagged. */
export interface KVlanMember {
  vid: number;
  pvid?: true;
  untagged?: true;
}

export interface KLink {
  name: string;
  kind: LinkKind;
  /** the ownership mark (ifalias), e.g. nslab:seed:link:A-br0; null on foreign links */
  mark: string | null;
  /** administratively up (the UP flag) */
  up: boolean;
  /** the bridge this link is a port of, by name, in the same namespace */
  master: string | null;
  /**
   * addresses with prefix ("10.0.0.2/24", "2001:db8::2/64"), IPv4 first, sorted; kernel-made ones
   * (127.0.0.1/8 and ::1 on lo, IPv6 link-local) are left out
   */
  addresses: string[];
  /** veth only: the other end. Desired: always set. Observed: set when the peer is found. */
  peer?: { ns: string; name: string };
  /** the netem qdisc at its root (lib/netem.ts); absent when there is none (observed: when the root is another qdisc) */
  netem?: KNetem;
  // VLANs (lib/vlan.ts); absent when not in use:
  /** a bridge: VLAN filtering on (only ever set to true) */
  vlanFiltering?: true;
  /** a port of a VLAN-filtering bridge: its VLANs, by vid */
  vlans?: KVlanMember[];
  /** a VLAN sub-interface (kind vlan): its parent interface and VLAN id */
  vlan?: { parent: string; id: number };
  /** desired only: an existing unmarked link of this name and kind is taken over, not a conflict */
  adopt?: boolean;
  // Observed only:
  /** the interface group; nslab's links carry their lab's (lib/names.ts labGroup) from creation */
  group?: number;
  ifindex?: number;
  /** operational state as the kernel says it: UP, DOWN, LOWERLAYERDOWN, UNKNOWN */
  oper?: string;
  mac?: string;
  mtu?: number;
  stats?: { rxPackets: number; txPackets: number; rxBytes: number; txBytes: number };
}

export interface KRoute {
  /** 'default' (IPv4), '::/0' (the IPv6 default) or a network prefix like 10.1.0.0/24, 2001:db8:1::/64 */
  dst: string;
  via?: string;
  dev?: string;
}

export interface KNatRule {
  source: string;
  out: string;
}

export interface KNat {
  /** nft table (family ip) holding this lab's NAT in this namespace */
  table: string;
  rules: KNatRule[];
  /** observed only: the table's comment, nslab's ownership mark (null on a table nslab did not make) */
  mark?: string | null;
}

export interface KNamespace {
  /** '' for the machine's own namespace */
  name: string;
  /** mark on this namespace's `lo` alias; null when foreign (or the machine's own namespace) */
  mark: string | null;
  /** nslab creates (and may delete) this namespace; false for the machine's own namespace */
  owned: boolean;
  /** links by name */
  links: Record<string, KLink>;
  /** static routes (kernel-made connected routes are left out) */
  routes: KRoute[];
  /** net.ipv4.ip_forward of this namespace */
  forwarding: boolean;
  /**
   * net.ipv6.conf.all.forwarding. Observed: always read. Desired: set in namespaces nslab owns,
   * absent in the machine's own (never changed there)
   */
  forwarding6?: boolean;
  /** this lab's nft NAT table here, if any */
  nat: KNat | null;
  /** desired only: an existing unmarked namespace of this name is taken over (marked), not a conflict */
  adopt?: boolean;
}

export interface KernelState {
  namespaces: Record<string, KNamespace>;
  /** net.ipv4.ip_forward that a namespace gets when it is created (copied from the init namespace); unknown when absent */
  newNamespaceForwarding?: boolean;
}

export function emptyState(): KernelState {
  return { namespaces: {} };
}
