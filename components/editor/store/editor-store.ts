// The editor's state: the topology being drawn (with an undo history), the selection, and what
// the server tells us (live kernel state, command log, apply progress). Created per open lab by
// a factory and handed down by EditorStoreProvider; changed only through its actions.
import { createStore } from 'zustand/vanilla';
import { addNode, connect, removeElements, setPosition, type XY } from '@/lib/editor/edit';
import { linkIds } from '@/lib/editor/ids';
import type { PaletteKind } from '@/lib/editor/names';
import type { ApplyProgress, CommandLogEntry, LabRecord, LiveState, PlanView, ApplyResult } from '@/lib/protocol';
import type { Topology } from '@/lib/topology';
import { checkTopology, type Problem } from '@/lib/validate';

const HISTORY_LIMIT = 200;
const COMMAND_LIMIT = 1000;
/** typing in one field within this time is one undo step */
const COALESCE_MS = 1200;

export type ApplyPhase = 'idle' | 'saving' | 'planning' | 'review' | 'applying' | 'done';

export interface ApplyState {
  phase: ApplyPhase;
  plan: PlanView | null;
  /** status per change index while applying */
  progress: Record<number, ApplyProgress['status']>;
  result: ApplyResult | null;
  /** a request failed (the message is for the user) */
  error: { code: string; message: string } | null;
  /** what is being run: an apply or a destroy */
  kind: 'apply' | 'destroy';
}

export interface EditorState {
  name: string;
  rev: number;
  topology: Topology;
  /** the topology as last saved (dirty = differs) */
  saved: Topology;
  problems: Problem[];
  past: Topology[];
  future: Topology[];
  selectedNodes: string[];
  selectedEdges: string[];
  sizes: Record<string, { width: number; height: number }>;
  live: LiveState | null;
  liveError: string | null;
  commands: CommandLogEntry[];
  apply: ApplyState;
  /** the last apply progress the server told, whoever runs the apply (the presentation's status line) */
  lastProgress: ApplyProgress | null;
  /** someone else saved a newer revision while we had unsaved changes */
  staleRev: number | null;

  edit(change: (t: Topology) => Topology, coalesceKey?: string): void;
  undo(): void;
  redo(): void;
  addNodeAt(kind: PaletteKind, pos: XY): string;
  connectNodes(source: string, target: string): void;
  removeSelected(nodeIds?: string[], edgeIds?: string[]): void;
  moveNode(id: string, pos: XY, dragging: boolean): void;
  /** several nodes at once (the host's frame takes its bridges along): one undo step per drag */
  moveNodes(moves: { id: string; pos: XY }[], dragging: boolean): void;
  /**
   * new positions for every node (the Layout button): one undo step; `amend`: part of the last
   * step instead (a lab laid out as it is opened or dropped: one Undo takes back the drop and its layout)
   */
  setLayout(positions: Record<string, XY>, amend?: boolean): void;
  select(nodes: string[], edges: string[]): void;
  setSize(id: string, size: { width: number; height: number }): void;
  loadRecord(record: LabRecord): void;
  /** sent: the topology that was saved; when nothing changed since, take the server's form of it */
  markSaved(record: LabRecord, sent?: Topology): void;
  receiveSaved(record: LabRecord): void;
  receiveLive(live: LiveState | null, error?: string): void;
  receiveCommands(entries: CommandLogEntry[]): void;
  receiveProgress(p: ApplyProgress): void;
  setApply(patch: Partial<ApplyState>): void;
  resetApply(): void;
}

export type EditorStore = ReturnType<typeof createEditorStore>;

const idleApply = (): ApplyState => ({ phase: 'idle', plan: null, progress: {}, result: null, error: null, kind: 'apply' });

export const problemsOf = (t: Topology): Problem[] => {
  const r = checkTopology(t);
  return r.ok ? [] : r.problems;
};

