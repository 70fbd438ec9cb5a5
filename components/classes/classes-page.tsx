'use client';
import Link from 'next/link';
import { ConnectionBanner } from '@/components/shell/connection-banner';
import { ClassesPanel } from './classes-panel';

export function ClassesPage() {
  return (
    <div className="page">
      <header className="topbar">
        <Link href="/" className="brand">nslab</Link>
        <span aria-hidden="true" className="muted">/</span>
        <h1 className="lab-title">classes</h1>
      </header>
      <ConnectionBanner />
      <main className="labs-main single">
        <section className="card" aria-labelledby="classes-heading">
          <h2 id="classes-heading">Classes</h2>
          <ClassesPanel />
        </section>
      </main>
    </div>
  );
}
