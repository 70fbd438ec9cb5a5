'use client';
import { createContext, useContext, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { LabRecord } from '@/lib/protocol';
import { createEditorStore, type EditorState, type EditorStore } from './editor-store';

const EditorStoreContext = createContext<EditorStore | null>(null);

/** One store per opened lab (the key on the provider makes a new one for another lab). */
export function EditorStoreProvider({ record, children }: { record: LabRecord; children: ReactNode }) {
  const [store] = useState(() => createEditorStore(record));
  return <EditorStoreContext.Provider value={store}>{children}</EditorStoreContext.Provider>;
}

export function useEditorStoreApi(): EditorStore {
  const store = useContext(EditorStoreContext);
  if (!store) throw new Error('useEditorStore must be used inside EditorStoreProvider');
  return store;
}

/** Reads the editor store; pass a module-level selector (wrap object results in useShallow). */
export function useEditorStore<T>(selector: (s: EditorState) => T): T {
  return useStore(useEditorStoreApi(), selector);
}
