'use client';
// Subscribes to one node's live view (interfaces, routes, neighbours); the server pushes a fresh
// view whenever the kernel changes in that namespace.
import { useEffect, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import type { NodeView } from '@/lib/protocol-tools';

export function useNodeView(lab: string, node: string): { view: NodeView | null; error: string | null } {
  const socket = useSocket();
  const [view, setView] = useState<NodeView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setView(null);
    setError(null);
    const onView = (v: NodeView) => {
      if (live && v.lab === lab && v.node === node) setView(v);
    };
    socket.on('node:view', onView);
    const subscribe = () =>
      void request(socket, 'node:watch', { lab, node }).then((r) => {
        if (!live) return;
        if (r.ok) setView(r.view);
        else setError(r.message);
      });
    subscribe();
    // after a reconnect the server has forgotten the subscription
    socket.on('connect', subscribe);
    return () => {
      live = false;
      socket.off('node:view', onView);
      socket.off('connect', subscribe);
      void request(socket, 'node:unwatch', { lab, node });
    };
  }, [socket, lab, node]);

  return { view, error };
}
