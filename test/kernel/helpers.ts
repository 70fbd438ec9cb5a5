// Helpers for the kernel-layer tests: unique names, hand-built plan steps (the planner is not
// used here), and cleanup that runs even when a test fails.
import { execa } from 'execa';
import type { KNatRule, KRoute } from '@/lib/kernel-state';
import { bridgeMark, linkMark, natTable, netnsMark } from '@/lib/names';
import type { Op, PlanStep } from '@/lib/ops';
import { listNetns } from '@/server/kernel/observer';

let counter = 0;

/** A short lab id no other test uses (namespace names carry it). */
export function uniqueLab(prefix = 't'): string {
  counter += 1;
  return `${prefix}${process.pid.toString(36)}${counter}`;
}

export async function sh(...argv: string[]) {
  const [file, ...args] = argv;
  return execa(file as string, args, { reject: false });
}

/** Deletes every namespace whose name starts with one of these prefixes. */
export async function removeNamespaces(prefixes: string[]): Promise<void> {
  for (const ns of await listNetns()) {
    if (!prefixes.some((p) => ns.startsWith(p))) continue;
    await sh('ip', 'netns', 'del', ns);
    // and the user namespace nslab made it with, if any
    await sh('umount', `/run/nslab/userns/${ns}`);
    await sh('rm', '-f', `/run/nslab/userns/${ns}`);
  }
}

export function step(op: Op, undo: Op[] = []): PlanStep {
  return { op, undo, change: 0 };
}

/** The pieces of a small lab: an isolated host with a bridge, namespaces on it, routes, NAT. */
export interface LabSpec {
  lab: string;
  host: string;
  nodes: Array<{ id: string; addr: string; gw?: string }>;
  hostAddr: string;
  nat?: KNatRule[];
  forwarding?: boolean;
}

export function labSpec(lab: string, count: number): LabSpec {
  return {
    lab,
    host: `${lab}-H`,
    hostAddr: '10.0.0.1/16',
    nodes: Array.from({ length: count }, (_, i) => ({ id: `n${i}`, addr: `10.0.${(i + 2) >> 8}.${(i + 2) & 255}/16`, gw: '10.0.0.1' })),
    nat: [{ source: '10.0.0.0/16', out: 'up0' }],
    forwarding: true,
  };
}

/** Hand-built steps that create the lab, each with its undo, in a planner's order. */
export function createSteps(s: LabSpec): PlanStep[] {
  const { lab, host } = s;
  const nsOf = (id: string) => `${lab}-${id}`;
  const out: PlanStep[] = [step({ type: 'netns.add', ns: host, mark: netnsMark(lab, 'host') }, [{ type: 'netns.del', ns: host }])];
  for (const n of s.nodes) out.push(step({ type: 'netns.add', ns: nsOf(n.id), mark: netnsMark(lab, n.id) }, [{ type: 'netns.del', ns: nsOf(n.id) }]));
  out.push(step({ type: 'bridge.add', ns: host, name: 'br0', mark: bridgeMark(lab, 'br0') }, [{ type: 'link.del', ns: host, name: 'br0' }]));
  for (const n of s.nodes) {
    const op: Op = { type: 'veth.add', ns: nsOf(n.id), name: 'eth0', peerNs: host, peerName: `v-${n.id}`, mark: linkMark(lab, n.id) };
    out.push(step(op, [{ type: 'link.del', ns: nsOf(n.id), name: 'eth0' }]));
  }
  out.push(step({ type: 'link.set', ns: host, name: 'br0', up: true }));
  out.push(step({ type: 'addr.add', ns: host, dev: 'br0', cidr: s.hostAddr }, [{ type: 'addr.del', ns: host, dev: 'br0', cidr: s.hostAddr }]));
  for (const n of s.nodes) {
    out.push(step({ type: 'link.set', ns: host, name: `v-${n.id}`, master: 'br0', up: true }));
    out.push(step({ type: 'addr.add', ns: nsOf(n.id), dev: 'eth0', cidr: n.addr }, [{ type: 'addr.del', ns: nsOf(n.id), dev: 'eth0', cidr: n.addr }]));
    out.push(step({ type: 'link.set', ns: nsOf(n.id), name: 'eth0', up: true }));
    if (n.gw) {
      const route: KRoute = { dst: 'default', via: n.gw };
      out.push(step({ type: 'route.add', ns: nsOf(n.id), route }, [{ type: 'route.del', ns: nsOf(n.id), route }]));
    }
  }
  if (s.forwarding) out.push(step({ type: 'sysctl.set', ns: host, key: 'net.ipv4.ip_forward', value: '1' }, [{ type: 'sysctl.set', ns: host, key: 'net.ipv4.ip_forward', value: '0' }]));
  if (s.nat) {
    const table = natTable(lab);
    out.push(step({ type: 'nft.load', ns: host, table, rules: s.nat, mark: `nslab:${lab}` }, [{ type: 'nft.del', ns: host, table }]));
  }
  return out;
}

/** The steps that remove the lab again (what destroy would do). */
export function destroySteps(s: LabSpec): PlanStep[] {
  return [
    ...(s.nat ? [step({ type: 'nft.del', ns: s.host, table: natTable(s.lab) })] : []),
    step({ type: 'link.del', ns: s.host, name: 'br0' }),
    ...s.nodes.map((n) => step({ type: 'netns.del', ns: `${s.lab}-${n.id}` })),
    step({ type: 'netns.del', ns: s.host }),
  ];
}

/** Namespace names a spec uses, for cleanup. */
export function namespacesOf(s: LabSpec): string[] {
  return [s.host, ...s.nodes.map((n) => `${s.lab}-${n.id}`)];
}

let netem: Promise<boolean> | null = null;

/**
 * Whether this kernel has netem (CONFIG_NET_SCH_NETEM or the sch_netem module): tried once on a
 * veth in a throwaway network namespace, which vanishes with its process.
 */
export function netemAvailable(): Promise<boolean> {
  netem ??= sh('unshare', '--net', 'sh', '-c', 'ip link add name nq0 type veth peer name nq1 && tc qdisc add dev nq0 root netem delay 1ms').then((r) => r.exitCode === 0);
  return netem;
}
