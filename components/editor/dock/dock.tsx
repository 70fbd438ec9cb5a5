'use client';
import { useRef, useState, type KeyboardEvent } from 'react';
import { LessonPanel } from '@/components/lessons/lesson-panel';
import { toolTabs } from '@/components/tools';
import type { EditorState } from '../store/editor-store';
import { useEditorStore } from '../store/editor-provider';
import { CommandLog } from './command-log';
import { useDockHeight } from './use-dock-height';

const labSel = (s: EditorState) => s.name;
const selectedNodeSel = (s: EditorState) => (s.selectedNodes.length === 1 ? s.selectedNodes[0]! : null);

const TABS = [{ id: 'commands', title: 'Commands' }, ...toolTabs.map((t) => ({ id: t.id, title: t.title })), { id: 'lesson', title: 'Lesson' }];

/** Which tab an arrow, Home or End key moves to from tab i (wrapping around). */
function tabAfterKey(key: string, i: number): number | null {
  if (key === 'ArrowRight') return (i + 1) % TABS.length;
  if (key === 'ArrowLeft') return (i - 1 + TABS.length) % TABS.length;
  if (key === 'Home') return 0;
  if (key === 'End') return TABS.length - 1;
  return null;
}

/**
 * The bottom dock: the command log first, then the tools (terminals, ping, captures...).
 * A tab's panel is mounted when first opened and then stays mounted, only hidden, so a
 * terminal keeps its screen and a capture keeps running while another tab is shown.
 */
export function Dock() {
  const lab = useEditorStore(labSel);
  const selectedNodeId = useEditorStore(selectedNodeSel);
  const [active, setActive] = useState('commands');
  const [visited, setVisited] = useState<ReadonlySet<string>>(() => new Set(['commands']));
  const [open, setOpen] = useState(true);
  const ref = useRef<HTMLElement>(null);
  const resize = useDockHeight(() => ref.current);

  const show = (id: string) => {
    setActive(id);
    setOpen(true);
    if (!visited.has(id)) setVisited(new Set([...visited, id]));
  };

  const onTabKey = (e: KeyboardEvent) => {
    const next = tabAfterKey(e.key, TABS.findIndex((t) => t.id === active));
    if (next === null) return;
    e.preventDefault();
    const tab = TABS[next]!;
    show(tab.id);
    document.getElementById(`dock-tab-${tab.id}`)?.focus();
  };

  return (
    <section
      ref={ref}
      className={`dock${open ? '' : ' is-collapsed'}`}
      aria-label="dock"
      style={open && resize.height ? { height: resize.height } : undefined}
    >
      {open && (
        <div
          className="dock-resize"
          role="separator"
          aria-orientation="horizontal"
          aria-label="resize the dock (arrow keys)"
          tabIndex={0}
          onPointerDown={resize.onPointerDown}
          onKeyDown={resize.onKeyDown}
        />
      )}
      <div className="dock-tabs" role="tablist" aria-label="dock tabs" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`dock-tab-${t.id}`}
            role="tab"
            type="button"
            aria-selected={active === t.id}
            aria-controls={visited.has(t.id) ? `dock-panel-${t.id}` : undefined}
            tabIndex={active === t.id ? 0 : -1}
            className="dock-tab"
            onClick={() => show(t.id)}
          >
            {t.title}
          </button>
        ))}
        <span className="spacer" />
        <button type="button" className="btn small ghost" onClick={() => setOpen(!open)} aria-expanded={open} aria-controls="dock-panels" title={open ? 'Collapse the dock' : 'Open the dock'}>
          {open ? 'Hide ▾' : 'Show ▴'}
        </button>
      </div>
      <div id="dock-panels" className="dock-panels" hidden={!open}>
        {TABS.filter((t) => visited.has(t.id)).map((t) => {
          const Tool = toolTabs.find((tool) => tool.id === t.id)?.Component;
          return (
            <div key={t.id} className="dock-panel" role="tabpanel" id={`dock-panel-${t.id}`} aria-labelledby={`dock-tab-${t.id}`} hidden={active !== t.id}>
              {t.id === 'commands' ? <CommandLog /> : t.id === 'lesson' ? <LessonPanel lab={lab} /> : Tool ? <Tool lab={lab} selectedNodeId={selectedNodeId} /> : null}
            </div>
          );
        })}
      </div>
    </section>
  );
}
