// Kernel names and ownership marks, derived deterministically from the lab and node/link ids.
// Interface names are at most 15 bytes; namespace names are global, so they carry the lab id.

export const MARK_PREFIX = 'nslab:';

/** The namespace of a lab's namespace node: `<lab>-<node>`, e.g. seed-A. */
export function netnsName(lab: string, nodeId: string): string {
  return `${lab}-${nodeId}`;
}

/** Mark written as the alias of `lo` in every namespace nslab creates. */
export function netnsMark(lab: string, nodeId: string): string {
  return `${MARK_PREFIX}${lab}:ns:${nodeId}`;
}

/** Mark written as the alias of both ends of a veth pair and of a bridge. */
export function linkMark(lab: string, linkId: string): string {
  return `${MARK_PREFIX}${lab}:link:${linkId}`;
}

export function bridgeMark(lab: string, nodeId: string): string {
  return `${MARK_PREFIX}${lab}:bridge:${nodeId}`;
}

/** The lab a mark belongs to, or null when it is not an nslab mark. */
export function markLab(mark: string | null | undefined): string | null {
  if (!mark || !mark.startsWith(MARK_PREFIX)) return null;
  const lab = mark.slice(MARK_PREFIX.length).split(':')[0];
  return lab || null;
}

/** One nft table per lab (family ip): `nslab_<lab>` with '-' as '_'. */
export function natTable(lab: string): string {
  return `nslab_${lab.replace(/-/g, '_')}`;
}

/**
 * The interface group of a lab's links (`ip link add … group N`): the one mark the kernel sets
 * in the same step as it creates a bridge or a veth pair (the alias is a second step), so a
 * link nslab was creating when it was killed is still provably its own. 0x6e5lab: the high byte
 * 0x6e ('n') keeps clear of the small numbers people give groups by hand.
 */
export function labGroup(lab: string): number {
  return 0x6e000000 + (fnv1a(lab) & 0x00ffffff);
}

/** 32-bit FNV-1a, as 7 base-36 characters: short, stable names for long combinations. */
export function shortHash(text: string): string {
  return fnv1a(text).toString(36).padStart(7, '0');
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Comment written on a lab's nft table, so a sweep can tell its tables from anyone else's. */
export function natMark(lab: string): string {
  return `${MARK_PREFIX}${lab}:nat`;
}
