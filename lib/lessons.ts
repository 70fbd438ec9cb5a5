// Lessons: a starting lab and steps, each step a partial topology merged into the lab and the
// checks that say the kernel has it (lib/checks.ts). A lesson file (lessons/<id>/lesson.yaml) is
// checked like a topology file: zod for the shape, then the lab after every step must be a valid
// topology and every check must name nodes of that lab; every problem names its field. The
// commands a step runs are never written in the lesson: they come from the plan (stepCommands).
import { z } from 'zod';
import { CHECK_KINDS, checkSchema, checkTitle, nodesOf, toCheck, type Check, type CheckResult } from './checks';
import { compile } from './compile';
import type { KernelState } from './kernel-state';
import { normalizeLinks } from './model';
import { argvOf, commandsFor, nsfileLine, shellQuote, type Command } from './ops';
import { plan } from './plan';
import {
  bridgeNodeSchema, endpointSchema, HOST_ID, layoutSchema, namespaceNodeSchema, natSchema, nodeIdSchema, routeSchema,
  type Endpoint, type Link, type Topology, type TopologyNode,
} from './topology';
import { checkTopology, formatProblem, parseMapping, zodProblems, type Problem } from './validate';

export const LESSON_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** A node in a change: a new node (with its kind), or fields added to a node of the lab. */
const partialNodeSchema = z.strictObject({
  id: nodeIdSchema,
  kind: z.enum(['namespace', 'bridge'], { error: 'node kind must be "namespace" or "bridge"' }).optional(),
  label: z.string().max(64).optional(),
  role: namespaceNodeSchema.shape.role,
  forwarding: z.boolean().optional(),
  routes: z.array(routeSchema).optional(),
  nat: z.array(natSchema).optional(),
  addresses: bridgeNodeSchema.shape.addresses,
});

/** A link in a change: a new link, or addresses added to the ends of a link of the lab (same nodes and interfaces). */
const partialLinkSchema = z.strictObject({ id: nodeIdSchema.optional(), a: endpointSchema, b: endpointSchema });

/** What a step changes; lists are added to (nothing is taken away), single values replaced. */
export const changeSchema = z.strictObject({
  description: z.string().max(2000).optional(),
  host: z.strictObject({ forwarding: z.boolean().optional(), routes: z.array(routeSchema).optional(), nat: z.array(natSchema).optional() }).optional(),
  nodes: z.array(partialNodeSchema).optional(),
  links: z.array(partialLinkSchema).optional(),
  layout: layoutSchema.optional(),
});

export const stepSchema = z.strictObject({
  title: z.string({ error: 'a step needs a title' }).min(1).max(120),
  /** Markdown, for the student */
  explanation: z.string({ error: 'a step needs an explanation (Markdown)' }).min(1).max(20_000),
  change: changeSchema.default({}),
  checks: z.array(checkSchema).default([]),
});

export const lessonSchema = z.strictObject({
  id: z.string().regex(LESSON_ID, { error: (iss) => `lesson id ${JSON.stringify(iss.input)} is not valid: use 1-40 of a-z, 0-9 and '-'` }),
  title: z.string({ error: 'a lesson needs a title' }).min(1).max(120),
  summary: z.string().max(2000).optional(),
  /** the lab the lesson starts from (a change to an empty lab) */
  start: changeSchema.default({}),
  steps: z.array(stepSchema).min(1, { error: 'a lesson needs at least one step' }).max(100),
});

export type Change = z.output<typeof changeSchema>;
export type LessonFile = z.output<typeof lessonSchema>;

export interface LessonStep {
  title: string;
  explanation: string;
  change: Change;
  checks: Check[];
}

export interface Lesson {
  id: string;
  title: string;
  summary?: string;
  start: Change;
  steps: LessonStep[];
}

export type CheckedLesson = { ok: true; lesson: Lesson } | { ok: false; problems: Problem[] };

/** The lab name a lesson is checked with (any valid name: a lab's own replaces it). */
const PLACEHOLDER = 'lesson';

const addUnique = <T>(list: T[] | undefined, more: T[] | undefined): T[] | undefined => {
  if (!more?.length) return list;
  const out = [...(list ?? [])];
  for (const x of more) if (!out.some((y) => JSON.stringify(y) === JSON.stringify(x))) out.push(x);
  return out;
};

function sameEnd(have: Endpoint, want: Endpoint): boolean {
  return have.node === want.node && (want.iface === undefined || have.iface === want.iface);
}

