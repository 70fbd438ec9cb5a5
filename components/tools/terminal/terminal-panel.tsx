'use client';
// The "Terminal" tab: shells inside the lab's nodes, several at once, one shown at a time.
import { useState } from 'react';
import '@xterm/xterm/css/xterm.css';
import { useSocket } from '@/components/socket';
import { TOOL_LIMITS } from '@/lib/protocol-tools';
import type { ToolTabProps } from '../index';
import { shellNodeOf, useShellNodeIds } from '../use-lab-nodes';
import { closeTerminal, openTerminal, useTermSessions } from './terminal-sessions';
import { TerminalScreen } from './terminal-screen';

export function TerminalPanel({ lab, selectedNodeId }: ToolTabProps) {
  const socket = useSocket();
  const nodes = useShellNodeIds();
  const { sessions, active, error, setActive } = useTermSessions();
  const mine = sessions.filter((s) => s.lab === lab);
  const [picked, setPicked] = useState<string | null>(null);
  const node = picked ?? shellNodeOf(selectedNodeId, nodes);
  const [opening, setOpening] = useState(false);

  const open = async () => {
    setOpening(true);
    await openTerminal(socket, lab, node);
    setOpening(false);
  };

  const shown = mine.find((s) => s.id === active) ?? mine.at(-1);

  return (
    <div className="tool-panel terminal-panel">
      <div className="tool-bar">
        <label>
          Node{' '}
          <select aria-label="terminal node" value={node} onChange={(e) => setPicked(e.target.value)}>
            {nodes.map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="button" className="btn small" onClick={open} disabled={opening || sessions.filter((s) => !s.ended).length >= TOOL_LIMITS.terminalsPerSocket}>
          Open terminal
        </button>
        <div className="term-tabs" role="tablist" aria-label="open terminals">
          {mine.map((s, i) => (
            <span key={s.id} className={`term-tab${s.id === shown?.id ? ' is-active' : ''}${s.ended ? ' is-ended' : ''}`}>
              <button type="button" role="tab" aria-selected={s.id === shown?.id} onClick={() => setActive(s.id)}>
                {s.node} #{i + 1}
              </button>
              <button type="button" className="term-close" aria-label={`close terminal ${s.node} #${i + 1}`} onClick={() => void closeTerminal(socket, s.id)}>
                ×
              </button>
            </span>
          ))}
        </div>
      </div>
      {error && <p className="tool-error" role="alert">{error}</p>}
      {shown ? <TerminalScreen key={shown.id} id={shown.id} /> : <p className="tool-empty">Open a shell inside a node: it runs <code>ip netns exec</code> for you.</p>}
    </div>
  );
}
