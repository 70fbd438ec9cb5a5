// The socket protocol between the dashboard and the server: every client -> server request with
// its zod payload schema, and the events the server pushes. The gateway validates each payload
// with these schemas (topologies with the same checkTopology as files); every request is
// acknowledged `{ ok: true, ... }` or `{ ok: false, code, message }`.
import { z } from 'zod';
import type { ErrorCode } from './errors';
import type { PlanView, ApplyResult, CommandLogEntry, ApplyProgress, LabRecord, LabState, LabSummary, LiveState } from './labs-types';
import { labNameSchema, netnsNameSchema } from './topology';

// The wire types are declared next to the labs service (types only, nothing runs from server/).
export type { PlanView, ApplyResult, CommandLogEntry, ApplyProgress, LabRecord, LabState, LabSummary, LiveState };

/** A topology arrives as an unknown value: the gateway checks it with checkTopology (errors name the field). */
const topologyPayload = z.unknown();
const rev = z.number({ error: 'rev must be the revision number you edited' }).int().nonnegative();

export const requestSchemas = {
  'labs:list': z.strictObject({}),
  /** hostNetns: '' = this machine's own namespace; a name = an isolated host namespace */
  'lab:create': z.strictObject({ topology: topologyPayload, hostNetns: z.union([z.literal(''), netnsNameSchema]).optional() }),
  /** joins the lab's room; answers with a snapshot (record, live state, recent commands) */
  'lab:open': z.strictObject({ name: labNameSchema }),
  'lab:close': z.strictObject({ name: labNameSchema }),
  'lab:save': z.strictObject({ topology: topologyPayload, rev }),
  /** without topology: the plan for the saved topology; destroy: the plan that removes the lab (restores included) */
  'lab:plan': z.strictObject({ name: labNameSchema, topology: topologyPayload.optional(), destroy: z.literal(true).optional() }),
  /** fingerprint: the plan the user previewed; apply refuses if the kernel's plan differs */
  /** adopt: the user confirmed taking over what the plan lists in `takeovers` */
  'lab:apply': z.strictObject({ name: labNameSchema, rev, fingerprint: z.string().max(64).optional(), adopt: z.literal(true).optional() }),
  'lab:destroy': z.strictObject({ name: labNameSchema }),
  'lab:delete': z.strictObject({ name: labNameSchema }),
} as const;

export type RequestName = keyof typeof requestSchemas;
export type RequestPayload<E extends RequestName> = z.input<(typeof requestSchemas)[E]>;

export interface LabSnapshot {
  lab: LabRecord;
  /** null when the kernel could not be read (the message says why) */
  live: LiveState | null;
  liveError?: string;
  commands: CommandLogEntry[];
}

/** What each request answers on success (besides ok: true). */
export interface ResponseData {
  'labs:list': { labs: LabSummary[] };
  'lab:create': { lab: LabRecord };
  'lab:open': { snapshot: LabSnapshot };
  'lab:close': Record<string, never>;
  'lab:save': { lab: LabRecord };
  'lab:plan': { plan: PlanView };
  'lab:apply': { result: ApplyResult };
  'lab:destroy': { result: ApplyResult };
  'lab:delete': Record<string, never>;
}

export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  /** on invalid topologies: every problem with the field it is about */
  problems?: { path: string; message: string }[];
}

export type Ack<E extends RequestName> = ({ ok: true } & ResponseData[E]) | Failure;

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
}

/** The socket.io room of a lab: everyone with the lab open. */
export const labRoom = (name: string) => `lab:${name}`;
/** Everyone connected: the labs list. */
export const LABS_ROOM = 'labs';
