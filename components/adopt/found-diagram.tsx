'use client';
// The draft lab as a read-only React Flow diagram: every node where the draft's layout puts it,
// every veth pair an edge labelled with the interface names and addresses at its two ends.
import { Background, Controls, ReactFlow, type Edge } from '@xyflow/react';
import { useMemo } from 'react';
import { nodePositions } from '@/lib/export/auto-layout';
import { diagramLinks, diagramNodes, linkLabel } from '@/lib/export/describe';
import { HOST_ID, type Topology } from '@/lib/topology';
import { FoundNode, type FoundFlowNode } from './found-node';

const nodeTypes = { found: FoundNode };

function flowOf(t: Topology, names: Record<string, string>): { nodes: FoundFlowNode[]; edges: Edge[] } {
  const at = nodePositions(t);
  const linked = new Set(t.links.flatMap((l) => [l.a.node, l.b.node]));
  const nodes = diagramNodes(t)
    .filter((n) => n.id !== HOST_ID || linked.has(HOST_ID) || t.nodes.some((x) => x.kind === 'bridge'))
    .map((n): FoundFlowNode => ({
      id: n.id,
      type: 'found',
      position: at.get(n.id) ?? { x: 0, y: 0 },
      data: { kind: n.kind, title: n.title, kernel: n.id === HOST_ID ? 'this machine' : (names[n.id] ?? n.id), lines: n.details.filter((d) => d !== 'this machine') },
      draggable: false,
      selectable: false,
    }));
  const edges = diagramLinks(t).map((l): Edge => ({
    id: l.id,
    source: l.a.node,
    target: l.b.node,
    sourceHandle: 'top',
    targetHandle: 'bottom',
    label: linkLabel(l),
    labelBgPadding: [4, 2],
    labelStyle: { fontSize: 12 },
    data: { a: l.a.iface, b: l.b.iface },
  }));
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
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView nodesConnectable={false} nodesDraggable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
