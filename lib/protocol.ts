// The socket contract between the dashboard and the server, in one registry: every request a
// client may send, with its zod payload schema, what it answers, how long the client waits for
// the answer and the role allowed to send it; and the events the server pushes.
// The server registers handlers with server/register.ts (which checks the role and the payload
// and maps errors in one place); the dashboard sends with components/socket/request.ts. Every
// request is acknowledged `{ ok: true, ... }` or `{ ok: false, code, message }` (a Failure).
import { z } from 'zod';
import type { AdoptDraft, KernelScan } from './adopt';
import type { ErrorCode } from './errors';
import type { PlanView, ApplyResult, CommandLogEntry, ApplyProgress, LabRecord, LabState, LabSummary, LiveState } from './labs-types';
import { captureFilterSchema, type CaptureInfo, type LabRates, type NodeView, type PacketSummary, type ProbeResult } from './protocol-tools';
import type { LabNatCounters, LabPackets, TapStatus } from './packets';
import { IFACE_NAME, labNameSchema, netnsNameSchema } from './topology';
import type { LessonProgress } from './labs-types';
import { LESSON_ID, type LessonSummary, type LessonView, type StepResults } from './lessons';

// The wire types are declared next to their owners (types only, nothing runs from server/).
export type { PlanView, ApplyResult, CommandLogEntry, ApplyProgress, LabRecord, LabState, LabSummary, LiveState, AdoptDraft, KernelScan };

/**
 * Who is at the other end of a socket: the instructor (the server's token), or a seat (a
 * student's place in a class, by its seat token), which may only send requests marked 'seat',
 * and only about its own lab (the request's `seat` scope, checked in server/register.ts).
 */
export type Role = 'instructor' | 'seat';

/** The one rule of roles: the instructor may send everything, a seat only what is marked 'seat'. */
export function mayCall(role: Role, required: Role): boolean {
  return role === 'instructor' || role === required;
}

/** What a request answers on success (besides ok: true): a type only, never a value. */
export interface Answers<R> {
  readonly answers?: () => R;
}
const answers = <R>(): Answers<R> => ({});

/**
 * What a seat may reach with a request it may send: the payload field naming the lab (it must be
 * the seat's own), and the field naming a node (never "host": a seat has no host context).
 * `owned`: the request names something the same connection made (a terminal, a capture by id).
 * `view`: the lab may also be the lab its class's instructor broadcasts, while the broadcast is on.
 */
export type SeatScope = { lab: 'name' | 'lab'; node?: 'node' | 'source'; view?: true } | { owned: true };

/** One request of the contract. */
export interface RequestSpec<S extends z.ZodType = z.ZodType, R = unknown> {
  /** checks (and fills the defaults of) the payload, on the server */
  readonly schema: S;
  readonly response: Answers<R>;
  /** how long the client waits for the answer, in ms */
  readonly timeoutMs: number;
  /** who may send it (see mayCall) */
  readonly role: Role;
  /** for a request a seat may send: what of the payload must be the seat's own (server/register.ts checks it) */
  readonly seat?: SeatScope;
}

/** Plans, saves and reads are quick; applies can take a while on big labs. */
const QUICK_MS = 30_000;
const KERNEL_MS = 300_000;
/** The tools answer at once, but for probes and capture downloads. */
const TOOL_MS = 15_000;
const TOOL_SLOW_MS = 60_000;

/** A topology arrives as an unknown value: the gateway checks it with checkTopology (errors name the field). */
const topologyPayload = z.unknown();
const rev = z.number({ error: 'rev must be the revision number you edited' }).int().nonnegative();
/** A node id of the lab, or "host" (the host context). Checked against the topology later. */
const nodeRef = z.string({ error: 'node must be a node id' }).regex(/^[A-Za-z][A-Za-z0-9_-]{0,14}$/, {
  error: (iss) => `node ${JSON.stringify(iss.input)} is not a node id`,
});
const id = z.string().regex(/^[a-z0-9-]{1,40}$/, { error: 'id must be the id the server answered with' });
const cols = z.number().int().min(10).max(500);
const rows = z.number().int().min(4).max(200);
const done = answers<Record<string, never>>();
const lessonId = z.string().regex(LESSON_ID, { error: (iss) => `lesson ${JSON.stringify(iss.input)} is not a lesson id` });

