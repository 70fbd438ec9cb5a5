// The rules of meaning of a topology that passed the schema: a table, run in order by one loop
// (`semanticProblems` in lib/validate.ts). Each rule is named after what it checks and lists
// its problems through `add`; the order of the table is the order problems are listed in.
// Every rule is linear in the size of the lab (maps and indexes from lib/rules-facts.ts, never a
// search inside a loop).
import { familyOf, parseCidr, parseCidr6, toInt } from './addr';
import { ipv6AddressesAreHostAddresses, ipv6AddressesDoNotCollide, ipv6GatewayIsSound, ipv6SegmentsHaveOneSubnet } from './rules-ipv6';
import { contextOf, type NodeKind } from './model';
import { netnsName } from './names';
import { forwards, HOST_ID, type Endpoint, type Link, type Nat, type Route } from './topology';
import { segmentText, vlansAreSound } from './vlan';
import { addrPath, FEW, ifacePath, maskOf, overlapping, span, W, type Lab, type Placed } from './rules-facts';

export type Add = (path: string, message: string) => void;
/** A rule lists its problems; `false` stops the table (later rules need what it vouches for). */
export type Rule = (lab: Lab, add: Add, found: () => number) => void | boolean;

/** Node ids are unique (case aside), and none takes `host`, the implicit host node. */
function nodeIdsAreUnique(lab: Lab, add: Add): void {
  const seen = new Map<string, number>();
  lab.t.nodes.forEach((n, i) => {
    if (n.id === HOST_ID) add(`nodes[${i}].id`, `"host" is the implicit host node; give this node another id`);
    const prev = seen.get(n.id.toLowerCase());
    if (prev !== undefined) add(`nodes[${i}].id`, `duplicate node id "${n.id}" (also nodes[${prev}])`);
    else seen.set(n.id.toLowerCase(), i);
  });
}

/**
 * Namespaces are global: an isolated host must not take the name of one of the lab's own, and a
 * node's namespace (its `netns`, in adopted labs, or `<lab>-<id>`) is its alone.
 */
function namespacesAreUnique(lab: Lab, add: Add): void {
  const { t } = lab;
  const namespaces = new Map<string, number>();
  t.nodes.forEach((n, i) => {
    if (n.kind !== 'namespace') return;
    const ns = n.netns ?? netnsName(t.name, n.id);
    if (t.host?.netns && t.host.netns === ns)
      add('host.netns', `namespace "${t.host.netns}" is node "${n.id}"'s own namespace; choose another name for the isolated host`);
    const prev = namespaces.get(ns);
    if (prev !== undefined) add(`nodes[${i}].netns`, `namespace "${ns}" is also node "${t.nodes[prev]!.id}"'s (nodes[${prev}]); each node needs its own`);
    else namespaces.set(ns, i);
  });
}

// Links, one at a time: each link rule sees the link and keeps what it needs across links.
type LinkRule = (l: Link, i: number, lab: Lab, add: Add) => void;

function linkIdsAreUnique(): LinkRule {
  const ids = new Map<string, number>();
  return (l, i, _lab, add) => {
    if (!l.id) return;
    const prev = ids.get(l.id);
    if (prev !== undefined) add(`links[${i}].id`, `duplicate link id "${l.id}" (also links[${prev}])`);
    else ids.set(l.id, i);
  };
}

// Each end of a link, a then b: the three rules below exclude each other (by the end's node kind).
type EndRule = (e: Endpoint, at: string, kind: NodeKind | undefined, add: Add) => void;

const endNodesExist: EndRule = (e, at, kind, add) => {
  if (!kind) add(`${at}.node`, `unknown node "${e.node}": no node has this id`);
};

const bridgePortsCarryNoAddress: EndRule = (e, at, kind, add) => {
  if (kind === 'bridge' && e.addresses?.length) add(`${at}.addresses`, `a bridge port carries no address: put it on bridge "${e.node}" (its addresses)`);
};

const endsHaveAnInterfaceName: EndRule = (e, at, kind, add) => {
  if (kind && kind !== 'bridge' && !e.iface) add(`${at}.iface`, `an interface name is required for "${e.node}"'s end of the link`);
};

/** Runs the end rules on end a, then on end b. */
function eachEnd(...rules: EndRule[]): () => LinkRule {
  return function linkEnds() {
    return (l, i, lab, add) => {
      for (const side of ['a', 'b'] as const) {
        const e = l[side];
        const kind = lab.kinds.get(e.node);
        for (const rule of rules) rule(e, `links[${i}].${side}`, kind, add);
      }
    };
  };
}

