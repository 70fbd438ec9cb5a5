// The node's services (its `run`), as the lab's supervisor reports them: state and last output lines, live.
import type { ServiceStatus } from '@/lib/protocol-tools';
import { stateText } from '@/lib/services';

const TONE: Record<ServiceStatus['state'], string> = { starting: '', running: 'ok-text', restarting: 'danger-text', exited: 'muted', stopped: 'muted' };

export function ServicesTable({ rows }: { rows: ServiceStatus[] }) {
  return (
    <table className="tool-table services-table" aria-label="services">
      <caption>Services <code>run</code></caption>
      <thead>
        <tr><th>Command</th><th>State</th><th>Last output</th></tr>
      </thead>
      <tbody>
        {rows.map((s, i) => (
          <tr key={`${i}:${s.command}`} data-state={s.state}>
            <td className="mono">{s.command}</td>
            <td className={TONE[s.state]}>{stateText(s)}</td>
            <td>{s.lines.length ? <pre className="service-lines">{s.lines.join('\n')}</pre> : <span className="muted">no output yet</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
