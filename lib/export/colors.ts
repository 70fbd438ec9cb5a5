// The canvas's colours (app/globals.css :root), for the pictures drawn without a browser: the
// SVG export draws the lab as the canvas does. A unit test keeps the two in step.
import type { DiagramKind } from './describe';

export const CANVAS_COLORS = {
  bg: '#f6f7f9',
  ink: '#1d2733',
  muted: '#5b6776',
  line: '#d9dee5',
  edge: '#6d7c8e',
  ok: '#17803d',
};

/** fill = the CSS --ns/--br/--host/--machine, stroke = --ns-line/--br-line/--host-line/--machine-line */
export const KIND_COLORS: Record<DiagramKind, { fill: string; stroke: string; text: string }> = {
  host: { fill: '#f3eefb', stroke: '#a691c9', text: CANVAS_COLORS.ink },
  namespace: { fill: '#e8f0fc', stroke: '#9fb0c4', text: CANVAS_COLORS.ink },
  router: { fill: '#e8f0fc', stroke: '#9fb0c4', text: CANVAS_COLORS.ink },
  machine: { fill: '#fdf3e6', stroke: '#d2a86b', text: CANVAS_COLORS.ink },
  bridge: { fill: '#edf7ee', stroke: '#86b48f', text: CANVAS_COLORS.ink },
};

/** The CSS custom property each colour comes from. */
export const CSS_SOURCES: Array<[string, string]> = [
  ['--ns', KIND_COLORS.namespace.fill],
  ['--ns-line', KIND_COLORS.namespace.stroke],
  ['--br', KIND_COLORS.bridge.fill],
  ['--br-line', KIND_COLORS.bridge.stroke],
  ['--host', KIND_COLORS.host.fill],
  ['--host-line', KIND_COLORS.host.stroke],
  ['--machine', KIND_COLORS.machine.fill],
  ['--machine-line', KIND_COLORS.machine.stroke],
  ['--ink', CANVAS_COLORS.ink],
  ['--muted', CANVAS_COLORS.muted],
  ['--edge', CANVAS_COLORS.edge],
  ['--bg', CANVAS_COLORS.bg],
];
