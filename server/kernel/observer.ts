// The observer: reads the kernel into nslab's model (lib/kernel-state.ts). One
// `ip [-n NS] -j -d -s -batch -` per namespace reads links, addresses, routes and forwarding,
// and `tc -j qdisc show` the netem on its links (nslab-nsctl dumps all of it, for many namespaces);
// nft is asked only for this lab's NAT table, only where it may be. Outputs are checked and
// reshaped by the kernel-read layer (./read).
import { readdir } from 'node:fs/promises';
import type { KernelState, KLink, KNamespace } from '@/lib/kernel-state';
import { MARK_PREFIX, markLab, natTable } from '@/lib/names';
import { type CommandSink, type ExecResult, inParallel, runArgv } from './exec';
import { nsctlUsable, parseNsctlMarks } from './nsctl';
import { nsctlArgv } from './userns';
import { attachMemberships, batchArgv, batchStdin, commandText, forwarding6From, forwardingFrom, hasFilteringBridge, type IpLink, type IpRoute, linkFrom, membershipsFrom, natFromText, netemsFrom, OBSERVE, pairVeths, parseBridgeVlans, parseIpBatch, parseTcQdiscs, routesFrom, type TcQdisc } from './read';
import { decodeDump } from './read/netlink';

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
  /**
   * Destroying this lab: its own namespaces (marked for it, but never the machine's own) are read
   * for their mark and forwarding only (all of them in one process, nslab-nsctl), since deleting
   * a namespace deletes everything in it. Every other namespace is read in full.
   */
  markOnly?: string;
  /** ask what forwarding a new namespace gets (one process; default true) */
  inherited?: boolean;
}

/**
 * Reads links, addresses, routes and forwarding of one namespace, and its qdiscs with
 * `tc -j qdisc show` (netem); null when it does not exist.
 */
