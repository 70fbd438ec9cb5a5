import type { NodeProps } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { HOST_HEAD, natKey, type HostFacts } from '@/lib/editor/flow';
import { useEditorStoreApi } from '../store/editor-provider';
import { NodeShell } from './node-shell';
import type { HostFlowNode } from './types';

/**
 * The host: a place that holds its bridges (a frame around them), with its own facts in the
 * head: forwarding on or off, each NAT rule (and its live masquerade count when one is fed in
 * as data.host.natCounters), and its own interfaces. The head's size is told to the editor, so
 * the frame keeps the bridges below it.
 */
export function HostNode({ id, data, selected }: NodeProps<HostFlowNode>) {
  const store = useEditorStoreApi();
  const body = useRef<HTMLDivElement>(null);
  const frame = !!data.host?.frame;
  useEffect(() => {
    const el = body.current;
    if (!el || !frame) return;
    const tell = () => store.getState().setSize(HOST_HEAD, { width: Math.ceil(el.offsetWidth) + 24, height: Math.ceil(el.offsetHeight) + 12 });
    tell();
    const observer = new ResizeObserver(tell);
    observer.observe(el);
    return () => observer.disconnect();
  }, [store, frame]);
  return (
    <NodeShell id={id} kind="host" icon="⌂" data={data} selected={!!selected} frame={frame} bodyRef={body}>
      {data.host && <HostFactsList facts={data.host} />}
    </NodeShell>
  );
}

function HostFactsList({ facts }: { facts: HostFacts }) {
  return (
    <ul className="host-facts">
      <li data-fact="forwarding" className={facts.forwarding ? 'is-on' : 'is-off'}>
        forwarding <strong>{facts.forwarding ? 'on' : 'off'}</strong>
      </li>
      {facts.nat.map((n) => {
        const count = facts.natCounters?.[natKey(n)];
        return (
          <li key={natKey(n)} data-nat={natKey(n)}>
            NAT {n.source} → {n.out}
            {count !== undefined && (
              <span className="nat-counter" data-nat-counter={natKey(n)} title="packets masqueraded (nft counter)">
                {count} pkt{count === 1 ? '' : 's'}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
