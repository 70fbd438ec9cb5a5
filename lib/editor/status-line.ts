// The presentation's status line, in words: applied, building step k of n, drifted and why.
import type { ApplyProgress, LabState, LiveState } from '../labs-types';

export interface StatusLine {
  tone: 'ok' | 'busy' | 'warn' | 'bad' | 'idle';
  text: string;
  /** why (drifted: the first drift notes, "A: …") */
  detail: string[];
}

export function statusLine(state: LabState | null, live: LiveState | null, progress: ApplyProgress | null): StatusLine {
  switch (state) {
    case 'applying':
      return progress && progress.total > 0
        ? { tone: 'busy', text: `building · step ${Math.min(progress.step + 1, progress.total)} of ${progress.total}`, detail: [] }
        : { tone: 'busy', text: 'building', detail: [] };
    case 'applied':
      return { tone: 'ok', text: 'applied · the kernel matches the drawing', detail: [] };
    case 'drifted': {
      const notes = Object.entries(live?.nodes ?? {}).flatMap(([id, n]) => n.drift.map((d) => `${id}: ${d}`));
      return { tone: 'warn', text: 'drifted · the kernel differs from the drawing', detail: notes.slice(0, 3).concat(notes.length > 3 ? [`…and ${notes.length - 3} more`] : []) };
    }
    case 'failed':
      return { tone: 'bad', text: 'the last apply failed', detail: [] };
    case 'broken':
      return { tone: 'bad', text: 'the saved lab is broken', detail: [] };
    case 'not-applied':
      return { tone: 'idle', text: 'not applied · nothing in the kernel yet', detail: [] };
    default:
      return { tone: 'idle', text: '…', detail: [] };
  }
}
