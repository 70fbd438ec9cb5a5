// Large generated labs for the linear-validation test, the socket-bounds test and the bench.
// Both are sound (checkTopology accepts them) and touch every rule of meaning: bridges with
// addresses, namespaces with addresses and routes, point-to-point links, host-side addresses,
// host routes and NAT.
import type { Topology } from '@/lib/topology';

/** A bridge takes at most 1023 ports; the generated labs stay below. */
const PORTS_PER_BRIDGE = 1000;

/** `n` namespaces (n <= 250,000) on bridges of 1000 ports, each with an address and two routes. */
export function bridgedLab(n: number, name = `scale${n}`): Topology {
  const bridges = Math.max(1, Math.ceil(n / PORTS_PER_BRIDGE));
  const nodes: Topology['nodes'] = [];
  const links: Topology['links'] = [];
  for (let b = 0; b < bridges; b++) nodes.push({ id: `br${b}`, kind: 'bridge', addresses: [`10.${b}.0.1/16`] });
  for (let i = 0; i < n; i++) {
    const b = Math.floor(i / PORTS_PER_BRIDGE);
    const host = (i % PORTS_PER_BRIDGE) + 2;
    nodes.push({
      id: `n${i}`,
      kind: 'namespace',
      routes: [
        { to: 'default', via: `10.${b}.0.1` },
        { to: '192.168.0.0/16', dev: 'eth0' },
      ],
    });
    links.push({ a: { node: `n${i}`, iface: 'eth0', addresses: [`10.${b}.${host >> 8}.${host & 255}/16`] }, b: { node: `br${b}` } });
  }
  return {
    name,
    host: { netns: `${name}h`.slice(0, 60), forwarding: true, nat: [{ source: '10.0.0.0/8', out: 'br0' }] },
    nodes,
    links,
  };
}

/**
 * `m` links (m >= 2, even): a chain of m/2 + 1 namespaces joined by /30 links, and m/2 - 1 links
 * from the host to the chain, each with a host-side address (so the host context holds
 * hundreds of addresses and routes), routes along the chain, and NAT on the host.
 */
export function linkedLab(m: number, name = `links${m}`): Topology {
  const half = Math.floor(m / 2);
  const count = half + 1;
  const nodes: Topology['nodes'] = [];
  const links: Topology['links'] = [];
  // the k-th /30 of 10.0.0.0/8 (k < 4M): .1 and .2 are its hosts
  const p2p = (k: number, host: 1 | 2) => {
    const base = k * 4 + host;
    return `${10}.${(base >> 16) & 255}.${(base >> 8) & 255}.${base & 255}/30`;
  };
  const hostRoutes: NonNullable<NonNullable<Topology['host']>['routes']> = [];
  for (let i = 0; i < count; i++) {
    const routes: NonNullable<Extract<Topology['nodes'][number], { kind: 'namespace' }>['routes']> = [];
    if (i > 0) routes.push({ to: 'default', via: p2p(i - 1, 1).split('/')[0]! });
    nodes.push({ id: `c${i}`, kind: 'namespace', forwarding: true, routes });
  }
  for (let i = 0; i < half; i++) {
    links.push({ id: `l${i}`, a: { node: `c${i}`, iface: 'right', addresses: [p2p(i, 1)] }, b: { node: `c${i + 1}`, iface: 'left', addresses: [p2p(i, 2)] } });
  }
  for (let i = 1; i < half; i++) {
    const k = 2_000_000 + i;
    links.push({ id: `h${i}`, a: { node: 'host', iface: `up${i}`, addresses: [p2p(k, 1)] }, b: { node: `c${i}`, iface: 'uplink', addresses: [p2p(k, 2)] } });
    if (i % 4 === 0) hostRoutes.push({ to: `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`, via: p2p(k, 2).split('/')[0]! });
  }
  return {
    name,
    host: { netns: `${name}h`.slice(0, 60), forwarding: true, routes: hostRoutes, nat: [{ source: '10.0.0.0/8', out: 'up1' }] },
    nodes,
    links,
  };
}
