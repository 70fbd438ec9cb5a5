// The all-pairs reachability matrix of a lab: from every node (the host context and each
// namespace) a ping to every address every other node has in the kernel. One confined process
// per source pings all its targets at once, and the sources run in parallel, so a lab of 20 nodes
// takes a few seconds (an unanswered ping waits a second).
import { existsSync } from 'node:fs';
import { nodeNamespace } from '@/lib/compile';
import type { Evidence } from '@/lib/checks';
import { contextOf, normalizeLinks } from '@/lib/model';
import { HOST_ID, type Topology } from '@/lib/topology';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { inParallel, runArgv } from '@/server/kernel/exec';
import { parseIpLinks } from '@/server/kernel/read';
import { inNamespace } from '@/server/tools/context';
import { pingIdent } from './run';

export type Cell = 'all' | 'some' | 'none';

export interface ReachCell {
  from: string;
  to: string;
  /** the target's addresses that answered, and those that did not */
  reached: string[];
  missed: string[];
  evidence: Evidence[];
}

export interface ReachMatrix {
  lab: string;
  /** the nodes, host first, then the namespaces in the lab's order */
  nodes: string[];
  /** each node's addresses as the kernel has them ("10.0.0.2/24", global IPv6 "2001:db8::2/64"), by interface */
  addresses: Record<string, { iface: string; address: string }[]>;
  /** nodes whose namespace does not exist (no row, no column) */
  missing: string[];
  cells: ReachCell[];
  ms: number;
}

const MARK = '@@nslab-ping';
/** One echo request, two seconds for the answer: the kernel holds the packet while ARP resolves, so one is enough here. */
export const MATRIX_PING = ['ping', '-n', '-c', '1', '-W', '2'];
/**
 * Pings every address given at once (positional parameters `ADDRESS/IDENT`, IDENT a fresh ICMP
 * identifier); prints each one's output after a marker with its exit code.
 */
const PING_ALL = `i=0
for t in "$@"; do
  i=$((i+1))
  ( ${MATRIX_PING.join(' ')} -e "\${t#*/}" "\${t%/*}" >"p$i" 2>&1; echo "$?" >"r$i" ) &
done
wait
i=0
for t in "$@"; do
  i=$((i+1))
  echo "${MARK} \${t%/*} $(cat "r$i")"
  cat "p$i"
done`;

export function cellOf(c: Pick<ReachCell, 'reached' | 'missed'>): Cell {
  return c.missed.length === 0 && c.reached.length > 0 ? 'all' : c.reached.length ? 'some' : 'none';
}

/** The interfaces of the host context that belong to the lab: its bridges and host-side veth ends. */
function hostInterfaces(t: Topology): Set<string> {
  const names = new Set<string>(t.nodes.filter((n) => n.kind === 'bridge').map((n) => n.id));
  for (const l of normalizeLinks(t)) for (const e of [l.a, l.b]) if (contextOf(e.kind, e.node) === HOST_ID) names.add(e.iface);
  return names;
}

async function addressesOf(ns: string, node: string, only: Set<string> | null): Promise<{ iface: string; address: string }[]> {
  const argv = ['ip', '-j', 'addr', 'show'];
  const res = await runArgv(confinedArgv(ns, argv), { timeoutMs: 15_000, env: confinedEnv(node) });
  if (res.exitCode !== 0) return [];
  const out: { iface: string; address: string }[] = [];
  for (const l of parseIpLinks(inNamespace(ns, argv).join(' '), res.stdout)) {
    if (l.ifname === 'lo' || (only && !only.has(l.ifname))) continue;
    // IPv4, and global IPv6 (ping tells the family from the address); link-local is left out
    for (const a of l.addr_info ?? []) if (a.local && (a.family === 'inet' || (a.family === 'inet6' && a.scope === 'global'))) out.push({ iface: l.ifname, address: `${a.local}/${a.prefixlen}` });
  }
  return out;
}

/** Parses the output of PING_ALL: per address, its exit code and its output. */
export function parsePingAll(stdout: string): Map<string, { exitCode: number; output: string }> {
  const out = new Map<string, { exitCode: number; output: string }>();
  const parts = stdout.split(`${MARK} `).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    const head = (nl < 0 ? part : part.slice(0, nl)).trim().split(' ');
    const body = nl < 0 ? '' : part.slice(nl + 1);
    if (head[0]) out.set(head[0], { exitCode: Number(head[1] ?? 1), output: body.trim() });
  }
  return out;
}

