import type { LabState } from '@/lib/protocol';

const TEXT: Record<LabState, string> = {
  'not-applied': 'not applied',
  applied: 'applied',
  drifted: 'drifted',
  applying: 'applying…',
  failed: 'failed',
  broken: 'broken',
};

/** The lab's state as words (colour only repeats them). */
export function StateBadge({ state }: { state: LabState }) {
  return <span className={`badge state-${state}`}>{TEXT[state]}</span>;
}
