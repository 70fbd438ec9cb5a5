// Short readable descriptions of nodes and links, shared by the diagram exporters (Mermaid,
// draw.io) so both say the same thing about a lab.
import { normalizeLinks, type NormEndpoint, type NormLink } from '../model';
import { endNetem, linkNetemLabel } from '../netem';
import { HOST_ID, type Nat, type Route, type Topology } from '../topology';
import { endLabel } from '../vlan';

export type DiagramKind = 'host' | 'namespace' | 'router' | 'machine' | 'bridge';

export interface DiagramNode {
  id: string;
  kind: DiagramKind;
  /** the title line: the label when there is one, else the id */
  title: string;
  /** further lines: the id under a label, addresses, routes, NAT */
  details: string[];
}

const routeLine = (r: Route) => ['route', r.to, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`].filter(Boolean).join(' ');
const natLine = (n: Nat) => `NAT ${n.source} out ${n.out}`;

/** The host first, then every node in the topology's order. */
export function diagramNodes(t: Topology): DiagramNode[] {
  const netns = t.host?.netns;
  const host: DiagramNode = {
    id: HOST_ID,
    kind: 'host',
    title: 'host',
    details: [
      netns ? `isolated: netns ${netns}` : 'this machine',
      ...(t.host?.forwarding ? ['forwarding'] : []),
      ...(t.host?.routes ?? []).map(routeLine),
      ...(t.host?.nat ?? []).map(natLine),
    ],
  };
  const nodes = t.nodes.map((n): DiagramNode => {
    const head = n.label ? [n.id] : [];
    if (n.kind === 'bridge') return { id: n.id, kind: 'bridge', title: n.label ?? n.id, details: [...head, 'bridge', ...(n.addresses ?? [])] };
    const kind: DiagramKind = n.role === 'router' || n.role === 'machine' ? n.role : 'namespace';
    return {
      id: n.id,
      kind,
      title: n.label ?? n.id,
      details: [
        ...head,
        ...(kind === 'machine' ? ['another machine'] : []),
        ...(n.forwarding ? ['forwarding'] : []),
        ...(n.routes ?? []).map(routeLine),
        ...(n.nat ?? []).map(natLine),
      ].filter((line, i, all) => all.indexOf(line) === i && line !== n.label),
    };
  });
  return [host, ...nodes];
}

/** An end of a drawn link: with its VLANs (lib/vlan.ts endLabel), as the canvas writes them. */
type DiagramEnd = NormEndpoint & { vlan?: string };
export type DiagramLink = NormLink & { a: DiagramEnd; b: DiagramEnd };

const endText = (e: DiagramEnd) => [e.iface, ...e.addresses, ...(e.vlan ? [`(${e.vlan})`] : [])].join(' ');

/**
 * e.g. "eth0 10.0.0.2/24 — veth-A (VLAN 10)": the interface (addresses, VLANs) at each end of a
 * link; its netem after it, given `t`.
 */
export function linkLabel(l: DiagramLink | NormLink, t?: Topology): string {
  const netem = t ? netemText(t, l) : '';
  return `${endText(l.a)} — ${endText(l.b)}${netem ? ` (${netem})` : ''}`;
}

/** A link's impairment as the canvas draws it (`50 ms · 1 %`), '' when none. */
export function netemText(t: Topology, l: NormLink): string {
  const link = t.links[l.index];
  return link ? linkNetemLabel(endNetem(link, link.a), endNetem(link, link.b)) : '';
}

export function diagramLinks(t: Topology): DiagramLink[] {
  return normalizeLinks(t).map((l) => {
    const raw = t.links[l.index];
    const vlan = (e: NormEndpoint, side: 'a' | 'b'): DiagramEnd => {
      const label = raw ? endLabel(raw[side]) : null;
      return label ? { ...e, vlan: label } : e;
    };
    return { ...l, a: vlan(l.a, 'a'), b: vlan(l.b, 'b') };
  });
}
