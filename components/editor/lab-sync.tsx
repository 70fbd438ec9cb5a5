'use client';
// Feeds the editor store from the lab's room: live kernel state, commands, apply progress, and
// revisions saved by others. After a reconnect the lab is opened again (a fresh snapshot).
import { useEffect } from 'react';
import { request, useSocket } from '@/components/socket';
import type { ApplyProgress, CommandLogEntry, LabRecord, LabSnapshot, LiveState } from '@/lib/protocol';
import { useEditorStoreApi } from './store/editor-provider';

export function LabSync({ snapshot }: { snapshot: LabSnapshot }) {
  const socket = useSocket();
  const store = useEditorStoreApi();

  useEffect(() => {
    const s = store.getState();
    s.receiveLive(snapshot.live, snapshot.liveError);
    s.receiveCommands(snapshot.commands);
  }, [snapshot, store]);

  useEffect(() => {
    const name = store.getState().name;
    const onLive = (l: LiveState) => l.lab === name && store.getState().receiveLive(l);
    const onCommand = (c: CommandLogEntry) => c.lab === name && store.getState().receiveCommands([c]);
    const onProgress = (p: ApplyProgress) => p.lab === name && store.getState().receiveProgress(p);
    const onSaved = (r: LabRecord) => r.name === name && store.getState().receiveSaved(r);
    const onReconnect = () =>
      void request(socket, 'lab:open', { name }).then((res) => {
        if (!res.ok) return;
        store.getState().receiveSaved(res.snapshot.lab);
        store.getState().receiveLive(res.snapshot.live, res.snapshot.liveError);
        store.getState().receiveCommands(res.snapshot.commands);
      });
    socket.on('lab:live', onLive);
    socket.on('lab:command', onCommand);
    socket.on('lab:progress', onProgress);
    socket.on('lab:saved', onSaved);
    socket.io.on('reconnect', onReconnect);
    return () => {
      socket.off('lab:live', onLive);
      socket.off('lab:command', onCommand);
      socket.off('lab:progress', onProgress);
      socket.off('lab:saved', onSaved);
      socket.io.off('reconnect', onReconnect);
    };
  }, [socket, store]);

  return null;
}
