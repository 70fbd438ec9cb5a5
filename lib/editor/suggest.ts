// Addresses the inspector suggests: the next free address of the subnet an interface is on
// (a bridge's subnet, or the other end's subnet on a point-to-point link), and the gateway a
// namespace's default route would use.
import { nextFree, parseCidr } from '../addr';
import type { Topology } from '../topology';
import { nodeKinds, normalizeLinks } from '../model';

/** Every address on the segment of a bridge (its own and those of the interfaces plugged into it). */
export function bridgeSegmentAddresses(t: Topology, bridgeId: string): string[] {
  const bridge = t.nodes.find((n) => n.id === bridgeId && n.kind === 'bridge');
  const out = bridge?.kind === 'bridge' ? [...(bridge.addresses ?? [])] : [];
  for (const l of t.links) {
    if (l.a.node === bridgeId) out.push(...(l.b.addresses ?? []));
    if (l.b.node === bridgeId) out.push(...(l.a.addresses ?? []));
  }
  return out;
}

function firstSubnet(addresses: string[]): string | null {
  for (const a of addresses) {
    const c = parseCidr(a);
    if (c) return c.network;
  }
  return null;
}

/** The next free address for one end of link `index`, or null when the subnet is not known yet. */
export function suggestAddress(t: Topology, index: number, side: 'a' | 'b'): string | null {
  const link = t.links[index];
  if (!link) return null;
  const kinds = nodeKinds(t);
  const other = side === 'a' ? link.b : link.a;
  if (kinds.get(link[side].node) === 'bridge') return null; // a bridge port carries no address
  const segment = kinds.get(other.node) === 'bridge'
    ? bridgeSegmentAddresses(t, other.node)
    : [...(other.addresses ?? []), ...(link[side].addresses ?? [])];
  const subnet = firstSubnet(segment);
  return subnet ? nextFree(subnet, segment) : null;
}

/** The next free address for a bridge itself (the first host address of its ports' subnet). */
export function suggestBridgeAddress(t: Topology, bridgeId: string): string | null {
  const segment = bridgeSegmentAddresses(t, bridgeId);
  const subnet = firstSubnet(segment);
  return subnet ? nextFree(subnet, segment) : null;
}

/**
 * The gateway for a node's default route: the host's address on the segment the node is on
 * (a bridge address, or the host end of a direct link), or null.
 */
export function suggestGateway(t: Topology, nodeId: string): string | null {
  const kinds = nodeKinds(t);
  for (const l of normalizeLinks(t)) {
    const mine = l.a.node === nodeId ? l.a : l.b.node === nodeId ? l.b : null;
    if (!mine) continue;
    const other = mine === l.a ? l.b : l.a;
    const bridge = kinds.get(other.node) === 'bridge' ? t.nodes.find((n) => n.id === other.node) : undefined;
    // on a bridge, the gateway is the host's address on the bridge itself
    const candidates = bridge?.kind === 'bridge' ? bridge.addresses ?? [] : other.addresses;
    const mySubnet = firstSubnet(mine.addresses);
    for (const a of candidates) {
      const c = parseCidr(a);
      if (!c || mine.addresses.includes(a)) continue;
      if (!mySubnet || c.network === mySubnet) return c.address;
    }
  }
  return null;
}
