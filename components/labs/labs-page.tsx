'use client';
import Link from 'next/link';
import { ImportDrop } from '@/components/import/import-drop';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { LargeTextToggle } from '@/components/shell/large-text-toggle';
import { ClassesPanel } from '@/components/classes/classes-panel';
import { CreateLabForm } from './create-lab-form';
import { LabsList } from './labs-list';
import { useLabs } from './use-labs';

export function LabsPage() {
  const { labs, error } = useLabs();
  return (
    <div className="page">
      <header className="topbar">
        <h1 className="brand">nslab</h1>
        <span className="muted">network namespace labs, built by the real kernel</span>
        <span className="spacer" />
        <LargeTextToggle />
      </header>
      <ConnectionBanner />
      <main className="labs-main">
        <div className="labs-column">
          <section aria-labelledby="labs-heading" className="card">
            <h2 id="labs-heading">Labs</h2>
            {error && <p className="error-text" role="alert">{error}</p>}
            <LabsList labs={labs} />
          </section>
          <section aria-labelledby="classes-heading" className="card">
            <h2 id="classes-heading">Classes</h2>
            <ClassesPanel />
          </section>
        </div>
        <section aria-labelledby="create-heading" className="card">
          <h2 id="create-heading">New lab</h2>
          <CreateLabForm />
          <h3>Or import</h3>
          <ImportDrop />
          <p className="small"><Link href="/adopt">Adopt namespaces and bridges this machine already has…</Link></p>
        </section>
      </main>
    </div>
  );
}