/** The link of the lab a change's link adds to: the same id, or the same two ends. */
function matchLink(links: Link[], l: z.output<typeof partialLinkSchema>): { index: number; flip: boolean } | null {
  const norm = new Map<string, number>();
  if (l.id) normalizeLinksOf(links).forEach((id, i) => norm.set(id, i));
  if (l.id && norm.has(l.id)) return { index: norm.get(l.id)!, flip: false };
  for (let i = 0; i < links.length; i++) {
    const have = links[i]!;
    if (sameEnd(have.a, l.a) && sameEnd(have.b, l.b)) return { index: i, flip: false };
    if (sameEnd(have.a, l.b) && sameEnd(have.b, l.a)) return { index: i, flip: true };
  }
  return null;
}

function normalizeLinksOf(links: Link[]): string[] {
  return normalizeLinks({ name: PLACEHOLDER, nodes: [], links }).map((l) => l.id);
}

/**
 * Merges a change into a lab: new nodes and links are added; fields of a node or link already
 * there are added to (lists) or replaced (single values). Pure: returns a new topology (unchecked).
 */
export function mergeChange(t: Topology, c: Change): Topology {
  const out: Topology = structuredClone(t);
  if (c.description !== undefined) out.description = c.description;
  if (c.host) {
    const h = { ...(out.host ?? {}) };
    if (c.host.forwarding !== undefined) h.forwarding = c.host.forwarding;
    const routes = addUnique(h.routes, c.host.routes);
    const nat = addUnique(h.nat, c.host.nat);
    if (routes) h.routes = routes;
    if (nat) h.nat = nat;
    out.host = h;
  }
  for (const n of c.nodes ?? []) {
    const i = out.nodes.findIndex((x) => x.id === n.id);
    const { kind, ...fields } = n;
    if (i < 0) {
      const node = { kind: kind ?? 'namespace', ...fields } as TopologyNode;
      out.nodes.push(node);
      continue;
    }
    const have = out.nodes[i]! as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...have };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined || k === 'id') continue;
      merged[k] = Array.isArray(v) ? addUnique(have[k] as unknown[] | undefined, v) : v;
    }
    if (kind !== undefined && kind !== have.kind) merged.kind = kind;
    out.nodes[i] = merged as TopologyNode;
  }
  for (const l of c.links ?? []) {
    const m = matchLink(out.links, l);
    if (!m) {
      out.links.push(structuredClone(l));
      continue;
    }
    const have = out.links[m.index]!;
    const [a, b] = m.flip ? [l.b, l.a] : [l.a, l.b];
    const end = (e: Endpoint, add: Endpoint): Endpoint => {
      const addresses = addUnique(e.addresses, add.addresses);
      return { ...e, ...(e.iface === undefined && add.iface ? { iface: add.iface } : {}), ...(addresses ? { addresses } : {}) };
    };
    out.links[m.index] = { ...have, a: end(have.a, a), b: end(have.b, b) };
  }
  if (c.layout?.nodes) out.layout = { nodes: { ...(out.layout?.nodes ?? {}), ...c.layout.nodes } };
  return out;
}

/**
 * The lab after `applied` steps (0 = the starting lab), named `lab`, with its host context in
 * `hostNetns` when given (else as the lab it starts from says: this machine).
 */
export function topologyAt(lesson: Lesson, applied: number, lab: string, hostNetns?: string): Topology {
  let t: Topology = { name: lab, nodes: [], links: [] };
  t = mergeChange(t, lesson.start);
  for (const s of lesson.steps.slice(0, applied)) t = mergeChange(t, s.change);
  if (hostNetns !== undefined) t = { ...t, host: { ...(t.host ?? {}), netns: hostNetns } };
  return t;
}

