'use client';
// Ping from the canvas: a node's context menu (right-click, or the context-menu key / Shift+F10 on
// the selected node) offers Ping… and Traceroute… to another node or an address. The packet view
// is turned on first (so the ARP before the request, the request and the reply are seen moving),
// the result is shown on the canvas, and the path it took is highlighted for a few seconds: the
// highlight also goes on any change of the lab (an edit, an apply, a destroy).
import { useReactFlow } from '@xyflow/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { request, useSocket } from '@/components/socket';
import { useProbeStore } from '@/components/tools';
import type { ProbeResult } from '@/lib/protocol-tools';
import { HOST_ID } from '@/lib/topology';
import { useEditorStore } from '../store/editor-provider';
import { useLabState } from '../use-lab-state';

/** How long a probe's path stays highlighted. */
export const PATH_HIGHLIGHT_MS = 6000;

type Kind = 'ping' | 'traceroute';

interface MenuAt {
  node: string;
  x: number;
  y: number;
}

export function NodeProbeMenu({ lab, ensureWatching }: { lab: string; ensureWatching: () => Promise<void> }) {
  const socket = useSocket();
  const [menu, setMenu] = useState<MenuAt | null>(null);
  const [form, setForm] = useState<(MenuAt & { kind: Kind }) | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<ProbeResult | null>(null);
  const setResult = useProbeStore((s) => s.setResult);
  const nodeIds = useEditorStore((s) => s.topology.nodes.map((n) => n.id).join(' '));
  const selected = useEditorStore((s) => s.selectedNodes);
  const { getInternalNode, flowToScreenPosition } = useReactFlow();
  const root = useRef<HTMLDivElement>(null);

  useAutoClear(lab);

  // right-click on a node of this canvas
  useEffect(() => {
    const onContext = (e: MouseEvent) => {
      const el = (e.target as Element | null)?.closest?.('.react-flow__node');
      const flow = root.current?.closest('.react-flow');
      if (!el || !flow || !flow.contains(el)) return;
      const node = el.getAttribute('data-id');
      if (!node) return;
      e.preventDefault();
      setForm(null);
      setMenu({ node, x: e.clientX, y: e.clientY });
    };
    document.addEventListener('contextmenu', onContext);
    return () => document.removeEventListener('contextmenu', onContext);
  }, []);

  // a click elsewhere closes the menu
  useEffect(() => {
    if (!menu) return;
    const onDown = (e: PointerEvent) => {
      if (!(e.target as Element | null)?.closest?.('.node-menu')) setMenu(null);
    };
    document.addEventListener('pointerdown', onDown, true);
    return () => document.removeEventListener('pointerdown', onDown, true);
  }, [menu]);

  // the context-menu key, or Shift+F10, on the selected node
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setMenu(null);
        setForm(null);
        return;
      }
      if (!(e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey))) return;
      const node = selected[0];
      if (!node) return;
      const n = getInternalNode(node);
      if (!n) return;
      e.preventDefault();
      const p = flowToScreenPosition({ x: n.internals.positionAbsolute.x + (n.measured.width ?? 0) / 2, y: n.internals.positionAbsolute.y + (n.measured.height ?? 0) / 2 });
      setForm(null);
      setMenu({ node, x: p.x, y: p.y });
    };
    // capture: the editor's own keys must not swallow Escape or the menu key first
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [selected, getInternalNode, flowToScreenPosition]);

  const run = async (kind: Kind, source: string, target: string) => {
    setRunning(true);
    setError(null);
    try {
      await ensureWatching();
      const r = await request(socket, 'probe:run', { lab, kind, source, target });
      if (r.ok) {
        setResult(lab, r.result);
        setShown(r.result);
        setForm(null);
      } else setError(r.message);
    } finally {
      setRunning(false);
    }
  };

  const targets = [HOST_ID, ...nodeIds.split(' ').filter(Boolean)];

  return (
    <div ref={root} className="probe-menu-root">
      {menu && (
        <div className="node-menu" role="menu" aria-label={`node ${menu.node}`} style={{ left: menu.x, top: menu.y }}>
          <div className="node-menu-title">{menu.node}</div>
          {(['ping', 'traceroute'] as const).map((kind) => (
            <button
              key={kind}
              type="button"
              role="menuitem"
              autoFocus={kind === 'ping'}
              onClick={() => {
                setForm({ ...menu, kind });
                setMenu(null);
                setError(null);
              }}
            >
              {kind === 'ping' ? 'Ping…' : 'Traceroute…'}
            </button>
          ))}
          <button type="button" role="menuitem" className="muted" onClick={() => setMenu(null)}>Close</button>
        </div>
      )}
      {form && (
        <ProbeForm
          at={form}
          kind={form.kind}
          targets={targets.filter((t) => t !== form.node)}
          running={running}
          error={error}
          onCancel={() => setForm(null)}
          onRun={(target) => void run(form.kind, form.node, target)}
        />
      )}
      {shown && <ProbeCard result={shown} onClose={() => setShown(null)} />}
    </div>
  );
}

