'use client';
// Asks the server to read what the kernel has (read-only) and keeps the answer.
import { useCallback, useEffect, useState } from 'react';
import type { Socket } from 'socket.io-client';
import { useSocket } from '@/components/socket';
import type { AdoptAck, KernelScan } from '@/lib/protocol-adopt';

export interface AdoptScanState {
  scan: KernelScan | null;
  /** the lab name the server suggests (one no lab has yet) */
  suggested: string;
  error: string | null;
  busy: boolean;
  rescan: () => void;
}

export function useAdoptScan(): AdoptScanState {
  const socket = useSocket() as unknown as Socket;
  const [scan, setScan] = useState<KernelScan | null>(null);
  const [suggested, setSuggested] = useState('adopted');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const rescan = useCallback(() => {
    setBusy(true);
    setError(null);
    socket
      .timeout(30_000)
      .emitWithAck('adopt:scan', {})
      .then((res: AdoptAck<'adopt:scan'>) => {
        if (res.ok) {
          setScan(res.scan);
          setSuggested(res.draft.topology.name);
        } else setError(res.message);
      })
      .catch(() => setError(socket.connected ? 'the server did not answer the scan in 30 s' : 'not connected to the nslab server; is it still running?'))
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
