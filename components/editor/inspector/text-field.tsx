'use client';
import { useId } from 'react';
import { useFieldProblems } from './use-field-problems';

interface Props {
  label: string;
  /** the topology path this field edits; its validation errors show right here */
  path: string;
  value: string;
  onChange(value: string): void;
  placeholder?: string;
  help?: string;
  /** a value to fill in with one press (e.g. the next free address) */
  suggestion?: string | null;
  onBlur?(): void;
}

/** An example, never mistaken for a value: "e.g. …" (prose such as "named by nslab" stays as it is); greyed and italic by CSS. */
export function exampleText(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  return /\s/.test(text) ? text : `e.g. ${text}`;
}

export function TextField({ label, path, value, onChange, placeholder, help, suggestion, onBlur }: Props) {
  const id = useId();
  const errors = useFieldProblems(path);
  const described = errors.length ? `${id}-err` : help ? `${id}-help` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          data-path={path}
          value={value}
          placeholder={exampleText(placeholder ?? suggestion)}
          onChange={(e) => onChange(e.target.value)}
          onBlur={onBlur}
          aria-invalid={errors.length > 0}
          aria-describedby={described}
          autoComplete="off"
          spellCheck={false}
        />
        {suggestion && !value && (
          <button type="button" className="btn small" onClick={() => onChange(suggestion)} title="the next free address of this subnet">
            Use {suggestion}
          </button>
        )}
      </div>
      {errors.length > 0 ? (
        <small id={`${id}-err`} className="field-error" role="alert" data-error-for={path}>{errors.join(' · ')}</small>
      ) : (
        help && <small id={`${id}-help`} className="muted">{help}</small>
      )}
    </div>
  );
}
