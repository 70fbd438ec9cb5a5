// Operations: the small, idempotent kernel steps a plan is made of, and the exact commands
// each one becomes. The driver runs these commands (batched); the command log and the script
// exporter show them. Namespace '' is the machine's own namespace.
import type { KNatRule, KRoute, KVlanMember } from './kernel-state';
import { labGroup, markLab } from './names';
import { netemArgs, type KNetem } from './netem';

export const FORWARDING_KEY = 'net.ipv4.ip_forward';
/** IPv6 forwarding: set in namespaces nslab owns only, never in the machine's own */
export const FORWARDING6_KEY = 'net.ipv6.conf.all.forwarding';
export type ForwardingKey = typeof FORWARDING_KEY | typeof FORWARDING6_KEY;

export type Op =
  /** NS and its own user namespace (see usernsPath); lo up; lo alias MARK */
  | { type: 'netns.add'; ns: string; mark: string }
  /** ip netns del NS, and its user namespace file */
  | { type: 'netns.del'; ns: string }
  /** only the user namespace file of NS (one a crash left without its network namespace) */
  | { type: 'userns.del'; ns: string }
  | { type: 'bridge.add'; ns: string; name: string; mark: string }
  /** a veth pair created with its peer straight in peerNs; both ends get the mark as alias */
  | { type: 'veth.add'; ns: string; name: string; peerNs: string; peerName: string; mark: string }
  | { type: 'link.del'; ns: string; name: string }
  | { type: 'link.set'; ns: string; name: string; up?: boolean; master?: string | null; mark?: string }
  | { type: 'addr.add'; ns: string; dev: string; cidr: string }
  | { type: 'addr.del'; ns: string; dev: string; cidr: string }
  | { type: 'route.add'; ns: string; route: KRoute }
  | { type: 'route.replace'; ns: string; route: KRoute }
  | { type: 'route.del'; ns: string; route: KRoute }
  | { type: 'sysctl.set'; ns: string; key: ForwardingKey; value: '0' | '1' }
  /** replaces the whole table atomically (nft -f) */
  | { type: 'nft.load'; ns: string; table: string; rules: KNatRule[]; mark: string }
  | { type: 'nft.del'; ns: string; table: string }
  /**
   * the netem qdisc at the root of interface dev (made or changed in place). `reset`: it replaces
   * a netem, whose corrupt and rate the kernel keeps unless they are given, so they are, as 0.
   */
  | { type: 'netem.set'; ns: string; dev: string; netem: KNetem; reset?: true }
  /** removes the root qdisc of dev (the interface goes back to its default) */
  | { type: 'netem.del'; ns: string; dev: string }
  // VLANs (lib/vlan.ts)
  /** ip link set dev NAME type bridge vlan_filtering 0|1 */
  | { type: 'bridge.vlanFiltering'; ns: string; name: string; on: boolean }
  /** bridge vlan add dev DEV vid N [pvid] [untagged] (also changes the flags of a vid it has) */
  | { type: 'bridge.vlan.add'; ns: string; dev: string; member: KVlanMember }
  | { type: 'bridge.vlan.del'; ns: string; dev: string; vid: number }
  /** an 802.1Q sub-interface NAME of PARENT; it gets the mark as alias */
  | { type: 'vlan.add'; ns: string; name: string; parent: string; id: number; mark: string };

export type OpType = Op['type'];

/**
 * One process to run. `ip` commands of one namespace may be batched by the driver (ip -batch).
 * `nsfile` commands make or remove the files that hold a namespace nslab creates (its name in
 * /run/netns and its user namespace in /run/nslab/userns), and set the new namespace's IPv6
 * defaults (NO_DAD_KEYS); they run in the machine's own namespace and concern namespace `netns`.
 * One with `afterCreate` runs only when the command before it in the same step made its file
 * (not when the file was there already and is ours).
 */
export type Command =
  | { tool: 'ip'; ns: string; args: string[] }
  | { tool: 'nft'; ns: string; args: string[]; stdin?: string }
  | { tool: 'sysctl'; ns: string; args: string[] }
  /** `tc [-n NS] ARGS`; the driver batches those of one namespace (tc -batch) */
  | { tool: 'tc'; ns: string; args: string[] }
  /** iproute2's `bridge` (VLAN membership of bridge ports) */
  | { tool: 'bridge'; ns: string; args: string[] }
  | { tool: 'nsfile'; ns: ''; netns: string; argv: string[]; afterCreate?: true; ifMounted?: true };

