// `bridge -j vlan show` (iproute2 6.1): the VLANs of each bridge port (and of each bridge itself),
// for VLAN filtering (lib/vlan.ts). A vid range (`vlanEnd`, printed with -c) is read as its vids.
import { z } from 'zod';
import type { KLink, KVlanMember } from '@/lib/kernel-state';
import { parseJson } from './check';

export const BridgeVlanPort = z.object({
  ifname: z.string().min(1),
  vlans: z
    .array(
      z.object({
        vlan: z.number().int().min(1).max(4094),
        vlanEnd: z.number().int().min(1).max(4094).optional(),
        /** "PVID", "Egress Untagged" */
        flags: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type BridgeVlanPort = z.output<typeof BridgeVlanPort>;
export const BridgeVlanPorts = z.array(BridgeVlanPort);

/** Empty output (no bridge ports) reads as []. */
export const parseBridgeVlans = (command: string, text: string) => parseJson(command, text, BridgeVlanPorts, []);

/** Each interface's VLANs, by vid. */
export function membershipsFrom(ports: BridgeVlanPort[]): Map<string, KVlanMember[]> {
  const out = new Map<string, KVlanMember[]>();
  for (const p of ports) {
    const list: KVlanMember[] = [];
    for (const v of p.vlans ?? []) {
      const flags = v.flags ?? [];
      for (let vid = v.vlan; vid <= (v.vlanEnd ?? v.vlan); vid++) {
        list.push({ vid, ...(flags.includes('PVID') ? { pvid: true as const } : {}), ...(flags.includes('Egress Untagged') ? { untagged: true as const } : {}) });
      }
    }
    out.set(p.ifname, list.sort((a, b) => a.vid - b.vid));
  }
  return out;
}

/** Sets `vlans` on every port of a VLAN-filtering bridge among `links` (none: a member of no VLAN). */
export function attachMemberships(links: Record<string, KLink>, members: Map<string, KVlanMember[]>): void {
  const filtering = new Set(Object.values(links).filter((l) => l.kind === 'bridge' && l.vlanFiltering).map((l) => l.name));
  for (const l of Object.values(links)) if (l.master && filtering.has(l.master)) l.vlans = members.get(l.name) ?? [];
}

/** Whether a namespace's links hold a VLAN-filtering bridge (its ports' VLANs are then read). */
export function hasFilteringBridge(links: Record<string, KLink>): boolean {
  return Object.values(links).some((l) => l.kind === 'bridge' && l.vlanFiltering === true);
}
