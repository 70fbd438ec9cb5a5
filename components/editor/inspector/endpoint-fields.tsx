'use client';
import { updateEndpoint } from '@/lib/editor/edit';
import { suggestAddress } from '@/lib/editor/suggest';
import { HOST_ID, type Topology } from '@/lib/topology';
import { useEditorStoreApi } from '../store/editor-provider';
import { AddressList } from './address-list';
import { TextField } from './text-field';
import { PortVlanFields, SubinterfaceFields } from './vlan-fields';

interface Props {
  topology: Topology;
  index: number;
  side: 'a' | 'b';
  /** heading shown above the fields, e.g. "A's end" */
  title: string;
  isBridge: boolean;
}

/** One end of a veth link: its interface name and (unless it is a bridge port) its addresses. */
export function EndpointFields({ topology, index, side, title, isBridge }: Props) {
  const store = useEditorStoreApi();
  const end = topology.links[index]?.[side];
  if (!end) return null;
  const base = `links[${index}].${side}`;
  const edit = (patch: Parameters<typeof updateEndpoint>[3], field: string) =>
    store.getState().edit((t) => updateEndpoint(t, index, side, patch), `${base}.${field}`);
  return (
    <fieldset className="endpoint" data-endpoint={base}>
      <legend>{title}</legend>
      <TextField
        label="Interface name"
        path={`${base}.iface`}
        value={end.iface ?? ''}
        onChange={(v) => edit(v ? { iface: v } : { iface: undefined }, 'iface')}
        placeholder={isBridge ? 'named by nslab' : 'eth0'}
      />
      {isBridge ? (
        <>
          <p className="muted small">A bridge port carries no address: give the bridge its address instead.</p>
          <PortVlanFields topology={topology} index={index} side={side} end={end} />
        </>
      ) : (
        <>
        <AddressList
          label="Address"
          path={`${base}.addresses`}
          addresses={end.addresses ?? []}
          onChange={(addresses) => edit({ addresses }, 'addresses')}
          suggestion={suggestAddress(topology, index, side)}
          example={end.node === HOST_ID ? '10.0.0.1/24' : '10.0.0.2/24'}
        />
        <SubinterfaceFields topology={topology} index={index} side={side} end={end} />
        </>
      )}
    </fieldset>
  );
}
