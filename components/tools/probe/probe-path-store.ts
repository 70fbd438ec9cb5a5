'use client';
// The path of the last ping/traceroute, for the canvas to draw: node ids and link ids (the
// canvas's edge ids). A plain zustand store so the canvas reads it without knowing the tools.
// The highlight is transient: `hidePath` takes it off the canvas (after a few seconds, on any
// change of the lab) while the result itself stays readable in the Ping tab.
import { create } from 'zustand';
import type { ProbePath, ProbeResult } from '@/lib/protocol-tools';

interface ProbeState {
  /** the last result per lab */
  results: Record<string, ProbeResult>;
  /** labs whose last path is no longer highlighted */
  hidden: Record<string, boolean>;
  setResult(lab: string, result: ProbeResult): void;
  clear(lab: string): void;
  hidePath(lab: string): void;
}

export const useProbeStore = create<ProbeState>()((set) => ({
  results: {},
  hidden: {},
  setResult: (lab, result) => set((s) => ({ results: { ...s.results, [lab]: result }, hidden: { ...s.hidden, [lab]: false } })),
  clear: (lab) =>
    set((s) => {
      const { [lab]: _gone, ...rest } = s.results;
      return { results: rest };
    }),
  hidePath: (lab) => set((s) => (s.hidden[lab] || !s.results[lab] ? s : { hidden: { ...s.hidden, [lab]: true } })),
}));

/** The path to highlight on `lab`'s canvas, or null. `path.reached` false: draw it as failed. */
export function useProbePath(lab: string): ProbePath | null {
  return useProbeStore((s) => (s.hidden[lab] ? null : (s.results[lab]?.path ?? null)));
}
