// Ping and traceroute from a node, as one action: resolve the target (a node -> its first
// address), run the tool confined to the source's namespace (server/kernel/confine.ts), and say
// which nodes and links the packets crossed so the canvas can draw the path. The result shows the
// command as a student would type it (`ip netns exec NS ping ...`).
import { existsSync } from 'node:fs';
import { parseIPv4 } from '@/lib/addr';
import { nodeNamespace } from '@/lib/compile';
import { NslabError } from '@/lib/errors';
import type { ProbeHop, ProbeResult } from '@/lib/protocol-tools';
import { HOST_ID } from '@/lib/topology';
import { ipArgv, runArgv } from '@/server/kernel/exec';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { commandText, parseIpRoutes } from '@/server/kernel/read';
import { inNamespace, type NodeContext } from './context';
import { addressOwners, derivePath, firstAddress } from './path';

const MAX_HOPS = 12;

/** Runs `argv` confined to the source node's namespace. */
function runConfined(ctx: NodeContext, argv: string[], timeoutMs: number) {
  return runArgv(confinedArgv(ctx.ns, argv), { timeoutMs, env: confinedEnv(ctx.node) });
}

/** A node id of the lab (its first address) or a dotted IPv4 address. */
export function resolveTarget(ctx: NodeContext, target: string): { address: string; node: string | null } {
  const t = ctx.topology;
  const isNode = target === HOST_ID || t.nodes.some((n) => n.id === target);
  if (isNode) {
    const address = firstAddress(t, target);
    if (!address) throw new NslabError('invalid', `node "${target}" has no IPv4 address to ping; give one of its links an address, or type an address`);
    return { address, node: target };
  }
  if (!parseIPv4(target)) {
    throw new NslabError('invalid', `target "${target}" is neither a node of lab "${ctx.lab}" nor an IPv4 address like 10.0.0.3`);
  }
  return { address: target, node: addressOwners(t).get(target) ?? null };
}

export async function runProbe(ctx: NodeContext, kind: 'ping' | 'traceroute', target: string): Promise<ProbeResult> {
  const { address } = resolveTarget(ctx, target);
  return kind === 'ping' ? ping(ctx, target, address) : traceroute(ctx, target, address);
}

async function ping(ctx: NodeContext, target: string, address: string): Promise<ProbeResult> {
  const cmd = ['ping', '-n', '-c', '3', '-W', '1', address];
  const argv = inNamespace(ctx.ns, cmd);
  const res = await runConfined(ctx, cmd, 15_000);
  const output = (res.stdout + res.stderr).trim();
  const ok = res.exitCode === 0;
  const summary = /\d+ packets transmitted.*/.exec(output)?.[0] ?? (output.split('\n').pop() || `ping exited with code ${res.exitCode}`);
  const hops = await routedHops(ctx, address);
  return {
    kind: 'ping', source: ctx.node, target, address, ok, summary, output, argv, hops,
    path: derivePath(ctx.topology, ctx.lab, ctx.node, hops.map((h) => h.node).filter((n): n is string => !!n), ok),
  };
}

/**
 * The way the kernel routes to `address`, stop by stop: `ip route get` in each node's namespace
 * gives the next gateway (or the target itself when it is on-link).
 */
async function routedHops(ctx: NodeContext, address: string): Promise<ProbeHop[]> {
  const owners = addressOwners(ctx.topology);
  const hops: ProbeHop[] = [];
  let at = ctx.node;
  for (let ttl = 1; ttl <= MAX_HOPS; ttl++) {
    const ns = nodeNamespace(ctx.topology, at, ctx.hostNs);
    if (ns === undefined) break;
    const argv = ipArgv(ns, '-j', 'route', 'get', address);
    const res = await runArgv(argv);
    if (res.exitCode !== 0) break;
    const route = parseIpRoutes(commandText(argv), res.stdout)[0];
    if (!route || route.type === 'local') break;
    const nextAddress = route.gateway ?? address;
    const node = owners.get(nextAddress) ?? null;
    hops.push({ ttl, address: nextAddress, node, rttMs: null });
    if (!node || nextAddress === address || owners.get(address) === node) break;
    at = node;
  }
  return hops;
}