async function readNamespace(ns: string, sink?: CommandSink): Promise<KNamespace | null> {
  const argv = batchArgv(ns, OBSERVE);
  const stdin = batchStdin(OBSERVE);
  const [res, qdiscs] = await Promise.all([runArgv(argv, { stdin }), readQdiscs(ns, sink)]);
  sink?.({ argv, stdin, exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
  if (res.exitCode !== 0 || qdiscs === null) return null;
  const [links, routes, netconf] = parseIpBatch(OBSERVE, argv, res.stdout);
  return namespaceFrom(ns, links, routes, forwardingFrom(netconf), forwarding6From(netconf), qdiscs);
}

/** `tc [-n NS] -j qdisc show`: the reference read of qdiscs (nslab-nsctl dumps them by rtnetlink); null when NS is gone. */
export async function readQdiscs(ns: string, sink?: CommandSink): Promise<TcQdisc[] | null> {
  const argv = ns ? ['tc', '-n', ns, '-j', 'qdisc', 'show'] : ['tc', '-j', 'qdisc', 'show'];
  const res = await runArgv(argv);
  sink?.({ argv, exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
  return res.exitCode === 0 ? parseTcQdiscs(argv.join(' '), res.stdout) : null;
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

/** A namespace's state from what was read of it. */
function namespaceFrom(ns: string, links: IpLink[], routes: IpRoute[], forwarding: boolean, forwarding6: boolean, qdiscs: TcQdisc[]): KNamespace {
  const byName: Record<string, KLink> = {};
  for (const l of links) byName[l.ifname] = linkFrom(l);
  for (const [dev, netem] of netemsFrom(`qdiscs of ${ns ? `namespace ${ns}` : "this machine's own namespace"}`, qdiscs)) {
    const l = byName[dev];
    if (l) l.netem = netem;
  }
  const mark = ns ? (byName.lo?.mark ?? null) : null;
  return { name: ns, mark, owned: !!mark?.startsWith(MARK_PREFIX), links: byName, routes: routesFrom(routes), forwarding, forwarding6, nat: null };
}

/**
 * `nslab-nsctl MODE NAMES...`: many namespaces in two processes side by side (one question each
 * per namespace), each logged to `sink`; `answer` reads each process's result as it ends.
 */
async function nsctlOver<T>(mode: 'dump' | 'marks', names: string[], sink: CommandSink | undefined, answer: (res: ExecResult) => T[]): Promise<T[]> {
  const parts = names.length >= 64 ? [names.slice(0, names.length >> 1), names.slice(names.length >> 1)] : [names];
  return Promise.all(
    parts.map(async (part) => {
      const argv = nsctlArgv(mode, part);
      const res = await runArgv(argv);
      sink?.({ argv, exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
      return answer(res);
    }),
  ).then((all) => all.flat());
}

/**
 * Reads of this many namespaces or more go to nslab-nsctl (one process). Even one: `ip -n`
 * copies the mount table, which costs more with every namespace mounted (170 ms with 1000).
 */
const DUMP_FROM = 1;

/**
 * Reads these namespaces: with nslab-nsctl, all of them in one process by rtnetlink (two
 * processes side by side for many); else one `ip -batch` each. Namespaces that do not exist
 * are left out.
 */
async function readNamespaces(names: string[], sink?: CommandSink): Promise<KNamespace[]> {
  if (names.length < DUMP_FROM || !nsctlUsable()) return (await inParallel(names, PARALLEL, (ns) => readNamespace(ns, sink))).filter((n): n is KNamespace => n !== null);
  return nsctlOver('dump', names, sink, (res) => {
    if (res.exitCode !== 0) throw new Error(`reading the kernel failed: ${res.stderr.trim() || `nslab-nsctl dump exited with ${res.exitCode}`}`);
    const { namespaces, failed } = decodeDump(res.stdout);
    const [ns, why] = [...failed][0] ?? [];
    if (ns !== undefined) throw new Error(`reading ${ns ? `namespace ${ns}` : "this machine's own namespace"} failed: ${why}`);
    return [...namespaces].map(([ns, d]) => namespaceFrom(ns, d.links, d.routes, d.forwarding, d.forwarding6, d.qdiscs));
  });
}

/**
 * The kernel state of these namespaces ('' = the current one). Namespaces that do not exist are
 * absent from the result. Veth ends found in the set are paired by their mark.
 */
export async function observe(namespaces: string[], opts: ObserveOptions = {}): Promise<KernelState> {
  // its own process, asked at once: it does not wait for the reads below, nor they for it
  const inheriting = opts.inherited === false ? null : newNamespaceForwarding();
  inheriting?.catch(() => {});
  const existing = new Set(await listNetns());
  const targets = [...new Set(namespaces)].filter((ns) => ns === '' || existing.has(ns));
  const shallow = opts.markOnly ? await readMarks(targets.filter((ns) => ns !== ''), opts.markOnly, opts.sink) : new Map<string, KNamespace>();
  const read = await readNamespaces(targets.filter((ns) => !shallow.has(ns)), opts.sink);
  const state: KernelState = { namespaces: {} };
  for (const n of [...shallow.values(), ...read]) if (n) state.namespaces[n.name] = n;
  const inherited = await inheriting;
  if (inherited !== null) state.newNamespaceForwarding = inherited;
  if (opts.lab) {
    const table = natTable(opts.lab);
    const where = (opts.natIn ?? targets).filter((ns) => state.namespaces[ns] && !shallow.has(ns));
    await inParallel(where, PARALLEL, async (ns) => {
      const nat = await readNat(ns, table, opts.sink);
      const n = state.namespaces[ns];
      if (n && nat) n.nat = nat;
    });
  }
  await inParallel(Object.values(state.namespaces).filter((n) => !shallow.has(n.name) && hasFilteringBridge(n.links)), PARALLEL, (n) => readBridgeVlans(n, opts.sink));
  pairVeths(state.namespaces);
  return state;
}

/**
 * The VLANs of the ports of a namespace's VLAN-filtering bridges (lib/vlan.ts): one
 * `bridge -j vlan show`, only where such a bridge is (a lab's bridges are in its host context).
 */
async function readBridgeVlans(n: KNamespace, sink?: CommandSink): Promise<void> {
  const argv = n.name ? ['nsenter', `--net=${NETNS_DIR}/${n.name}`, 'bridge', '-j', 'vlan', 'show'] : ['bridge', '-j', 'vlan', 'show'];
  const res = await runArgv(argv);
  sink?.({ argv, exitCode: res.exitCode, stderr: res.stderr.trim(), durationMs: res.durationMs });
  if (res.exitCode !== 0) throw new Error(`reading the kernel failed: ${commandText(argv)}: ${res.stderr.trim() || `exit code ${res.exitCode}`}`);
  attachMemberships(n.links, membershipsFrom(parseBridgeVlans(commandText(argv), res.stdout)));
}

/**
 * The namespaces among `names` that are marked for `lab`, read by their `lo` mark and forwarding
 * only (one nslab-nsctl process for all). Empty when nslab-nsctl cannot run here.
 */
async function readMarks(names: string[], lab: string, sink?: CommandSink): Promise<Map<string, KNamespace>> {
  const out = new Map<string, KNamespace>();
  if (names.length === 0 || !nsctlUsable()) return out;
  const answers = await nsctlOver('marks', names, sink, (res) => (res.exitCode === 0 ? [...parseNsctlMarks(res.stdout)] : []));
  for (const [ns, m] of answers) {
    if ('error' in m || m.forwarding === null || markLab(m.mark) !== lab) continue;
    out.set(ns, {
      name: ns,
      mark: m.mark,
      owned: true,
      links: { lo: { name: 'lo', kind: 'loopback', mark: m.mark, up: true, master: null, addresses: [] } },
      routes: [],
      forwarding: m.forwarding,
      ...(m.forwarding6 !== null ? { forwarding6: m.forwarding6 } : {}),
      nat: null,
    });
  }
  return out;
}

/**
 * ip_forward as a namespace created now would get it: the kernel copies it from the init
 * namespace, which is not always this one (the test sandbox), so ask a fresh one.
 */
export function newNamespaceForwarding(): Promise<boolean | null> {
  const early = asked;
  asked = null;
  return early && performance.now() - early.at < ASKED_FOR_MS ? early.answer : askNewNamespaceForwarding();
}

async function askNewNamespaceForwarding(): Promise<boolean | null> {
  const res = await runArgv(['unshare', '--net', 'cat', '/proc/sys/net/ipv4/ip_forward']);
  const v = res.stdout.trim();
  return res.exitCode === 0 && (v === '0' || v === '1') ? v === '1' : null;
}

/** An answer of newNamespaceForwarding asked ahead, and when. */
let asked: { at: number; answer: Promise<boolean | null> } | null = null;
/** How long an answer asked ahead is taken by the next reading (it is taken once). */
const ASKED_FOR_MS = 2000;

/**
 * Starts asking newNamespaceForwarding's question now, for the next reading of the kernel in
 * this process to take: `nslab apply` and `nslab plan` ask before they check the file, so the
 * two processes it takes run meanwhile, not while nothing else does.
 */
export function askNewNamespaceForwardingAhead(): void {
  const answer = askNewNamespaceForwarding();
  answer.catch(() => {});
  asked = { at: performance.now(), answer };
}
