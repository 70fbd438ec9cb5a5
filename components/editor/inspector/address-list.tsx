'use client';
import { TextField } from './text-field';
import { useFieldProblems } from './use-field-problems';

interface Props {
  label: string;
  /** path of the list, e.g. nodes[0].addresses; items are path[0], path[1] ... */
  path: string;
  addresses: string[];
  onChange(addresses: string[]): void;
  suggestion?: string | null;
  /** an example address for this kind of end (the host's differs from a namespace's) */
  example?: string;
}

/** Addresses as one field each (an empty list shows one empty field; clearing a field removes it). */
export function AddressList({ label, path, addresses, onChange, suggestion, example = '10.0.0.2/24' }: Props) {
  const listErrors = useFieldProblems(path);
  const shown = addresses.length ? addresses : [''];
  const set = (j: number, value: string) => {
    const next = [...shown];
    next[j] = value.trim();
    onChange(next.filter((a) => a !== ''));
  };
  return (
    <div className="address-list">
      {shown.map((a, j) => (
        <TextField
          key={j}
          label={shown.length > 1 ? `${label} ${j + 1}` : label}
          path={`${path}[${j}]`}
          value={a}
          onChange={(v) => set(j, v)}
          placeholder={(j === 0 && suggestion) || example}
          suggestion={j === 0 ? suggestion ?? null : null}
        />
      ))}
      {listErrors.length > 0 && <small className="field-error" role="alert" data-error-for={path}>{listErrors.join(' · ')}</small>}
    </div>
  );
}
