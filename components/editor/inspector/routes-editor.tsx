'use client';
import type { Route } from '@/lib/topology';
import { TextField } from './text-field';
import { useFieldProblems } from './use-field-problems';

interface Props {
  /** e.g. nodes[2] or host */
  base: string;
  routes: Route[];
  onChange(routes: Route[]): void;
  /** the gateway a default route would use */
  gateway: string | null;
}

/** Static routes: "default via 10.0.0.1" as the tutorial writes it, or a prefix via a gateway. */
export function RoutesEditor({ base, routes, onChange, gateway }: Props) {
  const errors = useFieldProblems(`${base}.routes`);
  const set = (j: number, patch: Partial<Route>) =>
    onChange(routes.map((r, k) => {
      if (k !== j) return r;
      const next: Route = { ...r, ...patch };
      if (!next.via) delete next.via;
      if (!next.dev) delete next.dev;
      return next;
    }));
  const hasDefault = routes.some((r) => r.to === 'default');
  return (
    <fieldset className="group">
      <legend>Routes</legend>
      {routes.length === 0 && <p className="muted small">No static routes. A namespace on a bridge usually wants “default via” the host&apos;s bridge address.</p>}
      {routes.map((r, j) => (
        <div key={j} className="route-row">
          <TextField label="To" path={`${base}.routes[${j}].to`} value={r.to} onChange={(v) => set(j, { to: v })} placeholder="default" />
          <TextField label="Via" path={`${base}.routes[${j}].via`} value={r.via ?? ''} onChange={(v) => set(j, { via: v })} placeholder={gateway ?? '10.0.0.1'} suggestion={gateway} />
          <button type="button" className="btn small ghost" aria-label={`remove route ${j + 1}`} onClick={() => onChange(routes.filter((_, k) => k !== j))}>Remove</button>
        </div>
      ))}
      {errors.length > 0 && <small className="field-error" role="alert">{errors.join(' · ')}</small>}
      <button
        type="button"
        className="btn small"
        onClick={() => onChange([...routes, hasDefault ? { to: '' } : { to: 'default', ...(gateway ? { via: gateway } : {}) }])}
      >
        {hasDefault ? '+ route' : `+ default route${gateway ? ` via ${gateway}` : ''}`}
      </button>
    </fieldset>
  );
}
