// The socket protocol of adopting what the kernel has. Same rules as lib/protocol.ts: each
// request has a zod schema the server checks, and is acknowledged `{ ok: true, ... }` or
// `{ ok: false, code, message }`. Scanning is read-only; the browser turns the scan into a lab
// draft itself (lib/adopt.ts is pure) and creates the lab with the dashboard's `lab:create`.
import { z } from 'zod';
import type { AdoptDraft, KernelScan } from './adopt';
import type { ErrorCode } from './errors';
import { labNameSchema } from './topology';

export type { AdoptDraft, KernelScan };

export const adoptRequestSchemas = {
  /** reads every namespace, bridge and veth pair the kernel has; changes nothing */
  'adopt:scan': z.strictObject({
    /** the lab name the draft gets (default "adopted") */
    lab: labNameSchema.optional(),
    /** kernel names (namespaces, bridges) to leave out of the draft */
    exclude: z.array(z.string().max(64)).max(1000).optional(),
  }),
} as const;

export type AdoptRequestName = keyof typeof adoptRequestSchemas;
export type AdoptRequestPayload<E extends AdoptRequestName> = z.input<(typeof adoptRequestSchemas)[E]>;

export interface AdoptResponseData {
  /** the scan itself (to re-draft with other choices in the browser) and the draft of it */
  'adopt:scan': { scan: KernelScan; draft: AdoptDraft };
}

export interface AdoptFailure {
  ok: false;
  code: ErrorCode;
  message: string;
}

export type AdoptAck<E extends AdoptRequestName> = ({ ok: true } & AdoptResponseData[E]) | AdoptFailure;
