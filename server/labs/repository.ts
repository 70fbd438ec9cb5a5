// The lab repository: lab records in the store, with the one policy for where a lab's host side
// lives, and the events that tell every listener a record changed.
import type { EventEmitter } from 'node:events';
import { NslabError } from '@/lib/errors';
import type { Topology } from '@/lib/topology';
import { assertTopology } from '@/lib/validate';
import type { LabRow, Store } from '@/server/store/store';
import type { StoreSync } from './store-sync';
import type { LabRecord, LabsEvents, LabSummary } from './types';

const where = (h: string) => (h ? `namespace ${h}` : 'this machine');

export class LabRepository {
  constructor(
    readonly store: Store,
    private readonly events: EventEmitter<LabsEvents>,
    private readonly sync: StoreSync,
  ) {}

  list(): LabSummary[] {
    return this.store.listLabs().map(summary);
  }

  /** The lab's row, or not_found naming what there is. */
  row(name: string): LabRow {
    const row = this.store.getLab(name);
    if (!row) throw new NslabError('not_found', `no lab named "${name}" (see \`nslab status\` for the labs there are)`);
    return row;
  }

  get(name: string): LabRecord {
    const row = this.row(name);
    return { ...summary(row), topology: row.topology };
  }

  /**
   * Where a lab's host side lives ('' = this machine): an explicit choice, else the topology's
   * host.netns, else (for an applied lab) where it is now. An applied lab keeps its host until it
   * is destroyed (moving a live lab is a destroy and an apply, never a surprise), and an isolated
   * host belongs to one lab.
   */
  hostFor(topology: Topology, explicit?: string): string {
    const row = this.store.getLab(topology.name);
    const applied = !!row && row.appliedRev !== null;
    const wanted = explicit ?? (topology.host?.netns || (applied ? row.hostNetns : ''));
    if (applied && wanted !== row.hostNetns) {
      throw new NslabError('invalid', `lab "${topology.name}" is applied with its host side in ${where(row.hostNetns)}; run \`nslab destroy ${topology.name}\` first to move it to ${where(wanted)}`);
    }
    if (wanted) {
      const other = this.store.labHosts().find((l) => l.name !== topology.name && l.hostNetns === wanted);
      if (other) throw new NslabError('invalid', `host.netns: namespace "${wanted}" is already the host of lab "${other.name}"; choose another name`);
    }
    return wanted;
  }

  create(topology: Topology, opts: { hostNetns?: string } = {}): LabRecord {
    const t = assertTopology(topology);
    if (this.store.getLab(t.name)) throw new NslabError('exists', `a lab named "${t.name}" exists already`);
    const hostNetns = this.hostFor(t, opts.hostNetns);
    this.publish(this.store.insertLab(withHost(t, hostNetns), hostNetns));
    return this.get(t.name);
  }

  save(topology: Topology, expectedRev: number): LabRecord {
    const t = assertTopology(topology);
    const row = this.row(t.name);
    const hostNetns = this.hostFor(t);
    const saved = this.store.saveLab(withHost(t, hostNetns), expectedRev, hostNetns);
    if (!saved) {
      throw new NslabError('version_mismatch', `lab "${t.name}" was changed elsewhere (now revision ${row.rev}, you edited ${expectedRev}); reload it and make your change again`);
    }
    this.publish(saved);
    return this.get(t.name);
  }

  /** Creates the lab, or saves this topology as its next revision (as a file import does). */
  upsert(topology: Topology, opts: { hostNetns?: string } = {}): LabRecord {
    const t = assertTopology(topology);
    const row = this.store.getLab(t.name);
    if (!row) return this.create(t, opts);
    const hostNetns = this.hostFor(t, opts.hostNetns);
    const next = withHost(t, hostNetns);
    if (hostNetns === row.hostNetns && JSON.stringify(next) === JSON.stringify(row.topology)) return this.get(t.name);
    return this.save(next, row.rev);
  }

  /**
   * A lab whose stored topology no longer reads as valid (state `broken`) is replaced by this
   * one, kept at its host; true when it was. `nslab apply FILE` of the lab repairs it this way.
   */
  replaceBroken(topology: Topology): boolean {
    const t = assertTopology(topology);
    const row = this.store.listedLab(t.name);
    if (row?.state !== 'broken') return false;
    const saved = this.store.saveLab(withHost(t, row.hostNetns), row.rev, row.hostNetns);
    if (saved) this.publish(saved);
    return true;
  }

  delete(name: string): void {
    this.store.deleteLab(name);
    this.sync.forget(name);
    this.events.emit('changed', { name, deleted: true });
  }

  setState(name: string, state: LabRow['state'], appliedRev?: number | null): void {
    this.store.setState(name, state, appliedRev);
    const row = this.store.getLab(name);
    if (row) this.publish(row);
  }

  /** Emits a lab's new summary, and tells the store sync so it does not emit it again. */
  private publish(row: LabRow): void {
    this.sync.remember(row);
    this.events.emit('changed', summary(row));
  }
}

export function withHost(t: Topology, hostNetns: string): Topology {
  return { ...t, host: { ...(t.host ?? {}), netns: hostNetns } };
}

export function summary(row: LabRow): LabSummary {
  return {
    name: row.name,
    ...(row.topology.description ? { description: row.topology.description } : {}),
    hostNetns: row.hostNetns,
    state: row.state,
    rev: row.rev,
    appliedRev: row.appliedRev,
    updatedAt: row.updatedAt,
    nodes: row.topology.nodes.length,
    links: row.topology.links.length,
  };
}
