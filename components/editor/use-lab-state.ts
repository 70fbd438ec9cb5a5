'use client';
import { useEffect, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import type { LabState, LabsChanged } from '@/lib/protocol';

/** The lab's state (applied, drifted, ...) as the server says, kept current by labs:changed. */
export function useLabState(name: string): LabState | null {
  const socket = useSocket();
  const [state, setState] = useState<LabState | null>(null);
  useEffect(() => {
    let live = true;
    void request(socket, 'labs:list', {}).then((res) => {
      if (live && res.ok) setState(res.labs.find((l) => l.name === name)?.state ?? null);
    });
    const onChanged = (c: LabsChanged) => {
      if (c.name === name && !('deleted' in c)) setState(c.state);
    };
    socket.on('labs:changed', onChanged);
    return () => {
      live = false;
      socket.off('labs:changed', onChanged);
    };
  }, [socket, name]);
  return state;
}
