'use client';
import { useFieldProblems } from './use-field-problems';

export function CheckField({ label, path, checked, onChange, help }: { label: string; path: string; checked: boolean; onChange(v: boolean): void; help?: string }) {
  const errors = useFieldProblems(path);
  return (
    <div className="field">
      <label className="check">
        <input type="checkbox" data-path={path} checked={checked} onChange={(e) => onChange(e.target.checked)} aria-invalid={errors.length > 0} />
        <span>{label}</span>
      </label>
      {errors.length > 0 ? <small className="field-error" role="alert">{errors.join(' · ')}</small> : help && <small className="muted">{help}</small>}
    </div>
  );
}