// Every namespace nslab creates is owned by a user namespace of its own (the netns "NS" by
// /run/nslab/userns/NS). Its root is an unprivileged uid outside (USERNS_ROOT_ID), and nobody
// is nobody inside too: a confined shell enters it (server/kernel/confine.ts), so its
// CAP_NET_ADMIN covers its own network namespace and no other. Root outside, in the ancestor
// user namespace, keeps every capability over all of them (ip -n, ip netns exec, nft, sysctl).
export const NETNS_DIR = '/run/netns';
export const NSLAB_RUN_DIR = '/run/nslab';
export const USERNS_DIR = `${NSLAB_RUN_DIR}/userns`;
/** newuidmap/newgidmap for root, which `unshare --map-users` runs (lib/idmap.ts writes them) */
export const IDMAP_DIR = `${NSLAB_RUN_DIR}/bin`;
export const USERNS_ROOT_ID = 65533;
export const NOBODY_ID = 65534;

export function usernsPath(ns: string): string {
  return `${USERNS_DIR}/${ns}`;
}

const nsfile = (netns: string, argv: string[], afterCreate = false): Command => ({ tool: 'nsfile', ns: '', netns, argv, ...(afterCreate ? { afterCreate: true as const } : {}) });

/** `umount PATH` only if PATH is a mount point: `if mountpoint -q PATH; then umount PATH; fi` */
const unmount = (netns: string, path: string, afterCreate = false): Command => ({ ...nsfile(netns, ['umount', path], afterCreate), ifMounted: true } as Command);

/** A command on namespace files as a line of shell (the driver's `sh` batches, the exported script). */
export function nsfileLine(cmd: Command & { tool: 'nsfile' }): string {
  const line = shellQuote(cmd.argv);
  return cmd.ifMounted ? `if mountpoint -q ${shellQuote(cmd.argv.slice(1))}; then ${line}; fi` : line;
}

/**
 * IPv6 without duplicate address detection in a namespace nslab creates (set right after its
 * creation, so every interface made in it or moved into it after that inherits `default`):
 * the link-local address the kernel gives each interface is usable at once instead of staying
 * `tentative` for a second or two. A router cannot ask for its next hop's link-layer address
 * (neighbour solicitation) for a packet it forwards while the link-local address of the way out
 * is tentative, so the first pings through a router just after apply were lost. `-e`: a kernel
 * without IPv6 has no such keys (nothing to do). Never set in this machine's own namespace.
 */
export const NO_DAD_KEYS = ['net.ipv6.conf.all.accept_dad', 'net.ipv6.conf.default.accept_dad'] as const;
const NO_DAD_ARGS = ['-q', '-e', '-w', ...NO_DAD_KEYS.map((k) => `${k}=0`)];

/** The commands that create network namespace NS, owned by a user namespace of its own. */
function netnsCreate(ns: string): Command[] {
  const map = `${USERNS_ROOT_ID},0,1`;
  return [
    // claims the name like `ip netns add`: fails if /run/netns/NS exists (O_EXCL)
    nsfile(ns, ['dd', 'if=/dev/null', `of=${NETNS_DIR}/${ns}`, 'conv=excl', 'status=none']),
    // a user namespace file of that name is a leftover (its namespace was deleted by hand, say):
    // unmounted, it is reused
    unmount(ns, usernsPath(ns), true),
    nsfile(ns, ['dd', 'if=/dev/null', `of=${usernsPath(ns)}`, 'status=none'], true),
    // a new user namespace and a network namespace owned by it, both kept by bind mounts
    nsfile(ns, ['env', `PATH=${IDMAP_DIR}:/usr/sbin:/usr/bin:/sbin:/bin`, 'unshare', `--user=${usernsPath(ns)}`, `--net=${NETNS_DIR}/${ns}`, '--mount', `--map-users=${map}`, `--map-groups=${map}`, 'true'], true),
    // before any interface is made in it or moved into it: no IPv6 duplicate address detection
    nsfile(ns, ['ip', 'netns', 'exec', ns, 'sysctl', ...NO_DAD_ARGS], true),
  ];
}

