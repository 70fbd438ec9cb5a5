'use client';
import Link from 'next/link';
import type { LabSummary } from '@/lib/protocol';
import { LabActions } from './lab-actions';
import { StateBadge } from './state-badge';

export function LabsList({ labs }: { labs: LabSummary[] | null }) {
  if (!labs) return <p className="muted">Loading labs…</p>;
  if (labs.length === 0) {
    return (
      <div className="empty">
        <p><strong>No labs yet.</strong></p>
        <p>Create one on the right, then draw it: drag namespaces and a bridge onto the canvas, connect them, and press Apply.</p>
        <p className="muted">Labs applied with the command line (<code>nslab apply examples/seed.yaml --host-netns H</code>) show up here too.</p>
      </div>
    );
  }
  return (
    <table className="labs-table">
      <thead>
        <tr>
          <th scope="col">Lab</th>
          <th scope="col">State</th>
          <th scope="col">Host side</th>
          <th scope="col">Size</th>
          <th scope="col"><span className="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {labs.map((lab) => (
          <tr key={lab.name} data-lab={lab.name}>
            <td>
              <Link href={`/labs/${encodeURIComponent(lab.name)}`} className="lab-link">{lab.name}</Link>
              {lab.description && <div className="muted small">{lab.description}</div>}
            </td>
            <td><StateBadge state={lab.state} /></td>
            <td>{lab.hostNetns ? <>isolated host <code>{lab.hostNetns}</code></> : 'this machine'}</td>
            <td className="muted nowrap">{lab.nodes} nodes, {lab.links} links</td>
            <td><LabActions lab={lab} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
