// The lab as a standalone POSIX shell script: the very ip/nft/sysctl commands nslab runs (the
// planner's steps from an empty kernel, rendered by lib/ops), grouped and commented in the
// order of the tutorial, with a `down` part that removes the lab again.
import { compile, type Compiled } from '../compile';
import { type KernelState, type KNamespace } from '../kernel-state';
import { idmapHelper } from '../idmap';
import { argvOf, commandsFor, FORWARDING_KEY, IDMAP_DIR, NETNS_DIR, nsfileLine, shellQuote, USERNS_DIR, type Command, type Op } from '../ops';
import { plan } from '../plan';
import { servicesOf, serviceScriptLines } from '../services';
import { HOST_ID, type Topology } from '../topology';

export interface ScriptOptions {
  /** where the host side lives: '' this machine, a name an isolated namespace (default: the file's host.netns) */
  hostNetns?: string;
}

type Section = 'namespaces' | 'bridges' | 'cables' | 'ports' | 'vlans' | 'addresses' | 'up' | 'netem' | 'routes' | 'forwarding' | 'nat' | 'other';

/** The tutorial's order: every op of one section may follow every op of the sections before it. */
const SECTION_ORDER: Section[] = ['namespaces', 'bridges', 'cables', 'ports', 'vlans', 'addresses', 'up', 'netem', 'routes', 'forwarding', 'nat', 'other'];

function sectionOf(op: Op): Section {
  switch (op.type) {
    case 'netns.add':
      return 'namespaces';
    case 'bridge.add':
      return 'bridges';
    case 'veth.add':
      return 'cables';
    case 'link.set':
      return op.master !== undefined ? 'ports' : op.up !== undefined ? 'up' : 'other';
    case 'addr.add':
      return 'addresses';
    case 'route.add':
    case 'route.replace':
      return 'routes';
    case 'sysctl.set':
      return 'forwarding';
    case 'nft.load':
      return 'nat';
    case 'netem.set':
      return 'netem';
    case 'vlan.add':
    case 'bridge.vlanFiltering':
    case 'bridge.vlan.add':
    case 'bridge.vlan.del':
      return 'vlans';
    default:
      return 'other';
  }
}

/** Names a student recognises: node ids, "the host" for the host context. */
class Namer {
  private readonly nodeOfNs = new Map<string, string>();
  constructor(readonly compiled: Compiled) {
    for (const [node, ns] of Object.entries(compiled.nodeNs)) if (node === HOST_ID || ns !== compiled.hostNs) this.nodeOfNs.set(ns, node);
  }
  node(ns: string): string {
    return this.nodeOfNs.get(ns) ?? ns;
  }
  who(ns: string): string {
    return ns === this.compiled.hostNs ? 'the host' : this.node(ns);
  }
}

const list = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);
const unique = (items: string[]) => [...new Set(items)];

