import type { LiveNodeView } from '@/lib/editor/live-view';

/** The kernel's interfaces of a node: name, addresses and UP/DOWN written out. */
export function LiveIfaces({ live }: { live: LiveNodeView | null }) {
  if (!live) return null;
  if (!live.exists && live.ifaces.length === 0) return <p className="fnode-empty">not in the kernel yet</p>;
  if (live.ifaces.length === 0) return <p className="fnode-empty">no interfaces yet</p>;
  return (
    <ul className="fnode-ifaces">
      {live.ifaces.map((i) => (
        <li key={i.name} data-iface={i.name} data-state={i.state} className={i.port ? 'is-port' : undefined}>
          <span className="iface-name">{i.port ? `↳ ${i.name}` : i.name}</span>
          <span className="iface-addr">{i.addresses.join('\n') || (i.port ? 'port' : '—')}</span>
          <span className={`iface-state ${i.state === 'UP' ? 'up' : 'down'}`} title={`kernel operstate: ${i.oper}`}>{i.state}</span>
        </li>
      ))}
    </ul>
  );
}
