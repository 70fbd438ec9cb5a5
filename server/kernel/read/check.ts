// Reading a command's output through a zod schema: what the kernel tools print is data from
// outside, so it is checked, and a surprise is one sentence naming the command, never a crash
// deep inside the observer.
import { z } from 'zod';
import { NslabError } from '@/lib/errors';

/** How nslab names a command in an error: `ip -n H -j route show`. */
export function commandText(argv: readonly string[], line?: string): string {
  return line ? `${argv.join(' ')} (${line})` : argv.join(' ');
}

/** The one sentence for output nslab cannot read: names the command and what is wrong. */
export function readFailure(command: string, why: string): NslabError {
  return new NslabError('kernel', `nslab could not read the output of "${command}": ${why}; nslab needs iproute2 6.1 (and nftables 1.0) or newer`);
}

function issueText(e: z.ZodError): string {
  const first = e.issues[0];
  if (!first) return 'it does not have the expected shape';
  const path = first.path.length ? first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : 'the whole output';
  return `${path}: ${first.message}`;
}

/** JSON text (empty = `empty`) checked against a schema; throws a sentence naming the command. */
export function parseJson<S extends z.ZodType>(command: string, text: string, schema: S, empty?: z.input<S>): z.output<S> {
  let data: unknown;
  const trimmed = text.trim();
  if (!trimmed && empty !== undefined) data = empty;
  else {
    try {
      data = JSON.parse(trimmed);
    } catch {
      throw readFailure(command, trimmed ? 'it is not JSON' : 'it printed nothing');
    }
  }
  const res = schema.safeParse(data);
  if (!res.success) throw readFailure(command, issueText(res.error));
  return res.data;
}

type Outputs<S extends readonly z.ZodType[]> = { -readonly [K in keyof S]: z.output<S[K]> };

/**
 * `ip -j -batch -` prints one JSON document per command, one per line: each is checked against
 * the schema of its command. `lines` are the batch's commands, in order (for the error).
 */
export function parseBatch<const S extends readonly z.ZodType[]>(argv: readonly string[], lines: readonly string[], stdout: string, schemas: S): Outputs<S> {
  const docs = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (docs.length !== schemas.length) {
    throw readFailure(commandText(argv, lines.join('; ')), `it printed ${docs.length} JSON documents for ${schemas.length} commands`);
  }
  return schemas.map((schema, i) => parseJson(commandText(argv, lines[i]), docs[i] ?? '', schema)) as Outputs<S>;
}
