// Wires the in-namespace tools (terminals, node views, ping, rates, capture) onto one
// authenticated socket. server/main.ts calls this for every socket the gateway accepted.
import type { Server, Socket } from 'socket.io';
import type { LabsService } from '@/server/labs/types';

export interface ToolDeps {
  labs: LabsService;
}

export function registerToolHandlers(_io: Server, socket: Socket, _deps: ToolDeps): void {
  socket.on('disconnect', () => {
    // each tool registers its own cleanup here as it is added
  });
}