/** Checks a parsed lesson document: shape, then the lab at every step and the nodes each check names. */
export function checkLesson(value: unknown): CheckedLesson {
  const shaped = lessonSchema.safeParse(value);
  if (!shaped.success) {
    const problems = zodProblems(shaped.error).map((p) =>
      /checks\[\d+\]$/.test(p.path) && p.message.startsWith('unknown key') ? { ...p, message: `${p.message}; a check is one of ${CHECK_KINDS.join(', ')}` } : p,
    );
    return { ok: false, problems };
  }
  const file = shaped.data;
  const lesson: Lesson = {
    id: file.id,
    title: file.title,
    ...(file.summary !== undefined ? { summary: file.summary } : {}),
    start: file.start,
    steps: file.steps.map((s) => ({ title: s.title, explanation: s.explanation, change: s.change, checks: s.checks.map(toCheck) })),
  };
  const problems: Problem[] = [];
  for (let k = 0; k <= lesson.steps.length; k++) {
    const where = k === 0 ? 'start' : `steps[${k - 1}].change`;
    const newNodes = (k === 0 ? lesson.start : lesson.steps[k - 1]!.change).nodes ?? [];
    const before = k === 0 ? [] : topologyAt(lesson, k - 1, PLACEHOLDER).nodes;
    newNodes.forEach((n, i) => {
      if (n.kind === undefined && !before.some((b) => b.id === n.id)) {
        problems.push({ path: `${where}.nodes[${i}].kind`, message: `node "${n.id}" is new here: give its kind (namespace or bridge)` });
      }
    });
    const t = topologyAt(lesson, k, PLACEHOLDER);
    const r = checkTopology(t);
    if (!r.ok) for (const p of r.problems) problems.push({ path: where, message: `the lab after this ${k === 0 ? 'start' : 'step'} is not valid: ${formatProblem(p)}` });
    if (k === 0) continue;
    const ids = new Set([HOST_ID, ...t.nodes.map((n) => n.id)]);
    lesson.steps[k - 1]!.checks.forEach((c, i) => {
      for (const { field, node } of nodesOf(c)) {
        if (!ids.has(node)) {
          problems.push({ path: `steps[${k - 1}].checks[${i}].${c.kind}.${field}`, message: `node "${node}" is not in the lab at this step (its nodes: ${[...ids].join(', ')})` });
        }
      }
    });
  }
  return problems.length ? { ok: false, problems } : { ok: true, lesson };
}

/** Parses lesson text (YAML or JSON) and checks it. `expectedId`: the folder it was found in. */
export function parseLessonText(text: string, source = 'lesson.yaml', expectedId?: string): CheckedLesson {
  const parsed = parseMapping(text, source, 'id, title and steps');
  if (!parsed.ok) return parsed;
  const r = checkLesson(parsed.doc);
  if (r.ok && expectedId !== undefined && r.lesson.id !== expectedId) {
    return { ok: false, problems: [{ path: 'id', message: `the lesson in folder "${expectedId}" says its id is "${r.lesson.id}"; make them the same` }] };
  }
  return r;
}

/** A kernel command as one line a person can type (namespace files as their shell line). */
export function commandLine(cmd: Command): string {
  if (cmd.tool === 'nsfile') return nsfileLine(cmd);
  const line = shellQuote(argvOf(cmd));
  return cmd.tool === 'nft' && cmd.stdin !== undefined ? `${line} <<'EOF'\n${cmd.stdin}EOF` : line;
}

/**
 * The commands step `step` (1-based) runs on a lab that has every step before it: rendered from
 * the plan (lib/plan.ts, lib/ops.ts), never written in the lesson.
 */
export function stepCommands(lesson: Lesson, step: number, lab: string, hostNetns = ''): string[] {
  const before = compile(topologyAt(lesson, step - 1, lab, hostNetns)).desired;
  const after = compile(topologyAt(lesson, step, lab, hostNetns)).desired;
  const observed: KernelState = { ...before, newNamespaceForwarding: false };
  return plan(lab, after, observed).steps.flatMap((s) => commandsFor(s.op).map(commandLine));
}

/** The results of one step's checks (1-based step). */
export interface StepResults {
  step: number;
  title: string;
  results: CheckResult[];
}

/** A lesson as the dashboard shows it for one lab: each step with its checks in words and its commands. */
export interface LessonView {
  id: string;
  title: string;
  summary?: string;
  steps: { title: string; explanation: string; checks: string[]; commands: string[] }[];
}

export interface LessonSummary {
  id: string;
  title: string;
  steps: number;
}

export function lessonView(lesson: Lesson, lab: string, hostNetns = ''): LessonView {
  return {
    id: lesson.id,
    title: lesson.title,
    ...(lesson.summary !== undefined ? { summary: lesson.summary } : {}),
    steps: lesson.steps.map((s, i) => ({ title: s.title, explanation: s.explanation, checks: s.checks.map(checkTitle), commands: stepCommands(lesson, i + 1, lab, hostNetns) })),
  };
}
