'use client';
// The path of the last ping/traceroute, for the canvas to draw: node ids and link ids (the
// canvas's edge ids). A plain zustand store so the canvas reads it without knowing the tools.
import { create } from 'zustand';
import type { ProbePath, ProbeResult } from '@/lib/protocol-tools';

interface ProbeState {
  /** the last result per lab */
  results: Record<string, ProbeResult>;
  setResult(lab: string, result: ProbeResult): void;
  clear(lab: string): void;
}

export const useProbeStore = create<ProbeState>()((set) => ({
  results: {},
  setResult: (lab, result) => set((s) => ({ results: { ...s.results, [lab]: result } })),
  clear: (lab) =>
    set((s) => {
      const { [lab]: _gone, ...rest } = s.results;
      return { results: rest };
    }),
}));

/** The path to highlight on `lab`'s canvas, or null. `path.reached` false: draw it as failed. */
export function useProbePath(lab: string): ProbePath | null {
  return useProbeStore((s) => s.results[lab]?.path ?? null);
}
