// Parsing and checking a topology: syntax (YAML/JSON), shape (zod) and meaning
// (references, names, subnets, routes, NAT). Everything is refused before any kernel change,
// and every problem names the field it is about.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { MAX_PROBLEMS } from './limits';
import { RULES } from './rules';
import { Lab } from './rules-facts';
import { topologySchema, type Topology } from './topology';

export interface Problem {
  /** where, e.g. "links[2].a.addresses[0]" ("" for the whole document) */
  path: string;
  message: string;
}

export type Checked = { ok: true; topology: Topology } | { ok: false; problems: Problem[] };

export class TopologyError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'TopologyError';
  }
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

export function pathString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/**
 * YAML or JSON text (JSON is YAML) as a mapping, or the one problem that says why it is not one:
 * `holds` names what the mapping should have ("name, nodes and links").
 */
export function parseMapping(text: string, source: string, holds: string): { ok: true; doc: object } | { ok: false; problems: Problem[] } {
  let doc: unknown = plainJson(text);
  try {
    if (doc === undefined) doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const msg = e instanceof YAMLParseError ? e.message.split('\n')[0] : String(e);
    const line = e instanceof YAMLParseError && e.linePos ? ` (line ${e.linePos[0].line})` : '';
    return { ok: false, problems: [{ path: '', message: `${source} is not valid YAML/JSON${line}: ${msg}` }] };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, problems: [{ path: '', message: `${source} must hold a mapping with ${holds}` }] };
  }
  return { ok: true, doc };
}

/**
 * A JSON object text without repeated keys, parsed by JSON.parse (a large lab file in a
 * fraction of the YAML parser's time); undefined for anything else, which the YAML parser then
 * reads or explains (JSON is YAML).
 */
function plainJson(text: string): unknown {
  if (!/^\s*\{/.test(text)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  return keysWritten(text) === keyCount(doc) ? doc : undefined;
}

/** How many keys a valid JSON text writes: strings followed by ':', which no other string in JSON is. */
function keysWritten(text: string): number {
  let n = 0;
  // each string in turn (escapes included), and whether a ':' follows it after JSON's white space
  const strings = /"(?:[^"\\]|\\.)*"([ \t\n\r]*:)?/g;
  for (let m = strings.exec(text); m; m = strings.exec(text)) if (m[1] !== undefined) n++;
  return n;
}

function keyCount(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + keyCount(x), 0);
  if (v === null || typeof v !== 'object') return 0;
  return Object.entries(v).reduce((n, [, x]) => n + 1 + keyCount(x), 0);
}

/** Parses YAML or JSON text (JSON is YAML) and checks it. */
export function parseTopologyText(text: string, source = 'file'): Checked {
  const parsed = parseMapping(text, source, 'name, nodes and links');
  if (!parsed.ok) return parsed;
  return checkTopology(parsed.doc);
}

/**
 * Topologies already checked for this request, with their JSON text. The gateway checks a
 * payload and the labs service asserts the same object again; the second check of an unchanged
 * object then costs one JSON.stringify instead of a whole validation. Only what a caller hands
 * to rememberChecked is kept (weakly), so a browser's checks never pay for this.
 */
const vouched = new WeakMap<object, string>();

/**
 * The JSON texts of the last few topologies vouched for: the store saves a lab as exactly that
 * text (its host is already in it), and reading it back need not check it again (checkedText).
 */
const vouchedTexts: string[] = [];
const VOUCHED_TEXTS = 4;

/** Lets the next check of this very object, if it is still the same JSON, skip the work. */
export function rememberChecked(topology: Topology): void {
  const text = JSON.stringify(topology);
  vouched.set(topology, text);
  if (!vouchedTexts.includes(text)) {
    vouchedTexts.unshift(text);
    if (vouchedTexts.length > VOUCHED_TEXTS) vouchedTexts.pop();
  }
}

/**
 * The topology this JSON text holds when it is the text of one checked and remembered here
 * (checking is a function of the value, and the text is that value), else undefined.
 */
export function checkedText(text: string): Topology | undefined {
  return vouchedTexts.includes(text) ? (JSON.parse(text) as Topology) : undefined;
}

function stillChecked(value: unknown): value is Topology {
  if (typeof value !== 'object' || value === null) return false;
  const text = vouched.get(value);
  return text !== undefined && JSON.stringify(value) === text;
}

/** Checks a value (a parsed file, a socket payload) against the schema and the rules of meaning. */
export function checkTopology(value: unknown): Checked {
  if (stillChecked(value)) return { ok: true, topology: value };
  const shaped = topologySchema.safeParse(value);
  if (!shaped.success) return { ok: false, problems: zodProblems(shaped.error) };
  const problems = semanticProblems(shaped.data);
  return problems.length ? { ok: false, problems } : { ok: true, topology: shaped.data };
}

/** Like checkTopology, but throws a TopologyError listing every problem. */
export function assertTopology(value: unknown): Topology {
  const r = checkTopology(value);
  if (!r.ok) throw new TopologyError(r.problems);
  return r.topology;
}

export function zodProblems(err: z.ZodError): Problem[] {
  return err.issues.map((iss) => {
    let message = iss.message;
    if (iss.code === 'unrecognized_keys') message = `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    return { path: pathString(iss.path), message };
  });
}

// The model helpers lived here once; they are lib/model.ts now (kept here for older imports).
export { contextOf, nodeKinds, normalizeLinks, type NodeKind, type NormEndpoint, type NormLink } from './model';

/** Thrown by `add` once MAX_PROBLEMS are listed: the rest of the rules are skipped. */
class TooManyProblems extends Error {}

/**
 * The problems of meaning: the rules of lib/rules.ts, in order, each linear in the size of the
 * lab; the problems listed are capped at MAX_PROBLEMS, so one request's work is bounded.
 */
function semanticProblems(t: Topology): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => {
    if (problems.length >= MAX_PROBLEMS) throw new TooManyProblems();
    problems.push({ path, message });
  };
  const found = () => problems.length;
  const lab = new Lab(t);
  try {
    for (const rule of RULES) if (rule(lab, add, found) === false) break;
  } catch (e) {
    if (!(e instanceof TooManyProblems)) throw e;
    problems.push({ path: '', message: `more problems were found than the ${MAX_PROBLEMS} listed here; fix these and check again` });
  }
  return problems;
}
