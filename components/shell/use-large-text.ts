'use client';
// Whether large (projector) text is on: follows <html data-large>, which LargeTextToggle sets.
import { useEffect, useState } from 'react';

const isLarge = () => document.documentElement.dataset.large === '1';

export function useLargeText(): boolean {
  const [large, setLarge] = useState(false);
  useEffect(() => {
    setLarge(isLarge());
    const observer = new MutationObserver(() => setLarge(isLarge()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-large'] });
    return () => observer.disconnect();
  }, []);
  return large;
}
