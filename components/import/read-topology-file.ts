// A dropped or picked file as a checked topology: YAML or JSON, validated by the same rules as
// `nslab apply` (lib/validate.ts), every problem naming its field.
import type { DragEvent as ReactDragEvent } from 'react';
import { formatProblem, parseTopologyText, type Checked } from '@/lib/validate';

const MAX_BYTES = 1_000_000;

export async function readTopologyFile(file: File): Promise<Checked> {
  if (file.size > MAX_BYTES) return { ok: false, problems: [{ path: '', message: `${file.name} is ${Math.round(file.size / 1000)} kB; a lab file is at most 1 MB` }] };
  if (!/\.(ya?ml|json)$/i.test(file.name)) {
    return { ok: false, problems: [{ path: '', message: `${file.name} is not a lab file: drop a .yaml, .yml or .json file (nslab export --format yaml)` }] };
  }
  return parseTopologyText(await file.text(), file.name);
}

/** The problems as lines for a person: `links[0].a.addresses[0]: ...`. */
export function problemLines(checked: Checked): string[] {
  return checked.ok ? [] : checked.problems.map(formatProblem);
}

/** The first file of a drag, if the drag carries files at all (not a palette item). */
export function draggedFiles(e: DragEvent | ReactDragEvent): boolean {
  return [...(e.dataTransfer?.types ?? [])].includes('Files');
}