function linksJoinTwoNodes(): LinkRule {
  return (l, i, _lab, add) => {
    if (l.a.node === l.b.node) add(`links[${i}].b.node`, `a link needs two different nodes; both ends are "${l.a.node}"`);
  };
}

/** Runs the link rules on each link in turn (so a link's problems stay together). */
function eachLink(...rules: (() => LinkRule)[]): Rule {
  const each = (lab: Lab, add: Add) => {
    const checks = rules.map((make) => make());
    lab.t.links.forEach((l, i) => {
      for (const check of checks) check(l, i, lab, add);
    });
  };
  return Object.defineProperty(each, 'name', { value: `eachLink(${rules.map((r) => r.name).join(', ')})` });
}

/** The rules below read normalized links and so assume sound references: stop if anything was found. */
function referencesAreSound(_lab: Lab, _add: Add, found: () => number): boolean {
  return found() === 0;
}

/** Interface names are unique per context (a namespace node, or the host context with its bridges). */
function interfaceNamesAreUnique(lab: Lab, add: Add): void {
  const { ifaces } = lab;
  for (const l of lab.links) {
    for (let s = 0; s < 2; s++) {
      const e = s ? l.b : l.a;
      const at = l.index * 2 + s;
      const first = ifaces.get(contextOf(e.kind, e.node))!.get(e.iface)!;
      if (first !== at) {
        const where = e.kind === 'namespace' ? `in "${e.node}"` : 'in the host context';
        add(ifacePath(at), `interface name "${e.iface}" is used twice ${where} (also ${ifacePath(first)})`);
      }
    }
  }
}

/** The network or broadcast address of a /0../30 is not a usable host address. */
function addressesAreHostAddresses(lab: Lab, add: Add): void {
  for (const p of lab.addresses.placed) {
    const { text, cidr, n, net } = p;
    if (cidr.prefix < 31 && (n === net || n === net + span(cidr.prefix) - 1))
      add(addrPath(p), `${text} is the ${cidr.address === cidr.network.split('/')[0] ? 'network' : 'broadcast'} address of ${cidr.network}; use a host address`);
  }
}

/**
 * No address twice on one segment or in one context, and no subnet overlapping another
 * interface's in one context. Each address is compared with the earlier ones through indexes
 * instead of pairs. The same address on one segment: a map by (segment, address). In one context
 * with few addresses (a namespace): the earlier ones one by one; in a context with many (the
 * host), indexes by address and by network, where a prefix overlaps another when one contains
 * the other's network: every shorter prefix length the context uses is looked up with this
 * address cut to it, and the longer ones are found by their own networks cut to this prefix.
 */
