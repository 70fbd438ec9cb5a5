'use client';
import { useCallback, useEffect } from 'react';
import { HOST_HEAD } from '@/lib/editor/flow';
import { autoLayout, LAYOUT_HEAD } from '@/lib/editor/layout';
import { useEditorStore, useEditorStoreApi } from './store/editor-provider';

/** Lays the lab out with elkjs, with the sizes the canvas measured: one undo step. */
export function useAutoLayout(): (amend?: boolean) => Promise<void> {
  const store = useEditorStoreApi();
  return useCallback(
    async (amend = false) => {
      const { topology, sizes } = store.getState();
      const at = await autoLayout(topology, sizes, sizes[HOST_HEAD] ?? LAYOUT_HEAD);
      // the lab may have changed while elk worked: lay out only the one it was asked for
      if (store.getState().topology !== topology) return;
      store.getState().setLayout(at, amend);
    },
    [store],
  );
}

/** A lab none of whose nodes has a position (imported, adopted, or made from a file without a layout). */
export function needsLayout(t: { nodes: { id: string }[]; layout?: { nodes?: Record<string, unknown> } }): boolean {
  const placed = t.layout?.nodes ?? {};
  return t.nodes.length > 0 && !t.nodes.some((n) => n.id in placed);
}

/**
 * Lays out a lab that has no positions at all, once its nodes are measured: on opening an
 * imported or adopted lab, or when a file without positions is dropped on the canvas.
 */
export function useLayoutWhenUnplaced(): void {
  const store = useEditorStoreApi();
  const layout = useAutoLayout();
  const unplaced = useEditorStore((s) => needsLayout(s.topology));
  const measured = useEditorStore((s) => s.topology.nodes.every((n) => n.id in s.sizes));
  useEffect(() => {
    if (!unplaced || !measured) return;
    let live = true;
    void (async () => {
      if (live && needsLayout(store.getState().topology)) await layout(true);
    })();
    return () => {
      live = false;
    };
  }, [unplaced, measured, layout, store]);
}
