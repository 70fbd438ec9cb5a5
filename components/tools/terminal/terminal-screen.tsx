'use client';
// Shows one session's xterm: attaches its container, fits it to the panel and keeps it fitted.
import { useEffect, useRef } from 'react';
import { xtermOf } from './terminal-sessions';

export function TerminalScreen({ id }: { id: string }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const h = xtermOf(id);
    const el = host.current;
    if (!h || !el) return;
    el.appendChild(h.container);
    const fit = () => {
      try {
        h.fit.fit();
      } catch {
        // not laid out yet
      }
    };
    fit();
    h.term.focus();
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (h.container.parentElement === el) el.removeChild(h.container);
    };
  }, [id]);

  return <div ref={host} className="term-screen" data-terminal-id={id} />;
}
