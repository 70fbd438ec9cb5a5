// The in-namespace tools shown as tabs in the editor's bottom dock (next to "Commands"), and the
// hooks the canvas uses to show them: link rates on edges and the last probe's path.
import type { ComponentType } from 'react';
import './tools.css';
import { CapturePanel } from './capture/capture-panel';
import { NodePanel } from './node-view/node-panel';
import { ProbePanel } from './probe/probe-panel';
import { TerminalPanel } from './terminal/terminal-panel';

export interface ToolTabProps {
  lab: string;
  selectedNodeId: string | null;
}

export interface ToolTab {
  id: string;
  title: string;
  Component: ComponentType<ToolTabProps>;
}

export const toolTabs: ToolTab[] = [
  { id: 'terminal', title: 'Terminal', Component: TerminalPanel },
  { id: 'node', title: 'Node', Component: NodePanel },
  { id: 'ping', title: 'Ping', Component: ProbePanel },
  { id: 'capture', title: 'Capture', Component: CapturePanel },
];

export { useLinkRates, rateLevel, formatRate, type RateLevel } from './rates/use-link-rates';
export { useProbePath, useProbeStore } from './probe/probe-path-store';
