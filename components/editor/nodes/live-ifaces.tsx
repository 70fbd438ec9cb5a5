import { ifaceRows, type LiveNodeView } from '@/lib/editor/live-view';

/**
 * The kernel's interfaces of a node: name, addresses and UP/DOWN written out. A node with many
 * (a bridge with 200 ports) lists a few, DOWN ones first, and counts the rest.
 */
export function LiveIfaces({ live }: { live: LiveNodeView | null }) {
  if (!live) return null;
  if (!live.exists && live.ifaces.length === 0) return <p className="fnode-empty">not in the kernel yet</p>;
  if (live.ifaces.length === 0) return <p className="fnode-empty">no interfaces yet</p>;
  const { rows, more } = ifaceRows(live.ifaces);
  return (
    <ul className="fnode-ifaces">
      {rows.map((i) => (
        <li key={i.name} data-iface={i.name} data-state={i.state} className={i.port ? 'is-port' : undefined}>
          <span className="iface-name">{i.port ? `↳ ${i.name}` : i.name}</span>
          <span className="iface-addr">{i.addresses.join('\n') || (i.port ? 'port' : '—')}</span>
          <span className={`iface-state ${i.state === 'UP' ? 'up' : 'down'}`} title={`kernel operstate: ${i.oper}`}>{i.state}</span>
        </li>
      ))}
      {more && (
        <li className="iface-more" data-more={more.count} data-up={more.up} data-down={more.down}>
          … and {more.count} more {more.ports ? 'ports' : 'interfaces'}: {more.up} UP
          {more.down > 0 && (
            <>
              , <strong className="iface-state down">{more.down} DOWN</strong>
            </>
          )}
        </li>
      )}
    </ul>
  );
}
