'use client';
// The "Node" tab: the selected node's interfaces, routing table, neighbour table and services, live.
import { useEffect } from 'react';
import type { ToolTabProps } from '../index';
import { Pick } from '../pick';
import { useShellNodePick } from '../use-lab-nodes';
import { InterfacesTable, NeighboursTable, RoutesTable } from './node-tables';
import { ServicesTable } from './services-table';
import { useNodeView } from './use-node-view';

export function NodePanel({ lab, selectedNodeId }: ToolTabProps) {
  const { nodes, node, picked, pick } = useShellNodePick(selectedNodeId);
  // a new selection on the canvas wins over an earlier pick in the list
  useEffect(() => pick(null), [selectedNodeId]);
  const { view, error } = useNodeView(lab, node);
  const context = selectedNodeId && selectedNodeId !== node ? ` (${selectedNodeId} lives in the host context)` : '';

  return (
    <div className="tool-panel node-panel" data-node={node}>
      <p className="tool-bar">
        <Pick label="Node" name="view node" value={node} options={nodes} onPick={pick} />
        {!picked && context}
        {view && <span className="muted"> · namespace {view.ns || "this machine's own"} · updated {new Date(view.at).toLocaleTimeString()}</span>}
      </p>
      {(error ?? view?.error) && <p className="tool-error" role="alert">{error ?? view?.error}</p>}
      {view && !view.error && (
        <div className="node-tables">
          {view.services && <ServicesTable rows={view.services} />}
          <InterfacesTable rows={view.interfaces} />
          <RoutesTable rows={view.routes} />
          <NeighboursTable rows={view.neighbours} />
        </div>
      )}
    </div>
  );
}
