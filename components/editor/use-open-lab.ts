'use client';
import { useEffect, useState } from 'react';
import { request, useConnectionState, useSocket } from '@/components/socket';
import type { LabSnapshot } from '@/lib/protocol';

export type OpenedLab = { status: 'loading' } | { status: 'error'; message: string } | { status: 'open'; snapshot: LabSnapshot };

/** Opens the lab once connected (joins its room); closes it on leave. */
export function useOpenLab(name: string): OpenedLab {
  const socket = useSocket();
  const connection = useConnectionState();
  const [opened, setOpened] = useState<OpenedLab>({ status: 'loading' });
  const ready = connection === 'connected';
  useEffect(() => {
    if (!ready) return;
    let live = true;
    void request(socket, 'lab:open', { name }).then((res) => {
      if (!live) return;
      setOpened((cur) => (res.ok ? (cur.status === 'open' ? cur : { status: 'open', snapshot: res.snapshot }) : { status: 'error', message: res.message }));
    });
    return () => {
      live = false;
    };
  }, [socket, name, ready]);
  useEffect(() => () => void request(socket, 'lab:close', { name }), [socket, name]);
  return opened;
}