/** A class as its instructor's room shows it. */
export interface ClassRoom {
  name: string;
  lesson: string;
  steps: number;
  seats: { seat: number; lab: string; revoked: boolean; state: LabState | 'missing'; step: number | null; passed: number[]; updatedAt: string | null }[];
}

/** A class as the dashboard lists it; `broadcast`: the lab its instructor shows every seat, or null. */
export interface ClassSummary {
  name: string;
  lesson: string;
  seats: number;
  createdAt: string;
  broadcast: string | null;
}

/** A seat made by class:create: its token and join path are shown once (only the token's hash is kept). */
export interface CreatedSeat {
  seat: number;
  lab: string;
  token: string;
  join: string;
}

/** What the instructor's room draws of each seat: its lab's record and live state (kept current by the lab's room). */
export interface SeatLabView {
  lab: LabRecord;
  live: LiveState | null;
  /** when the lab's last kernel command ran, if any */
  lastCommandAt: string | null;
}

const className = z.string().regex(/^[a-z0-9-]{1,16}$/, { error: 'name must be a class name' });

export interface LabSnapshot {
  lab: LabRecord;
  /** null when the kernel could not be read (the message says why) */
  live: LiveState | null;
  liveError?: string;
  commands: CommandLogEntry[];
}

export const requests = {
  // --- labs (server/gateway.ts) ---
  'labs:list': { schema: z.strictObject({}), response: answers<{ labs: LabSummary[] }>(), timeoutMs: QUICK_MS, role: 'instructor' },
  /** hostNetns: '' = this machine's own namespace; a name = an isolated host namespace */
  'lab:create': {
    schema: z.strictObject({ topology: topologyPayload, hostNetns: z.union([z.literal(''), netnsNameSchema]).optional() }),
    response: answers<{ lab: LabRecord }>(), timeoutMs: QUICK_MS, role: 'instructor',
  },
  /** joins the lab's room; answers with a snapshot (record, live state, recent commands) */
  'lab:open': { schema: z.strictObject({ name: labNameSchema }), response: answers<{ snapshot: LabSnapshot }>(), timeoutMs: QUICK_MS, role: 'seat', seat: { lab: 'name', view: true } },
  'lab:close': { schema: z.strictObject({ name: labNameSchema }), response: done, timeoutMs: QUICK_MS, role: 'seat', seat: { lab: 'name', view: true } },
  'lab:save': { schema: z.strictObject({ topology: topologyPayload, rev }), response: answers<{ lab: LabRecord }>(), timeoutMs: QUICK_MS, role: 'instructor' },
  /** without topology: the plan for the saved topology; destroy: the plan that removes the lab (restores included) */
  'lab:plan': {
    schema: z.strictObject({ name: labNameSchema, topology: topologyPayload.optional(), destroy: z.literal(true).optional() }),
    response: answers<{ plan: PlanView }>(), timeoutMs: QUICK_MS, role: 'instructor',
  },
  /** fingerprint: the plan the user previewed; apply refuses if the kernel's plan differs */
  /** adopt: the user confirmed taking over what the plan lists in `takeovers` */
  'lab:apply': {
    schema: z.strictObject({ name: labNameSchema, rev, fingerprint: z.string().max(64).optional(), adopt: z.literal(true).optional() }),
    response: answers<{ result: ApplyResult }>(), timeoutMs: KERNEL_MS, role: 'instructor',
  },
  'lab:destroy': { schema: z.strictObject({ name: labNameSchema }), response: answers<{ result: ApplyResult }>(), timeoutMs: KERNEL_MS, role: 'instructor' },
  'lab:delete': { schema: z.strictObject({ name: labNameSchema }), response: done, timeoutMs: KERNEL_MS, role: 'instructor' },

  // --- terminals (server/tools/register.ts) ---
  /** opens a shell in the node's namespace ("host" = the host context) */
  'term:open': {
    schema: z.strictObject({ lab: labNameSchema, node: nodeRef, cols: cols.default(80), rows: rows.default(24) }),
    response: answers<{ id: string; node: string; ns: string; pid: number }>(), timeoutMs: TOOL_MS, role: 'seat', seat: { lab: 'lab', node: 'node' },
  },
  'term:input': { schema: z.strictObject({ id, data: z.string().max(65536) }), response: done, timeoutMs: TOOL_MS, role: 'seat', seat: { owned: true } },
  'term:resize': { schema: z.strictObject({ id, cols, rows }), response: done, timeoutMs: TOOL_MS, role: 'seat', seat: { owned: true } },
  'term:close': { schema: z.strictObject({ id }), response: done, timeoutMs: TOOL_MS, role: 'seat', seat: { owned: true } },

  // --- node views ---
  /** subscribes to one node's interfaces, routes and neighbours; pushes `node:view` on kernel changes */
  'node:watch': { schema: z.strictObject({ lab: labNameSchema, node: nodeRef }), response: answers<{ view: NodeView }>(), timeoutMs: TOOL_MS, role: 'seat', seat: { lab: 'lab', node: 'node' } },
  'node:unwatch': { schema: z.strictObject({ lab: labNameSchema, node: nodeRef }), response: done, timeoutMs: TOOL_MS, role: 'seat', seat: { lab: 'lab', node: 'node' } },

  // --- ping / traceroute ---
  /** from a node to a node (its first address) or an IPv4 address */
  'probe:run': {
    schema: z.strictObject({ lab: labNameSchema, kind: z.enum(['ping', 'traceroute']), source: nodeRef, target: z.string().min(1).max(64) }),
    response: answers<{ result: ProbeResult }>(), timeoutMs: TOOL_SLOW_MS, role: 'seat', seat: { lab: 'lab', node: 'source' },
  },

  // --- packets you can watch (server/tools/packets.ts): taps run while anyone watches ---
  /** joins the lab's packet stream (`lab:packets`); answers with the taps that run (pid per namespace) */
  'packets:watch': { schema: z.strictObject({ lab: labNameSchema }), response: answers<{ status: TapStatus }>(), timeoutMs: TOOL_MS, role: 'seat', seat: { lab: 'lab', view: true } },
  /** leaves it; the last watcher leaving ends every tap of the lab */
  'packets:unwatch': { schema: z.strictObject({ lab: labNameSchema }), response: done, timeoutMs: TOOL_MS, role: 'seat', seat: { lab: 'lab', view: true } },

  // --- captures ---
  'capture:start': {
    schema: z.strictObject({
      lab: labNameSchema,
      node: nodeRef,
      iface: z.string().refine((v) => v === 'any' || IFACE_NAME.test(v), {
        error: (iss) => `interface ${JSON.stringify(iss.input)} is not an interface name`,
      }),
      filter: captureFilterSchema.default(''),
    }),
    response: answers<{ capture: CaptureInfo }>(), timeoutMs: TOOL_MS, role: 'seat', seat: { lab: 'lab', node: 'node' },
  },
  'capture:stop': { schema: z.strictObject({ id }), response: answers<{ capture: CaptureInfo }>(), timeoutMs: TOOL_MS, role: 'seat', seat: { owned: true } },
  /** the capture as a .pcap file (binary in the ack) */
  'capture:download': {
    schema: z.strictObject({ id }),
    response: answers<{ name: string; bytes: ArrayBuffer | Uint8Array; packets: number }>(), timeoutMs: TOOL_SLOW_MS, role: 'seat', seat: { owned: true },
  },
  /** forgets a stopped capture and its bytes */
  'capture:discard': { schema: z.strictObject({ id }), response: done, timeoutMs: TOOL_MS, role: 'seat', seat: { owned: true } },

  // --- lessons (server/lessons/register.ts) ---
  'lesson:list': { schema: z.strictObject({}), response: answers<{ lessons: LessonSummary[] }>(), timeoutMs: QUICK_MS, role: 'instructor' },
  /**
   * The lab's lesson with its progress: `id` starts that lesson on the lab (at step 0, the lab as
   * it is), without it the lesson the lab has; the steps' commands are rendered for this lab.
   */
  'lesson:open': {
    schema: z.strictObject({ lab: labNameSchema, id: lessonId.optional() }),
    response: answers<{ lesson: LessonView | null; progress: LessonProgress | null }>(), timeoutMs: QUICK_MS, role: 'seat', seat: { lab: 'lab' },
  },
  /** puts the lab where it is after `step` (forwards, or back; 0 = the start) and applies it, one kernel step every `delayMs` */
  'lesson:step': {
    schema: z.strictObject({ lab: labNameSchema, step: z.number().int().min(0).max(100), delayMs: z.number().int().min(0).max(5000).default(0) }),
    response: answers<{ result: ApplyResult; progress: LessonProgress }>(), timeoutMs: KERNEL_MS, role: 'seat', seat: { lab: 'lab' },
  },
  /** runs the checks of `step` (1-based) against the kernel, each with its evidence */
  'lesson:check': {
    schema: z.strictObject({ lab: labNameSchema, step: z.number().int().min(1).max(100) }),
    response: answers<{ step: StepResults; progress: LessonProgress }>(), timeoutMs: TOOL_SLOW_MS * 2, role: 'seat', seat: { lab: 'lab' },
  },

  // --- classes (server/classes/register.ts) ---
  /** the instructor's room: a class's seats, each with its lab's state and the step its lesson reached */
  'class:show': { schema: z.strictObject({ name: className }), response: answers<{ room: ClassRoom }>(), timeoutMs: QUICK_MS, role: 'instructor' },
  'class:list': { schema: z.strictObject({}), response: answers<{ classes: ClassSummary[] }>(), timeoutMs: QUICK_MS, role: 'instructor' },
  /** makes a lab per seat and applies it, at the lesson's start or at `step` (`class:progress` to this socket as seats are ready); answers each seat's join path once */
  'class:create': {
    schema: z.strictObject({ name: z.string().max(64), lesson: lessonId, seats: z.number({ error: 'seats must be a number' }).int().min(1).max(200), step: z.number().int().min(0).max(100).optional() }),
    response: answers<{ seats: CreatedSeat[] }>(), timeoutMs: KERNEL_MS, role: 'instructor',
  },
  /** destroys every seat's lab and forgets the class (its broadcast stops) */
  'class:end': { schema: z.strictObject({ name: className }), response: answers<{ removed: string[] }>(), timeoutMs: KERNEL_MS, role: 'instructor' },
  /** the room: watches every seat's lab (its lab:live, lab:saved, lab:lesson pushes) and answers each one's view */
  'class:watch': { schema: z.strictObject({ name: className }), response: answers<{ room: ClassRoom; labs: SeatLabView[]; broadcast: string | null }>(), timeoutMs: QUICK_MS, role: 'instructor' },
  'class:unwatch': { schema: z.strictObject({ name: className }), response: done, timeoutMs: QUICK_MS, role: 'instructor' },
  /** shows `lab` (one of the instructor's labs) to every seat of the class, read-only; null stops */
  'class:broadcast': { schema: z.strictObject({ name: className, lab: labNameSchema.nullable() }), response: answers<{ broadcast: string | null }>(), timeoutMs: QUICK_MS, role: 'instructor' },
  /**
   * for a seat's page: the lab its class's instructor broadcasts now, or null (then `class:broadcast`
   * pushes follow); `seat`: false for the instructor's connection, which is never shown a broadcast
   */
  'class:broadcasting': { schema: z.strictObject({ lab: labNameSchema }), response: answers<{ broadcast: string | null; seat: boolean }>(), timeoutMs: QUICK_MS, role: 'seat', seat: { lab: 'lab' } },

  // --- adopting what the kernel has (server/adopt/register.ts) ---
  /**
   * Reads every namespace, bridge and veth pair the kernel has and changes nothing; answers the
   * scan (to re-draft with other choices in the browser: lib/adopt.ts is pure) and its draft.
   * The lab it becomes is created with `lab:create` like any other.
   */
  'adopt:scan': {
    schema: z.strictObject({
      /** the lab name the draft gets (default "adopted") */
      lab: labNameSchema.optional(),
      /** kernel names (namespaces, bridges) to leave out of the draft */
      exclude: z.array(z.string().max(64)).max(1000).optional(),
    }),
    response: answers<{ scan: KernelScan; draft: AdoptDraft }>(), timeoutMs: QUICK_MS, role: 'instructor',
  },
} as const satisfies Record<string, RequestSpec>;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
/** What the client sends. */
export type RequestPayload<E extends RequestName> = z.input<Requests[E]['schema']>;
/** What the handler gets: the payload checked, defaults filled in. */
export type ParsedPayload<E extends RequestName> = z.output<Requests[E]['schema']>;
/** What each request answers on success (besides ok: true). */
export type ResponseData<E extends RequestName> = Requests[E]['response'] extends Answers<infer R> ? R : never;

