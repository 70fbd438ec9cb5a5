// Bounded work per request: the caps the server enforces at the socket boundary and in
// validation, in one place so the server, the dashboard and the docs say the same numbers.
// (The tools' own caps, terminals and captures, are TOOL_LIMITS in lib/protocol-tools.ts.)

export const SOCKET_LIMITS = {
  /**
   * The largest message a client may send (socket.io's maxHttpBufferSize). A 5,000-node lab with
   * its layout is about 2 MB as JSON; anything past this is refused before it is parsed.
   */
  messageBytes: 8 * 1024 * 1024,
  /**
   * What the transport reads at all (engine.io's maxHttpBufferSize): a message between
   * messageBytes and this is answered with a clear error; a bigger one closes the connection.
   */
  transportBytes: 16 * 1024 * 1024,
  /** labs one connection may have open (`lab:open`) at once */
  labOpensPerSocket: 16,
  /** labs open across all connections of the server (each open lab is one kernel monitor) */
  labOpensTotal: 128,
  /** node views (`node:watch`) one connection may hold at once */
  nodeWatchesPerSocket: 32,
  /** node views across all connections of the server */
  nodeWatchesTotal: 256,
} as const;

/** Validation lists at most this many problems (then says there are more): work stays bounded. */
export const MAX_PROBLEMS = 200;

/** The message past a cap: names the cap, its number and the way out. */
export function capMessage(what: string, cap: number, scope: 'connection' | 'server', fix: string): string {
  return scope === 'connection'
    ? `too many ${what}: one connection may hold at most ${cap}; ${fix}`
    : `too many ${what}: the server holds at most ${cap} for all connections together; ${fix}`;
}

/** The size of a socket payload as sent (UTF-8 JSON), in bytes. */
export function payloadBytes(payload: unknown): number {
  const json = JSON.stringify(payload ?? null) ?? '';
  return new TextEncoder().encode(json).length;
}

/** The sentence for a request over the message cap. */
export function tooLargeMessage(event: string, bytes: number): string {
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return `${event}: the request is ${mb(bytes)} MB, over the server's limit of ${mb(SOCKET_LIMITS.messageBytes)} MB per message; make the lab smaller, or apply it from a file with the CLI (nslab apply FILE)`;
}

/** Room for the event name and packet framing around a payload. */
export const PACKET_OVERHEAD = 1024;

/**
 * Generated labs (`nslab new`, the dashboard's New lab): at most this many nodes (namespaces and
 * bridges) and links, so a generated lab stays one that applies in reasonable time; and the
 * kernel's own limit of ports on one bridge (1024 port numbers, port 0 reserved).
 */
export const LAB_LIMITS = {
  nodes: 1024,
  links: 2048,
  bridgePorts: 1023,
} as const;
