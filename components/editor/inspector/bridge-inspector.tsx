'use client';
import { updateNode } from '@/lib/editor/edit';
import { suggestBridgeAddress } from '@/lib/editor/suggest';
import type { BridgeNode, Topology } from '@/lib/topology';
import { useEditorStoreApi } from '../store/editor-provider';
import { AddressList } from './address-list';
import { NodeIdField } from './node-id-field';
import { NodeLinks } from './node-links';
import { BridgeVlanField } from './vlan-fields';

/** A bridge on the host: its name, the host's address on it ("give Bridge_0 an IP"), its ports. */
export function BridgeInspector({ topology, node, index }: { topology: Topology; node: BridgeNode; index: number }) {
  const store = useEditorStoreApi();
  const base = `nodes[${index}]`;
  return (
    <>
      <h2 className="panel-title">Bridge {node.id}</h2>
      <NodeIdField id={node.id} index={index} bridge />
      <AddressList
        label="Host address on the bridge"
        path={`${base}.addresses`}
        addresses={node.addresses ?? []}
        onChange={(addresses) => store.getState().edit((t) => updateNode(t, node.id, { addresses }), `${base}.addresses`)}
        suggestion={suggestBridgeAddress(topology, node.id) ?? (node.addresses?.length ? null : '10.0.0.1/24')}
        example="10.0.0.1/24"
      />
      <p className="muted small">With an address here, the host reaches the namespaces on this bridge and can be their default gateway.</p>
      <BridgeVlanField topology={topology} node={node} index={index} />
      <NodeLinks topology={topology} nodeId={node.id} />
    </>
  );
}
