// Where a tool runs: a lab's node -> its kernel namespace ('' = this machine's own), checked so a
// student gets "apply the lab first" rather than a raw `ip` error.
import { existsSync } from 'node:fs';
import { nodeNamespace } from '@/lib/compile';
import { NslabError } from '@/lib/errors';
import type { Topology } from '@/lib/topology';
import { HOST_ID } from '@/lib/topology';
import type { LabsService } from '@/server/labs/types';

export interface NodeContext {
  lab: string;
  node: string;
  ns: string;
  topology: Topology;
  hostNs: string;
}

/** The namespace of `node` in `lab`; throws not_found for an unknown node or a missing namespace. */
export function nodeContext(labs: LabsService, lab: string, node: string): NodeContext {
  const record = labs.get(lab);
  const ns = nodeNamespace(record.topology, node, record.hostNetns);
  if (ns === undefined) {
    const ids = [HOST_ID, ...record.topology.nodes.map((n) => n.id)].join(', ');
    throw new NslabError('not_found', `lab "${lab}" has no node "${node}"; its nodes are ${ids}`);
  }
  if (ns !== '' && !namespaceExists(ns)) {
    throw new NslabError('not_found', `node "${node}" has no namespace yet ("${ns}" does not exist): apply lab "${lab}" first`);
  }
  return { lab, node, ns, topology: record.topology, hostNs: record.hostNetns };
}

export function namespaceExists(ns: string): boolean {
  return existsSync(`/run/netns/${ns}`);
}

/**
 * argv that runs `argv` inside `ns`, the way a student types it ('' = right here): what the tools
 * show. What they run is confined (server/kernel/confine.ts).
 */
export function inNamespace(ns: string, argv: string[]): string[] {
  return ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv;
}
