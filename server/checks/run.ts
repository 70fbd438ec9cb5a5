// Runs checks (lib/checks.ts) against the real kernel. Every command runs confined to the node's
// namespace, like the probes (server/kernel/confine.ts), and is kept as evidence the way a student
// types it (`ip netns exec seed-A ip route show`) with what it printed. A check whose verdict
// needs parsing runs the readable command for the evidence and its `ip -j` twin, in the same
// confined process, for the verdict.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { nodeNamespace } from '@/lib/compile';
import { checkTitle, isAddress, type Check, type CheckResult, type Evidence } from '@/lib/checks';
import { natTable } from '@/lib/names';
import { HOST_ID, type Topology } from '@/lib/topology';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { runArgv } from '@/server/kernel/exec';
import { firstAddress } from '@/server/tools/path';
import { inNamespace } from '@/server/tools/context';
import { addrVerdict, forwardingVerdict, linkVerdict, masqueradePackets, neighVerdict, pingSummary, routeVerdict, type Verdict } from './verdicts';

/** Where checks run: the lab's name and host, and the topology that says which node has which address. */
export interface CheckEnv {
  lab: string;
  /** the lab's host context ('' = this machine's own namespace) */
  hostNs: string;
  /**
   * the reference lab: node kinds and addresses (a node as a target is its first address). The
   * lab's own topology, or a lesson's lab at a step; its name is the lab's.
   */
  topology: Topology;
}

const MAX_OUTPUT = 4000;
/** A reply within a second, from one of two pings: a lost first packet (ARP) is not a failure. */
export const PING = ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '1'];

/**
 * A fresh ICMP identifier for each ping (`-e`): in its private pid namespace ping would otherwise
 * always use the same one, and the host's connection tracking would take every ping for the same
 * old connection (a NAT rule deleted by hand would still seem to work, and its counter would not
 * move).
 */
export function pingIdent(): string {
  return String(1 + randomInt(65535));
}
const MARK = '@@nslab-rc ';
/** `ip ARGS` for the evidence, then `ip -j ARGS` for the verdict (args are positional parameters). */
const PAIR = `"$@" 2>&1; echo "${MARK}$?"; shift; exec ip -j "$@"`;

function clip(text: string): string {
  const t = text.replace(/\s+$/, '');
  return t.length > MAX_OUTPUT ? `${t.slice(0, MAX_OUTPUT)}\n… (${t.length - MAX_OUTPUT} more characters)` : t;
}

class Missing extends Error {
  constructor(readonly detail: string, readonly evidence: Evidence[] = []) {
    super(detail);
  }
}

/** The namespace a node's commands run in; a missing namespace or node is the check's failure. */
async function namespaceOf(env: CheckEnv, node: string): Promise<string> {
  const ns = nodeNamespace(env.topology, node, env.hostNs);
  if (ns === undefined) throw new Missing(`lab "${env.lab}" has no node "${node}"`);
  if (ns !== '' && !existsSync(`/run/netns/${ns}`)) {
    const argv = ['ls', '-d', `/run/netns/${ns}`];
    const res = await runArgv(argv, { timeoutMs: 5_000 });
    throw new Missing(`the namespace ${ns} of ${node} does not exist`, [{ argv, exitCode: res.exitCode, output: clip(res.stdout + res.stderr) }]);
  }
  return ns;
}

/** Runs argv confined to ns; the evidence shows it as typed in that namespace. */
async function confined(ns: string, node: string, argv: string[], timeoutMs = 15_000): Promise<Evidence & { stdout: string; stderr: string }> {
  const res = await runArgv(confinedArgv(ns, argv), { timeoutMs, env: confinedEnv(node) });
  return { argv: inNamespace(ns, argv), exitCode: res.exitCode, output: clip(res.stdout + res.stderr), stdout: res.stdout, stderr: res.stderr };
}

/** `ip ARGS` as evidence and `ip -j ARGS` parsed by `verdict`, in one confined process. */
async function ipPair(ns: string, node: string, args: string[], verdict: (json: string, command: string) => Verdict): Promise<{ v: Verdict; evidence: Evidence[] }> {
  const argv = ['ip', ...args];
  const res = await runArgv(confinedArgv(ns, ['sh', '-c', PAIR, 'nslab-check', ...argv]), { timeoutMs: 15_000, env: confinedEnv(node) });
  const at = res.stdout.lastIndexOf(`${MARK}`);
  const shown = at >= 0 ? res.stdout.slice(0, at) : res.stdout + res.stderr;
  const rc = at >= 0 ? Number(/^\d+/.exec(res.stdout.slice(at + MARK.length))?.[0] ?? 1) : res.exitCode;
  const json = at >= 0 ? res.stdout.slice(at).split('\n').slice(1).join('\n') : '';
  const evidence: Evidence[] = [{ argv: inNamespace(ns, argv), exitCode: rc, output: clip(shown) }];
  if (rc !== 0) return { v: { ok: false, detail: clip(shown).split('\n')[0] || `ip exited with code ${rc}` }, evidence };
  const jsonArgv = inNamespace(ns, ['ip', '-j', ...args]).join(' ');
  return { v: verdict(json, jsonArgv), evidence };
}

/** A node id as a target: its first address in the reference lab. */
function targetAddress(env: CheckEnv, to: string): string {
  if (isAddress(to)) return to;
  const known = to === HOST_ID || env.topology.nodes.some((n) => n.id === to);
  if (!known) throw new Missing(`lab "${env.lab}" has no node "${to}"`);
  const a = firstAddress(env.topology, to);
  if (!a) throw new Missing(`${to} has no IPv4 address to ping`);
  return a;
}

