'use client';
// Watching a lab's packets: `packets:watch` while `on` (again after a reconnect), `packets:unwatch`
// when it goes off or the view closes; the server runs its taps only meanwhile.
import { useEffect, useRef, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import type { LabPackets, TapStatus } from '@/lib/packets';

export function usePacketWatch(lab: string, on: boolean, onBatch: (batch: LabPackets) => void): { status: TapStatus | null; error: string | null } {
  const socket = useSocket();
  const [status, setStatus] = useState<TapStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const handler = useRef(onBatch);
  handler.current = onBatch;

  useEffect(() => {
    if (!on) {
      setStatus(null);
      setError(null);
      return;
    }
    let live = true;
    const watch = () => {
      void request(socket, 'packets:watch', { lab }).then((r) => {
        if (!live) return;
        if (r.ok) {
          setStatus(r.status);
          setError(null);
        } else setError(r.message);
      });
    };
    const onPackets = (b: LabPackets) => {
      if (b.lab === lab) handler.current(b);
    };
    socket.on('lab:packets', onPackets);
    socket.io.on('reconnect', watch);
    watch();
    return () => {
      live = false;
      socket.off('lab:packets', onPackets);
      socket.io.off('reconnect', watch);
      if (socket.connected) void request(socket, 'packets:unwatch', { lab });
    };
  }, [socket, lab, on]);

  return { status, error };
}
