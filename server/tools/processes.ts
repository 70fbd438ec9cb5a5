// Ending what a tool started, by PID only: a terminal's whole session (bash and every job it
// started), a capture's tcpdump. Never by name, so nothing else on the machine is touched.
import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session. */
function statOf(pid: number): { ppid: number; pgrp: number; session: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]) };
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  const s = statOf(pid);
  if (!s) return false;
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Every live process of the session led by `leader` (the pty's bash is a session leader). */
export function sessionMembers(leader: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (statOf(pid)?.session === leader && isAlive(pid)) out.push(pid);
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ends a terminal's session: SIGHUP to every member (what closing a real terminal does), then
 * SIGKILL to whatever is left of that same session. Resolves once none remain (or after ~2 s).
 */
export async function endSession(leader: number): Promise<void> {
  const members = () => [...new Set([leader, ...sessionMembers(leader)])].filter((p) => p === leader ? isAlive(p) : statOf(p)?.session === leader);
  for (const pid of members()) signal(pid, 'SIGHUP');
  for (let i = 0; i < 10 && members().length; i++) await sleep(50);
  for (const pid of members()) signal(pid, 'SIGKILL');
  for (let i = 0; i < 30 && members().length; i++) await sleep(50);
}

/** Every live process below `root` (children, their children, ...), by parent PID. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(Number(name));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (out.includes(c)) continue;
      out.push(c);
      queue.push(c);
    }
  }
  return out.filter(isAlive);
}

/** Sends `sig` to `root` and everything below it (a confined chain: the signal reaches the command itself). */
export function signalTree(root: number, sig: NodeJS.Signals): void {
  for (const pid of [root, ...descendants(root)]) signal(pid, sig);
}

/** `first` through `send`, then SIGKILL after `graceMs` if `pid` is still alive; waits a second for its end. */
async function end(pid: number, send: (sig: NodeJS.Signals) => void, first: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  send(first);
  for (let t = 0; t < graceMs && isAlive(pid); t += 50) await sleep(50);
  if (isAlive(pid)) send('SIGKILL');
  for (let i = 0; i < 20 && isAlive(pid); i++) await sleep(50);
}

/**
 * Ends a confined child: `first` to the whole tree (SIGINT lets tcpdump flush), then SIGKILL to
 * the root after `graceMs` (its death ends the private pid namespace and everything in it).
 */
export function endTree(root: number, first: NodeJS.Signals = 'SIGTERM', graceMs = 1500): Promise<void> {
  return end(root, (sig) => signalTree(root, sig), first, graceMs);
}

/** Ends one child we started: `first` (SIGINT lets tcpdump flush), then SIGKILL after `graceMs`. */
export function endProcess(pid: number, first: NodeJS.Signals = 'SIGTERM', graceMs = 1500): Promise<void> {
  return end(pid, (sig) => signal(pid, sig), first, graceMs);
}
