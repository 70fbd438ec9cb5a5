'use client';
// The "Capture" tab: tcpdump on a node's interface with a filter, packets as a live list,
// stop, and download as a .pcap (opens in Wireshark).
import { useState, type FormEvent } from 'react';
import { useSocket } from '@/components/socket';
import type { ToolTabProps } from '../index';
import { Pick } from '../pick';
import { useShellNodePick } from '../use-lab-nodes';
import { discardCapture, downloadCapture, startCapture, stopCapture, useCaptureStore } from './capture-store';
import { PacketList } from './packet-list';
import { useNodeIfaces } from './use-node-ifaces';

export function CapturePanel({ lab, selectedNodeId }: ToolTabProps) {
  const socket = useSocket();
  const { nodes, node, pick } = useShellNodePick(selectedNodeId);
  const ifaces = useNodeIfaces(node);
  const [ifacePick, setIface] = useState<string | null>(null);
  const iface = ifacePick && ifaces.includes(ifacePick) ? ifacePick : ifaces[0] ?? 'any';
  const [filter, setFilter] = useState('');
  const [starting, setStarting] = useState(false);
  const { captures, error } = useCaptureStore();
  const mine = captures.filter((c) => c.info.lab === lab);
  const [shownId, setShown] = useState<string | null>(null);
  const shown = mine.find((c) => c.info.id === shownId) ?? mine.at(-1);

  const onStart = async (e: FormEvent) => {
    e.preventDefault();
    setStarting(true);
    await startCapture(socket, lab, node, iface, filter.trim());
    setStarting(false);
    setShown(null);
  };

  return (
    <div className="tool-panel capture-panel">
      <form className="tool-bar" onSubmit={onStart}>
        <Pick label="Node" name="capture node" value={node} options={nodes} onPick={pick} />
        <Pick label="Interface" name="capture interface" value={iface} options={ifaces} onPick={setIface} />
        <label>
          Filter{' '}
          <input aria-label="capture filter" placeholder="e.g. icmp or arp" value={filter} onChange={(e) => setFilter(e.target.value)} size={22} />
        </label>
        <button type="submit" className="btn small" disabled={starting}>{starting ? 'Starting…' : 'Start capture'}</button>
        {mine.length > 1 && (
          <select aria-label="shown capture" value={shown?.info.id} onChange={(e) => setShown(e.target.value)}>
            {mine.map((c, i) => <option key={c.info.id} value={c.info.id}>#{i + 1} {c.info.node}:{c.info.iface}</option>)}
          </select>
        )}
      </form>
      {error && <p className="tool-error" role="alert">{error}</p>}
      {shown && (
        <div className="capture-view" data-capture-id={shown.info.id}>
          <p className="tool-bar">
            <span className={shown.info.running ? 'ok-text' : 'muted'}>{shown.info.running ? '● capturing' : `stopped${shown.info.stoppedBecause && shown.info.stoppedBecause !== 'stopped' ? `: ${shown.info.stoppedBecause}` : ''}`}</span>
            <span>
              {shown.info.node}:{shown.info.iface}{shown.info.filter ? ` · ${shown.info.filter}` : ''} · <span data-testid="capture-count">{shown.info.packets}</span> packets
            </span>
            {shown.info.running ? (
              <button type="button" className="btn small" onClick={() => void stopCapture(socket, shown.info.id)}>Stop</button>
            ) : (
              <button type="button" className="btn small" onClick={() => void downloadCapture(socket, shown.info.id)}>Download .pcap</button>
            )}
            <button type="button" className="btn small ghost" onClick={() => void discardCapture(socket, shown.info.id)}>Discard</button>
          </p>
          <PacketList packets={shown.packets} />
        </div>
      )}
    </div>
  );
}
