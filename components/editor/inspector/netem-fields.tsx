'use client';
import { setNetemField } from '@/lib/editor/netem-edit';
import { NETEM_FIELDS, type Netem, type NetemField } from '@/lib/netem';
import type { Topology } from '@/lib/topology';
import { useEditorStoreApi } from '../store/editor-provider';
import { TextField } from './text-field';

const LABEL: Record<NetemField, [label: string, example: string]> = {
  delay: ['Delay', '50ms'],
  jitter: ['Jitter', '10ms'],
  loss: ['Loss', '1%'],
  duplicate: ['Duplicate', '1%'],
  corrupt: ['Corrupt', '0.1%'],
  rate: ['Rate', '10mbit'],
};

interface Props {
  topology: Topology;
  index: number;
  /** null: the link's netem (both ends); 'a'/'b': that end's own */
  side: 'a' | 'b' | null;
  title: string;
  help: string;
}

/** netem (tc qdisc … netem) of a link or of one of its ends: delay, jitter, loss, duplicate, corrupt, rate. */
export function NetemFields({ topology, index, side, title, help }: Props) {
  const store = useEditorStoreApi();
  const link = topology.links[index];
  if (!link) return null;
  const netem: Netem = (side ? link[side].netem : link.netem) ?? {};
  const base = side ? `links[${index}].${side}.netem` : `links[${index}].netem`;
  const set = (field: NetemField, value: string) => store.getState().edit((t) => setNetemField(t, index, side, field, value), `${base}.${field}`);
  return (
    <details className="endpoint netem-fields" data-netem={base} open={side === null || Object.keys(netem).length > 0}>
      <summary>{title}</summary>
      <p className="muted small">{help}</p>
      {NETEM_FIELDS.map((f) => (
        <TextField key={f} label={LABEL[f][0]} path={`${base}.${f}`} value={netem[f] ?? ''} onChange={(v) => set(f, v)} placeholder={LABEL[f][1]} />
      ))}
    </details>
  );
}