function addressesDoNotCollide(lab: Lab, add: Add): void {
  const { placed, members } = lab.addresses;
  interface Many {
    prefixes: number[];
    address: Map<number, number[]>;
    /** prefix * W + network -> interface -> indexes: by each address's own prefix */
    exact: Map<number, Map<string, number[]>>;
    /** the same, for each address cut to every shorter prefix length of the context */
    within: Map<number, Map<string, number[]>>;
  }
  const many = new Map<number, Many>();
  members.forEach((list, c) => {
    if (list.length <= FEW) return;
    const prefixes = [...new Set(list.map((i) => placed[i]!.cidr.prefix))];
    many.set(c, { prefixes, address: new Map(), exact: new Map(), within: new Map() });
  });
  const push = <K>(map: Map<K, number[]>, key: K, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  const pushIface = (map: Map<number, Map<string, number[]>>, key: number, iface: string, i: number) => {
    let byIface = map.get(key);
    if (!byIface) map.set(key, (byIface = new Map()));
    push(byIface, iface, i);
  };
  const otherIfaces = (byIface: Map<string, number[]> | undefined, iface: string, into: Set<number>) => {
    if (!byIface) return;
    for (const [name, list] of byIface) if (name !== iface) for (const j of list) into.add(j);
  };
  const sameOnSegment = new Map<number, number | number[]>(); // segment * W + address -> indexes
  const earlier = new Set<number>();
  for (let i = 0; i < placed.length; i++) {
    const p = placed[i]!;
    earlier.clear();
    const onSegment = p.seg * W + p.n;
    const same = sameOnSegment.get(onSegment);
    if (same === undefined) sameOnSegment.set(onSegment, i);
    else if (typeof same === 'number') {
      earlier.add(same);
      sameOnSegment.set(onSegment, [same, i]);
    } else {
      for (const j of same) earlier.add(j);
      same.push(i);
    }
    const index = many.get(p.ctx);
    if (!index) {
      for (const j of members[p.ctx]!) {
        if (j >= i) break;
        const q = placed[j]!;
        if (q.n === p.n || (q.iface !== p.iface && overlapping(p, q))) earlier.add(j);
      }
    } else {
      for (const j of index.address.get(p.n) ?? []) earlier.add(j);
      const own = p.cidr.prefix * W + p.net;
      for (const k of index.prefixes) {
        if (k < p.cidr.prefix) otherIfaces(index.exact.get(k * W + maskOf(p.n, k)), p.iface, earlier);
        else if (k === p.cidr.prefix) otherIfaces(index.exact.get(own), p.iface, earlier);
      }
      otherIfaces(index.within.get(own), p.iface, earlier);
      push(index.address, p.n, i);
      pushIface(index.exact, own, p.iface, i);
      for (const k of index.prefixes) if (k < p.cidr.prefix) pushIface(index.within, k * W + maskOf(p.n, k), p.iface, i);
    }
    if (!earlier.size) continue;
    // the same tests, in the same order, as comparing with every earlier address would make
    for (const j of [...earlier].sort((x, y) => x - y)) {
      const q = placed[j]!;
      if (p.cidr.address === q.cidr.address && (p.segment === q.segment || p.ctx === q.ctx)) {
        add(addrPath(p), `address ${p.cidr.address} is used twice (also ${addrPath(q)})`);
      } else if (p.ctx === q.ctx && p.iface !== q.iface && overlapping(p, q)) {
        add(addrPath(p), `subnet ${p.cidr.network} overlaps ${q.cidr.network} on another interface of the same node (${addrPath(q)})`);
      }
    }
  }
}

/** One segment, one subnet: every address on a bridge's segment (or a link) is in the subnet of its first. */
function segmentsHaveOneSubnet(lab: Lab, add: Add): void {
  const segmentNet = new Map<number, Placed>();
  for (const p of lab.addresses.placed) {
    const first = segmentNet.get(p.seg);
    if (!first) segmentNet.set(p.seg, p);
    else if (first.net !== p.net || first.cidr.prefix !== p.cidr.prefix) {
      const seg = segmentText(p.segment);
      add(addrPath(p), `${p.cidr.address}/${p.cidr.prefix} is outside ${seg}'s subnet ${first.cidr.network} (set by ${addrPath(first)})`);
    }
  }
}

// Routes and NAT, per node that has them (the host, then namespaces in order): each route rule
// sees one route, each NAT rule one NAT entry, with the node they belong to.
interface Routed {
  /** the node's context (its id, or `host`), where its interfaces and addresses are */
  ctx: string;
  /** the node's field path: `host` or `nodes[i]` */
  base: string;
  /** how a message names it: `the host` or `"A"` */
  label: string;
  routes: Route[];
  nat: Nat[];
  forwarding: boolean | undefined;
  /** destinations seen so far (normalized) -> route index */
  dests: Map<string, number>;
}
type RouteRule = (r: Route, j: number, node: Routed, lab: Lab, add: Add) => void;
type NatRule = (n: Nat, j: number, node: Routed, lab: Lab, add: Add) => void;

/** 0.0.0.0/0 is the default route too (the kernel prints it as `default`); IPv6's is ::/0. */
const destinationOf = (r: Route) => {
  if (r.to === 'default') return r.via && familyOf(r.via) === 6 ? '::/0' : 'default';
  const to = parseCidr(r.to);
  if (to) return to.prefix === 0 ? 'default' : to.network;
  return parseCidr6(r.to)?.network ?? r.to;
};

const routesHaveDistinctDestinations: RouteRule = (r, j, node, _lab, add) => {
  const dest = destinationOf(r);
  const prev = node.dests.get(dest);
  if (prev !== undefined)
    add(
      `${node.base}.routes[${j}].to`,
      dest === 'default' || dest === '::/0'
        ? `${node.label} has two ${dest === '::/0' ? 'IPv6 ' : ''}default routes (also ${node.base}.routes[${prev}]); keep one`
        : `${node.label} has two routes to ${dest} (also ${node.base}.routes[${prev}])`,
    );
  else node.dests.set(dest, j);
};

const routeDestinationsAreNetworks: RouteRule = (r, j, node, _lab, add) => {
  const to = r.to === 'default' ? null : (parseCidr(r.to) ?? parseCidr6(r.to));
  if (to && to.network !== `${to.address}/${to.prefix}`)
    add(`${node.base}.routes[${j}].to`, `route destination ${r.to} has host bits set; did you mean ${to.network}?`);
};

const routesHaveAGateway: RouteRule = (r, j, node, _lab, add) => {
  if (!r.via && !r.dev) add(`${node.base}.routes[${j}]`, `a route needs a gateway (via) or an interface (dev)`);
};

const routeDevicesExist: RouteRule = (r, j, node, lab, add) => {
  if (r.dev && !lab.ifaces.get(node.ctx)?.has(r.dev)) add(`${node.base}.routes[${j}].dev`, `${node.label} has no interface "${r.dev}"`);
};

/** IPv4 gateways: an IPv4 destination's, on a subnet of the node, not its own (IPv6: rules-ipv6.ts). */
const isV4 = (via: string | undefined): via is string => !!via && familyOf(via) === 4;

const gatewayFamiliesMatch: RouteRule = (r, j, node, _lab, add) => {
  if (isV4(r.via) && r.to !== 'default' && parseCidr6(r.to)) add(`${node.base}.routes[${j}].via`, `gateway ${r.via} is IPv4 but ${r.to} is IPv6; use an IPv6 gateway`);
};

const ipv6GatewaysAreSound: RouteRule = (r, j, node, lab, add) => {
  if (r.via && !isV4(r.via)) ipv6GatewayIsSound(r, j, node, lab, add);
};

const gatewaysAreOnASubnet: RouteRule = (r, j, node, lab, add) => {
  if (!isV4(r.via) || parseCidr6(r.to)) return;
  if (r.via && !r.dev && !lab.onSubnet(node.ctx, toInt(r.via)))
    add(`${node.base}.routes[${j}].via`, `gateway ${r.via} is not on any subnet of ${node.label}; add an address in its subnet first`);
};

const gatewaysAreNotOwnAddresses: RouteRule = (r, j, node, lab, add) => {
  if (!isV4(r.via) || parseCidr6(r.to)) return;
  if (r.via && lab.isOwn(node.ctx, toInt(r.via))) add(`${node.base}.routes[${j}].via`, `gateway ${r.via} is ${node.label}'s own address`);
};

const natLeavesByAnInterface: NatRule = (n, j, node, lab, add) => {
  if (!lab.ifaces.get(node.ctx)?.has(n.out)) add(`${node.base}.nat[${j}].out`, `${node.label} has no interface "${n.out}" to masquerade out of`);
};

const natHasForwarding: NatRule = (n, j, node, _lab, add) => {
  if (!node.forwarding) add(`${node.base}.nat[${j}]`, `NAT for ${n.source} needs forwarding: set ${node.base}.forwarding to true`);
};

/** Runs the route rules on each route, then the NAT rules on each NAT entry, node by node. */
function eachRoutedNode(routeRules: RouteRule[], natRules: NatRule[]): Rule {
  const each = (lab: Lab, add: Add) => {
    const { t } = lab;
    const nodes: Routed[] = [
      { ctx: HOST_ID, base: 'host', label: 'the host', routes: t.host?.routes ?? [], nat: t.host?.nat ?? [], forwarding: t.host?.forwarding, dests: new Map() },
    ];
    t.nodes.forEach((n, i) => {
      if (n.kind === 'namespace' && (n.routes?.length || n.nat?.length))
        nodes.push({ ctx: n.id, base: `nodes[${i}]`, label: `"${n.id}"`, routes: n.routes ?? [], nat: n.nat ?? [], forwarding: forwards(n), dests: new Map() });
    });
    for (const node of nodes) {
      node.routes.forEach((r, j) => {
        for (const rule of routeRules) rule(r, j, node, lab, add);
      });
      node.nat.forEach((n, j) => {
        for (const rule of natRules) rule(n, j, node, lab, add);
      });
    }
  };
  return Object.defineProperty(each, 'name', { value: 'eachRoutedNode' });
}

/** The rules, in the order their problems are listed. */
export const RULES: readonly Rule[] = [
  nodeIdsAreUnique,
  namespacesAreUnique,
  eachLink(linkIdsAreUnique, eachEnd(endNodesExist, bridgePortsCarryNoAddress, endsHaveAnInterfaceName), linksJoinTwoNodes),
  vlansAreSound,
  referencesAreSound,
  interfaceNamesAreUnique,
  addressesAreHostAddresses,
  addressesDoNotCollide,
  segmentsHaveOneSubnet,
  ipv6AddressesAreHostAddresses,
  ipv6AddressesDoNotCollide,
  ipv6SegmentsHaveOneSubnet,
  eachRoutedNode(
    [
      routesHaveDistinctDestinations,
      routeDestinationsAreNetworks,
      routesHaveAGateway,
      routeDevicesExist,
      gatewayFamiliesMatch,
      gatewaysAreOnASubnet,
      gatewaysAreNotOwnAddresses,
      ipv6GatewaysAreSound,
    ],
    [natLeavesByAnInterface, natHasForwarding],
  ),
];
