// Packets you can watch: which interface ends the server taps for a lab, and what each packet a
// tap saw becomes on the canvas (its link, its direction, its kind and a short label). Pure: the
// server (server/tools/packets.ts) feeds it the records of `tcpdump -w -` parsed by lib/pcap.ts,
// and the unit tests feed it hand-made bytes.
import { parseCidr } from './addr';
import { compile } from './compile';
import { normalizeLinks } from './model';
import { LINKTYPE_LINUX_SLL2, summarize, type PacketSummary, type PcapRecord } from './pcap';
import type { Topology } from './topology';

export type PacketKind = 'arp' | 'icmp' | 'tcp' | 'udp' | 'other';

/** One packet on one link, as the canvas animates it. */
export interface PacketEvent {
  /** the link (the canvas's edge id) it crossed */
  link: string;
  /** the node it left, and the node it went to (edge ends) */
  from: string;
  to: string;
  kind: PacketKind;
  /** "ARP who-has 10.0.0.3", "ICMP echo 10.0.0.2 → 203.0.113.2", "TCP 10.0.0.2:40000 → 10.0.0.3:80 [S]" */
  label: string;
  /** the tap's timestamp: seconds since the epoch, with the fraction */
  time: number;
  /** bytes on the wire */
  length: number;
  /** server order: increases along the stream, so equal timestamps keep their order */
  seq: number;
}

/** A batch pushed to the watchers of a lab (`lab:packets`). */
export interface LabPackets {
  lab: string;
  packets: PacketEvent[];
  /** packets seen but not sent one by one (a link above its per-second budget): link -> count */
  counted: Record<string, number>;
}

/** The tapped end of one link: which interface in which namespace, and the nodes at its ends. */
export interface TapEnd {
  link: string;
  iface: string;
  /** the node whose namespace holds `iface` (a bridge port: the bridge) */
  node: string;
  /** the node at the other end */
  peer: string;
}

/** Every tap of a lab, by namespace ('' = this machine's own): one tcpdump per entry. */
export interface TapPlan {
  byNs: Map<string, TapEnd[]>;
}

/**
 * One end per link is enough (what leaves one end enters the other); the end in the host context
 * is preferred, so a lab whose namespaces hang off bridges is tapped by one process in the host
 * context, and its packets come in the kernel's own order.
 */
export function tapPlan(topology: Topology, hostNetns: string): TapPlan {
  const { nodeNs, hostNs } = compile(topology, { hostNetns });
  const byNs = new Map<string, TapEnd[]>();
  for (const l of normalizeLinks(topology)) {
    const nsA = nodeNs[l.a.node] ?? hostNs;
    const nsB = nodeNs[l.b.node] ?? hostNs;
    const useB = nsB === hostNs && nsA !== hostNs;
    const [ns, end, other] = useB ? [nsB, l.b, l.a] : [nsA, l.a, l.b];
    const list = byNs.get(ns) ?? [];
    list.push({ link: l.id, iface: end.iface, node: end.node, peer: other.node });
    byNs.set(ns, list);
  }
  return { byNs };
}

/** What `packets:watch` answers: the taps running for the lab (pid per namespace) and why none run. */
export interface TapStatus {
  lab: string;
  taps: { ns: string; pid: number; links: string[] }[];
  /** set when nothing can be tapped (the lab is not applied, a namespace is missing) */
  note?: string;
}

/** Linux cooked v2 (what `tcpdump -i any` writes): the interface index and the packet type. */
export interface CookedMeta {
  ifindex: number;
  /** 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us (outgoing) */
  pktType: number;
}

export const PACKET_OUTGOING = 4;

export function cookedMeta(data: Uint8Array): CookedMeta | null {
  if (data.length < 20) return null;
  const view = new DataView(data.buffer, data.byteOffset, 20);
  return { ifindex: view.getUint32(4, false), pktType: view.getUint8(10) };
}

/** The kind an animated packet shows (its colour and `data-packet`). */
export function packetKind(s: Pick<PacketSummary, 'protocol'>): PacketKind {
  switch (s.protocol) {
    case 'ARP':
      return 'arp';
    case 'ICMP':
      return 'icmp';
    case 'TCP':
      return 'tcp';
    case 'UDP':
      return 'udp';
    default:
      return 'other';
  }
}

