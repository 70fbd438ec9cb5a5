'use client';
// Captures of this browser: their live packet lists outlive the dock tab that shows them.
import { create } from 'zustand';
import { request, type NslabClientSocket } from '@/components/socket';
import type { CaptureInfo, PacketSummary } from '@/lib/protocol-tools';

/** The list keeps the newest packets; the .pcap has them all. */
const LIST_LIMIT = 2000;

export interface CaptureView {
  info: CaptureInfo;
  packets: PacketSummary[];
}

interface CaptureState {
  captures: CaptureView[];
  error: string | null;
}

export const useCaptureStore = create<CaptureState>()(() => ({ captures: [], error: null }));

const update = (id: string, fn: (c: CaptureView) => CaptureView) =>
  useCaptureStore.setState((s) => ({ captures: s.captures.map((c) => (c.info.id === id ? fn(c) : c)) }));

const bound = new WeakSet<NslabClientSocket>();

function bind(socket: NslabClientSocket): void {
  if (bound.has(socket)) return;
  bound.add(socket);
  socket.on('capture:packets', ({ id, packets, total, bytes }) =>
    update(id, (c) => ({ info: { ...c.info, packets: total, bytes }, packets: [...c.packets, ...packets].slice(-LIST_LIMIT) })),
  );
  socket.on('capture:ended', (info) => update(info.id, (c) => ({ ...c, info })));
  socket.on('disconnect', () =>
    useCaptureStore.setState((s) => ({ captures: s.captures.map((c) => ({ ...c, info: { ...c.info, running: false, stoppedBecause: c.info.stoppedBecause ?? 'connection lost' } })) })),
  );
}

export async function startCapture(socket: NslabClientSocket, lab: string, node: string, iface: string, filter: string): Promise<void> {
  bind(socket);
  const r = await request(socket, 'capture:start', { lab, node, iface, filter });
  if (!r.ok) return useCaptureStore.setState({ error: r.message });
  useCaptureStore.setState((s) => ({ captures: [...s.captures, { info: r.capture, packets: [] }], error: null }));
}

export async function stopCapture(socket: NslabClientSocket, id: string): Promise<void> {
  const r = await request(socket, 'capture:stop', { id });
  if (!r.ok) return useCaptureStore.setState({ error: r.message });
  update(id, (c) => ({ ...c, info: r.capture }));
}

/** Asks for the bytes and hands them to the browser as a file download. */
export async function downloadCapture(socket: NslabClientSocket, id: string): Promise<void> {
  const r = await request(socket, 'capture:download', { id });
  if (!r.ok) return useCaptureStore.setState({ error: r.message });
  const blob = new Blob([r.bytes as BlobPart], { type: 'application/vnd.tcpdump.pcap' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = r.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function discardCapture(socket: NslabClientSocket, id: string): Promise<void> {
  await request(socket, 'capture:discard', { id });
  useCaptureStore.setState((s) => ({ captures: s.captures.filter((c) => c.info.id !== id) }));
}
