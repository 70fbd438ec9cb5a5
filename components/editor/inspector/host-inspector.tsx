'use client';
import { updateHost } from '@/lib/editor/edit';
import { bridgeSegmentAddresses } from '@/lib/editor/suggest';
import { parseCidr } from '@/lib/addr';
import { HOST_ID, type Topology } from '@/lib/topology';
import { useEditorStoreApi } from '../store/editor-provider';
import { CheckField } from './check-field';
import { NatEditor } from './nat-editor';
import { NodeLinks } from './node-links';
import { RoutesEditor } from './routes-editor';

/** The host: where bridges live; forwarding and NAT for the namespaces behind it. */
export function HostInspector({ topology }: { topology: Topology }) {
  const store = useEditorStoreApi();
  const host = topology.host ?? {};
  const edit = (patch: Parameters<typeof updateHost>[1], field: string) => store.getState().edit((t) => updateHost(t, patch), `host.${field}`);
  const ifaces = topology.links.flatMap((l) => [l.a, l.b]).filter((e) => e.node === HOST_ID && e.iface).map((e) => e.iface!);
  const firstBridge = topology.nodes.find((n) => n.kind === 'bridge');
  const bridgeNet = firstBridge ? bridgeSegmentAddresses(topology, firstBridge.id).map(parseCidr).find((c) => c)?.network ?? null : null;
  return (
    <>
      <h2 className="panel-title">Host</h2>
      <p className="muted">
        {host.netns ? <>An isolated host: namespace <code>{host.netns}</code> stands in for this machine.</> : <>This machine&apos;s own network namespace.</>}{' '}
        Bridges and their addresses live here.
      </p>
      <NodeLinks topology={topology} nodeId={HOST_ID} />
      <CheckField label="Forward packets (ip_forward)" path="host.forwarding" checked={!!host.forwarding} onChange={(v) => edit({ forwarding: v || undefined }, 'forwarding')} help="Needed for the namespaces to reach another machine through the host." />
      <NatEditor base="host" nat={host.nat ?? []} onChange={(nat) => edit({ nat }, 'nat')} ifaces={ifaces} source={bridgeNet} />
      <RoutesEditor base="host" routes={host.routes ?? []} onChange={(routes) => edit({ routes }, 'routes')} gateway={null} />
    </>
  );
}
