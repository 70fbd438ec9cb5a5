// Rows of the store read back into typed values: JSON columns are parsed and checked, never cast.
import { z } from 'zod';
import type { CommandLogEntry } from '@/server/labs/types';

export interface RawCommand {
  id: number;
  lab: string;
  at: string;
  argv: string;
  stdin: string | null;
  exit_code: number;
  stderr: string;
  duration_ms: number;
  phase: CommandLogEntry['phase'];
}

export function toCommand(r: RawCommand): CommandLogEntry {
  return {
    lab: r.lab,
    seq: r.id,
    at: r.at,
    argv: argvSchema.safeParse(parseJson(r.argv)).data ?? ['(unreadable)'],
    ...(r.stdin !== null ? { stdin: r.stdin } : {}),
    exitCode: r.exit_code,
    stderr: r.stderr,
    durationMs: r.duration_ms,
    phase: r.phase,
  };
}

const argvSchema = z.array(z.string());

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
