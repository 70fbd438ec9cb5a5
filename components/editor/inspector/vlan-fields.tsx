'use client';
// VLANs in the inspector (lib/vlan.ts): a bridge port's access VLAN and trunk, a namespace
// interface's 802.1Q sub-interfaces, a bridge's VLAN filtering. What is typed goes into the
// topology as typed (a number when it reads as one), so a bad value shows its problem right here.
import { useEffect, useState } from 'react';
import { updateEndpoint, updateNode } from '@/lib/editor/edit';
import type { BridgeNode, Endpoint, Topology } from '@/lib/topology';
import { filteringBridges, subinterfaceName } from '@/lib/vlan';
import { useEditorStoreApi } from '../store/editor-provider';
import { AddressList } from './address-list';
import { CheckField } from './check-field';
import { TextField } from './text-field';

/** A number when the text is one, else the text (validation names it); '' is none. */
const vlanValue = (text: string): number | string | undefined => (text.trim() === '' ? undefined : /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim());

/** A field whose text is kept while typed (`10, 2` must not become `10` on the way to `10, 20`). */
function useTyped(shown: string): [string, (v: string) => void] {
  const [text, setText] = useState(shown);
  useEffect(() => setText((t) => (listText(t) === shown ? t : shown)), [shown]);
  return [text, setText];
}
const listText = (t: string) => t.split(/[\s,]+/).filter(Boolean).map((x) => vlanValue(x)).join(', ');

interface EndProps {
  topology: Topology;
  index: number;
  side: 'a' | 'b';
  end: Endpoint;
}

function useEndEdit(index: number, side: 'a' | 'b') {
  const store = useEditorStoreApi();
  const base = `links[${index}].${side}`;
  return (patch: Record<string, unknown>, field: string) => store.getState().edit((t) => updateEndpoint(t, index, side, patch as Partial<Endpoint>), `${base}.${field}`);
}

/** A bridge port: its access VLAN (untagged, PVID) and the VLANs it carries tagged (a trunk). */
export function PortVlanFields({ index, side, end }: EndProps) {
  const edit = useEndEdit(index, side);
  const base = `links[${index}].${side}`;
  const [trunk, setTrunk] = useTyped((end.vlans ?? []).join(', '));
  return (
    <>
      <TextField
        label="VLAN (access, untagged)"
        path={`${base}.vlan`}
        value={end.vlan === undefined ? '' : String(end.vlan)}
        onChange={(v) => edit({ vlan: vlanValue(v) }, 'vlan')}
        placeholder="none: VLAN 1"
      />
      <TextField
        label="Trunk VLANs (tagged)"
        path={`${base}.vlans`}
        value={trunk}
        onChange={(v) => {
          setTrunk(v);
          const list = v.split(/[\s,]+/).filter(Boolean).map(vlanValue);
          edit({ vlans: list.length ? list : undefined }, 'vlans');
        }}
        placeholder="10, 20"
      />
    </>
  );
}

/** A namespace interface's 802.1Q sub-interfaces (`eth0.10`), each with its addresses. */
export function SubinterfaceFields({ index, side, end }: EndProps) {
  const edit = useEndEdit(index, side);
  const base = `links[${index}].${side}.subinterfaces`;
  const subs = end.subinterfaces ?? [];
  const set = (next: typeof subs) => edit({ subinterfaces: next.length ? next : undefined }, 'subinterfaces');
  const free = () => {
    for (let v = 10; v < 4095; v += 10) if (!subs.some((s) => s.vlan === v)) return v;
    return 1;
  };
  return (
    <div className="subinterfaces" data-path={base}>
      {subs.map((s, k) => (
        <fieldset key={k} className="subinterface">
          <legend>{end.iface ? subinterfaceName(end.iface, s.vlan) : `sub-interface ${k + 1}`}</legend>
          <TextField
            label="VLAN"
            path={`${base}[${k}].vlan`}
            value={String(s.vlan ?? '')}
            onChange={(v) => set(subs.map((x, j) => (j === k ? { ...x, vlan: vlanValue(v) as number } : x)))}
            placeholder="10"
          />
          <AddressList
            label="Address"
            path={`${base}[${k}].addresses`}
            addresses={s.addresses ?? []}
            onChange={(addresses) => set(subs.map((x, j) => (j === k ? { vlan: x.vlan, ...(addresses.length ? { addresses } : {}) } : x)))}
            example="10.0.10.2/24"
          />
          <button type="button" className="btn ghost small danger-text" onClick={() => set(subs.filter((_, j) => j !== k))}>Remove</button>
        </fieldset>
      ))}
      <button type="button" className="btn small" onClick={() => set([...subs, { vlan: free() }])}>Add VLAN sub-interface</button>
    </div>
  );
}

/** A bridge's VLAN filtering: on when set, or when a port has a VLAN. */
export function BridgeVlanField({ topology, node, index }: { topology: Topology; node: BridgeNode; index: number }) {
  const store = useEditorStoreApi();
  const on = filteringBridges(topology).has(node.id);
  return (
    <CheckField
      label="VLAN filtering"
      path={`nodes[${index}].vlanFiltering`}
      checked={on}
      onChange={(v) => store.getState().edit((t) => updateNode(t, node.id, { vlanFiltering: v }), `nodes[${index}].vlanFiltering`)}
      help="Frames pass only between ports of the same VLAN. On when a port has a VLAN; a port without one is in VLAN 1."
    />
  );
}