async function ping(env: CheckEnv, from: string, to: string): Promise<{ reached: boolean; address: string; evidence: Evidence; summary: string }> {
  const address = targetAddress(env, to);
  const ns = await namespaceOf(env, from);
  const e = await confined(ns, from, [...PING, '-e', pingIdent(), address]);
  return { reached: e.exitCode === 0, address, evidence: { argv: e.argv, exitCode: e.exitCode, output: e.output }, summary: pingSummary(e.output, e.exitCode) };
}

async function natCounter(env: CheckEnv, ns: string, node: string): Promise<{ packets: number | null; evidence: Evidence }> {
  const e = await confined(ns, node, ['nft', 'list', 'table', 'ip', natTable(env.lab)]);
  return { packets: e.exitCode === 0 ? masqueradePackets(e.stdout) : null, evidence: { argv: e.argv, exitCode: e.exitCode, output: e.output } };
}

async function verdictOf(env: CheckEnv, c: Check): Promise<{ v: Verdict; evidence: Evidence[] }> {
  switch (c.kind) {
    case 'reach':
    case 'no-reach': {
      const p = await ping(env, c.from, c.to);
      const target = p.address === c.to ? c.to : `${c.to} (${p.address})`;
      const said = `${p.reached ? 'answered' : 'no answer'} from ${target}: ${p.summary}`;
      return { v: { ok: c.kind === 'reach' ? p.reached : !p.reached, detail: said }, evidence: [p.evidence] };
    }
    case 'route':
      return ipPair(await namespaceOf(env, c.node), c.node, ['route', 'show'], (json, cmd) => routeVerdict(c, json, cmd));
    case 'neigh':
      return ipPair(await namespaceOf(env, c.node), c.node, ['neigh', 'show'], (json, cmd) => neighVerdict(c, json, cmd));
    case 'link':
      return ipPair(await namespaceOf(env, c.node), c.node, ['link', 'show', 'dev', c.iface], (json, cmd) => linkVerdict(c, json, cmd));
    case 'addr':
      return ipPair(await namespaceOf(env, c.node), c.node, ['addr', 'show', 'dev', c.iface], (json, cmd) => addrVerdict(c, json, cmd));
    case 'forwarding': {
      const e = await confined(await namespaceOf(env, c.node), c.node, ['sysctl', 'net.ipv4.ip_forward']);
      return { v: forwardingVerdict(c, e.stdout), evidence: [{ argv: e.argv, exitCode: e.exitCode, output: e.output }] };
    }
    case 'nat-used': {
      const ns = await namespaceOf(env, c.node);
      const before = await natCounter(env, ns, c.node);
      if (before.packets === null) {
        return { v: { ok: false, detail: `no masquerade rule of lab "${env.lab}" in ${c.node}` }, evidence: [before.evidence] };
      }
      if (!c.from || !c.to) {
        return { v: { ok: before.packets > 0, detail: `the masquerade counter is at ${before.packets} packet${before.packets === 1 ? '' : 's'}` }, evidence: [before.evidence] };
      }
      const p = await ping(env, c.from, c.to);
      const after = await natCounter(env, ns, c.node);
      const grew = after.packets !== null && after.packets > before.packets;
      const detail = after.packets === null
        ? 'the masquerade rule disappeared during the check'
        : `the masquerade counter went from ${before.packets} to ${after.packets} while ${c.from} pinged ${p.address} (${p.summary})`;
      return { v: { ok: grew, detail }, evidence: [before.evidence, p.evidence, after.evidence] };
    }
    case 'exists': {
      const isBridge = env.topology.nodes.some((n) => n.id === c.node && n.kind === 'bridge');
      const ns = await namespaceOf(env, c.node);
      if (!c.iface && !isBridge) {
        const argv = ns ? ['ls', '-d', `/run/netns/${ns}`] : ['true'];
        const res = ns ? await runArgv(argv, { timeoutMs: 5_000 }) : { exitCode: 0, stdout: '', stderr: '' };
        const said = ns ? `the namespace ${ns} exists` : 'the host context is this machine';
        return { v: { ok: res.exitCode === 0, detail: said }, evidence: ns ? [{ argv, exitCode: res.exitCode, output: clip(res.stdout + res.stderr) }] : [] };
      }
      const dev = c.iface ?? c.node;
      const e = await confined(ns, c.node, ['ip', '-d', 'link', 'show', 'dev', dev]);
      const bridgeOk = !isBridge || c.iface !== undefined || /\n\s+bridge\s/.test(e.stdout);
      const ok = e.exitCode === 0 && bridgeOk;
      const detail = e.exitCode !== 0 ? (e.output.split('\n')[0] || `there is no ${dev}`) : bridgeOk ? `${dev} exists` : `${dev} exists but is not a bridge`;
      return { v: { ok, detail }, evidence: [{ argv: e.argv, exitCode: e.exitCode, output: e.output }] };
    }
  }
}

/** Runs one check; never throws for a kernel that says no (that is a failed check, with its evidence). */
export async function runCheck(env: CheckEnv, c: Check): Promise<CheckResult> {
  const title = checkTitle(c);
  try {
    const { v, evidence } = await verdictOf(env, c);
    return { kind: c.kind, title, ok: v.ok, detail: v.detail, evidence };
  } catch (e) {
    if (e instanceof Missing) return { kind: c.kind, title, ok: false, detail: e.detail, evidence: e.evidence };
    const message = e instanceof Error ? e.message : String(e);
    return { kind: c.kind, title, ok: false, detail: `the check could not run: ${message}`, evidence: [] };
  }
}

/** Runs checks in order (a ping may fill the ARP table a later `neigh` check reads). */
export async function runChecks(env: CheckEnv, checks: Check[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) out.push(await runCheck(env, c));
  return out;
}
