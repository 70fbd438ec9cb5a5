'use client';
// The live packet list, like Wireshark's top pane: No., Time, Source, Destination, Protocol,
// Length, Info. Follows the newest packet unless the user scrolled up to read.
import { useLayoutEffect, useRef } from 'react';
import type { PacketSummary } from '@/lib/protocol-tools';

export function PacketList({ packets }: { packets: PacketSummary[] }) {
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const t0 = packets[0]?.time ?? 0;

  useLayoutEffect(() => {
    const el = box.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [packets]);

  const onScroll = () => {
    const el = box.current;
    if (el) following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  return (
    <div className="packet-list" ref={box} onScroll={onScroll}>
      <table className="tool-table" aria-label="captured packets">
        <thead>
          <tr><th>No.</th><th>Time</th><th>Source</th><th>Destination</th><th>Protocol</th><th>Length</th><th>Info</th></tr>
        </thead>
        <tbody>
          {packets.map((p) => (
            <tr key={p.index} data-protocol={p.protocol}>
              <td>{p.index}</td>
              <td>{(p.time - t0).toFixed(6)}</td>
              <td>{p.src}</td>
              <td>{p.dst}</td>
              <td>{p.protocol}</td>
              <td>{p.length}</td>
              <td>{p.info}</td>
            </tr>
          ))}
          {!packets.length && <tr><td colSpan={7} className="muted">waiting for packets…</td></tr>}
        </tbody>
      </table>
    </div>
  );
}
