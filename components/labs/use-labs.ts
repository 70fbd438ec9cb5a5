'use client';
import { useEffect, useState } from 'react';
import { request, useConnectionState, useSocket } from '@/components/socket';
import type { LabSummary, LabsChanged } from '@/lib/protocol';

/** The labs list, kept current by `labs:changed` (CLI applies show up too, after the next change). */
export function useLabs(): { labs: LabSummary[] | null; error: string | null } {
  const socket = useSocket();
  const state = useConnectionState();
  const [labs, setLabs] = useState<LabSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (state !== 'connected') return;
    let live = true;
    void request(socket, 'labs:list', {}).then((res) => {
      if (!live) return;
      if (res.ok) setLabs(res.labs);
      else setError(res.message);
    });
    const onChanged = (c: LabsChanged) =>
      setLabs((cur) => {
        const rest = (cur ?? []).filter((l) => l.name !== c.name);
        if ('deleted' in c) return rest;
        return [...rest, c].sort((a, b) => a.name.localeCompare(b.name));
      });
    socket.on('labs:changed', onChanged);
    return () => {
      live = false;
      socket.off('labs:changed', onChanged);
    };
  }, [socket, state]);

  return { labs, error };
}
