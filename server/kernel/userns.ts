// What the commands that create a namespace with its own user namespace need on this machine:
// the folder of the user namespace files and the id-map helpers (lib/idmap.ts). Made once per
// process, before the first such command runs; root-owned, readable by root only where it holds
// namespace files.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { idmapHelper } from '@/lib/idmap';
import { IDMAP_DIR, NETNS_DIR, USERNS_DIR } from '@/lib/ops';

let ready = false;

export function ensureUsernsSupport(): void {
  if (ready) return;
  mkdirSync(NETNS_DIR, { recursive: true, mode: 0o755 });
  mkdirSync(USERNS_DIR, { recursive: true, mode: 0o755 });
  mkdirSync(IDMAP_DIR, { recursive: true, mode: 0o755 });
  for (const kind of ['uid', 'gid'] as const) {
    const path = `${IDMAP_DIR}/new${kind}map`;
    const text = idmapHelper(kind);
    let have = '';
    try {
      have = readFileSync(path, 'utf8');
    } catch {
      // not there yet
    }
    if (have !== text) writeFileSync(path, text, { mode: 0o755 });
    chmodSync(path, 0o755);
  }
  ready = true;
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
