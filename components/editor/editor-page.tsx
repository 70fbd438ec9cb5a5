'use client';
import { ReactFlowProvider } from '@xyflow/react';
import Link from 'next/link';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { PlanDialog } from './apply/plan-dialog';
import { StaleBanner } from './apply/stale-banner';
import { Canvas } from './canvas/canvas';
import { Dock } from './dock/dock';
import { Inspector } from './inspector/inspector';
import { LabSync } from './lab-sync';
import { Palette } from './palette/palette';
import { EditorStoreProvider } from './store/editor-provider';
import { Toolbar } from './toolbar';
import { useEditorKeys } from './use-editor-keys';
import { useOpenLab } from './use-open-lab';
import { useLayoutWhenUnplaced } from './use-auto-layout';

export function EditorPage({ name }: { name: string }) {
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
        <EditorLayout />
      </ReactFlowProvider>
    </EditorStoreProvider>
  );
}

function EditorLayout() {
  useEditorKeys();
  useLayoutWhenUnplaced();
  return (
    <div className="editor">
      <Toolbar />
      <ConnectionBanner />
      <StaleBanner />
      <div className="editor-main">
        <Palette />
        <Canvas />
        <Inspector />
      </div>
      <Dock />
      <PlanDialog />
    </div>
  );
}
