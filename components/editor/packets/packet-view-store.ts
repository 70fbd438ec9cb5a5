'use client';
// What the packet view shows, shared by its controls, the canvas overlay and the node menu (a
// ping from the menu turns the view on): watched or not per lab, the speed, pause. Watching is
// remembered in the browser, so a teacher's projector keeps it across reloads.
import { create } from 'zustand';

export type PacketSpeed = 1 | 0.25;

interface PacketViewState {
  watched: Record<string, boolean>;
  speed: PacketSpeed;
  paused: boolean;
  /** bumped by Step (the overlay plays one packet through) */
  steps: number;
  setWatched(lab: string, on: boolean): void;
  setSpeed(speed: PacketSpeed): void;
  setPaused(paused: boolean): void;
  step(): void;
}

const KEY = 'nslab.packets.watched';

function remembered(): Record<string, boolean> {
  try {
    return JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}') as Record<string, boolean>;
  } catch {
    return {};
  }
}

export const usePacketView = create<PacketViewState>()((set, get) => ({
  watched: typeof window === 'undefined' ? {} : remembered(),
  speed: 1,
  paused: false,
  steps: 0,
  setWatched: (lab, on) => {
    const watched = { ...get().watched, [lab]: on };
    try {
      localStorage.setItem(KEY, JSON.stringify(watched));
    } catch {
      // private mode: not remembered
    }
    set({ watched });
  },
  setSpeed: (speed) => set({ speed }),
  setPaused: (paused) => set({ paused }),
  step: () => set((s) => ({ steps: s.steps + 1, paused: true })),
}));
