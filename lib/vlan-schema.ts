// The topology's VLAN fields (issue 13): a bridge's `vlanFiltering`, a bridge port's access VLAN
// (`vlan`) or trunk (`vlans`), and a namespace interface's 802.1Q sub-interfaces
// (`subinterfaces`, each named `<parent>.<vid>`). Zod pieces only: lib/topology.ts puts them in
// its schemas, lib/vlan.ts holds their rules, compile and plan.
import { z } from 'zod';

export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;

/**
 * A VLAN sub-interface's name: `<parent>.<vid>`, the parent an ordinary interface name, at most
 * 15 bytes in all. The only interface names with a '.'; no `ip` keyword has one.
 */
export const VLAN_IFACE_NAME = /^([A-Za-z][A-Za-z0-9_-]{0,12})\.([1-9][0-9]{0,3})$/;

export const vlanIdSchema = z
  .number({ error: (iss) => `VLAN id ${JSON.stringify(iss.input)} must be a number from ${VLAN_MIN} to ${VLAN_MAX}` })
  .refine((v) => Number.isInteger(v) && v >= VLAN_MIN && v <= VLAN_MAX, {
    error: (iss) => `VLAN id ${JSON.stringify(iss.input)} is not valid: use a whole number from ${VLAN_MIN} to ${VLAN_MAX}`,
  });

/** A trunk's VLANs: at least one, each once. */
export const vlanListSchema = z
  .array(vlanIdSchema, { error: 'vlans must be a list of VLAN ids, like [10, 20]' })
  .min(1, { error: 'a trunk needs at least one VLAN id (or leave vlans out)' })
  .superRefine((list, ctx) => {
    const seen = new Set<number>();
    list.forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [i], message: `VLAN ${v} is listed twice` });
      seen.add(v);
    });
  });

/** One 802.1Q sub-interface of a namespace interface; `addresses` is the lab's address schema. */
export function subinterfaceSchema<A extends z.ZodType>(address: A) {
  return z.strictObject({
    vlan: vlanIdSchema,
    addresses: z.array(address).optional(),
  });
}

/** The name of the sub-interface of `parent` for VLAN `vid`. */
export function subinterfaceName(parent: string, vid: number): string {
  return `${parent}.${vid}`;
}
