'use client';
// A lab opened by name for a page that draws it (the editor, the presentation): "Opening…" while
// it loads, one sentence and the way back when it cannot be opened, else its children with the
// editor's store, React Flow and the live sync around them.
import { ReactFlowProvider } from '@xyflow/react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { LabSync } from './lab-sync';
import { EditorStoreProvider } from './store/editor-provider';
import { useOpenLab } from './use-open-lab';

export function OpenedLab({ name, children }: { name: string; children: ReactNode }) {
  const opened = useOpenLab(name);
  if (opened.status === 'loading') return <p className="boot">Opening lab {name}…</p>;
  if (opened.status === 'error') {
    return (
      <div className="page">
        <ConnectionBanner />
        <main className="labs-main single">
          <div className="card">
            <h1>Cannot open lab {name}</h1>
            <p className="error-text">{opened.message}</p>
            <Link className="btn" href="/">Back to the labs</Link>
          </div>
        </main>
      </div>
    );
  }
  return (
    <EditorStoreProvider key={name} record={opened.snapshot.lab}>
      <ReactFlowProvider>
        <LabSync snapshot={opened.snapshot} />
        {children}
      </ReactFlowProvider>
    </EditorStoreProvider>
  );
}
