// Bounded work per request: the caps the server enforces at the socket boundary and in
// validation, in one place so the server, the dashboard and the docs say the same numbers.
// (The tools' own caps, terminals and captures, are TOOL_LIMITS in lib/protocol-tools.ts.)

export const SOCKET_LIMITS = {
  /**
   * The largest message a client may send (socket.io's maxHttpBufferSize). A 5,000-node lab with
   * its layout is about 2 MB as JSON; anything past this is refused before it is parsed.
   */
  messageBytes: 8 * 1024 * 1024,
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

/** The message past a cap: names the cap and what to do. */
export function capMessage(what: string, cap: number, scope: 'connection' | 'server', fix: string): string {
  return `busy: at most ${cap} ${what} per ${scope === 'connection' ? 'connection' : 'server (all connections together)'}; ${fix}`;
}

/** The size of a socket payload as sent (UTF-8 JSON), in bytes. */
export function payloadBytes(payload: unknown): number {
  const json = JSON.stringify(payload ?? null) ?? '';
  return new TextEncoder().encode(json).length;
}

/** One sentence when a payload is over the message cap, else null. */
export function tooLargeMessage(event: string, payload: unknown): string | null {
  const bytes = payloadBytes(payload);
  if (bytes <= SOCKET_LIMITS.messageBytes - 1024) return null;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return `${event}: the request is ${mb(bytes)} MB, over the server's ${mb(SOCKET_LIMITS.messageBytes)} MB limit per message; split the lab or use the CLI (nslab apply FILE)`;
}
