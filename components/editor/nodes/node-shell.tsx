import { Handle, Position } from '@xyflow/react';
import type { ReactNode, Ref } from 'react';
import type { FlowKind, FlowNodeData } from '@/lib/editor/flow';
import { LiveIfaces } from './live-ifaces';

interface Props {
  id: string;
  kind: FlowKind;
  icon: ReactNode;
  data: FlowNodeData;
  selected: boolean;
  /** more about the node, under its title (the host's forwarding and NAT) */
  children?: ReactNode;
  /** the host holding its bridges: a frame, its text in a head at the top */
  frame?: boolean;
  /** the part with the node's text (the host measures it, to keep its bridges below it) */
  bodyRef?: Ref<HTMLDivElement>;
}

/**
 * What every canvas node shares: a connect handle above and below (drag from one to another
 * node to make a veth link), the title, badges for problems and drift, and the kernel's interfaces.
 * During an apply the node says "building" instead of its drift (the kernel is on its way).
 */
export function NodeShell({ id, kind, icon, data, selected, children, frame, bodyRef }: Props) {
  const drift = data.building ? [] : data.live?.drift ?? [];
  return (
    <div className={`fnode fnode-${kind}${selected ? ' is-selected' : ''}${frame ? ' is-frame' : ''}`} data-node={id} data-kind={kind}>
      <Handle type="source" position={Position.Top} id="top" className="fhandle" aria-label={`connect ${id}`} />
      <div className="fnode-body" ref={bodyRef}>
        <div className="fnode-head">
          <span className="fnode-icon" aria-hidden="true">{icon}</span>
          <span className="fnode-title">{data.title}</span>
          {data.subtitle && <span className="fnode-sub">{data.subtitle}</span>}
        </div>
        {(data.problems > 0 || drift.length > 0 || data.building) && (
          <div className="fnode-badges">
            {data.problems > 0 && <span className="badge state-failed">{data.problems} problem{data.problems > 1 ? 's' : ''}</span>}
            {data.building && <span className="badge state-applying" data-building="true">building</span>}
            {drift.length > 0 && <span className="badge state-drifted" title={drift.join('\n')} data-drift="true">drift</span>}
          </div>
        )}
        {drift.length > 0 && (
          <ul className="fnode-drift">
            {drift.slice(0, 4).map((line) => <li key={line}>{line}</li>)}
            {drift.length > 4 && <li>…and {drift.length - 4} more</li>}
          </ul>
        )}
        {children}
        <LiveIfaces live={data.live} />
      </div>
      <Handle type="source" position={Position.Bottom} id="bottom" className="fhandle" aria-label={`connect ${id}`} />
      {/* where links to a node beside this one end (not a place to start one: drawn only as the link's end) */}
      <Handle type="source" position={Position.Left} id="left" className="fhandle fhandle-side" isConnectableStart={false} aria-hidden="true" />
      <Handle type="source" position={Position.Right} id="right" className="fhandle fhandle-side" isConnectableStart={false} aria-hidden="true" />
    </div>
  );
}
