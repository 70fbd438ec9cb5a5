'use client';
// Live link rates for the canvas: `useLinkRates(lab)` -> { [linkId]: { pps, bps, ... } }, updated
// every second from the server's `lab:rates` (sent while the lab is open). Link ids are the
// canvas's edge ids. `rateLevel` says how busy an edge should look.
import { useEffect, useState } from 'react';
import { useSocket } from '@/components/socket';
import type { LabRates, LinkRate } from '@/lib/protocol-tools';

export { formatRate } from '@/lib/rates';

export function useLinkRates(lab: string): Record<string, LinkRate> {
  const socket = useSocket();
  const [links, setLinks] = useState<Record<string, LinkRate>>({});

  useEffect(() => {
    setLinks({});
    const onRates = (r: LabRates) => {
      if (r.lab === lab) setLinks(r.links);
    };
    socket.on('lab:rates', onRates);
    return () => {
      socket.off('lab:rates', onRates);
    };
  }, [socket, lab]);

  return links;
}

export type RateLevel = 'idle' | 'low' | 'busy';

/** idle: nothing moved; low: a few packets (a ping); busy: a flood. */
export function rateLevel(r: LinkRate | undefined): RateLevel {
  if (!r || r.pps <= 0) return 'idle';
  return r.pps < 20 ? 'low' : 'busy';
}