export function createEditorStore(record: LabRecord) {
  let lastEdit: { key: string; at: number } | null = null;
  let dragOrigin: Topology | null = null;

  return createStore<EditorState>()((set, get) => {
    /** Replaces the topology, keeping the previous one for undo (unless coalesced). */
    const commit = (next: Topology, coalesceKey?: string) => {
      const { topology, past } = get();
      if (next === topology) return;
      const now = Date.now();
      const coalesce = !!coalesceKey && lastEdit?.key === coalesceKey && now - lastEdit.at < COALESCE_MS;
      lastEdit = coalesceKey ? { key: coalesceKey, at: now } : null;
      set({
        topology: next,
        problems: problemsOf(next),
        past: coalesce ? past : [...past.slice(-HISTORY_LIMIT + 1), topology],
        future: [],
      });
    };

    return {
      name: record.name,
      rev: record.rev,
      topology: record.topology,
      saved: record.topology,
      problems: problemsOf(record.topology),
      past: [],
      future: [],
      selectedNodes: [],
      selectedEdges: [],
      sizes: {},
      live: null,
      liveError: null,
      commands: [],
      apply: idleApply(),
      lastProgress: null,
      staleRev: null,

      edit: (change, coalesceKey) => commit(change(get().topology), coalesceKey),

      undo: () => {
        const { past, topology, future } = get();
        const prev = past[past.length - 1];
        if (!prev) return;
        lastEdit = null;
        set({ topology: prev, problems: problemsOf(prev), past: past.slice(0, -1), future: [topology, ...future] });
      },

      redo: () => {
        const { past, topology, future } = get();
        const next = future[0];
        if (!next) return;
        lastEdit = null;
        set({ topology: next, problems: problemsOf(next), past: [...past, topology], future: future.slice(1) });
      },

      addNodeAt: (kind, pos) => {
        const { topology, id } = addNode(get().topology, kind, pos);
        commit(topology);
        set({ selectedNodes: [id], selectedEdges: [] });
        return id;
      },

      connectNodes: (source, target) => {
        const made = connect(get().topology, source, target);
        if (!made) return;
        commit(made.topology);
        // select the new link, so the inspector shows its interface names and addresses
        const id = linkIds(made.topology)[made.index];
        set({ selectedNodes: [], selectedEdges: id ? [id] : [] });
      },

      removeSelected: (nodeIds, edgeIds) => {
        const { selectedNodes, selectedEdges, topology } = get();
        commit(removeElements(topology, nodeIds ?? selectedNodes, edgeIds ?? selectedEdges));
        set({ selectedNodes: [], selectedEdges: [] });
      },

      moveNode: (id, pos, dragging) => get().moveNodes([{ id, pos }], dragging),

      setLayout: (positions, amend = false) => {
        let next = get().topology;
        for (const [id, pos] of Object.entries(positions)) next = setPosition(next, id, pos);
        if (amend) set({ topology: next, problems: problemsOf(next) });
        else commit(next);
      },

      moveNodes: (moves, dragging) => {
        const { topology, past } = get();
        if (!dragging && !moves.length && !dragOrigin) return;
        // a whole drag is one undo step: remember where it started, commit at the end
        if (dragging && !dragOrigin) dragOrigin = topology;
        let next = topology;
        for (const m of moves) next = setPosition(next, m.id, m.pos);
        if (dragging) {
          set({ topology: next });
          return;
        }
        const origin = dragOrigin ?? topology;
        dragOrigin = null;
        lastEdit = null;
        set({ topology: next, past: [...past.slice(-HISTORY_LIMIT + 1), origin], future: [] });
      },

      select: (nodes, edges) => set({ selectedNodes: nodes, selectedEdges: edges }),

      setSize: (id, size) => {
        const cur = get().sizes[id];
        if (cur && cur.width === size.width && cur.height === size.height) return;
        set({ sizes: { ...get().sizes, [id]: size } });
      },

      loadRecord: (rec) =>
        set({
          name: rec.name,
          rev: rec.rev,
          topology: rec.topology,
          saved: rec.topology,
          problems: problemsOf(rec.topology),
          past: [],
          future: [],
          staleRev: null,
        }),

      markSaved: (rec, sent) => {
        // the server returns the topology normalized (key order, host.netns filled in): adopt it
        // when the user has not edited since, so "unsaved changes" means real changes
        if (sent && get().topology === sent) set({ topology: rec.topology, problems: problemsOf(rec.topology) });
        set({ rev: rec.rev, saved: rec.topology, staleRev: null });
      },

      receiveSaved: (rec) => {
        const { rev, topology, saved } = get();
        if (rec.rev <= rev) return;
        const same = JSON.stringify(rec.topology) === JSON.stringify(topology);
        const dirty = JSON.stringify(topology) !== JSON.stringify(saved);
        if (same) set({ rev: rec.rev, saved: rec.topology });
        else if (!dirty) get().loadRecord(rec);
        else set({ staleRev: rec.rev });
      },

      receiveLive: (live, error) => set({ live, liveError: error ?? null }),

      receiveCommands: (entries) => {
        const seen = new Set(get().commands.map((c) => c.seq));
        const fresh = entries.filter((e) => !seen.has(e.seq));
        if (fresh.length) set({ commands: [...get().commands, ...fresh].slice(-COMMAND_LIMIT) });
      },

      receiveProgress: (p) => {
        set({ lastProgress: p });
        const { apply } = get();
        if (apply.phase !== 'applying') return;
        set({ apply: { ...apply, progress: { ...apply.progress, [p.change]: p.status } } });
      },

      setApply: (patch) => set({ apply: { ...get().apply, ...patch } }),
      resetApply: () => set({ apply: idleApply() }),
    };
  });
}
