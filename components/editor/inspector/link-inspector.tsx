'use client';
import { linkIndexOf } from '@/lib/editor/ids';
import { HOST_ID, type Topology } from '@/lib/topology';
import { EndpointFields } from './endpoint-fields';
import { NetemFields } from './netem-fields';
import { useEditorStoreApi } from '../store/editor-provider';

/** A veth pair: both ends, each with its interface name and addresses. */
export function LinkInspector({ topology, edgeId }: { topology: Topology; edgeId: string }) {
  const store = useEditorStoreApi();
  const index = linkIndexOf(topology, edgeId);
  const link = topology.links[index];
  if (!link) return <p className="muted">This link is gone.</p>;
  const isBridge = (id: string) => id !== HOST_ID && topology.nodes.some((n) => n.id === id && n.kind === 'bridge');
  return (
    <>
      <h2 className="panel-title">veth link {link.a.node} ↔ {link.b.node}</h2>
      <p className="muted small">A veth pair: a cable with one end in each node.</p>
      <EndpointFields topology={topology} index={index} side="a" title={`${link.a.node}'s end`} isBridge={isBridge(link.a.node)} />
      <EndpointFields topology={topology} index={index} side="b" title={`${link.b.node}'s end`} isBridge={isBridge(link.b.node)} />
      <NetemFields topology={topology} index={index} side={null} title="Impairment (netem)" help="Delays, drops, duplicates, corrupts or slows what each end sends: a 50ms delay gives 100ms of round trip." />
      {(['a', 'b'] as const).map((s) => (
        <NetemFields key={s} topology={topology} index={index} side={s} title={`Impair ${link[s].node}'s end only`} help={`These replace the link's impairment for what ${link[s].node} sends.`} />
      ))}
      <button type="button" className="btn ghost danger-text" onClick={() => store.getState().removeSelected([], [edgeId])}>Delete this link</button>
    </>
  );
}
