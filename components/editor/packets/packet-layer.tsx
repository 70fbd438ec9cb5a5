'use client';
// Packets you can watch, drawn over the canvas: each packet the server's taps saw travels along
// the link it crossed (the edge's own path, in flow coordinates), in wire order, hop by hop, with
// a short label; a link busier than the eye can follow pulses with its rate instead. Rendered
// inside <ReactFlow> as an overlay (React Flow's ViewportPortal): the edges are found by their id
// (the link id) only, so this needs nothing from the edge components. Every packet element has
// data-packet="arp|icmp|tcp|udp|other" and data-link="<link id>" (and data-wire: the tap's
// timestamp, ms since the epoch, so a test can tell wire-to-canvas delays). Nothing is animated (and the
// server taps nothing) while the view is off; it is on in the presentation view, and in the editor
// by the Packets button (or a ping from a node's menu).
import { Panel, useReactFlow, ViewportPortal } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { request, useSocket } from '@/components/socket';
import { PacketSchedule, type Frame } from '@/lib/editor/packet-schedule';
import type { LabPackets } from '@/lib/packets';
import { useEditorStore } from '../store/editor-provider';
import { NatBadges } from './nat-badges';
import { NodeProbeMenu } from './node-probe-menu';
import { usePacketView } from './packet-view-store';
import { usePacketWatch } from './use-packet-watch';
import './packets.css';

const EMPTY: Frame = { flights: [], pulses: [], waiting: 0 };

/** The edge's drawn path: the link's SVG path element, or null when it is not on the canvas. */
function edgePath(link: string): SVGPathElement | null {
  return document.querySelector<SVGPathElement>(`.react-flow__edge[data-id="${CSS.escape(link)}"] path.react-flow__edge-path`);
}

function pointAt(path: SVGPathElement | null, fraction: number): { x: number; y: number } | null {
  if (!path) return null;
  try {
    const len = path.getTotalLength();
    const p = path.getPointAtLength(Math.min(1, Math.max(0, fraction)) * len);
    return { x: p.x, y: p.y };
  } catch {
    return null;
  }
}

function isPresentView(): boolean {
  return typeof window !== 'undefined' && /\/present\/?$/.test(window.location.pathname);
}

/** `lab`: default the editor's; `autoWatch`: always on (the presentation view; also on at /labs/<lab>/present). */
export function PacketLayer({ lab: labProp, autoWatch }: { lab?: string; autoWatch?: boolean }) {
  const editorLab = useEditorStore((s) => s.name);
  const lab = labProp ?? editorLab;
  const view = usePacketView();
  const on = !!view.watched[lab] || !!autoWatch || isPresentView();
  const schedule = useMemo(() => new PacketSchedule(), []);
  const [frame, setFrame] = useState<Frame>(EMPTY);
  const raf = useRef<number | null>(null);
  const { getEdge } = useReactFlow();

  const loop = useCallback(() => {
    raf.current = null;
    const now = performance.now();
    const f = schedule.frame(now);
    setFrame(f);
    if (schedule.busy()) raf.current = requestAnimationFrame(loop);
  }, [schedule]);
  const kick = useCallback(() => {
    if (raf.current === null) raf.current = requestAnimationFrame(loop);
  }, [loop]);

  const onBatch = useCallback(
    (b: LabPackets) => {
      schedule.push(b, performance.now());
      kick();
    },
    [schedule, kick],
  );
  const watch = usePacketWatch(lab, on, onBatch);
  const socket = useSocket();
  // a ping from a node's menu turns the view on and waits until the taps listen (watching twice
  // from one browser is one watcher: the server keeps a set)
  const ensureWatching = useCallback(async () => {
    usePacketView.getState().setWatched(lab, true);
    await request(socket, 'packets:watch', { lab });
  }, [socket, lab]);

  useEffect(() => {
    schedule.setSpeed(view.speed);
    schedule.setPaused(view.paused, performance.now());
    kick();
  }, [schedule, view.speed, view.paused, kick]);
  const steps = useRef(view.steps);
  useEffect(() => {
    if (steps.current === view.steps) return;
    steps.current = view.steps;
    schedule.step(performance.now());
    kick();
  }, [schedule, view.steps, kick]);

  useEffect(() => {
    if (on) return;
    schedule.clear();
    setFrame(EMPTY);
  }, [on, schedule]);
  useEffect(() => () => {
    if (raf.current !== null) cancelAnimationFrame(raf.current);
  }, []);

  return (
    <>
      <ViewportPortal>
        {frame.flights.map((f) => {
          const e = f.event;
          const forward = getEdge(e.link)?.source === e.from;
          const at = pointAt(edgePath(e.link), forward ? f.progress : 1 - f.progress);
          return (
            <div
              key={f.id}
              className={`packet packet-${e.kind}`}
              data-packet={e.kind}
              data-link={e.link}
              data-from={e.from}
              data-to={e.to}
              data-wire={Math.round(e.time * 1000)}
              style={{ transform: `translate(${at?.x ?? 0}px, ${at?.y ?? 0}px)`, visibility: at ? 'visible' : 'hidden' }}
            >
              <span className="packet-dot" aria-hidden="true" />
              <span className="packet-label">{e.label}</span>
            </div>
          );
        })}
        {frame.pulses.map((p) => {
          const at = pointAt(edgePath(p.link), 0.5);
          if (!at) return null;
          const period = Math.max(0.15, Math.min(1.2, 4 / Math.max(1, p.rate)));
          return (
            <div key={p.link} className="packet-pulse" data-link={p.link} data-rate={p.rate} style={{ transform: `translate(${at.x}px, ${at.y}px)` }}>
              <span className="packet-pulse-ring" style={{ animationDuration: `${period}s` }} aria-hidden="true" />
              <span className="packet-label">{p.rate} pkt/s</span>
            </div>
          );
        })}
      </ViewportPortal>
      <Panel position="top-right" className="packet-controls-panel">
        <PacketControls lab={lab} on={on} locked={!!autoWatch || isPresentView()} waiting={frame.waiting} note={watch.error ?? watch.status?.note ?? null} />
      </Panel>
      <NatBadges lab={lab} />
      <NodeProbeMenu lab={lab} ensureWatching={ensureWatching} />
    </>
  );
}

function PacketControls({ lab, on, locked, waiting, note }: { lab: string; on: boolean; locked: boolean; waiting: number; note: string | null }) {
  const view = usePacketView();
  return (
    <div className="packet-controls" role="group" aria-label="packets on the canvas">
      {!locked && (
        <button type="button" className="btn small" aria-pressed={on} data-testid="packets-toggle" onClick={() => view.setWatched(lab, !on)} title="Animate the packets the kernel carries on this lab's links">
          {on ? '● Packets' : '○ Packets'}
        </button>
      )}
      {on && (
        <>
          <button type="button" className="btn small" aria-pressed={view.speed === 1} onClick={() => view.setSpeed(1)} title="real pace (each hop about half a second)">1×</button>
          <button type="button" className="btn small" aria-pressed={view.speed === 0.25} onClick={() => view.setSpeed(0.25)} title="slow motion">¼×</button>
          <button type="button" className="btn small" aria-pressed={view.paused} onClick={() => view.setPaused(!view.paused)}>{view.paused ? '▶ Play' : '❚❚ Pause'}</button>
          <button type="button" className="btn small" onClick={() => view.step()} title="play the next packet, then pause">Step{waiting ? ` (${waiting})` : ''}</button>
        </>
      )}
      {on && note && <span className="packet-note" role="status">{note}</span>}
    </div>
  );
}
