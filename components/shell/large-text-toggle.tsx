'use client';
// Large text for a classroom projector: scales the whole dashboard (canvas nodes too, they use rem).
import { useEffect, useState } from 'react';

const KEY = 'nslab:large-text';

export function LargeTextToggle() {
  const [large, setLarge] = useState(false);
  useEffect(() => setLarge(document.documentElement.dataset.large === '1'), []);
  const toggle = () => {
    const next = !large;
    setLarge(next);
    if (next) document.documentElement.dataset.large = '1';
    else delete document.documentElement.dataset.large;
    try {
      localStorage.setItem(KEY, next ? '1' : '0');
    } catch {
      // private mode: the choice just is not remembered
    }
  };
  return (
    <button type="button" className="btn ghost" aria-pressed={large} onClick={toggle} title="Larger text, for a projector">
      {large ? 'Normal text' : 'Large text'}
    </button>
  );
}