/** Removes the user namespace file of NS (after its network namespace is gone). */
export function usernsRemove(ns: string): Command[] {
  return [unmount(ns, usernsPath(ns)), nsfile(ns, ['rm', '-f', usernsPath(ns)])];
}

/** `ip -n NS ARGS` (or plain `ip ARGS` in the machine's own namespace) */
const ip = (ns: string, ...args: string[]): Command => ({ tool: 'ip', ns, args });

export function routeArgs(r: KRoute): string[] {
  const out = [r.dst];
  if (r.via) out.push('via', r.via);
  if (r.dev) out.push('dev', r.dev);
  return out;
}

export function nftScript(table: string, rules: KNatRule[], mark: string): string {
  const lines = [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `\tcomment "${mark}"`,
    `\tchain postrouting {`,
    `\t\ttype nat hook postrouting priority srcnat; policy accept;`,
    ...rules.map((r) => `\t\tip saddr ${r.source} oifname "${r.out}" counter masquerade`),
    `\t}`,
    `}`,
  ];
  return lines.join('\n') + '\n';
}

/** `group N`: the lab's interface group, set by the same command that creates the link. */
function groupOf(mark: string): string[] {
  const lab = markLab(mark);
  return lab ? ['group', String(labGroup(lab))] : [];
}

/** The commands an operation runs, in order. */
export function commandsFor(op: Op): Command[] {
  switch (op.type) {
    case 'netns.add':
      return [
        ...netnsCreate(op.ns),
        ip(op.ns, 'link', 'set', 'dev', 'lo', 'up'),
        ip(op.ns, 'link', 'set', 'dev', 'lo', 'alias', op.mark),
      ];
    case 'netns.del':
      return [ip('', 'netns', 'del', op.ns), ...usernsRemove(op.ns)];
    case 'userns.del':
      return usernsRemove(op.ns);
    case 'bridge.add':
      return [
        ip(op.ns, 'link', 'add', 'name', op.name, ...groupOf(op.mark), 'type', 'bridge'),
        ip(op.ns, 'link', 'set', 'dev', op.name, 'alias', op.mark),
      ];
    case 'veth.add': {
      // Create from the side that can name the other: the machine's own namespace has no name
      // in /run/netns, so when one end lives there, the command runs there.
      const flip = op.peerNs === '' && op.ns !== '';
      const [ns, name, peerNs, peerName] = flip
        ? [op.peerNs, op.peerName, op.ns, op.name]
        : [op.ns, op.name, op.peerNs, op.peerName];
      const add = ['link', 'add', 'name', name, ...groupOf(op.mark), 'type', 'veth', 'peer', 'name', peerName, ...groupOf(op.mark)];
      if (peerNs !== ns) add.push('netns', peerNs);
      return [
        ip(ns, ...add),
        ip(ns, 'link', 'set', 'dev', name, 'alias', op.mark),
        ip(peerNs, 'link', 'set', 'dev', peerName, 'alias', op.mark),
      ];
    }
    case 'link.del':
      return [ip(op.ns, 'link', 'del', 'dev', op.name)];
    case 'link.set': {
      const out: Command[] = [];
      if (op.master !== undefined)
        out.push(op.master === null ? ip(op.ns, 'link', 'set', 'dev', op.name, 'nomaster') : ip(op.ns, 'link', 'set', 'dev', op.name, 'master', op.master));
      if (op.mark !== undefined) out.push(ip(op.ns, 'link', 'set', 'dev', op.name, ...groupOf(op.mark), 'alias', op.mark));
      if (op.up !== undefined) out.push(ip(op.ns, 'link', 'set', 'dev', op.name, op.up ? 'up' : 'down'));
      return out;
    }
    case 'addr.add':
      // IPv6: without duplicate address detection, so the address is usable (not `tentative`)
      // as soon as the command returns
      return [ip(op.ns, 'addr', 'add', op.cidr, 'dev', op.dev, ...(op.cidr.includes(':') ? ['nodad'] : []))];
    case 'addr.del':
      return [ip(op.ns, 'addr', 'del', op.cidr, 'dev', op.dev)];
    case 'route.add':
      return [ip(op.ns, 'route', 'add', ...routeArgs(op.route))];
    case 'route.replace':
      return [ip(op.ns, 'route', 'replace', ...routeArgs(op.route))];
    case 'route.del':
      return [ip(op.ns, 'route', 'del', ...routeArgs(op.route))];
    case 'sysctl.set':
      return [{ tool: 'sysctl', ns: op.ns, args: ['-w', `${op.key}=${op.value}`] }];
    case 'nft.load':
      return [{ tool: 'nft', ns: op.ns, args: ['-f', '-'], stdin: nftScript(op.table, op.rules, op.mark) }];
    case 'nft.del':
      return [{ tool: 'nft', ns: op.ns, args: ['delete', 'table', 'ip', op.table] }];
    case 'netem.set':
      return [{ tool: 'tc', ns: op.ns, args: ['qdisc', 'replace', 'dev', op.dev, 'root', 'netem', ...netemArgs(op.netem, op.reset === true)] }];
    case 'netem.del':
      return [{ tool: 'tc', ns: op.ns, args: ['qdisc', 'del', 'dev', op.dev, 'root'] }];
    case 'bridge.vlanFiltering':
      return [ip(op.ns, 'link', 'set', 'dev', op.name, 'type', 'bridge', 'vlan_filtering', op.on ? '1' : '0')];
    case 'bridge.vlan.add':
      return [{ tool: 'bridge', ns: op.ns, args: ['vlan', 'add', 'dev', op.dev, 'vid', String(op.member.vid), ...(op.member.pvid ? ['pvid'] : []), ...(op.member.untagged ? ['untagged'] : [])] }];
    case 'bridge.vlan.del':
      return [{ tool: 'bridge', ns: op.ns, args: ['vlan', 'del', 'dev', op.dev, 'vid', String(op.vid)] }];
    case 'vlan.add':
      return [
        ip(op.ns, 'link', 'add', 'link', op.parent, 'name', op.name, ...groupOf(op.mark), 'type', 'vlan', 'id', String(op.id)),
        ip(op.ns, 'link', 'set', 'dev', op.name, 'alias', op.mark),
      ];
  }
}

