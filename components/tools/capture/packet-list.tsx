// The live packet list, like Wireshark's top pane: No., Time, Source, Destination, Protocol, Length, Info.
import type { PacketSummary } from '@/lib/protocol-tools';

export function PacketList({ packets }: { packets: PacketSummary[] }) {
  const t0 = packets[0]?.time ?? 0;
  return (
    <div className="packet-list">
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
