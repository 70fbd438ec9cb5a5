'use client';
// The shared socket, typed for the tools' events (lib/protocol-tools.ts), and one request helper
// that turns a lost connection or a timeout into an `{ ok: false }` answer like any other.
import type { Socket } from 'socket.io-client';
import { useSocket } from '@/components/socket';
import type { ToolAck, ToolRequestName, ToolRequestPayload, ToolServerEvents } from '@/lib/protocol-tools';

type ToolClientEvents = {
  [E in ToolRequestName]: (payload: ToolRequestPayload<E>, ack: (res: ToolAck<E>) => void) => void;
};

export type ToolSocket = Socket<ToolServerEvents, ToolClientEvents>;

export function useToolSocket(): ToolSocket {
  return useSocket() as unknown as ToolSocket;
}

const TIMEOUT_MS: Partial<Record<ToolRequestName, number>> = { 'probe:run': 60_000, 'capture:download': 60_000 };

export async function toolRequest<E extends ToolRequestName>(socket: ToolSocket, event: E, payload: ToolRequestPayload<E>): Promise<ToolAck<E>> {
  const timeout = TIMEOUT_MS[event] ?? 15_000;
  try {
    // emitWithAck needs its socket as `this`: call it on the timed socket, do not detach it
    const timed = socket.timeout(timeout) as unknown as { emitWithAck(e: E, p: ToolRequestPayload<E>): Promise<ToolAck<E>> };
    return await timed.emitWithAck(event, payload);
  } catch {
    return {
      ok: false,
      code: 'internal',
      message: socket.connected ? `the server did not answer ${event} in ${timeout / 1000} s` : 'not connected to the nslab server; is it still running?',
    };
  }
}