/**
 * The reachability matrix of a lab as the kernel has it now. `targets`: the addresses to ping for
 * each node instead of those it has (grading pings the answer's addresses).
 */
export async function reachMatrix(lab: string, hostNs: string, topology: Topology, opts: { parallel?: number; targets?: ReachMatrix['addresses'] } = {}): Promise<ReachMatrix> {
  const parallel = opts.parallel ?? 32;
  const t0 = performance.now();
  const nodes = [HOST_ID, ...topology.nodes.filter((n) => n.kind === 'namespace').map((n) => n.id)];
  const nsOf = new Map(nodes.map((n) => [n, nodeNamespace(topology, n, hostNs) ?? ''] as const));
  const missing = nodes.filter((n) => {
    const ns = nsOf.get(n)!;
    return ns !== '' && !existsSync(`/run/netns/${ns}`);
  });
  const present = nodes.filter((n) => !missing.includes(n));
  const hostOnly = hostInterfaces(topology);
  const found = await inParallel(present, parallel, (n) => addressesOf(nsOf.get(n)!, n, n === HOST_ID ? hostOnly : null));
  const addresses: ReachMatrix['addresses'] = {};
  present.forEach((n, i) => (addresses[n] = found[i]!));
  const targetsOf = (n: string) => (opts.targets ? opts.targets[n] ?? [] : addresses[n]!);

  const rows = await inParallel(present, parallel, async (from) => {
    const ns = nsOf.get(from)!;
    const targets = present.filter((to) => to !== from);
    const ips = [...new Set(targets.flatMap((to) => targetsOf(to).map((a) => a.address.split('/')[0]!)))];
    const idents = new Map(ips.map((ip) => [ip, pingIdent()]));
    const results = ips.length
      ? parsePingAll((await runArgv(confinedArgv(ns, ['sh', '-c', PING_ALL, 'nslab-reach', ...ips.map((ip) => `${ip}/${idents.get(ip)}`)]), { timeoutMs: 60_000, env: confinedEnv(from) })).stdout)
      : new Map<string, { exitCode: number; output: string }>();
    return targets.map((to): ReachCell => {
      const cell: ReachCell = { from, to, reached: [], missed: [], evidence: [] };
      for (const { address } of targetsOf(to)) {
        const ip = address.split('/')[0]!;
        const r = results.get(ip) ?? { exitCode: 1, output: 'no result' };
        (r.exitCode === 0 ? cell.reached : cell.missed).push(ip);
        cell.evidence.push({ argv: inNamespace(ns, [...MATRIX_PING, '-e', idents.get(ip) ?? '1', ip]), exitCode: r.exitCode, output: r.output });
      }
      return cell;
    });
  });
  return { lab, nodes: present, addresses, missing, cells: rows.flat(), ms: Math.round(performance.now() - t0) };
}

const SHOW: Record<Cell, string> = { all: 'yes', some: 'part', none: 'no' };

/** The matrix as a table: a row per source, a column per target. */
export function formatMatrix(m: ReachMatrix): string {
  const w = Math.max(6, ...m.nodes.map((n) => n.length)) + 2;
  const pad = (s: string) => s.padEnd(w);
  const get = (from: string, to: string) => m.cells.find((c) => c.from === from && c.to === to);
  const lines = [`Reachability in lab ${m.lab} (row pings column):`, pad('') + m.nodes.map(pad).join('').trimEnd()];
  for (const from of m.nodes) {
    lines.push(pad(from) + m.nodes.map((to) => pad(to === from ? '-' : SHOW[cellOf(get(from, to) ?? { reached: [], missed: [] })])).join('').trimEnd());
  }
  lines.push('', 'yes: every address of the column answered; part: some did; no: none did.');
  for (const n of m.nodes) lines.push(`  ${n}: ${m.addresses[n]?.map((a) => `${a.address} (${a.iface})`).join(', ') || 'no address'}`);
  if (m.missing.length) lines.push(`Not in the kernel (apply the lab): ${m.missing.join(', ')}`);
  lines.push(`(${m.cells.length} pairs in ${(m.ms / 1000).toFixed(1)} s)`);
  return lines.join('\n') + '\n';
}
