import type { Change } from '@/lib/ops';
import type { ApplyProgress } from '@/lib/protocol';

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', replace: '-/+' };
const VERB: Record<Change['action'], string> = { create: 'create', update: 'change', delete: 'destroy', replace: 'replace' };
const STATUS: Record<ApplyProgress['status'], string> = { running: 'running…', done: 'done', failed: 'FAILED', undone: 'rolled back' };

/** One line of the plan, Terraform-style, with its progress while the apply runs. */
export function PlanChangeRow({ change, status }: { change: Change; status: ApplyProgress['status'] | undefined }) {
  return (
    <li className={`plan-change action-${change.action}`} data-action={change.action} data-status={status ?? 'pending'}>
      <div className="plan-line">
        <code className="plan-symbol" aria-label={VERB[change.action]}>{SYMBOL[change.action]}</code>
        <span className="plan-verb">{VERB[change.action]}</span>
        <span className="plan-address">{change.address}</span>
        {status && <span className={`plan-status status-${status}`}>{STATUS[status]}</span>}
      </div>
      {change.details.length > 0 && (
        <ul className="plan-details">
          {change.details.map((d) => <li key={d}>{d}</li>)}
        </ul>
      )}
    </li>
  );
}
