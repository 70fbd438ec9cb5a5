'use client';
import { updateNode, type NodePatch } from '@/lib/editor/edit';
import { suggestGateway } from '@/lib/editor/suggest';
import { forwards, type NamespaceNode, type Topology } from '@/lib/topology';
import { useEditorStoreApi } from '../store/editor-provider';
import { CheckField } from './check-field';
import { NatEditor } from './nat-editor';
import { NodeIdField } from './node-id-field';
import { NodeLinks } from './node-links';
import { RoutesEditor } from './routes-editor';
import { ServicesEditor } from './services-editor';
import { TextField } from './text-field';

/** A namespace (or "another machine"): name, label, interfaces, routes, forwarding, NAT. */
export function NamespaceInspector({ topology, node, index }: { topology: Topology; node: NamespaceNode; index: number }) {
  const store = useEditorStoreApi();
  const base = `nodes[${index}]`;
  const edit = (patch: NodePatch, field: string) => store.getState().edit((t) => updateNode(t, node.id, patch), `${base}.${field}`);
  const ifaces = topology.links.flatMap((l) => [l.a, l.b]).filter((e) => e.node === node.id && e.iface).map((e) => e.iface!);
  return (
    <>
      <h2 className="panel-title">{node.role === 'machine' ? 'Another machine' : 'Namespace'} {node.id}</h2>
      <NodeIdField id={node.id} index={index} />
      <TextField label="Label (shown on the canvas only)" path={`${base}.label`} value={node.label ?? ''} onChange={(v) => edit({ label: v || undefined }, 'label')} />
      <NodeLinks topology={topology} nodeId={node.id} />
      <RoutesEditor base={base} routes={node.routes ?? []} onChange={(routes) => edit({ routes }, 'routes')} gateway={suggestGateway(topology, node.id)} />
      <CheckField
        label={node.role === 'router' ? 'Forward packets (a router does by default)' : 'Forward packets (a router)'}
        path={`${base}.forwarding`}
        checked={forwards(node)}
        // a router forwards unless told not to; another node only when told to
        onChange={(v) => edit({ forwarding: node.role === 'router' ? (v ? undefined : false) : v || undefined }, 'forwarding')}
        help="net.ipv4.ip_forward=1 and net.ipv6.conf.all.forwarding=1 inside this namespace"
      />
      {(forwards(node) || (node.nat?.length ?? 0) > 0) && (
        <NatEditor base={base} nat={node.nat ?? []} onChange={(nat) => edit({ nat }, 'nat')} ifaces={ifaces} source={null} />
      )}
      <ServicesEditor base={base} run={node.run ?? []} onChange={(run) => edit({ run }, 'run')} />
    </>
  );
}
