'use client';
// The found namespaces and bridges, each with a box to leave it out of the lab.
import type { AdoptDraft } from '@/lib/adopt';

interface Props {
  draft: AdoptDraft;
  excluded: string[];
  onToggle: (kernel: string) => void;
}

export function FoundList({ draft, excluded, onToggle }: Props) {
  const nodes = draft.topology.nodes;
  if (!nodes.length) return <p className="muted">Nothing found.</p>;
  return (
    <ul className="found-list" aria-label="found objects">
      {nodes.map((n) => {
        const kernel = draft.names[n.id] ?? n.id;
        const links = draft.topology.links.filter((l) => l.a.node === n.id || l.b.node === n.id).length;
        return (
          <li key={n.id} data-found={kernel}>
            <label className="radio">
              <input type="checkbox" checked={!excluded.includes(kernel)} onChange={() => onToggle(kernel)} />
              <span>
                <strong>{kernel}</strong> <span className="muted small">{n.kind === 'bridge' ? 'bridge' : 'namespace'}, {links} link{links === 1 ? '' : 's'}</span>
              </span>
            </label>
          </li>
        );
      })}
    </ul>
  );
}
