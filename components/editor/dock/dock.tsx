'use client';
import { useState, type KeyboardEvent } from 'react';
import { toolTabs } from '@/components/tools';
import type { EditorState } from '../store/editor-store';
import { useEditorStore } from '../store/editor-provider';
import { CommandLog } from './command-log';

const labSel = (s: EditorState) => s.name;
const selectedNodeSel = (s: EditorState) => (s.selectedNodes.length === 1 ? s.selectedNodes[0]! : null);

/** The bottom dock: the command log first, then the tools (terminals, ping, captures...). */
export function Dock() {
  const lab = useEditorStore(labSel);
  const selectedNodeId = useEditorStore(selectedNodeSel);
  const tabs = [{ id: 'commands', title: 'Commands' }, ...toolTabs.map((t) => ({ id: t.id, title: t.title }))];
  const [active, setActive] = useState('commands');
  const [open, setOpen] = useState(true);
  const Tool = toolTabs.find((t) => t.id === active)?.Component;

  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === active);
    const next = e.key === 'ArrowRight' ? tabs[(i + 1) % tabs.length] : e.key === 'ArrowLeft' ? tabs[(i - 1 + tabs.length) % tabs.length] : null;
    if (next) {
      setActive(next.id);
      document.getElementById(`dock-tab-${next.id}`)?.focus();
    }
  };

  return (
    <section className={`dock${open ? '' : ' is-collapsed'}`} aria-label="dock">
      <div className="dock-tabs" role="tablist" onKeyDown={onKey}>
        {tabs.map((t) => (
          <button
            key={t.id}
            id={`dock-tab-${t.id}`}
            role="tab"
            type="button"
            aria-selected={active === t.id}
            aria-controls={`dock-panel-${t.id}`}
            tabIndex={active === t.id ? 0 : -1}
            className="dock-tab"
            onClick={() => {
              setActive(t.id);
              setOpen(true);
            }}
          >
            {t.title}
          </button>
        ))}
        <span className="spacer" />
        <button type="button" className="btn small ghost" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Hide' : 'Show'}
        </button>
      </div>
      {open && (
        <div className="dock-panel" role="tabpanel" id={`dock-panel-${active}`} aria-labelledby={`dock-tab-${active}`}>
          {active === 'commands' ? <CommandLog /> : Tool ? <Tool lab={lab} selectedNodeId={selectedNodeId} /> : null}
        </div>
      )}
    </section>
  );
}
