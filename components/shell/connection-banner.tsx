'use client';
import { useConnectionState } from '@/components/socket';

/** Says plainly when the server is unreachable or refused us, instead of a silent, frozen page. */
export function ConnectionBanner() {
  const state = useConnectionState();
  if (state === 'connected') return null;
  const text =
    state === 'refused'
      ? 'The server refused this browser: open the URL with ?token=… that the server printed when it started.'
      : state === 'connecting'
        ? 'Connecting to the nslab server…'
        : 'Lost the connection to the nslab server; retrying…';
  return (
    <div className={`banner ${state === 'refused' ? 'error' : 'warn'}`} role="status">
      {text}
    </div>
  );
}
