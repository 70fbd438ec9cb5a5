// The wire types of the in-namespace tools (terminals, node views, ping/traceroute, link rates
// and captures): what their requests answer and their pushes carry, the capture filter's rules,
// and their limits. The requests themselves are in the one registry, lib/protocol.ts.
import { z } from 'zod';
import type { PacketSummary } from './pcap';
import type { LinkRate } from './rates';
import type { ServiceStatus } from './services';

export type { PacketSummary, LinkRate, ServiceStatus };

/** tcpdump filter words: a conservative allow-list, no word may start with '-' (never an option). */
export const CAPTURE_FILTER = /^[A-Za-z0-9 .:/()!&|=<>\[\]_]*$/;
export const captureFilterSchema = z
  .string()
  .max(200, { error: 'capture filter is longer than 200 characters' })
  .regex(CAPTURE_FILTER, {
    error: (iss) =>
      `capture filter ${JSON.stringify(iss.input)} has characters nslab does not pass to tcpdump; use letters, digits, spaces and . : / ( ) ! & | = < > [ ] _ (e.g. "icmp or arp", "tcp port 80")`,
  })
  .refine((v) => !v.split(/\s+/).some((w) => w.startsWith('-')), {
    error: 'capture filter words may not start with "-" (they would read as tcpdump options)',
  });

/** Splits a checked filter into tcpdump argv words (tcpdump joins them back with spaces). */
export function filterWords(filter: string): string[] {
  return filter.split(/\s+/).filter(Boolean);
}

// --- views ---------------------------------------------------------------------------------------

export interface IfaceRow {
  name: string;
  /** e.g. veth, bridge, loopback */
  kind: string;
  state: string;
  up: boolean;
  mac: string;
  mtu: number;
  master: string | null;
  /** "10.0.0.2/24" */
  addresses: string[];
}

/** One row of `route -n`. */
export interface RouteRow {
  destination: string;
  gateway: string;
  genmask: string;
  flags: string;
  metric: number;
  iface: string;
}

/** One row of `arp -n`. */
export interface NeighRow {
  address: string;
  hwaddress: string;
  iface: string;
  state: string;
}

export interface NodeView {
  lab: string;
  node: string;
  /** the kernel namespace ('' = the machine's own) */
  ns: string;
  at: string;
  interfaces: IfaceRow[];
  routes: RouteRow[];
  neighbours: NeighRow[];
  /** the node's services (its `run`) as the lab's supervisor reports them; absent when it has none */
  services?: ServiceStatus[];
  /** set when the namespace could not be read (e.g. the lab is not applied) */
  error?: string;
}

export interface ProbeHop {
  ttl: number;
  /** null when nothing answered within the wait */
  address: string | null;
  /** the lab node that owns the address, when it is one */
  node: string | null;
  rttMs: number | null;
}

export interface ProbePath {
  lab: string;
  /** node ids along the way, the source first */
  nodes: string[];
  /** link ids along the way (normalized ids, as lib/validate's normalizeLinks) */
  links: string[];
  /** the target was reached */
  reached: boolean;
}

export interface ProbeResult {
  kind: 'ping' | 'traceroute';
  source: string;
  target: string;
  /** the address the target resolved to */
  address: string;
  ok: boolean;
  /** one line for the UI: "3 packets transmitted, 3 received, 0% packet loss" */
  summary: string;
  /** the command's own output */
  output: string;
  /** the argv that ran, as a student could type it */
  argv: string[];
  hops: ProbeHop[];
  path: ProbePath;
  /** e.g. "traceroute is not installed: hop by hop with ping -t" */
  note?: string;
}

export interface CaptureInfo {
  id: string;
  lab: string;
  node: string;
  iface: string;
  filter: string;
  running: boolean;
  packets: number;
  bytes: number;
  /** why it stopped on its own (tcpdump's message, or the size cap) */
  stoppedBecause?: string;
}

// --- pushes -------------------------------------------------------------------------------------

export interface LabRates {
  lab: string;
  at: string;
  /** sampling interval in ms */
  intervalMs: number;
  links: Record<string, LinkRate>;
}

/** Limits, shared so the UI can say them. */
export const TOOL_LIMITS = {
  terminalsPerSocket: 8,
  terminalsTotal: 32,
  capturesPerSocket: 4,
  capturesTotal: 16,
  captureBytes: 20 * 1024 * 1024,
  capturePackets: 50_000,
  rateIntervalMs: 1000,
  /** a lab is sampled at most once per this many ms per link (200 links: every 10 s) */
  rateMsPerLink: 50,
} as const;
