'use client';
// One object the kernel has, drawn read-only: its title, the kernel name it stands for, and
// what it says (addresses, routes, forwarding). Looks like the editor's nodes (same classes).
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { DiagramKind } from '@/lib/export/describe';

export interface FoundData extends Record<string, unknown> {
  kind: DiagramKind;
  title: string;
  /** the kernel object: a namespace name, a bridge, or "this machine" */
  kernel: string;
  lines: string[];
}

export type FoundFlowNode = Node<FoundData, 'found'>;

const FLOW_KIND: Record<DiagramKind, string> = { host: 'host', namespace: 'namespace', router: 'namespace', machine: 'namespace', bridge: 'bridge' };

export function FoundNode({ id, data }: NodeProps<FoundFlowNode>) {
  return (
    <div className={`fnode fnode-${FLOW_KIND[data.kind]} found-node`} data-node={id} data-kind={data.kind}>
      <Handle type="source" position={Position.Top} id="top" className="fhandle" isConnectable={false} />
      <div className="fnode-head">
        <span className="fnode-title">{data.title}</span>
        {data.kernel !== data.title && <span className="fnode-sub">{data.kernel}</span>}
      </div>
      {data.lines.length > 0 && (
        <ul className="found-lines">
          {data.lines.map((l) => <li key={l}>{l}</li>)}
        </ul>
      )}
      <Handle type="target" position={Position.Bottom} id="bottom" className="fhandle" isConnectable={false} />
    </div>
  );
}
