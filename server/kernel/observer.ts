// The observer: reads the kernel into nslab's model (lib/kernel-state.ts). One
// `ip [-n NS] -j -d -s -batch -` per namespace reads links, addresses, routes and forwarding;
// nft is asked only for this lab's NAT table, only where it may be. Outputs are checked and
// reshaped by the kernel-read layer (./read).
import { readdir } from 'node:fs/promises';
import type { KernelState, KLink, KNamespace } from '@/lib/kernel-state';
import { MARK_PREFIX, natTable } from '@/lib/names';
import { inParallel, runArgv, type CommandSink } from './exec';
import { batchArgv, batchStdin, forwardingFrom, linkFrom, natFromText, OBSERVE, pairVeths, parseIpBatch, routesFrom } from './read';

const NETNS_DIR = '/run/netns';
const PARALLEL = 4;

/** Namespace names in /run/netns (no process started). */
export async function listNetns(): Promise<string[]> {
  try {
    return (await readdir(NETNS_DIR)).sort();
  } catch {
    return [];
  }
}

export interface ObserveOptions {
  /** read this lab's NAT table (natTable(lab)) */
  lab?: string;
  /** where the NAT table may be (default: every observed namespace); one nft process each */
  natIn?: string[];
  /** reports the read commands, for a log */
  sink?: CommandSink;
  /** ask what forwarding a new namespace gets (one process; default true) */
  inherited?: boolean;
}

/** Reads links, addresses, routes and forwarding of one namespace; null when it does not exist. */
async function readNamespace(ns: string, sink?: CommandSink): Promise<KNamespace | null> {
  const argv = batchArgv(ns, OBSERVE);
  const stdin = batchStdin(OBSERVE);
  const res = await runArgv(argv, { stdin });
  sink?.({ argv, stdin, exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
  if (res.exitCode !== 0) return null;
  const [links, routes, netconf] = parseIpBatch(OBSERVE, argv, res.stdout);
  const byName: Record<string, KLink> = {};
  for (const l of links) byName[l.ifname] = linkFrom(l);
  const mark = ns ? (byName.lo?.mark ?? null) : null;
  return {
    name: ns,
    mark,
    owned: !!mark?.startsWith(MARK_PREFIX),
    links: byName,
    routes: routesFrom(routes),
    forwarding: forwardingFrom(netconf),
    nat: null,
  };
}

/** `nft list table ip T` in a namespace: its mark and rules; null when the table is not there. */
export async function readNat(ns: string, table: string, sink?: CommandSink) {
  const nft = ['nft', 'list', 'table', 'ip', table];
  const argv = ns ? ['ip', 'netns', 'exec', ns, ...nft] : nft;
  const res = await runArgv(argv);
  sink?.({ argv, exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
  if (res.exitCode !== 0) return null;
  return natFromText(table, res.stdout);
}

/**
 * The kernel state of these namespaces ('' = the current one). Namespaces that do not exist are
 * absent from the result. Veth ends found in the set are paired by their mark.
 */
export async function observe(namespaces: string[], opts: ObserveOptions = {}): Promise<KernelState> {
  const existing = new Set(await listNetns());
  const targets = [...new Set(namespaces)].filter((ns) => ns === '' || existing.has(ns));
  const read = await inParallel(targets, PARALLEL, (ns) => readNamespace(ns, opts.sink));
  const state: KernelState = { namespaces: {} };
  for (const n of read) if (n) state.namespaces[n.name] = n;
  const inherited = opts.inherited === false ? null : await newNamespaceForwarding();
  if (inherited !== null) state.newNamespaceForwarding = inherited;
  if (opts.lab) {
    const table = natTable(opts.lab);
    const where = (opts.natIn ?? targets).filter((ns) => state.namespaces[ns]);
    await inParallel(where, PARALLEL, async (ns) => {
      const nat = await readNat(ns, table, opts.sink);
      const n = state.namespaces[ns];
      if (n && nat) n.nat = nat;
    });
  }
  pairVeths(state.namespaces);
  return state;
}

/**
 * ip_forward as a namespace created now would get it: the kernel copies it from the init
 * namespace, which is not always this one (the test sandbox), so ask a fresh one.
 */
export async function newNamespaceForwarding(): Promise<boolean | null> {
  const res = await runArgv(['unshare', '--net', 'cat', '/proc/sys/net/ipv4/ip_forward']);
  const v = res.stdout.trim();
  return res.exitCode === 0 && (v === '0' || v === '1') ? v === '1' : null;
}
