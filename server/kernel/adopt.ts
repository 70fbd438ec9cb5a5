// Reading what the kernel has for adoption: every namespace in /run/netns plus the current
// one, with the fields that pair veth ends across namespaces (link_index, link_netnsid and the
// nsid map of `ip netns list-id`). Read-only: only `ip -j ... show` / `list-id` run, never a
// command that sets anything (not even `ip netns set NAME auto`). lib/adopt.ts makes the draft.
import { draftFromScan, type AdoptDraft, type DraftOptions, type KernelScan, type ScanLink, type ScanNamespace } from '@/lib/adopt';
import { inParallel, ipArgv, runArgv } from './exec';
import { listNetns } from './observer';
import { forwardingFrom, linkFrom, routesFrom, splitBatchJson, type IpLink, type IpNetconf, type IpRoute } from './parse';

const PARALLEL = 4;
const READ_LINES = 'addr show\nroute show table main\nnetconf show\nnetns list-id\n';

interface IpScanLink extends IpLink {
  link_index?: number;
  link_netnsid?: number;
}

interface IpNsid {
  nsid: number;
  name?: string;
}

/** One namespace ('' = the current one); null when it vanished or cannot be read. */
async function scanNamespace(ns: string): Promise<ScanNamespace | null> {
  const res = await runArgv(ipArgv(ns, '-j', '-d', '-batch', '-'), { stdin: READ_LINES });
  if (res.exitCode !== 0) return null;
  const [links = [], routes = [], netconf = [], ids = []] = splitBatchJson(res.stdout) as [IpScanLink[]?, IpRoute[]?, IpNetconf[]?, IpNsid[]?];
  const nsids: Record<number, string | null> = {};
  for (const id of ids) nsids[id.nsid] = id.name ?? null;
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
