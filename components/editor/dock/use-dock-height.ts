'use client';
// The dock's height, set by dragging its top edge (or with the arrow keys on it), remembered
// across visits. null = the stylesheet's default (a share of the window).
import { useCallback, useEffect, useState, type KeyboardEvent, type PointerEvent } from 'react';

const KEY = 'nslab:dock-height';
const MIN = 96;
const STEP = 32;

const clamp = (h: number) => Math.round(Math.min(Math.max(h, MIN), window.innerHeight * 0.75));

export function useDockHeight(dock: () => HTMLElement | null) {
  const [height, setHeight] = useState<number | null>(null);

  useEffect(() => {
    try {
      const saved = Number(localStorage.getItem(KEY));
      if (saved > 0) setHeight(clamp(saved));
    } catch {
      // no storage: the default height
    }
  }, []);

  const remember = useCallback((h: number) => {
    setHeight(h);
    try {
      localStorage.setItem(KEY, String(h));
    } catch {
      // not remembered, still applied
    }
  }, []);

  const onPointerDown = useCallback(
    (e: PointerEvent<HTMLElement>) => {
      const el = dock();
      if (!el || e.button !== 0) return;
      e.preventDefault();
      const startY = e.clientY;
      const startH = el.getBoundingClientRect().height;
      const handle = e.currentTarget;
      handle.setPointerCapture(e.pointerId);
      const move = (m: globalThis.PointerEvent) => remember(clamp(startH + startY - m.clientY));
      const up = () => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        handle.removeEventListener('pointercancel', up);
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
      handle.addEventListener('pointercancel', up);
    },
    [dock, remember],
  );

  const onKeyDown = useCallback(
    (e: KeyboardEvent<HTMLElement>) => {
      const el = dock();
      if (!el || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
      e.preventDefault();
      const now = el.getBoundingClientRect().height;
      remember(clamp(now + (e.key === 'ArrowUp' ? STEP : -STEP)));
    },
    [dock, remember],
  );

  return { height, onPointerDown, onKeyDown };
}
