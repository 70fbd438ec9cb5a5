// The tutorial's three views of a node: ip addr, route -n, arp -n.
import type { IfaceRow, NeighRow, RouteRow } from '@/lib/protocol-tools';

export function InterfacesTable({ rows }: { rows: IfaceRow[] }) {
  return (
    <table className="tool-table" aria-label="interfaces">
      <caption>Interfaces <code>ip addr</code></caption>
      <thead>
        <tr><th>Name</th><th>Kind</th><th>State</th><th>Addresses</th><th>MAC</th><th>MTU</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <td>{r.name}{r.master ? <span className="muted"> (port of {r.master})</span> : null}</td>
            <td>{r.kind}</td>
            <td className={r.up ? 'ok-text' : 'danger-text'}>{r.up ? r.state : 'DOWN'}</td>
            <td>{r.addresses.join(', ') || <span className="muted">none</span>}</td>
            <td className="mono">{r.mac}</td>
            <td>{r.mtu}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RoutesTable({ rows }: { rows: RouteRow[] }) {
  return (
    <table className="tool-table" aria-label="routing table">
      <caption>Routing table <code>route -n</code></caption>
      <thead>
        <tr><th>Destination</th><th>Gateway</th><th>Genmask</th><th>Flags</th><th>Metric</th><th>Iface</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.destination}/${r.genmask}/${r.iface}/${r.metric}`}>
            <td>{r.destination}</td><td>{r.gateway}</td><td>{r.genmask}</td><td>{r.flags}</td><td>{r.metric}</td><td>{r.iface}</td>
          </tr>
        ))}
        {!rows.length && <tr><td colSpan={6} className="muted">no routes</td></tr>}
      </tbody>
    </table>
  );
}

export function NeighboursTable({ rows }: { rows: NeighRow[] }) {
  return (
    <table className="tool-table" aria-label="neighbour table">
      <caption>Neighbours <code>arp -n</code></caption>
      <thead>
        <tr><th>Address</th><th>HWaddress</th><th>Iface</th><th>State</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.address}/${r.iface}`}>
            <td>{r.address}</td><td className="mono">{r.hwaddress}</td><td>{r.iface}</td><td>{r.state}</td>
          </tr>
        ))}
        {!rows.length && <tr><td colSpan={4} className="muted">empty: no neighbour talked to yet</td></tr>}
      </tbody>
    </table>
  );
}
