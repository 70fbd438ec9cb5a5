// Text the CLI prints: a lab's live status and apply progress.
import type { ApplyProgress, LabRecord, LiveState, PlanView } from '@/server/labs/types';

const SYMBOL = { create: '+', update: '~', delete: '-', replace: '-/+' } as const;

/** Each change's first step, found once per plan (an apply reports every step of it). */
const firsts = new WeakMap<PlanView, Map<number, number>>();
function firstSteps(plan: PlanView): Map<number, number> {
  let m = firsts.get(plan);
  if (!m) {
    m = new Map();
    plan.steps.forEach((s, i) => {
      if (!m!.has(s.change)) m!.set(s.change, i);
    });
    firsts.set(plan, m);
  }
  return m;
}

/**
 * Lines written in one turn of the event loop go out in one write: an apply reports a round's
 * hundreds of steps at once, and a write each cost more than the round's own bookkeeping.
 * `flush` writes what is pending now (before a last line on another stream).
 */
export function linesAtOnce(stream: NodeJS.WritableStream): { write: (line: string) => void; flush: () => void } {
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  return {
    write: (line) => {
      if (!pending) setImmediate(flush);
      pending += `${line}\n`;
    },
    flush,
  };
}

export function progressLine(plan: PlanView, p: ApplyProgress): string | null {
  const change = plan.changes[p.change];
  if (!change) return null;
  const step = `[${p.step + 1}/${p.total}]`;
  if (p.status === 'failed') return `${step} failed: ${change.address}: ${p.message ?? ''}`;
  if (p.status === 'undone') return `${step} rolled back: ${change.address}`;
  // One line per change, when its first step is done.
  if (p.status === 'done' && firstSteps(plan).get(p.change) === p.step) return `${step} ${SYMBOL[change.action]} ${change.address}`;
  return null;
}

/** `services`: a line per service of a node, as the lab's supervisor reports them (server/services/). */
export function formatStatus(rec: LabRecord, live: LiveState, services: (node: string) => string[] = () => []): string {
  const out: string[] = [];
  out.push(`lab ${rec.name}: ${rec.state} (revision ${rec.rev}${rec.appliedRev !== null ? `, applied ${rec.appliedRev}` : ''}), host: ${rec.hostNetns ? `namespace ${rec.hostNetns}` : 'this machine'}`);
  for (const node of Object.values(live.nodes).sort((a, b) => a.id.localeCompare(b.id))) {
    const ns = live.observed.namespaces[node.ns];
    out.push('');
    out.push(`${node.id}  (${node.ns ? `netns ${node.ns}` : 'this machine'})${node.exists ? '' : '  MISSING'}`);
    const bridge = rec.topology.nodes.find((n) => n.id === node.id && n.kind === 'bridge');
    const links = Object.values(ns?.links ?? {}).filter((l) => {
      if (l.kind === 'loopback') return false;
      if (bridge) return l.name === node.id || l.master === node.id;
      if (node.id === 'host') return l.mark?.startsWith(`nslab:${rec.name}:`) && !l.master && l.kind !== 'bridge';
      return true;
    });
    for (const l of links.sort((a, b) => a.name.localeCompare(b.name))) {
      const state = l.up ? (l.oper === 'DOWN' || l.oper === 'LOWERLAYERDOWN' ? 'UP (no carrier)' : 'UP') : 'DOWN';
      out.push(`  ${l.name.padEnd(16)} ${state.padEnd(16)} ${l.addresses.join(' ')}${l.master ? `  port of ${l.master}` : ''}`);
    }
    if (ns && !bridge) for (const r of ns.routes) out.push(`  route ${r.dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
    for (const line of services(node.id)) out.push(`  ${line}`);
    for (const d of node.drift) out.push(`  drift: ${d}`);
  }
  out.push('');
  out.push(live.plan.steps.length ? `The kernel differs from the lab: ${live.plan.text.split('\n').pop()}` : 'The kernel matches the lab.');
  return out.join('\n') + '\n';
}
