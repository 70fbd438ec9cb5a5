'use client';
import type { Nat } from '@/lib/topology';
import { TextField } from './text-field';
import { useFieldProblems } from './use-field-problems';

interface Props {
  base: string;
  nat: Nat[];
  onChange(nat: Nat[]): void;
  /** this node's interfaces (the NAT's "out" choices) */
  ifaces: string[];
  /** a source prefix to propose, e.g. the bridge's subnet */
  source: string | null;
}

/** Masquerade: traffic from `source` leaving through `out` takes this node's address (nft). */
export function NatEditor({ base, nat, onChange, ifaces, source }: Props) {
  const errors = useFieldProblems(`${base}.nat`);
  const set = (j: number, patch: Partial<Nat>) => onChange(nat.map((n, k) => (k === j ? { ...n, ...patch } : n)));
  return (
    <fieldset className="group">
      <legend>NAT (masquerade)</legend>
      {nat.length === 0 && <p className="muted small">No NAT. The tutorial masquerades the bridge&apos;s subnet out of the interface towards the other machine.</p>}
      {nat.map((n, j) => (
        <div key={j} className="route-row">
          <TextField label="Source prefix" path={`${base}.nat[${j}].source`} value={n.source} onChange={(v) => set(j, { source: v })} placeholder={source ?? '10.0.0.0/24'} suggestion={source} />
          <OutField path={`${base}.nat[${j}].out`} value={n.out} ifaces={ifaces} onChange={(out) => set(j, { out })} />
          <button type="button" className="btn small ghost" aria-label={`remove NAT rule ${j + 1}`} onClick={() => onChange(nat.filter((_, k) => k !== j))}>Remove</button>
        </div>
      ))}
      {errors.length > 0 && <small className="field-error" role="alert">{errors.join(' · ')}</small>}
      <button type="button" className="btn small" onClick={() => onChange([...nat, { source: source ?? '', out: ifaces[0] ?? '' }])}>
        + NAT rule
      </button>
    </fieldset>
  );
}

function OutField({ path, value, ifaces, onChange }: { path: string; value: string; ifaces: string[]; onChange(v: string): void }) {
  const errors = useFieldProblems(path);
  const options = ifaces.includes(value) || !value ? ifaces : [value, ...ifaces];
  return (
    <div className="field">
      <label>
        Out of interface
        <select data-path={path} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={errors.length > 0}>
          {!value && <option value="">choose…</option>}
          {options.map((i) => <option key={i} value={i}>{i}</option>)}
        </select>
      </label>
      {errors.length > 0 && <small className="field-error" role="alert">{errors.join(' · ')}</small>}
    </div>
  );
}