/** The full argv a person would type for a command (what the command log shows). */
export function argvOf(cmd: Command): string[] {
  if (cmd.tool === 'nsfile') return cmd.argv;
  if (cmd.tool === 'ip' || cmd.tool === 'tc' || cmd.tool === 'bridge') return cmd.ns ? [cmd.tool, '-n', cmd.ns, ...cmd.args] : [cmd.tool, ...cmd.args];
  const base = [cmd.tool, ...cmd.args];
  return cmd.ns ? ['ip', 'netns', 'exec', cmd.ns, ...base] : base;
}

/** Quotes an argv for display (POSIX shell rules), e.g. for the command log and the script export. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Plans

export type Action = 'create' | 'update' | 'delete' | 'replace';
export type ResourceKind = 'namespace' | 'bridge' | 'veth' | 'vlan' | 'route' | 'forwarding' | 'nat';

export interface Change {
  action: Action;
  resource: ResourceKind;
  /** a readable address, e.g. `veth A:eth0 <-> br0:veth-A` or `namespace seed-A` */
  address: string;
  /** the namespace it lives in ('' = the machine's own) */
  ns: string;
  /** what differs, one line each, e.g. `addresses: 10.0.0.3/24 -> 10.0.0.33/24` */
  details: string[];
}

export interface PlanStep {
  op: Op;
  /** ops that undo this step if a later step fails (run in order) */
  undo: Op[];
  /** index of the change this step belongs to */
  change: number;
}

export interface Conflict {
  /** namespace ('' = the machine's own) and object name */
  ns: string;
  object: string;
  message: string;
}

export interface Plan {
  lab: string;
  changes: Change[];
  steps: PlanStep[];
  summary: { add: number; change: number; destroy: number };
  /** foreign objects in the way: apply refuses while there are any */
  conflicts: Conflict[];
}
