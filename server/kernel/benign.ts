// Decides whether a failed command is in fact success for an idempotent operation: a create
// whose object exists already and is exactly what we want (and ours), or a delete of an object
// that is not there. Anything foreign is a failure, with a hint that says why.
import type { KRoute } from '@/lib/kernel-state';
import type { Op } from '@/lib/ops';
import { ipArgv, runRead, type CommandSink } from './exec';
import { isExists, isMissing, isNoNetem, isNoQdisc, isNotMounted, NO_NETEM_HINT } from './messages';
import { commandText, parseIpLinks, parseIpRoutes } from './read';
import type { Job } from './schedule';

export type Verdict = { ok: true } | { ok: false; hint?: string };

const DELETES = new Set<Op['type']>(['netns.del', 'userns.del', 'link.del', 'addr.del', 'route.del', 'nft.del', 'netem.del', 'bridge.vlan.del']);

/** What a kernel built without VLAN support answers (lib/vlan.ts), said plainly. */
function vlanSupportHint(op: Op, message: string): string | undefined {
  if ((op.type === 'bridge.vlanFiltering' || op.type === 'bridge.vlan.add' || op.type === 'bridge.vlan.del') && /Operation not supported/i.test(message))
    return 'this kernel has no VLAN filtering on bridges (CONFIG_BRIDGE_VLAN_FILTERING)';
  if (op.type === 'vlan.add' && /Unknown device type|Operation not supported/i.test(message)) return 'this kernel has no 802.1Q VLAN interfaces (CONFIG_VLAN_8021Q, module 8021q)';
  return undefined;
}

interface LinkInfo {
  kind: string;
  mark: string | null;
}

async function readLink(ns: string, name: string, sink?: CommandSink): Promise<LinkInfo | null> {
  const argv = ipArgv(ns, '-j', '-d', 'link', 'show', 'dev', name);
  const res = await runRead(argv, sink);
  if (res.exitCode !== 0) return null;
  const [link] = parseIpLinks(commandText(argv), res.stdout);
  if (!link) return null;
  return { kind: link.linkinfo?.info_kind ?? (link.link_type === 'loopback' ? 'loopback' : 'other'), mark: link.ifalias ?? null };
}

function foreignLink(l: LinkInfo): string {
  return l.mark
    ? `an interface with this name already exists and is something else: a ${l.kind} marked "${l.mark}"`
    : `an interface with this name already exists and is not nslab's: a ${l.kind} without a mark`;
}

async function checkLink(ns: string, name: string, kind: string, mark: string, sink?: CommandSink): Promise<Verdict | null> {
  const l = await readLink(ns, name, sink);
  if (!l) return null;
  if (l.kind === kind && l.mark === mark) return { ok: true };
  return { ok: false, hint: foreignLink(l) };
}

async function checkRoute(ns: string, route: KRoute, sink?: CommandSink): Promise<Verdict> {
  const argv = ipArgv(ns, '-j', 'route', 'show', 'exact', route.dst);
  const res = await runRead(argv, sink);
  const found = parseIpRoutes(commandText(argv), res.stdout);
  const same = found.some((r) => (route.via ?? undefined) === r.gateway && (!route.dev || route.dev === r.dev));
  if (same) return { ok: true };
  const have = found.map((r) => [r.gateway ? `via ${r.gateway}` : '', r.dev ? `dev ${r.dev}` : ''].filter(Boolean).join(' ')).join(', ');
  return { ok: false, hint: `a different route to ${route.dst} exists${have ? ` (${have})` : ''}` };
}

/** Where a namespace is, for a sentence: `namespace H` or `this machine's own namespace`. */
export function where(ns: string): string {
  return ns ? `namespace ${ns}` : `this machine's own namespace`;
}

export async function judgeError(job: Job, message: string, sink?: CommandSink): Promise<Verdict> {
  const { op, cmd } = job;
  if (cmd.tool === 'nsfile') {
    // umount of a user namespace file that is not (or no longer) mounted: nothing to do
    if (cmd.argv[0] === 'umount' && isNotMounted(message)) return { ok: true };
    if (cmd.afterCreate) return { ok: false };
  } else if (isMissing(message) && (DELETES.has(op.type) || cmd.args[1] === 'del')) return { ok: true };
  // tc's answer to deleting the default (no) root qdisc: the netem is gone already
  if (op.type === 'netem.del' && isNoQdisc(message)) return { ok: true };
  if (op.type === 'netem.set' && isNoNetem(message)) return { ok: false, hint: NO_NETEM_HINT };
  const unsupported = vlanSupportHint(op, message);
  if (unsupported) return { ok: false, hint: unsupported };
  if (!isExists(message)) return { ok: false };
  switch (op.type) {
    case 'netns.add': {
      const lo = await readLink(op.ns, 'lo', sink);
      if (lo && lo.mark === op.mark) return { ok: true };
      return { ok: false, hint: lo?.mark ? `a namespace with this name already exists and is something else: marked "${lo.mark}"` : `a namespace with this name already exists and is not nslab's` };
    }
    case 'bridge.add':
      return (await checkLink(op.ns, op.name, 'bridge', op.mark, sink)) ?? { ok: false };
    case 'veth.add': {
      const mine = await checkLink(op.ns, op.name, 'veth', op.mark, sink);
      if (mine && !mine.ok) return mine;
      const peer = await checkLink(op.peerNs, op.peerName, 'veth', op.mark, sink);
      if (peer && !peer.ok) return { ok: false, hint: `the other end "${op.peerName}" in ${where(op.peerNs)}: ${peer.hint}` };
      return mine?.ok || peer?.ok ? { ok: true } : { ok: false };
    }
    case 'vlan.add':
      return (await checkLink(op.ns, op.name, 'vlan', op.mark, sink)) ?? { ok: false };
    case 'addr.add':
      return { ok: true };
    case 'route.add':
      return checkRoute(op.ns, op.route, sink);
    default:
      return { ok: false };
  }
}
