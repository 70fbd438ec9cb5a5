'use client';
// Open terminals outlive the dock tab that shows them (switching to "Node" must not kill a shell):
// each session keeps its xterm.js instance in a detached <div> that the panel re-attaches.
import type { FitAddon } from '@xterm/addon-fit';
import type { Terminal } from '@xterm/xterm';
import { create } from 'zustand';
import { request, type NslabClientSocket } from '@/components/socket';

export interface TermSession {
  id: string;
  lab: string;
  node: string;
  /** why the shell ended, once it has */
  ended: string | null;
}

interface XtermHandle {
  term: Terminal;
  fit: FitAddon;
  container: HTMLDivElement;
}

interface SessionsState {
  sessions: TermSession[];
  active: string | null;
  error: string | null;
  setActive(id: string): void;
}

export const useTermSessions = create<SessionsState>()((set) => ({
  sessions: [],
  active: null,
  error: null,
  setActive: (id) => set({ active: id }),
}));

const handles = new Map<string, XtermHandle>();
const boundSockets = new WeakSet<NslabClientSocket>();

export function xtermOf(id: string): XtermHandle | undefined {
  return handles.get(id);
}

/** Routes the server's terminal output to the right xterm, once per socket. */
function bind(socket: NslabClientSocket): void {
  if (boundSockets.has(socket)) return;
  boundSockets.add(socket);
  socket.on('term:data', ({ id, data }) => handles.get(id)?.term.write(data));
  socket.on('term:exit', ({ id, reason }) => {
    handles.get(id)?.term.write(`\r\n\x1b[2m[${reason}]\x1b[0m\r\n`);
    useTermSessions.setState((s) => ({ sessions: s.sessions.map((x) => (x.id === id ? { ...x, ended: reason } : x)) }));
  });
  // the server ends every shell of a socket that goes away
  socket.on('disconnect', () =>
    useTermSessions.setState((s) => ({ sessions: s.sessions.map((x) => (x.ended ? x : { ...x, ended: 'connection lost' })) })),
  );
}

export async function openTerminal(socket: NslabClientSocket, lab: string, node: string): Promise<void> {
  bind(socket);
  const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
  const container = document.createElement('div');
  container.className = 'term-host';
  const term = new Terminal({ cursorBlink: true, fontSize: 13, scrollback: 5000, fontFamily: 'ui-monospace, Menlo, Consolas, monospace' });
  const fit = new FitAddon();
  term.loadAddon(fit);
  const r = await request(socket, 'term:open', { lab, node, cols: 100, rows: 24 });
  if (!r.ok) {
    term.dispose();
    useTermSessions.setState({ error: r.message });
    return;
  }
  handles.set(r.id, { term, fit, container });
  term.open(container);
  term.onData((data) => socket.emit('term:input', { id: r.id, data }, () => undefined));
  term.onResize(({ cols, rows }) => socket.emit('term:resize', { id: r.id, cols, rows }, () => undefined));
  useTermSessions.setState((s) => ({ sessions: [...s.sessions, { id: r.id, lab, node, ended: null }], active: r.id, error: null }));
}

export async function closeTerminal(socket: NslabClientSocket, id: string): Promise<void> {
  const s = useTermSessions.getState().sessions.find((x) => x.id === id);
  if (s && !s.ended) await request(socket, 'term:close', { id });
  handles.get(id)?.term.dispose();
  handles.delete(id);
  useTermSessions.setState((st) => {
    const sessions = st.sessions.filter((x) => x.id !== id);
    return { sessions, active: st.active === id ? sessions.at(-1)?.id ?? null : st.active };
  });
}
