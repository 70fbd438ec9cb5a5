'use client';
// The "Ping" tab: one action for ping or traceroute from a node to a node or an address; the
// result is shown here and its path is published for the canvas (useProbePath).
import { useState, type FormEvent } from 'react';
import { request, useSocket } from '@/components/socket';
import type { ToolTabProps } from '../index';
import { Pick } from '../pick';
import { useLabNodeIds, useShellNodePick } from '../use-lab-nodes';
import { useProbeStore } from './probe-path-store';

export function ProbePanel({ lab, selectedNodeId }: ToolTabProps) {
  const socket = useSocket();
  const { nodes: sources, node: from, pick: setSource } = useShellNodePick(selectedNodeId);
  const targets = useLabNodeIds();
  const [target, setTarget] = useState('');
  const [running, setRunning] = useState<'ping' | 'traceroute' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const result = useProbeStore((s) => s.results[lab] ?? null);
  const setResult = useProbeStore((s) => s.setResult);
  const clear = useProbeStore((s) => s.clear);

  const run = async (kind: 'ping' | 'traceroute') => {
    if (!target.trim()) {
      setError('type a target: a node id (e.g. B) or an address (e.g. 10.0.0.3)');
      return;
    }
    setRunning(kind);
    setError(null);
    const r = await request(socket, 'probe:run', { lab, kind, source: from, target: target.trim() });
    setRunning(null);
    if (r.ok) setResult(lab, r.result);
    else setError(r.message);
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void run('ping');
  };

  return (
    <div className="tool-panel probe-panel">
      <form className="tool-bar" onSubmit={onSubmit}>
        <Pick label="From" name="probe source" value={from} options={sources} onPick={setSource} />
        <label>
          to{' '}
          <input aria-label="probe target" list="probe-targets" placeholder="node or address" value={target} onChange={(e) => setTarget(e.target.value)} size={16} />
          <datalist id="probe-targets">
            {targets.map((n) => <option key={n} value={n} />)}
          </datalist>
        </label>
        <button type="submit" className="btn small" disabled={!!running}>{running === 'ping' ? 'Pinging…' : 'Ping'}</button>
        <button type="button" className="btn small" disabled={!!running} onClick={() => void run('traceroute')}>
          {running === 'traceroute' ? 'Tracing…' : 'Traceroute'}
        </button>
        {result && <button type="button" className="btn small ghost" onClick={() => clear(lab)}>Clear path</button>}
      </form>
      {error && <p className="tool-error" role="alert">{error}</p>}
      {result && (
        <div className="probe-result" data-ok={result.ok} aria-live="polite">
          <p className={result.ok ? 'ok-text' : 'danger-text'}>
            <strong>{result.ok ? '✓ ' : '✗ '}{result.kind} {result.source} → {result.target}</strong>
            {result.target !== result.address && <> ({result.address})</>}: {result.summary}
          </p>
          <p className="muted">Path: {result.path.nodes.join(' → ')}{!result.path.reached && ' (stopped)'}</p>
          {result.note && <p className="muted">{result.note}</p>}
          <pre className="tool-output"><span className="muted">$ {result.argv.join(' ')}</span>{'\n'}{result.output}</pre>
        </div>
      )}
    </div>
  );
}
