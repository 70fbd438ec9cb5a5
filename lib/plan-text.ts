// A plan as text, Terraform-style: one line per change with its symbol, details indented,
// conflicts listed, and a last line that sums it up.
import type { KernelState } from './kernel-state';
import type { Action, Plan } from './ops';

export const ACTION_SYMBOL: Record<Action, string> = { create: '+', update: '~', delete: '-', replace: '-/+' };

const VERB: Record<Action, string> = { create: 'create', update: 'update', delete: 'destroy', replace: 'replace' };

export function summaryLine(plan: Plan, services: string[] = []): string {
  const start = services.filter((l) => l.startsWith('+')).length;
  const svc = services.length ? ` Services: ${start} to start, ${services.length - start} to stop.` : '';
  if (!plan.steps.length && !plan.conflicts.length) return services.length ? `No kernel changes.${svc}` : 'No changes. The kernel matches the lab.';
  const { add, change, destroy } = plan.summary;
  return `Plan: ${add} to add, ${change} to change, ${destroy} to destroy.${svc}`;
}

/** `services`: the plan's service lines (lib/services.ts serviceChanges), run after the kernel changes. */
export function renderPlan(plan: Plan, services: string[] = []): string {
  const out: string[] = [];
  if (plan.changes.length) {
    out.push(`Lab ${plan.lab}: nslab will make these changes (+ create, ~ update, - destroy, -/+ replace):`, '');
    for (const c of plan.changes) {
      out.push(`  ${ACTION_SYMBOL[c.action].padStart(3)} ${c.address}  (${VERB[c.action]})`);
      for (const d of c.details) out.push(`        ${d}`);
    }
    out.push('');
  }
  if (plan.conflicts.length) {
    out.push(`Conflicts: ${plan.conflicts.length} object(s) in the way are not part of lab ${plan.lab}; nslab will not apply until they are resolved:`);
    for (const c of plan.conflicts) out.push(`  ! ${c.message}`);
    out.push('');
  }
  if (services.length) {
    out.push(`Services of lab ${plan.lab} (started once the lab is up, stopped before it is destroyed):`, '');
    for (const l of services) out.push(`  ${l}`);
    out.push('');
  }
  out.push(summaryLine(plan, services));
  return out.join('\n');
}

/**
 * What a plan takes over: objects without any nslab mark that it marks as the lab's own (an
 * adopted lab). One line each, e.g. `namespace web1` or `interface veth0 in namespace web1`.
 */
export function takeovers(plan: Plan, observed: KernelState): string[] {
  const out: string[] = [];
  for (const { op } of plan.steps) {
    if (op.type !== 'link.set' || op.mark === undefined) continue;
    const have = observed.namespaces[op.ns]?.links[op.name];
    if (!have || have.mark !== null) continue;
    const where = op.ns ? `namespace ${op.ns}` : "this machine's own namespace";
    out.push(op.name === 'lo' ? `namespace ${op.ns}` : `interface ${op.name} in ${where}`);
  }
  return out;
}
