// The socket protocol of the in-namespace tools: terminals, node views, ping/traceroute, link
// rates and captures. Same rules as lib/protocol.ts: every request has a zod schema checked by
// the server and is acknowledged `{ ok: true, ... }` or `{ ok: false, code, message }`.
import { z } from 'zod';
import type { ErrorCode } from './errors';
import type { PacketSummary } from './pcap';
import type { LinkRate } from './rates';
import { IFACE_NAME, labNameSchema } from './topology';

export type { PacketSummary, LinkRate };

/** A node id of the lab, or "host" (the host context). Checked against the topology later. */
const nodeRef = z.string({ error: 'node must be a node id' }).regex(/^[A-Za-z][A-Za-z0-9_-]{0,14}$/, {
  error: (iss) => `node ${JSON.stringify(iss.input)} is not a node id`,
});
const id = z.string().regex(/^[a-z0-9-]{1,40}$/, { error: 'id must be the id the server answered with' });

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

export const toolRequestSchemas = {
  /** opens a shell in the node's namespace ("host" = the host context) */
  'term:open': z.strictObject({
    lab: labNameSchema,
    node: nodeRef,
    cols: z.number().int().min(10).max(500).default(80),
    rows: z.number().int().min(4).max(200).default(24),
  }),
  'term:input': z.strictObject({ id, data: z.string().max(65536) }),
  'term:resize': z.strictObject({ id, cols: z.number().int().min(10).max(500), rows: z.number().int().min(4).max(200) }),
  'term:close': z.strictObject({ id }),

  /** subscribes to one node's interfaces, routes and neighbours; pushes `node:view` on kernel changes */
  'node:watch': z.strictObject({ lab: labNameSchema, node: nodeRef }),
  'node:unwatch': z.strictObject({ lab: labNameSchema, node: nodeRef }),

  /** ping or traceroute from a node to a node (its first address) or an IPv4 address */
  'probe:run': z.strictObject({
    lab: labNameSchema,
    kind: z.enum(['ping', 'traceroute']),
    source: nodeRef,
    target: z.string().min(1).max(64),
  }),

  'capture:start': z.strictObject({
    lab: labNameSchema,
    node: nodeRef,
    iface: z.string().refine((v) => v === 'any' || IFACE_NAME.test(v), {
      error: (iss) => `interface ${JSON.stringify(iss.input)} is not an interface name`,
    }),
    filter: captureFilterSchema.default(''),
  }),
  'capture:stop': z.strictObject({ id }),
  /** the capture as a .pcap file (binary in the ack) */
  'capture:download': z.strictObject({ id }),
  /** forgets a stopped capture and its bytes */
  'capture:discard': z.strictObject({ id }),
} as const;

export type ToolRequestName = keyof typeof toolRequestSchemas;
export type ToolRequestPayload<E extends ToolRequestName> = z.input<(typeof toolRequestSchemas)[E]>;

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

// --- acks and pushes -------------------------------------------------------------------------

export interface ToolResponseData {
  'term:open': { id: string; node: string; ns: string; pid: number };
  'term:input': Record<string, never>;
  'term:resize': Record<string, never>;
  'term:close': Record<string, never>;
  'node:watch': { view: NodeView };
  'node:unwatch': Record<string, never>;
  'probe:run': { result: ProbeResult };
  'capture:start': { capture: CaptureInfo };
  'capture:stop': { capture: CaptureInfo };
  'capture:download': { name: string; bytes: ArrayBuffer | Uint8Array; packets: number };
  'capture:discard': Record<string, never>;
}

export interface ToolFailure {
  ok: false;
  code: ErrorCode | 'limit';
  message: string;
}

export type ToolAck<E extends ToolRequestName> = ({ ok: true } & ToolResponseData[E]) | ToolFailure;

export interface LabRates {
  lab: string;
  at: string;
  /** sampling interval in ms */
  intervalMs: number;
  links: Record<string, LinkRate>;
}

export interface ToolServerEvents {
  'term:data': (e: { id: string; data: string }) => void;
  'term:exit': (e: { id: string; code: number | null; reason: string }) => void;
  'node:view': (view: NodeView) => void;
  /** to the lab's room (labRoom(lab)), every second while anyone has the lab open */
  'lab:rates': (rates: LabRates) => void;
  'capture:packets': (e: { id: string; packets: PacketSummary[]; total: number; bytes: number }) => void;
  'capture:ended': (capture: CaptureInfo) => void;
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
} as const;
