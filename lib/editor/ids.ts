// Stable ids for links on the canvas: the link's own id, or the one normalizeLinks gives it.
import type { Topology } from '../topology';
import { normalizeLinks } from '../model';

export function linkIds(t: Topology): string[] {
  return normalizeLinks(t).map((l) => l.id);
}

export function linkIndexOf(t: Topology, edgeId: string): number {
  return linkIds(t).indexOf(edgeId);
}
