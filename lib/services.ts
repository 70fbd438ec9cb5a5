// Services: processes a namespace node runs once the lab is up (`run: ["python3 -m http.server
// 8080"]`). Each entry is one command line, split into argv words here the way a shell splits
// words (spaces separate, '…' and "…" quote, \ escapes one character), and never run through a
// shell: no pipes, redirections, variables or globs. The server runs each argv confined to its
// node (server/services/: user nobody, only network capabilities, in the node's namespaces).
import { z } from 'zod';
import { shellQuote } from './ops';
import type { Topology } from './topology';

export const SERVICE_LIMITS = { perNode: 8, commandChars: 1000, words: 64 } as const;

/**
 * The argv words of a command line, or a sentence saying why it has none: shell-like word
 * splitting with quotes, nothing else of a shell.
 */
export function splitCommand(line: string): string[] | string {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (c === '"' || c === "'") quote = c;
      else if (c === '\\') {
        if (i + 1 >= line.length) return 'it ends with a lone \\; remove it or quote it';
        word += line[++i];
      } else word += c;
    }
  }
  if (quote) return `it has an unclosed ${quote} quote; close it`;
  if (inWord) words.push(word);
  if (!words.length) return 'it is empty; write a command like "python3 -m http.server 8080"';
  return words;
}

/** One command line of `run`: checked and splittable. */
export const serviceCommandSchema = z
  .string({ error: 'a service must be a command line (a string) like "python3 -m http.server 8080"' })
  .max(SERVICE_LIMITS.commandChars, { error: `a service command is longer than ${SERVICE_LIMITS.commandChars} characters; shorten it` })
  // eslint-disable-next-line no-control-regex
  .refine((v) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(v), {
    error: 'a service command is one line without control characters (no NUL, newline or escape); write one command per entry',
  })
  .superRefine((v, ctx) => {
    const argv = splitCommand(v);
    if (typeof argv === 'string') ctx.addIssue({ code: 'custom', message: `service command ${JSON.stringify(v)} cannot be split into words: ${argv}` });
    else if (argv.length > SERVICE_LIMITS.words) ctx.addIssue({ code: 'custom', message: `service command has ${argv.length} words, more than ${SERVICE_LIMITS.words}; shorten it` });
    else if (argv[0]!.startsWith('-')) ctx.addIssue({ code: 'custom', message: `service command ${JSON.stringify(v)} starts with an option; start it with the program to run` });
    else if (argv[0]!.includes('/') && !argv[0]!.startsWith('/')) ctx.addIssue({ code: 'custom', message: `service program "${argv[0]}" is a relative path; give a program name found in PATH or an absolute path` });
  });

/** `run` of a namespace node. */
export const runSchema = z
  .array(serviceCommandSchema, { error: 'run must be a list of command lines, like ["python3 -m http.server 8080"]' })
  .max(SERVICE_LIMITS.perNode, { error: `run lists more than ${SERVICE_LIMITS.perNode} services; a node runs at most ${SERVICE_LIMITS.perNode}` });

/** One service of a lab: node, its position in the node's `run`, the line and its argv. */
export interface ServiceSpec {
  node: string;
  index: number;
  command: string;
  argv: string[];
}

/** Every service of a lab, in node order (commands that passed validation). */
export function servicesOf(t: Topology): ServiceSpec[] {
  const out: ServiceSpec[] = [];
  for (const n of t.nodes) {
    if (n.kind !== 'namespace' || !n.run) continue;
    n.run.forEach((command, index) => {
      const argv = splitCommand(command);
      if (typeof argv !== 'string') out.push({ node: n.id, index, command, argv });
    });
  }
  return out;
}

/** What identifies a service across applies: its node and its command line. */
export const serviceKey = (s: { node: string; command: string }) => `${s.node}\u0000${s.command}`;

/**
 * The plan's service lines: `+ service A: cmd` for a service to start, `- service A: cmd` for
 * one to stop (`running`: what the lab's supervisor runs now; empty when none runs).
 */
export function serviceChanges(desired: ServiceSpec[], running: { node: string; command: string }[]): string[] {
  const want = new Set(desired.map(serviceKey));
  const have = new Set(running.map(serviceKey));
  return [
    ...desired.filter((s) => !have.has(serviceKey(s))).map((s) => `+ service ${s.node}: ${s.command}`),
    ...running.filter((s) => !want.has(serviceKey(s))).map((s) => `- service ${s.node}: ${s.command}`),
  ];
}

/** The exported script's lines that start the services in the background (`ns`: node -> namespace). */
export function serviceScriptLines(t: Topology, nodeNs: Record<string, string>): string[] {
  return servicesOf(t).map((s) => `ip netns exec ${shellQuote([nodeNs[s.node] ?? s.node, ...s.argv])} >/dev/null 2>&1 &`);
}

// --- what the supervisor reports (server/services/, shown in the node view) ------------------

export type ServiceState = 'starting' | 'running' | 'restarting' | 'exited' | 'stopped';

export interface ServiceStatus {
  node: string;
  command: string;
  state: ServiceState;
  /** the last exit: code, or the signal that ended it */
  code: number | null;
  signal: string | null;
  restarts: number;
  /** the last lines it printed (stdout and stderr), at most SERVICE_LINES */
  lines: string[];
}

export const SERVICE_LINES = 20;

/** "running", "exited (code 1)", "restarting (code 1, 3 restarts)" */
export function stateText(s: Pick<ServiceStatus, 'state' | 'code' | 'signal' | 'restarts'>): string {
  const why = s.signal ? `signal ${s.signal}` : s.code !== null ? `code ${s.code}` : '';
  const parts = [s.state === 'running' || s.state === 'starting' ? '' : why, s.restarts ? `${s.restarts} restart${s.restarts > 1 ? 's' : ''}` : ''].filter(Boolean);
  return parts.length ? `${s.state} (${parts.join(', ')})` : s.state;
}
