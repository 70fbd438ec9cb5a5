'use client';
// A lab's page (/labs/NAME): the editor, or, while the instructor of the seat's class broadcasts
// a lab, that lab in the presentation view, read-only, until the broadcast stops. Only a seat's
// lab can be shown a broadcast (the server answers null for any other).
import { useEffect, useState } from 'react';
import { EditorPage } from '@/components/editor/editor-page';
import { PresentView } from '@/components/present/present-page';
import { request, useConnectionState, useSocket } from '@/components/socket';

/** The lab broadcast to this seat's class now, or null; follows the server's pushes. */
export function useBroadcast(lab: string): string | null {
  const socket = useSocket();
  const ready = useConnectionState() === 'connected';
  const [shown, setShown] = useState<string | null>(null);
  useEffect(() => {
    if (!ready) return;
    let live = true;
    // only a seat follows its class's broadcast (the instructor's socket hears it in the room)
    const onBroadcast = (b: { name: string; lab: string | null }) => setShown(b.lab);
    void request(socket, 'class:broadcasting', { lab }).then((r) => {
      if (!live || !r.ok || !r.seat) return;
      setShown(r.broadcast);
      socket.on('class:broadcast', onBroadcast);
    });
    return () => {
      live = false;
      socket.off('class:broadcast', onBroadcast);
    };
  }, [socket, lab, ready]);
  return shown;
}

export function LabPage({ name }: { name: string }) {
  const shown = useBroadcast(name);
  if (shown) {
    return <PresentView key={shown} name={shown} exit={null} note={<span className="present-note" data-broadcast={shown}>Your instructor is showing this lab (read-only); your lab {name} comes back when they stop.</span>} />;
  }
  return <EditorPage name={name} />;
}