/** True for the name of a request of the contract. */
export function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(requests, name);
}

export interface Failure {
  ok: false;
  /** 'limit': a cap of the tools (terminals, captures, node views) was reached */
  code: ErrorCode | 'limit';
  message: string;
  /** on invalid topologies: every problem with the field it is about */
  problems?: { path: string; message: string }[];
}

export type Ack<E extends RequestName> = ({ ok: true } & ResponseData<E>) | Failure;

/** True for what has the shape of an answer to `event` (the client checks what came back). */
export function isAck<E extends RequestName>(value: unknown, _event: E): value is Ack<E> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === true) return true;
  return value.ok === false && 'code' in value && typeof value.code === 'string' && 'message' in value && typeof value.message === 'string';
}

export type ClientToServerEvents = {
  [E in RequestName]: (payload: RequestPayload<E>, ack: (res: Ack<E>) => void) => void;
};

export type LabsChanged = LabSummary | { name: string; deleted: true };

export interface ServerToClientEvents {
  /** to everyone: a lab was created, saved, applied, destroyed or deleted */
  'labs:changed': (change: LabsChanged) => void;
  /** to the lab's room: a new revision was saved (by anyone) */
  'lab:saved': (lab: LabRecord) => void;
  'lab:command': (entry: CommandLogEntry) => void;
  'lab:progress': (progress: ApplyProgress) => void;
  'lab:live': (live: LiveState) => void;
  /** to the lab's room, every second while anyone has the lab open */
  'lab:rates': (rates: LabRates) => void;
  /** to the lab's packet watchers (packets:watch): what crossed its links, in wire order */
  'lab:packets': (batch: LabPackets) => void;
  /** to the lab's room: its NAT rules' packet counters (read while traffic flows, and now and then) */
  'lab:nat': (counters: LabNatCounters) => void;
  /** the tools, to the socket that started them */
  'term:data': (e: { id: string; data: string }) => void;
  'term:exit': (e: { id: string; code: number | null; reason: string }) => void;
  'node:view': (view: NodeView) => void;
  'capture:packets': (e: { id: string; packets: PacketSummary[]; total: number; bytes: number }) => void;
  'capture:ended': (capture: CaptureInfo) => void;
  /** to the lab's room: its lesson progress changed (a step run or checked) */
  'lab:lesson': (progress: LessonProgress) => void;
  /** to the socket creating a class: seats made and applied so far */
  'class:progress': (p: { name: string; done: number; total: number }) => void;
  /** to every seat of the class and the instructors watching it: the broadcast lab, or null when it stopped */
  'class:broadcast': (b: { name: string; lab: string | null }) => void;
}

/** The socket.io room of a lab: everyone with the lab open. */
export const labRoom = (name: string) => `lab:${name}`;
/** The socket.io room of a lab's packet watchers. */
export const packetsRoom = (name: string) => `packets:${name}`;
/** A class's seats (their connections) and the instructors watching its room. */
export const classRoomName = (name: string) => `class:${name}`;
/** Everyone connected: the labs list. */
export const LABS_ROOM = 'labs';
