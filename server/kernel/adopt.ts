// Reading what the kernel has for adoption: every namespace in /run/netns plus the current
// one, with the fields that pair veth ends across namespaces (link_index, link_netnsid and the
// nsid map of `ip netns list-id`). Read-only: only `ip -j ... show` / `list-id` run, never a
// command that sets anything (not even `ip netns set NAME auto`). lib/adopt.ts makes the draft.
import { draftFromScan, type AdoptDraft, type DraftOptions, type KernelScan, type ScanLink, type ScanNamespace } from '@/lib/adopt';
import { inParallel, runArgv } from './exec';
import { listNetns } from './observer';
import { batchArgv, batchStdin, forwardingFrom, linkFrom, nsidsFrom, parseIpBatch, routesFrom, SCAN } from './read';

const PARALLEL = 4;

/** One namespace ('' = the current one); null when it vanished or cannot be read. */
async function scanNamespace(ns: string): Promise<ScanNamespace | null> {
  const argv = batchArgv(ns, SCAN);
  const res = await runArgv(argv, { stdin: batchStdin(SCAN) });
  if (res.exitCode !== 0) return null;
  const [links, routes, netconf, ids] = parseIpBatch(SCAN, argv, res.stdout);
  const nsids: Record<number, string | null> = Object.fromEntries(nsidsFrom(ids));
  return {
    name: ns,
    links: links.map((l): ScanLink => {
      const { stats: _s, oper: _o, ...k } = linkFrom(l);
      return {
        ...k,
        ifindex: l.ifindex,
        ...(l.link_index !== undefined ? { linkIndex: l.link_index } : {}),
        ...(l.link_netnsid !== undefined ? { linkNetnsid: l.link_netnsid } : {}),
      };
    }),
    routes: routesFrom(routes),
    forwarding: forwardingFrom(netconf),
    nsids,
  };
}

/** Everything the kernel has: the current namespace first, then /run/netns in name order. */
export async function scanKernel(): Promise<KernelScan> {
  const names = ['', ...(await listNetns())];
  const read = await inParallel(names, PARALLEL, scanNamespace);
  return { namespaces: read.filter((n): n is ScanNamespace => n !== null) };
}

/** The adopt view: a draft lab of every foreign namespace, bridge and veth pair. */
export async function adoptFromKernel(opts: DraftOptions = {}): Promise<AdoptDraft & { scan: KernelScan }> {
  const scan = await scanKernel();
  return { ...draftFromScan(scan, opts), scan };
}
