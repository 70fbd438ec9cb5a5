'use client';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useEditorStoreApi } from './store/editor-provider';
import { useApplyFlow } from './apply/use-apply-flow';

const isTyping = (el: EventTarget | null) =>
  el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

/**
 * P presentation mode; Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo, Ctrl+S save (inside a text field, the field's own
 * undo wins); Escape on the canvas clears the selection. Delete/Backspace is React Flow's own
 * (deleteKeyCode on the canvas), which leaves text fields alone.
 */
export function useEditorKeys(): void {
  const store = useEditorStoreApi();
  const { save } = useApplyFlow();
  const router = useRouter();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // P: presentation mode (not while typing, nor in the terminal)
      if ((e.key === 'p' || e.key === 'P') && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target) && !(e.target instanceof HTMLElement && e.target.closest('.dock-panel'))) {
        e.preventDefault();
        router.push(`/labs/${encodeURIComponent(store.getState().name)}/present`);
        return;
      }
      if (e.key === 'Escape' && e.target instanceof HTMLElement && e.target.closest('.canvas')) {
        store.getState().select([], []);
        return;
      }
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === 's') {
        e.preventDefault();
        void save();
        return;
      }
      if (isTyping(e.target) || e.target instanceof HTMLElement && e.target.closest('.dock-panel')) return;
      if (key === 'z' && !e.shiftKey) {
        e.preventDefault();
        store.getState().undo();
      } else if ((key === 'z' && e.shiftKey) || key === 'y') {
        e.preventDefault();
        store.getState().redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, save, router]);
}
