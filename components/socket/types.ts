import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@/lib/protocol';

export type NslabClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
