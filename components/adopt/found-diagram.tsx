'use client';
// The draft lab as a read-only React Flow diagram: every node where the draft's layout puts it,
// every veth pair an edge labelled with the interface names and addresses at its two ends.
import { Background, Controls, ReactFlow, type Edge } from '@xyflow/react';
import { useMemo } from 'react';
import { nodePositions } from '@/lib/export/auto-layout';
import { diagramLinks, diagramNodes } from '@/lib/export/describe';
import { HOST_ID, type Topology } from '@/lib/topology';
import { FoundEdge, type FoundFlowEdge } from './found-edge';
import { FoundNode, type FoundFlowNode } from './found-node';

const nodeTypes = { found: FoundNode };
const edgeTypes = { found: FoundEdge };

function flowOf(t: Topology, names: Record<string, string>): { nodes: FoundFlowNode[]; edges: Array<FoundFlowEdge | Edge> } {
  const at = nodePositions(t);
  const linked = new Set(t.links.flatMap((l) => [l.a.node, l.b.node]));
  const nodes = diagramNodes(t)
    .filter((n) => n.id !== HOST_ID || linked.has(HOST_ID) || t.nodes.some((x) => x.kind === 'bridge'))
    .map((n): FoundFlowNode => ({
      id: n.id,
      type: 'found',
      // the layered layout is drawn for small nodes: spread it so the end labels have room
      position: { x: (at.get(n.id)?.x ?? 0) * 1.4, y: (at.get(n.id)?.y ?? 0) * 1.5 },
      data: { kind: n.kind, title: n.title, kernel: n.id === HOST_ID ? 'this machine' : (names[n.id] ?? n.id), lines: n.details.filter((d) => d !== 'this machine') },
      draggable: false,
      selectable: false,
    }));
  // Each link runs from the lower node's top to the upper node's bottom.
  const y = (id: string) => at.get(id)?.y ?? 0;
  const edges: Array<FoundFlowEdge | Edge> = diagramLinks(t).map((l): FoundFlowEdge => {
    const [lo, hi] = y(l.a.node) >= y(l.b.node) ? [l.a, l.b] : [l.b, l.a];
    return {
      id: l.id,
      type: 'found',
      source: lo.node,
      target: hi.node,
      sourceHandle: 'top',
      targetHandle: 'bottom',
      ariaLabel: `${l.a.node} ${l.a.iface} to ${l.b.node} ${l.b.iface}`,
      data: { source: { iface: lo.iface, addresses: lo.addresses }, target: { iface: hi.iface, addresses: hi.addresses } },
    };
  });
  // Bridges live in the host context: a dashed line says so.
  for (const n of t.nodes) {
    if (n.kind === 'bridge' && nodes.some((x) => x.id === HOST_ID)) {
      edges.push({ id: `in-host-${n.id}`, source: n.id, target: HOST_ID, sourceHandle: 'top', targetHandle: 'bottom', style: { strokeDasharray: '4 4', opacity: 0.5 } });
    }
  }
  return { nodes, edges };
}

export function FoundDiagram({ topology, names }: { topology: Topology; names: Record<string, string> }) {
  const { nodes, edges } = useMemo(() => flowOf(topology, names), [topology, names]);
  return (
    <div className="found-diagram" data-testid="adopt-diagram">
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} edgeTypes={edgeTypes} fitView nodesConnectable={false} nodesDraggable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