/** Title and explanation of a section, from the ops in it. */
function describeSection(section: Section, ops: Op[], names: Namer): { title: string; body: string[] } {
  const host = names.compiled.hostNs;
  const hostWhere = host ? `in the isolated host namespace ${host}` : "in this machine's own namespace";
  switch (section) {
    case 'namespaces': {
      const nodes = ops.flatMap((o) => (o.type === 'netns.add' && o.ns !== host ? [names.node(o.ns)] : []));
      const hostToo = ops.some((o) => o.type === 'netns.add' && o.ns === host);
      const what = [hostToo ? `the isolated host ${host} (it stands in for this machine)` : '', nodes.length ? `the namespace${nodes.length > 1 ? 's' : ''} ${list(nodes)}` : ''].filter(Boolean);
      return {
        title: `Create ${list(what)}`,
        body: [
          'A network namespace is a separate copy of the network stack: its own interfaces,',
          'routes and firewall. dd claims its name (and fails if it is taken); unshare makes it,',
          `owned by a user namespace of its own (kept in ${USERNS_DIR}/NAME): a root shell there`,
          'rules that namespace only. IPv6 duplicate address detection is turned off in it (accept_dad),',
          "so every interface's addresses are usable at once, not `tentative` for a second or two.",
          'Each gets its loopback up, and an alias on lo that marks it as',
          `part of lab "${names.compiled.lab}".`,
        ],
      };
    }
    case 'bridges': {
      const bridges = ops.flatMap((o) => (o.type === 'bridge.add' ? [o.name] : []));
      return {
        title: `${bridges.length > 1 ? 'Bridges' : 'A bridge'} on the host: ${list(bridges)}`,
        body: [`A bridge is a virtual switch (${hostWhere}); the host ends of the veth cables plug into it.`],
      };
    }
    case 'cables':
      return {
        title: 'Virtual cables: one veth pair per link',
        body: [
          'A veth pair is two interfaces joined like the two ends of a cable. The pair is created',
          'with one end straight in the other namespace, and both ends are marked with the link.',
        ],
      };
    case 'ports': {
      const bridges = unique(ops.flatMap((o) => (o.type === 'link.set' && o.master ? [o.master] : [])));
      return { title: `Plug the host ends into ${list(bridges)}`, body: ['A port of a bridge carries no address of its own; the bridge switches frames between its ports.'] };
    }
    case 'vlans': {
      const bridges = unique(ops.flatMap((o) => (o.type === 'bridge.vlanFiltering' && o.on ? [o.name] : [])));
      const subs = ops.flatMap((o) => (o.type === 'vlan.add' ? [`${names.node(o.ns)}:${o.name}`] : []));
      const what = [bridges.length ? `VLAN filtering on ${list(bridges)}` : '', ops.some((o) => o.type === 'bridge.vlan.add') ? 'the VLANs of its ports' : '', subs.length ? `the sub-interfaces ${list(subs)}` : ''].filter(Boolean);
      return {
        title: `VLANs: ${list(what)}`,
        body: [
          'A VLAN-filtering bridge forwards a frame only between ports that are members of its VLAN.',
          'An access port (pvid untagged) puts untagged frames on one VLAN; a trunk carries tagged ones.',
          'A port starts in VLAN 1, so an access port on another VLAN leaves VLAN 1.',
          'An 802.1Q sub-interface such as eth0.10 sends and receives the frames tagged 10 on eth0.',
        ],
      };
    }
    case 'addresses':
      return {
        title: 'Give the interfaces their addresses',
        body: ['Adding 10.0.0.2/24 to an interface also adds the route to 10.0.0.0/24 through it (a connected route).'],
      };
    case 'up':
      return { title: 'Bring the interfaces up', body: ['Interfaces start DOWN; nothing flows until both ends of a cable are up.'] };
    case 'netem':
      return {
        title: 'Impaired links: netem on the interfaces that send through them',
        body: [
          'netem is a queueing discipline: it delays, drops, duplicates, corrupts or slows the packets',
          'an interface sends. A link impaired on both ends is delayed both ways (a 50ms delay: 100ms of round trip).',
        ],
      };
    case 'routes': {
      const who = unique(ops.flatMap((o) => (o.type === 'route.add' || o.type === 'route.replace' ? [names.who(o.ns)] : [])));
      return {
        title: `Routes of ${list(who)}`,
        body: ['Where to send packets for networks that are not directly connected, e.g. a default route via a gateway.'],
      };
    }
    case 'forwarding': {
      const on = ops.flatMap((o) => (o.type === 'sysctl.set' && o.value === '1' ? [names.who(o.ns)] : []));
      const off = ops.flatMap((o) => (o.type === 'sysctl.set' && o.value === '0' ? [names.who(o.ns)] : []));
      const keys = [...new Set(ops.flatMap((o) => (o.type === 'sysctl.set' ? [o.key] : [])))].sort().join(', ') || FORWARDING_KEY;
      return {
        title: on.length ? `Let ${list(unique(on))} forward packets between ${unique(on).length > 1 ? 'their' : 'its'} interfaces (${keys})` : `Forwarding (${keys})`,
        body: [
          'Without forwarding, Linux drops packets that are not addressed to itself.',
          ...(off.length ? [`${list(off)} must not forward; a new namespace may start with the machine's setting, so it is set either way.`] : []),
        ],
      };
    }
    case 'nat': {
      const rules = ops.flatMap((o) => (o.type === 'nft.load' ? o.rules.map((r) => `${r.source} out of ${r.out}`) : []));
      return {
        title: `NAT: masquerade ${list(rules)}`,
        body: [
          'Packets from that network leaving through that interface take its address as their source,',
          'so the other side can answer without a route back. The rules live in a table of their own,',
          'loaded in one go with nft -f.',
        ],
      };
    }
    case 'other':
      return { title: 'Other settings', body: [] };
  }
}

/** One command as a line of shell; nft's script goes in a quoted here-document. */
function renderCommand(cmd: Command): string[] {
  const line = shellQuote(argvOf(cmd));
  // a user namespace file is unmounted only if it is mounted (a namespace made otherwise has none)
  if (cmd.tool === 'nsfile') return [nsfileLine(cmd)];
  if (cmd.tool !== 'nft' || cmd.stdin === undefined) return [line];
  let tag = 'EOF';
  while (cmd.stdin.split('\n').includes(tag)) tag += '_';
  return [`${line} <<'${tag}'`, ...cmd.stdin.replace(/\n$/, '').split('\n'), tag];
}

