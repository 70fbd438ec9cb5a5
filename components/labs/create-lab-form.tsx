'use client';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { request, useSocket } from '@/components/socket';
import { ROUTED_ONLY, SHAPE_MIN, SHAPES, generateShape, shapeNotes, shapeProblem, type Shape } from '@/lib/shapes';
import { LAB_NAME, NETNS_NAME } from '@/lib/topology';

/** Creates a lab, empty (only the host) or of a shape (lib/shapes.ts), and opens it in the editor. */
export function CreateLabForm() {
  const socket = useSocket();
  const router = useRouter();
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'isolated' | 'machine'>('isolated');
  const [hostNs, setHostNs] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [shape, setShape] = useState<Shape | ''>('');
  const [size, setSize] = useState('6');
  const [routedChoice, setRouted] = useState(false);
  const routed = routedChoice || (shape !== '' && ROUTED_ONLY.includes(shape));
  const shapeError = shape ? shapeProblem({ shape, size: /^\d{1,7}$/.test(size) ? Number(size) : NaN, routed }) : null;

  const hostName = hostNs || (name ? `${name}-host` : '');
  const nameError = name && !LAB_NAME.test(name) ? "Use 1-24 of a-z, 0-9 and '-', starting and ending with a letter or digit." : null;
  const hostError = mode === 'isolated' && hostName && !NETNS_NAME.test(hostName) ? "Use letters, digits, '_' and '-'." : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!name || nameError || hostError || shapeError) return;
    setBusy(true);
    setError(null);
    const hostNetns = mode === 'isolated' ? hostName : '';
    const topology = shape ? generateShape({ shape, size: Number(size), routed, name, hostNetns }) : { name, host: { netns: hostNetns }, nodes: [], links: [] };
    const res = await request(socket, 'lab:create', { topology, hostNetns });
    setBusy(false);
    if (res.ok) router.push(`/labs/${encodeURIComponent(res.lab.name)}`);
    else setError(res.message);
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="form" noValidate>
      <label className="field">
        <span>Lab name</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value.trim())} placeholder="seed" aria-invalid={!!nameError} aria-describedby="lab-name-help" autoComplete="off" />
        <small id="lab-name-help" className={nameError ? 'error-text' : 'muted'}>{nameError ?? 'Becomes part of the namespace names, e.g. seed-A.'}</small>
      </label>
      <fieldset className="field">
        <legend>Host side (where the bridge, host addresses and NAT live)</legend>
        <label className="radio">
          <input type="radio" name="mode" checked={mode === 'isolated'} onChange={() => setMode('isolated')} />
          <span>An isolated host: a namespace standing in for this machine (safe: nothing of this machine changes)</span>
        </label>
        {mode === 'isolated' && (
          <label className="field indent">
            <span>Host namespace name</span>
            <input name="hostNetns" value={hostNs} onChange={(e) => setHostNs(e.target.value.trim())} placeholder={name ? `${name}-host` : 'H'} aria-invalid={!!hostError} autoComplete="off" />
            {hostError && <small className="error-text">{hostError}</small>}
          </label>
        )}
        <label className="radio">
          <input type="radio" name="mode" checked={mode === 'machine'} onChange={() => setMode('machine')} />
          <span>This machine, as in the tutorial (the lab changes this machine&apos;s own network)</span>
        </label>
      </fieldset>
      <fieldset className="field">
        <legend>Start from</legend>
        <div className="field-row">
          <label className="field">
            <span>Shape</span>
            <select name="shape" value={shape} onChange={(e) => setShape(e.target.value as Shape | '')}>
              <option value="">Empty: only the host</option>
              {SHAPES.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
          {shape && (
            <label className="field">
              <span>{shape === 'star' ? 'Spokes' : 'Namespaces'}</span>
              <input name="size" type="number" min={SHAPE_MIN[shape]} value={size} onChange={(e) => setSize(e.target.value.trim())} aria-invalid={!!shapeError} />
            </label>
          )}
        </div>
        {shape && (
          <label className="check">
            <input type="checkbox" name="routed" checked={routed} disabled={ROUTED_ONLY.includes(shape)} onChange={(e) => setRouted(e.target.checked)} />
            <span>
              Routed: routers and point-to-point links, each its own subnet, with static routes
              {ROUTED_ONLY.includes(shape) ? ` (a ${shape} of bridges would be a layer-2 loop)` : '; otherwise bridges and one subnet'}
            </span>
          </label>
        )}
        {shape && <small className={shapeError ? 'error-text' : 'muted'} role={shapeError ? 'alert' : undefined}>{shapeError ?? 'With addresses, routes and a layout; the host reaches every node.'}</small>}
        {shape && !shapeError && shapeNotes({ shape, size: Number(size), routed }).map((n) => <small key={n} className="muted">Note: {n}.</small>)}
      </fieldset>
      {error && <p className="error-text" role="alert">{error}</p>}
      <button type="submit" className="btn primary" disabled={busy || !name || !!nameError || !!hostError || !!shapeError}>
        {busy ? 'Creating…' : 'Create and open'}
      </button>
    </form>
  );
}
