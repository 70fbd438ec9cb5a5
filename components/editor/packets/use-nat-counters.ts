'use client';
// Live NAT counters of a lab: node id ('host', or a namespace with NAT) -> rule key
// (lib/packets.ts natRuleKey, e.g. "10.0.0.0/24>to-remote") -> packets masqueraded. From the
// server's `lab:nat`, sent to the lab's room while traffic flows (and every few seconds). The host
// node reads `useNatCounters(lab).host` for its `natCounters` slot.
import { useEffect, useState } from 'react';
import { useSocket } from '@/components/socket';
import type { LabNatCounters } from '@/lib/packets';

export function useNatCounters(lab: string): Record<string, Record<string, number>> {
  const socket = useSocket();
  const [nodes, setNodes] = useState<Record<string, Record<string, number>>>({});
  useEffect(() => {
    setNodes({});
    const onNat = (c: LabNatCounters) => {
      if (c.lab === lab) setNodes(c.nodes);
    };
    socket.on('lab:nat', onNat);
    return () => {
      socket.off('lab:nat', onNat);
    };
  }, [socket, lab]);
  return nodes;
}
