'use client';
// One authenticated socket.io connection per browser tab, shared by the labs page, the editor
// and the tools (useSocket). The HttpOnly cookie set by `/?token=…` authenticates it.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { io } from 'socket.io-client';
import type { NslabClientSocket } from './types';

export type ConnectionState = 'connecting' | 'connected' | 'refused' | 'disconnected';

interface SocketContextValue {
  socket: NslabClientSocket;
  state: ConnectionState;
}

const SocketContext = createContext<SocketContextValue | null>(null);

export function SocketProvider({ children }: { children: ReactNode }) {
  const [value, setValue] = useState<SocketContextValue | null>(null);

  useEffect(() => {
    const socket: NslabClientSocket = io({ withCredentials: true, reconnectionDelayMax: 3000 });
    const update = (state: ConnectionState) => setValue({ socket, state });
    update('connecting');
    socket.on('connect', () => update('connected'));
    socket.on('disconnect', () => update('disconnected'));
    // allowRequest refusals arrive as a transport error (403): the token is missing or wrong
    socket.on('connect_error', (e) => update(/403|forbidden|unauthorized/i.test(String(e.message) + String((e as { description?: unknown }).description ?? '')) ? 'refused' : 'disconnected'));
    return () => {
      socket.removeAllListeners();
      socket.close();
    };
  }, []);

  if (!value) return <p className="boot">Connecting to the nslab server…</p>;
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

function useSocketContext(): SocketContextValue {
  const ctx = useContext(SocketContext);
  if (!ctx) throw new Error('useSocket must be used inside SocketProvider');
  return ctx;
}

/** The shared socket, typed for every request and push of lib/protocol.ts. */
export function useSocket(): NslabClientSocket {
  return useSocketContext().socket;
}

export function useConnectionState(): ConnectionState {
  return useSocketContext().state;
}