/** A short label for a packet, from its summary (lib/pcap.ts says the summaries' shapes). */
export function packetLabel(s: Pick<PacketSummary, 'protocol' | 'src' | 'dst' | 'info'>): string {
  switch (s.protocol) {
    case 'ARP': {
      const who = /^who-has (\S+)/.exec(s.info);
      if (who) return `ARP who-has ${who[1]}`;
      const reply = /^reply (\S+) is-at (\S+)/.exec(s.info);
      if (reply) return `ARP ${reply[1]} is-at ${reply[2]}`;
      return `ARP ${s.info}`;
    }
    case 'ICMP': {
      const name = /^echo request/.test(s.info) ? 'echo' : /^echo reply/.test(s.info) ? 'reply' : s.info.replace(/ id \d+.*$/, '');
      return `ICMP ${name} ${s.src} → ${s.dst}`;
    }
    case 'TCP': {
      const m = /^(\d+) → (\d+) \[([^\]]*)\]/.exec(s.info);
      return m ? `TCP ${s.src}:${m[1]} → ${s.dst}:${m[2]} [${m[3]}]` : `TCP ${s.src} → ${s.dst}`;
    }
    case 'UDP': {
      const m = /^(\d+) → (\d+)/.exec(s.info);
      return m ? `UDP ${s.src}:${m[1]} → ${s.dst}:${m[2]}` : `UDP ${s.src} → ${s.dst}`;
    }
    default:
      return s.src || s.dst ? `${s.protocol} ${s.src} → ${s.dst}` : `${s.protocol} ${s.info}`;
  }
}

/**
 * The event for one record of a tap. `ends` says which link end each interface is: by ifindex
 * for `-i any` (Linux cooked v2), or the one end of a single-interface tap (any link type).
 * A packet the tapped end sent leaves its node; any other arrived there from the peer.
 * Returns null for interfaces that are no link end (the bridge itself, lo), and for IPv6: labs
 * are IPv4, and its autoconfiguration chatter (router solicitations, neighbour discovery) would
 * only hide the lesson.
 */
export function packetEvent(
  record: PcapRecord,
  linktype: number,
  ends: { byIndex?: Map<number, TapEnd>; single?: TapEnd },
  seq: number,
): PacketEvent | null {
  let end: TapEnd | undefined;
  let outgoing: boolean;
  if (linktype === LINKTYPE_LINUX_SLL2) {
    const meta = cookedMeta(record.data);
    if (!meta) return null;
    end = ends.byIndex?.get(meta.ifindex) ?? (ends.byIndex ? undefined : ends.single);
    outgoing = meta.pktType === PACKET_OUTGOING;
  } else {
    end = ends.single;
    // a single-interface Ethernet tap does not say the direction: the sender's side is unknown,
    // so it is drawn leaving the tapped end (the caller prefers `-i any`, which says it)
    outgoing = true;
  }
  if (!end) return null;
  const s = summarize(record, linktype);
  if (s.protocol === 'IPv6') return null;
  return {
    link: end.link,
    from: outgoing ? end.node : end.peer,
    to: outgoing ? end.peer : end.node,
    kind: packetKind(s),
    label: packetLabel(s),
    time: record.time,
    length: record.origLen,
    seq,
  };
}

/** Orders events of several taps: by wire time, then by the order each tap gave them. */
export function byWireTime(a: PacketEvent, b: PacketEvent): number {
  return a.time - b.time || a.seq - b.seq;
}

/**
 * Keeps at most `perLink` events per link in each window; the rest are counted (the canvas
 * pulses such a link with its rate instead of drawing each packet). Mutates `budget`.
 */
export function admit(events: PacketEvent[], budget: Map<string, number>, perLink: number): { sent: PacketEvent[]; counted: Record<string, number> } {
  const sent: PacketEvent[] = [];
  const counted: Record<string, number> = {};
  for (const e of events) {
    const used = budget.get(e.link) ?? 0;
    if (used < perLink) {
      budget.set(e.link, used + 1);
      sent.push(e);
    } else counted[e.link] = (counted[e.link] ?? 0) + 1;
  }
  return { sent, counted };
}

/** The key of a NAT rule in the live counters: "10.0.0.0/24>to-remote". */
export function natRuleKey(rule: { source: string; out: string }): string {
  return `${rule.source}>${rule.out}`;
}

/** Live NAT counters of a lab (`lab:nat`): node id ('host' or a namespace) -> rule key -> packets. */
export interface LabNatCounters {
  lab: string;
  at: string;
  nodes: Record<string, Record<string, number>>;
}

/** The counter keys of a node's NAT rules as drawn (sources written as nft prints them). */
export function natRuleKeys(rules: { source: string; out: string }[] | undefined): string[] {
  return (rules ?? []).map((r) => natRuleKey({ source: parseCidr(r.source)?.network ?? r.source, out: r.out }));
}
