// A plan as the user sees it before it runs (fingerprint, text, what it takes over), and the
// rules that refuse one.
import { NslabError } from './errors';
import type { KernelState } from './kernel-state';
import type { PlanView } from './labs-types';
import { shortHash } from './names';
import type { Plan } from './ops';
import { renderPlan, takeovers } from './plan-text';

/** `services`: the service lines (lib/services.ts serviceChanges); not kernel steps, so not in the fingerprint. */
export function planView(p: Plan, observed: KernelState, services: string[] = []): PlanView {
  return { ...p, fingerprint: shortHash(JSON.stringify(p.steps.map((s) => s.op))), text: renderPlan(p, services), takeovers: takeovers(p, observed), ...(services.length ? { services } : {}) };
}

/** Refuses a plan with foreign objects in the way, or one that takes objects over unconfirmed. */
export function refuse(kind: 'apply' | 'destroy', name: string, plan: PlanView, adopt: boolean | undefined): void {
  if (plan.conflicts.length) {
    const list = plan.conflicts.map((c) => `- ${c.message}`).join('\n');
    throw new NslabError('conflict', `cannot ${kind} lab "${name}": objects that are not this lab's are in the way:\n${list}`, plan.conflicts);
  }
  if (plan.takeovers.length && !adopt) {
    throw new NslabError('confirm', `lab "${name}" would take over ${plan.takeovers.length} object(s) that nslab did not make: ${plan.takeovers.join(', ')}; confirm that nslab may adopt them (nslab apply --adopt, or the confirmation in the dashboard's Apply dialog)`, plan.takeovers);
  }
}
