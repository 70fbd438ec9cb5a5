// The verdict of each check from what the kernel printed: pure functions over the outputs of
// `ip -j`, `sysctl` and `nft list table` (checked with the read layer's schemas), unit-tested
// against real outputs (test/fixtures/kernel/).
import { parseCidr } from '@/lib/addr';
import type { Check } from '@/lib/checks';
import { parseIpLinks, parseIpNeighs, parseIpRoutes } from '@/server/kernel/read';

export interface Verdict {
  ok: boolean;
  detail: string;
}

/** A route destination as the kernel prints it: `default`, a network, a host address without /32. */
export function kernelDestination(to: string): string {
  if (to === 'default') return 'default';
  const c = parseCidr(to);
  if (!c) return to;
  if (c.prefix === 0) return 'default';
  return c.prefix === 32 ? c.address : c.network;
}

export function routeVerdict(c: Extract<Check, { kind: 'route' }>, json: string, command: string): Verdict {
  const routes = parseIpRoutes(command, json);
  const dst = kernelDestination(c.to);
  const same = routes.filter((r) => r.dst === dst && (r.type === undefined || r.type === 'unicast'));
  const match = same.find((r) => (c.via === undefined || r.gateway === c.via) && (c.dev === undefined || r.dev === c.dev));
  const say = (r: (typeof routes)[number]) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
  if (match) return { ok: true, detail: `found: ${say(match)}` };
  if (same.length) return { ok: false, detail: `the route to ${dst} is ${same.map(say).join(', ')}, not${c.via ? ` via ${c.via}` : ''}${c.dev ? ` dev ${c.dev}` : ''}` };
  return { ok: false, detail: `no route to ${dst}${routes.length ? ` (the routes are: ${routes.map(say).join('; ')})` : ' (the routing table is empty)'}` };
}

export function neighVerdict(c: Extract<Check, { kind: 'neigh' }>, json: string, command: string): Verdict {
  const entries = parseIpNeighs(command, json).filter((n) => n.dst === c.address);
  const known = entries.find((n) => n.lladdr && !(n.state ?? []).some((s) => s === 'FAILED' || s === 'INCOMPLETE'));
  if (known) return { ok: true, detail: `${c.address} is at ${known.lladdr} on ${known.dev ?? '?'} (${(known.state ?? []).join(',') || 'no state'})` };
  if (entries.length) return { ok: false, detail: `the entry for ${c.address} has no MAC address yet (${entries.map((n) => (n.state ?? []).join(',')).join('; ')})` };
  return { ok: false, detail: `no ARP entry for ${c.address}` };
}

export function linkVerdict(c: Extract<Check, { kind: 'link' }>, json: string, command: string): Verdict {
  const link = parseIpLinks(command, json).find((l) => l.ifname === c.iface);
  if (!link) return { ok: false, detail: `there is no interface ${c.iface}` };
  const up = (link.flags ?? []).includes('UP');
  const state = `${up ? 'UP' : 'DOWN'} (the kernel's operational state: ${link.operstate ?? 'unknown'})`;
  return { ok: up === (c.state === 'UP'), detail: `${c.iface} is ${state}` };
}

export function addrVerdict(c: Extract<Check, { kind: 'addr' }>, json: string, command: string): Verdict {
  const link = parseIpLinks(command, json).find((l) => l.ifname === c.iface);
  if (!link) return { ok: false, detail: `there is no interface ${c.iface}` };
  const want = parseCidr(c.address);
  const have = (link.addr_info ?? []).filter((a) => a.family === 'inet' && a.local).map((a) => `${a.local}/${a.prefixlen}`);
  const ok = have.some((h) => {
    const x = parseCidr(h);
    return !!x && !!want && x.address === want.address && x.prefix === want.prefix;
  });
  return { ok, detail: ok ? `${c.iface} has ${c.address}` : `${c.iface} has ${have.length ? have.join(', ') : 'no IPv4 address'}, not ${c.address}` };
}

/** `sysctl net.ipv4.ip_forward` prints `net.ipv4.ip_forward = 1`. */
export function forwardingVerdict(c: Extract<Check, { kind: 'forwarding' }>, text: string): Verdict {
  const m = /net\.ipv4\.ip_forward\s*=\s*([01])/.exec(text);
  if (!m) return { ok: false, detail: 'could not read net.ipv4.ip_forward' };
  const on = m[1] === '1';
  return { ok: on === c.enabled, detail: `net.ipv4.ip_forward is ${m[1]} (forwarding ${on ? 'on' : 'off'})` };
}

/**
 * The masquerade rules' packet counters in a listing of `nft list table ip T`, summed; null when
 * the listing has no masquerade rule with a counter (the table or its rule is gone).
 */
export function masqueradePackets(text: string): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    const m = /\bcounter packets (\d+) bytes \d+\b.*\bmasquerade\b/.exec(line);
    if (m) total = (total ?? 0) + Number(m[1]);
  }
  return total;
}

/** Ping's summary line, e.g. "2 packets transmitted, 2 received, 0% packet loss, time 201ms". */
export function pingSummary(output: string, exitCode: number): string {
  return /\d+ packets transmitted[^\n]*/.exec(output)?.[0] ?? (output.trim().split('\n').pop() || `ping exited with code ${exitCode}`);
}