function ProbeForm(props: { at: MenuAt; kind: Kind; targets: string[]; running: boolean; error: string | null; onCancel: () => void; onRun: (target: string) => void }) {
  const [target, setTarget] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (target.trim()) props.onRun(target.trim());
  };
  const verb = props.kind === 'ping' ? 'Ping' : 'Traceroute';
  return (
    <form className="node-menu probe-form" style={{ left: props.at.x, top: props.at.y }} onSubmit={submit} aria-label={`${verb} from ${props.at.node}`}>
      <label>
        {verb} from <strong>{props.at.node}</strong> to{' '}
        <input aria-label="target node or address" autoFocus list="node-probe-targets" placeholder="node or address" value={target} onChange={(e) => setTarget(e.target.value)} size={14} />
      </label>
      <datalist id="node-probe-targets">
        {props.targets.map((t) => <option key={t} value={t} />)}
      </datalist>
      <div className="probe-form-actions">
        <button type="submit" className="btn small primary" disabled={props.running || !target.trim()}>{props.running ? `${verb === 'Ping' ? 'Pinging' : 'Tracing'}…` : verb}</button>
        <button type="button" className="btn small ghost" onClick={props.onCancel}>Cancel</button>
      </div>
      {props.error && <p className="tool-error" role="alert">{props.error}</p>}
    </form>
  );
}

function ProbeCard({ result, onClose }: { result: ProbeResult; onClose: () => void }) {
  return (
    <div className="probe-card" data-testid="probe-card" data-ok={result.ok} role="status" aria-live="polite">
      <strong className={result.ok ? 'ok-text' : 'danger-text'}>
        {result.ok ? '✓' : '✗'} {result.kind} {result.source} → {result.target}
        {result.target !== result.address ? ` (${result.address})` : ''}
      </strong>
      <span>{result.summary}</span>
      <span className="muted">{result.path.nodes.join(' → ')}{result.path.reached ? '' : ' (stopped)'}</span>
      <button type="button" className="btn small ghost" aria-label="close the result" onClick={onClose}>×</button>
    </div>
  );
}

/** Takes the highlighted path off the canvas after a few seconds, and on any change of the lab. */
function useAutoClear(lab: string): void {
  const result = useProbeStore((s) => s.results[lab]);
  const hidePath = useProbeStore((s) => s.hidePath);
  const topology = useEditorStore((s) => s.topology);
  const state = useLabState(lab);
  useEffect(() => {
    if (!result) return;
    const t = setTimeout(() => hidePath(lab), PATH_HIGHLIGHT_MS);
    return () => clearTimeout(t);
  }, [result, lab, hidePath]);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    hidePath(lab);
  }, [topology, state, lab, hidePath]);
}
