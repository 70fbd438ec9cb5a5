// The inspector's edits of a link's netem (lib/netem.ts): one field at a time, on the link (both
// ends) or on one end only. A block left with no field is removed, so clearing every field
// removes the impairment (and an end's own block, so the end follows the link again).
import type { Netem, NetemField } from '../netem';
import type { Link, Topology } from '../topology';

/** Sets (or clears, with '') one netem field of link `index`: on the link when `side` is null, else on that end. */
export function setNetemField(t: Topology, index: number, side: 'a' | 'b' | null, field: NetemField, value: string): Topology {
  const links = t.links.map((l, i): Link => {
    if (i !== index) return l;
    const owner = side ? l[side] : l;
    const next: Netem = { ...(owner.netem ?? {}) };
    if (value.trim()) next[field] = value.trim();
    else delete next[field];
    const withNetem = <T extends { netem?: Netem | undefined }>(o: T): T => {
      const { netem: _old, ...rest } = o;
      return (Object.keys(next).length ? { ...rest, netem: next } : rest) as T;
    };
    return side ? { ...l, [side]: withNetem(l[side]) } : withNetem(l);
  });
  return { ...t, links };
}