function tracerouteBinary(): string | null {
  return ['/usr/bin/traceroute', '/usr/sbin/traceroute'].find((p) => existsSync(p)) ?? null;
}

async function traceroute(ctx: NodeContext, target: string, address: string): Promise<ProbeResult> {
  const bin = tracerouteBinary();
  const { hops, argv, output, note } = bin ? await withTraceroute(ctx, bin, address) : await hopByHop(ctx, address);
  const reached = hops.some((h) => h.address === address);
  const owners = addressOwners(ctx.topology);
  for (const h of hops) h.node = h.address ? owners.get(h.address) ?? null : null;
  const answered = hops.filter((h) => h.address).length;
  return {
    kind: 'traceroute', source: ctx.node, target, address, ok: reached,
    summary: reached ? `reached ${address} in ${hops.length} hop${hops.length === 1 ? '' : 's'}` : `did not reach ${address} (${answered} of ${hops.length} hops answered)`,
    output, argv, hops,
    path: derivePath(ctx.topology, ctx.lab, ctx.node, hops.map((h) => h.node).filter((n): n is string => !!n), reached),
    ...(note ? { note } : {}),
  };
}

async function withTraceroute(ctx: NodeContext, bin: string, address: string) {
  const cmd = [bin, '-n', '-w', '1', '-q', '1', '-m', String(MAX_HOPS), address];
  const argv = inNamespace(ctx.ns, cmd);
  const res = await runConfined(ctx, cmd, 30_000);
  const hops: ProbeHop[] = [];
  for (const line of res.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)(?:\s+([\d.]+) ms)?/.exec(line);
    if (!m) continue;
    hops.push({ ttl: Number(m[1]), address: m[2] === '*' ? null : m[2]!, node: null, rttMs: m[3] ? Number(m[3]) : null });
  }
  return { hops, argv, output: (res.stdout + res.stderr).trim(), note: undefined };
}

/** No traceroute installed: one `ping -c1 -t TTL` per hop, reading "Time to live exceeded" answers. */
async function hopByHop(ctx: NodeContext, address: string) {
  const hops: ProbeHop[] = [];
  const lines: string[] = [];
  const cmdOf = (ttl: number) => ['ping', '-n', '-c', '1', '-W', '1', '-t', String(ttl), address];
  const argvOf = (ttl: number) => inNamespace(ctx.ns, cmdOf(ttl));
  for (let ttl = 1; ttl <= MAX_HOPS; ttl++) {
    const res = await runConfined(ctx, cmdOf(ttl), 5_000);
    const reply = /bytes from ([\d.]+):.*time=([\d.]+) ms/.exec(res.stdout);
    const exceeded = /From ([\d.]+) icmp_seq=\d+ Time to live exceeded/.exec(res.stdout);
    const hop: ProbeHop = reply
      ? { ttl, address: reply[1]!, node: null, rttMs: Number(reply[2]) }
      : exceeded
        ? { ttl, address: exceeded[1]!, node: null, rttMs: null }
        : { ttl, address: null, node: null, rttMs: null };
    hops.push(hop);
    lines.push(`${String(ttl).padStart(2)}  ${hop.address ?? '*'}${hop.rttMs !== null ? `  ${hop.rttMs} ms` : ''}`);
    if (reply) break;
    // an error other than silence (unreachable network, ...) ends the walk
    if (!exceeded && /unreachable|Unreachable/.test(res.stdout + res.stderr)) break;
  }
  return {
    hops,
    argv: argvOf(1).map((w, i, a) => (i === a.length - 2 ? 'TTL' : w)),
    output: [`traceroute to ${address}, ${MAX_HOPS} hops max (hop by hop with ping -t)`, ...lines].join('\n'),
    note: 'traceroute is not installed here: nslab asked hop by hop with `ping -c1 -t TTL`',
  };
}