/** A comment naming the object, for ops whose commands do not say it plainly. */
function opComment(op: Op, names: Namer): string | null {
  if (op.type === 'veth.add') return `${names.node(op.ns)}:${op.name} <-> ${names.node(op.peerNs)}:${op.peerName}`;
  return null;
}

/** The machine's own namespace exists before any lab, so the planner starts from it, empty. */
function startState(compiled: Compiled): KernelState {
  if (compiled.hostNs !== '') return { namespaces: {} };
  const own: KNamespace = { name: '', mark: null, owned: false, links: {}, routes: [], forwarding: false, nat: null };
  return { namespaces: { '': own } };
}

export function savedForwardingPath(lab: string): string {
  return `/run/nslab-${lab}.ip_forward`;
}

function upBody(compiled: Compiled, names: Namer): string[] {
  const p = plan(compiled.lab, compiled.desired, startState(compiled));
  const bySection = new Map<Section, Op[]>();
  for (const step of p.steps) {
    const s = sectionOf(step.op);
    bySection.set(s, [...(bySection.get(s) ?? []), step.op]);
  }
  const out: string[] = [];
  let n = 0;
  for (const section of SECTION_ORDER) {
    const ops = bySection.get(section);
    if (!ops?.length) continue;
    const { title, body } = describeSection(section, ops, names);
    n++;
    if (out.length) out.push('');
    out.push(`# ${n}. ${title}`, ...body.map((l) => `#    ${l}`), `say ${shellQuote([`${n}. ${title}`])}`);
    for (const op of ops) {
      const note = opComment(op, names);
      if (note) out.push(`# ${note}`);
      // The machine's own ip_forward is the user's: remember it so that `down` can put it back.
      if (op.type === 'sysctl.set' && op.ns === '')
        out.push(`[ -e "$SAVED_FORWARD" ] || sysctl -n ${FORWARDING_KEY} > "$SAVED_FORWARD"`);
      for (const cmd of commandsFor(op)) out.push(...renderCommand(cmd));
    }
  }
  return out;
}

/** Services (a node's `run`): started in the background once everything else is up. */
function servicesUp(t: Topology, compiled: Compiled): string[] {
  const lines = serviceScriptLines(t, compiled.nodeNs);
  if (!lines.length) return [];
  const title = 'Start the services in the background';
  return ['', `# ${title}`, '#    Each runs in its namespace (as root here; nslab itself runs them as nobody); down stops them.', `say ${shellQuote([title])}`, ...lines];
}

function downBody(compiled: Compiled, t: Topology): string[] {
  const { hostNs, desired } = compiled;
  const out: string[] = [];
  let n = 0;
  const step = (title: string, lines: string[]) => {
    if (!lines.length) return;
    n++;
    if (out.length) out.push('');
    out.push(`# ${n}. ${title}`, `say ${shellQuote([`${n}. ${title}`])}`, ...lines);
  };
  const run = (op: Op) => commandsFor(op).flatMap(renderCommand);
  // a namespace is deleted only by name: the processes in it (the services) are stopped first
  const serviceNs = [...new Set(servicesOf(t).map((s) => compiled.nodeNs[s.node]!))];
  step(
    'Stop the services (every process in their namespaces)',
    serviceNs.flatMap((s) => [`if [ -e /run/netns/${shellQuote([s])} ]; then ip netns pids ${shellQuote([s])} | xargs -r kill; fi`]),
  );
  const own = hostNs === '' ? desired.namespaces[''] : undefined;
  if (own) {
    // Namespaces take everything inside them along; the machine's own namespace does not,
    // so the lab's NAT table and links there are removed one by one, and only if they are ours.
    if (own.nat)
      step(`Remove the NAT table ${own.nat.table} from this machine`, [
        `if nft list table ip ${shellQuote([own.nat.table])} >/dev/null 2>&1; then`,
        ...run({ type: 'nft.del', ns: '', table: own.nat.table }).map((l) => `  ${l}`),
        'fi',
      ]);
    const links = Object.values(own.links).sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'veth' ? -1 : 1));
    step(
      'Remove the lab interfaces from this machine (a veth pair goes with either end; a bridge releases its ports)',
      links.flatMap((l) => [
        `if owned ${shellQuote([l.name, l.mark ?? ''])}; then`,
        ...run({ type: 'link.del', ns: '', name: l.name }).map((x) => `  ${x}`),
        'fi',
      ]),
    );
  }
  const spaces = Object.values(desired.namespaces).filter((k) => k.owned).map((k) => k.name);
  step(
    `Delete the namespace${spaces.length > 1 ? 's' : ''} ${list(spaces.map((s) => (s === hostNs ? `${s} (the isolated host)` : s)))}, with everything in them`,
    spaces.flatMap((s) => [
      `if [ -e /run/netns/${shellQuote([s])} ]; then`,
      ...run({ type: 'netns.del', ns: s }).map((l) => `  ${l}`),
      'fi',
    ]),
  );
  if (own?.forwarding)
    step(`Restore ${FORWARDING_KEY} of this machine to its value before up`, [
      'if [ -e "$SAVED_FORWARD" ]; then',
      `  sysctl -w ${FORWARDING_KEY}="$(cat "$SAVED_FORWARD")"`,
      '  rm -f "$SAVED_FORWARD"',
      'fi',
    ]);
  return out;
}

