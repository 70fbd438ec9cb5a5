// Live NAT counters: each masquerade rule of a lab carries an nft `counter` (lib/ops.ts
// nftScript); this reads them from the lab's own table (`nft list table ip nslab_<lab>`, where the
// rule lives: the host context, or a namespace node with NAT) for the host node's badge on the
// canvas. The rates broadcaster asks for them while traffic flows on the lab, and now and then.
import { nodeNamespace } from '@/lib/compile';
import { natTable } from '@/lib/names';
import type { LabNatCounters } from '@/lib/packets';
import { HOST_ID, type Topology } from '@/lib/topology';
import { inParallel, runFrequentRead } from '@/server/kernel/exec';
import { natCountersFromText } from '@/server/kernel/read';

/** The nodes with NAT rules and their namespaces ('' = this machine's own). */
export function natNodes(topology: Topology, hostNetns: string): { node: string; ns: string }[] {
  const out: { node: string; ns: string }[] = [];
  if (topology.host?.nat?.length) out.push({ node: HOST_ID, ns: hostNetns });
  for (const n of topology.nodes) {
    if (n.kind === 'namespace' && n.nat?.length) {
      const ns = nodeNamespace(topology, n.id, hostNetns);
      if (ns !== undefined) out.push({ node: n.id, ns });
    }
  }
  return out;
}

/** Reads the counters; a node whose table is not there (yet) is left out. */
export async function readNatCounters(lab: string, topology: Topology, hostNetns: string): Promise<LabNatCounters> {
  const table = natTable(lab);
  const nodes: LabNatCounters['nodes'] = {};
  await inParallel(natNodes(topology, hostNetns), 4, async ({ node, ns }) => {
    const nft = ['nft', 'list', 'table', 'ip', table];
    const res = await runFrequentRead(ns ? ['nsenter', `--net=/run/netns/${ns}`, '--', ...nft] : nft);
    if (res.exitCode !== 0) return;
    try {
      nodes[node] = natCountersFromText(table, res.stdout);
    } catch {
      // not nslab's table shape: no counters to show
    }
  });
  return { lab, at: new Date().toISOString(), nodes };
}
