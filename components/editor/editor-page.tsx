'use client';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { PlanDialog } from './apply/plan-dialog';
import { StaleBanner } from './apply/stale-banner';
import { Canvas } from './canvas/canvas';
import { Dock } from './dock/dock';
import { Inspector } from './inspector/inspector';
import { OpenedLab } from './opened-lab';
import { Palette } from './palette/palette';
import { Toolbar } from './toolbar';
import { useEditorKeys } from './use-editor-keys';
import { useLayoutWhenUnplaced } from './use-auto-layout';

export function EditorPage({ name }: { name: string }) {
  return <OpenedLab name={name}><EditorLayout /></OpenedLab>;
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