/** The folder of user namespace files and the id-map helpers `unshare --map-users` runs (lib/idmap.ts). */
function usernsSupport(): string[] {
  const helper = (kind: 'uid' | 'gid') => {
    const path = `${IDMAP_DIR}/new${kind}map`;
    const text = idmapHelper(kind).replace(/\n$/, '').split('\n');
    let tag = 'EOF';
    while (text.includes(tag)) tag += '_';
    return [`  tee ${path} >/dev/null <<'${tag}'`, ...text, tag, `  chmod 755 ${path}`];
  };
  return [
    `# userns_support: the folders of namespace files (${NETNS_DIR}, ${USERNS_DIR}), and newuidmap and`,
    '# newgidmap for root: `unshare --map-users` runs them to give a new user namespace its ids',
    'userns_support() {',
    `  mkdir -p ${NETNS_DIR} ${USERNS_DIR} ${IDMAP_DIR}`,
    ...helper('uid'),
    ...helper('gid'),
    '}',
  ];
}

const indent = (lines: string[]) => lines.map((l) => (l === '' ? '' : `  ${l}`));

/** Indents a body, except the lines of here-documents (their content and end tag stay as they are). */
function indentBody(lines: string[]): string[] {
  const out: string[] = [];
  let tag: string | null = null;
  for (const l of lines) {
    if (tag !== null) {
      out.push(l);
      if (l === tag) tag = null;
      continue;
    }
    out.push(...indent([l]));
    const m = /<<'([A-Za-z_]+)'$/.exec(l);
    if (m) tag = m[1]!;
  }
  return out;
}

export function toScript(t: Topology, opts: ScriptOptions = {}): string {
  const compiled = compile(t, opts);
  const names = new Namer(compiled);
  const { lab, hostNs } = compiled;
  const where = hostNs
    ? `the isolated namespace ${hostNs}, which up creates and down deletes; this machine's own network is left alone`
    : "this machine's own network namespace (bridges, host addresses, ip_forward and NAT go there)";
  const description = (t.description ?? '').split(/\r?\n|\r/).filter((l) => l.trim());
  return [
    '#!/bin/sh',
    `# Lab "${lab}", exported from nslab: the ip, nft and sysctl commands (and dd and unshare for the`,
    '# namespaces) that build it from nothing.',
    ...description.map((l) => `# ${l}`),
    '#',
    '# Run it as root on a Linux machine with iproute2 (and nftables for NAT):',
    '#   sh lab.sh up      build the lab (the default)',
    '#   sh lab.sh down    remove it again',
    `# The host side lives in ${where}.`,
    '# `up` expects none of the lab to exist yet; if it stops halfway, run `down` and try again.',
    'set -eu',
    '',
    "# up saves this machine's ip_forward here, for down to restore it",
    `SAVED_FORWARD=\${NSLAB_SAVED_FORWARD:-${shellQuote([savedForwardingPath(lab)])}}`,
    '',
    'say() { printf \'== %s\\n\' "$*"; }',
    '',
    '# owned NAME MARK: true when this namespace has a link NAME whose alias is MARK (made by this lab)',
    'owned() { ip link show dev "$1" 2>/dev/null | grep -qxF "    alias $2"; }',
    '',
    ...usernsSupport(),
    '',
    'up() {',
    '  userns_support',
    '',
    ...indentBody(upBody(compiled, names)),
    ...indentBody(servicesUp(t, compiled)),
    '',
    `  say ${shellQuote([`Lab ${lab} is up. Look around: ip netns list; ip -n NAMESPACE addr`])}`,
    '}',
    '',
    'down() {',
    ...indentBody(downBody(compiled, t)),
    '',
    `  say ${shellQuote([`Lab ${lab} is down.`])}`,
    '}',
    '',
    'if [ "$(id -u)" != 0 ]; then',
    '  echo "this script changes the network: run it as root, e.g. sudo sh $0 ${1:-up}" >&2',
    '  exit 1',
    'fi',
    '',
    'case "${1:-up}" in',
    '  up) up ;;',
    '  down) down ;;',
    '  *) echo "usage: sh $0 [up|down]" >&2; exit 2 ;;',
    'esac',
    '',
  ].join('\n');
}
