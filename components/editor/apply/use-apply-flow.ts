'use client';
// Save -> plan -> (the user reviews) -> apply, as the toolbar and the plan dialog drive it.
// Save carries the revision we edited: a stale editor gets version_mismatch and is offered a reload.
import { useCallback } from 'react';
import { request, useSocket } from '@/components/socket';
import { useEditorStoreApi } from '../store/editor-provider';

export function useApplyFlow() {
  const socket = useSocket();
  const store = useEditorStoreApi();

  /** Saves when there are unsaved changes; false when it failed (the error is in apply.error). */
  const save = useCallback(async (): Promise<boolean> => {
    const s = store.getState();
    if (JSON.stringify(s.topology) === JSON.stringify(s.saved)) return true;
    s.setApply({ phase: 'saving', error: null });
    const res = await request(socket, 'lab:save', { topology: s.topology, rev: s.rev });
    if (!res.ok) {
      store.getState().setApply({ phase: 'idle', error: { code: res.code, message: res.message } });
      return false;
    }
    store.getState().markSaved(res.lab, s.topology);
    store.getState().setApply({ phase: 'idle' });
    return true;
  }, [socket, store]);

  const preview = useCallback(async (kind: 'apply' | 'destroy' = 'apply') => {
    if (kind === 'apply' && !(await save())) return;
    const s = store.getState();
    s.setApply({ phase: 'planning', kind, plan: null, result: null, progress: {}, error: null });
    const res = await request(socket, 'lab:plan', { name: s.name, ...(kind === 'destroy' ? { destroy: true as const } : {}) });
    if (!res.ok) store.getState().setApply({ phase: 'idle', error: { code: res.code, message: res.message } });
    else store.getState().setApply({ phase: 'review', plan: res.plan });
  }, [save, socket, store]);

  /** adopt: the user confirmed taking over the plan's `takeovers` (objects nslab did not make) */
  const run = useCallback(async (adopt = false) => {
    const s = store.getState();
    s.setApply({ phase: 'applying', progress: {}, result: null, error: null });
    const res = s.apply.kind === 'destroy'
      ? await request(socket, 'lab:destroy', { name: s.name })
      : await request(socket, 'lab:apply', { name: s.name, rev: s.rev, ...(s.apply.plan ? { fingerprint: s.apply.plan.fingerprint } : {}), ...(adopt ? { adopt: true as const } : {}) });
    if (!res.ok) store.getState().setApply({ phase: 'done', error: { code: res.code, message: res.message } });
    else store.getState().setApply({ phase: 'done', result: res.result, plan: res.result.plan });
  }, [socket, store]);

  /** Throws away local changes and loads the lab as saved on the server. */
  const reload = useCallback(async () => {
    const s = store.getState();
    const res = await request(socket, 'lab:open', { name: s.name });
    if (res.ok) {
      store.getState().loadRecord(res.snapshot.lab);
      store.getState().resetApply();
    } else store.getState().setApply({ error: { code: res.code, message: res.message } });
  }, [socket, store]);

  return { save, preview, run, reload };
}
