// Helpers for the CLI acceptance tests: run `nslab` as a user would, read the kernel, clean up.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const SEED = join(ROOT, 'examples/seed.yaml');

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A fresh NSLAB_HOME per test file. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'nslab-test-'));
}

export function nslabIn(home: string) {
  return async (...args: string[]): Promise<Run> => {
    const r = await execa('node', [join(ROOT, 'bin/nslab.js'), ...args], {
      env: { NSLAB_HOME: home },
      reject: false,
      timeout: 120_000,
    });
    return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
}

export async function sh(cmd: string, ...args: string[]): Promise<Run> {
  const r = await execa(cmd, args, { reject: false, timeout: 60_000 });
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Everything networking in the sandbox's own namespace, as text: must not change. */
export async function rootSnapshot(): Promise<string> {
  const parts = await Promise.all([
    sh('ip', '-d', 'link', 'show'),
    sh('ip', 'addr', 'show'),
    sh('ip', 'route', 'show', 'table', 'all'),
    sh('ip', 'neigh', 'show'),
    sh('nft', 'list', 'ruleset'),
    sh('sysctl', 'net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding'),
  ]);
  return parts.map((p) => p.stdout).join('\n---\n');
}

/** User namespace files nslab keeps for its namespaces (lib/ops.ts usernsPath). */
export function usernsList(): string[] {
  try {
    return readdirSync('/run/nslab/userns').sort();
  } catch {
    return [];
  }
}

export function netnsList(): string[] {
  try {
    return readdirSync('/run/netns').sort();
  } catch {
    return [];
  }
}

/** ifindex of a link, for "not recreated" checks. */
export async function ifindex(ns: string, dev: string): Promise<number> {
  const r = await sh('ip', ...(ns ? ['-n', ns] : []), '-j', 'link', 'show', 'dev', dev);
  if (r.exitCode !== 0) throw new Error(`no ${dev} in ${ns || 'root'}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { ifindex: number }[])[0]!.ifindex;
}

/** Writes a variant of a topology file into `dir`. */
export function writeVariant(dir: string, base: string, edit: (doc: Record<string, unknown>) => void, name = 'lab.yaml'): string {
  const doc = parse(base) as Record<string, unknown>;
  edit(doc);
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

/** Removes, by name, namespaces and root links a test may have left; best effort. */
export async function removeNamespaces(names: string[]): Promise<void> {
  for (const n of names) if (netnsList().includes(n)) await sh('ip', 'netns', 'del', n);
}

export function rmHome(home: string): void {
  rmSync(home, { recursive: true, force: true });
}
