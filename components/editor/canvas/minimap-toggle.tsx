'use client';
import { ControlButton, MiniMap } from '@xyflow/react';
import { useEffect, useState, type RefObject } from 'react';

/** below this canvas width the minimap would cover nodes, so it starts hidden (the button shows it) */
const MINIMAP_MIN_WIDTH = 1000;

/** Whether the minimap is shown: by default only on a wide canvas; the user's toggle wins. */
export function useMinimap(canvas: RefObject<HTMLElement | null>): { shown: boolean; toggle(): void } {
  const [wide, setWide] = useState(true);
  const [choice, setChoice] = useState<boolean | null>(null);
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWide((entry?.contentRect.width ?? 0) >= MINIMAP_MIN_WIDTH));
    observer.observe(el);
    return () => observer.disconnect();
  }, [canvas]);
  const shown = choice ?? wide;
  return { shown, toggle: () => setChoice(!shown) };
}

export function MinimapButton({ shown, toggle }: { shown: boolean; toggle(): void }) {
  return (
    <ControlButton onClick={toggle} aria-pressed={shown} title={shown ? 'Hide the minimap' : 'Show the minimap'} aria-label={shown ? 'hide minimap' : 'show minimap'}>
      <span aria-hidden="true" className="minimap-icon">▣</span>
    </ControlButton>
  );
}

export function CanvasMinimap() {
  return <MiniMap position="bottom-right" pannable zoomable ariaLabel="minimap of the lab" />;
}
