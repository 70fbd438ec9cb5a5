// The CLI's files: a topology read from a file or standard input, an export written to a file;
// a path that cannot be used is one sentence naming it and the fix.
import { writeFileSync, readFileSync } from 'node:fs';
import { parseTopologyText, rememberChecked, TopologyError } from '@/lib/validate';
import { fileError } from '@/server/errors';

export function readTopology(file: string) {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw fileError(e, 'read', file === '-' ? 'standard input' : file);
  }
  const r = parseTopologyText(text, file);
  if (!r.ok) throw new TopologyError(r.problems);
  // the labs service checks it again: unchanged, that costs a JSON.stringify, not a validation
  rememberChecked(r.topology);
  return r.topology;
}

/** Writes an export; a path that cannot be written is one sentence naming it and the fix. */
export function writeOutput(file: string, data: string | Buffer, mode = 0o644): void {
  try {
    writeFileSync(file, data, { mode });
  } catch (e) {
    throw fileError(e, 'write', file);
  }
}

