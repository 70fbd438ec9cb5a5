'use client';
// Asks the server to read what the kernel has (read-only) and keeps the answer.
import { useCallback, useEffect, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import type { KernelScan } from '@/lib/protocol';

export interface AdoptScanState {
  scan: KernelScan | null;
  /** the lab name the server suggests (one no lab has yet) */
  suggested: string;
  error: string | null;
  busy: boolean;
  rescan: () => void;
}

export function useAdoptScan(): AdoptScanState {
  const socket = useSocket();
  const [scan, setScan] = useState<KernelScan | null>(null);
  const [suggested, setSuggested] = useState('adopted');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const rescan = useCallback(() => {
    setBusy(true);
    setError(null);
    void request(socket, 'adopt:scan', {})
      .then((res) => {
        if (res.ok) {
          setScan(res.scan);
          setSuggested(res.draft.topology.name);
        } else setError(res.message);
      })
      .finally(() => setBusy(false));
  }, [socket]);

  useEffect(() => {
    if (socket.connected) rescan();
    socket.on('connect', rescan);
    return () => {
      socket.off('connect', rescan);
    };
  }, [socket, rescan]);

  return { scan, suggested, error, busy, rescan };
}
