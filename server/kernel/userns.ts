// What the commands that create a namespace with its own user namespace need on this machine:
// the folder of the user namespace files and the id-map helpers (lib/idmap.ts). Made once per
// process, before the first such command runs; root-owned, readable by root only where it holds
// namespace files.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { idmapHelper } from '@/lib/idmap';
import { IDMAP_DIR, NETNS_DIR, USERNS_DIR } from '@/lib/ops';
import { NSCTL_PATH, nsctlSource, nsctlUsable } from './nsctl';

let ready = false;

export function ensureUsernsSupport(): void {
  if (ready) return;
  mkdirSync(NETNS_DIR, { recursive: true, mode: 0o755 });
  mkdirSync(USERNS_DIR, { recursive: true, mode: 0o755 });
  mkdirSync(IDMAP_DIR, { recursive: true, mode: 0o755 });
  const helpers: [string, string, number][] = (['uid', 'gid'] as const).map((kind) => [`${IDMAP_DIR}/new${kind}map`, idmapHelper(kind), 0o755]);
  if (nsctlUsable()) helpers.push([NSCTL_PATH, nsctlSource(), 0o700]);
  for (const [path, text, mode] of helpers) installFile(path, text, mode);
  ready = true;
}

/** The argv that runs nslab-nsctl's MODE on ARGS (the program installed first, once per process). */
export function nsctlArgv(mode: 'counters' | 'dump' | 'marks' | 'nsids', args: Iterable<string>): string[] {
  ensureUsernsSupport();
  return ['perl', NSCTL_PATH, mode, ...args];
}

/** Writes a helper program nslab runs (in /run/nslab/bin), unless it is there already with this text. */
export function installFile(path: string, text: string, mode: number): void {
  let have = '';
  try {
    have = readFileSync(path, 'utf8');
  } catch {
    // not there yet
  }
  if (have !== text) writeFileSync(path, text, { mode });
  chmodSync(path, mode);
}

/** Names in /run/nslab/userns (no process started). */
export function listUserns(): string[] {
  try {
    return readdirSync(USERNS_DIR).sort();
  } catch {
    return [];
  }
}

/** Names whose user namespace file is a mounted user namespace (read from /proc/self/mountinfo). */
export function mountedUserns(): Set<string> {
  const out = new Set<string>();
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  const prefix = `${USERNS_DIR}/`;
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post?.startsWith('nsfs ')) continue;
    const mp = (pre.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp.startsWith(prefix) && !mp.slice(prefix.length).includes('/')) out.add(mp.slice(prefix.length));
  }
  return out;
}
