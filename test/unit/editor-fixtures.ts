// The seed tutorial lab as the editor sees it, for the lib/editor unit tests.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Topology } from '@/lib/topology';

export function seed(): Topology {
  return parse(readFileSync('examples/seed.yaml', 'utf8')) as Topology;
}

/** An empty lab: only the implicit host. */
export function empty(name = 'blank'): Topology {
  return { name, nodes: [], links: [] } as unknown as Topology;
}
