// Confinement: the one place that turns "run ARGV in network namespace NS" into the argv that
// does it safely, for every process a browser (or `nslab exec`) makes the server start: shells,
// probes, captures. Built from util-linux tools, argv only (the one shell step is a fixed
// script; its variable parts are positional parameters):
//
//   setpriv --pdeathsig SIGKILL            dies with whoever started it (the server, the CLI)
//   nsenter --net=/run/netns/NS            into the node's network namespace
//   unshare --pid --fork --kill-child      a private pid namespace: no other process is visible;
//           --mount --mount-proc --ipc     a private mount table with its own /proc, private IPC
//   sh -c MOUNTS                           (still root, in the new mount namespace) opens the
//                                          node's user namespace file (fd 3), then hides
//                                          /run/netns, /run/nslab, NSLAB_HOME and every other
//                                          namespace file or proc mount, gives /tmp & co.
//                                          private tmpfs, mounts a sysfs of this namespace
//   nsenter --user=/proc/self/fd/3         into the node's own user namespace (a namespace nslab
//                                          made: lib/ops.ts usernsPath), as its root: all
//                                          capabilities, but only over that user namespace
//   setpriv --reuid nobody --regid nogroup --clear-groups --no-new-privs
//           --inh/--ambient-caps, --bounding-set = CAP_NET_ADMIN + CAP_NET_RAW only
//           --pdeathsig SIGKILL            set after the uid change (a uid change clears it)
//   sh -c '"$@"; exit $?'                  pid 1 of the namespace: when it dies (SIGKILL from
//                                          the pdeathsig above) the kernel kills every process in it
//   ARGV
//
// The network namespaces nslab creates are each owned by a user namespace of their own, so the
// CAP_NET_ADMIN a confined process holds in its node's user namespace covers that network
// namespace and nothing else: every other namespace (owned by the machine's initial user
// namespace or by another lab namespace's) refuses it, also through raw netlink naming a
// namespace id (IFLA_TARGET_NETNSID) or a pid. Without CAP_SYS_ADMIN it cannot setns()
// anywhere, and without the namespace files it cannot name another namespace. A server (or CLI)
// killed with -9 takes the whole chain with it: the outer setpriv's pdeathsig kills `unshare`,
// whose death kills pid 1, whose death ends the pid namespace.
//
// Namespaces nslab did not create (adopted labs, the machine's own namespace for a host shell)
// have no user namespace of their own: there the user namespace step is left out, and the
// process keeps CAP_NET_ADMIN over the machine's initial user namespace, as before. It cannot
// open another namespace, but raw netlink with a namespace id still reaches a namespace that
// shares a veth with its own (README, "Confined shells").
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NslabError } from '@/lib/errors';
import { NSLAB_RUN_DIR, usernsPath } from '@/lib/ops';
import { nslabHome } from '@/server/store/db';
import { diesWithServer } from './exec';

/** nobody / nogroup: owns nothing on the machine. */
export const CONFINED_UID = 65534;
export const CONFINED_GID = 65534;
const CAPS = '-all,+net_admin,+net_raw';
/** Services (server/services/) may also listen on ports below 1024 (a web server on port 80), in their own namespace. */
const SERVICE_CAPS = `${CAPS},+net_bind_service`;

/** Paths hidden from confined processes, besides /run/netns and NSLAB_HOME. */
const extraHidden = new Set<string>();

/** Hides `path` (a directory, e.g. the server's state folder) from every confined process started later. */
export function hideFromConfined(path: string): void {
  extraHidden.add(resolve(path));
}

/**
 * Runs as root inside the new mount (and pid) namespace, before the drop to nobody.
 * $1: the capabilities to keep; $2: the node's user namespace file ('' = none); $3.. up to `--`:
 * directories to hide; after `--`: the command.
 */
const MOUNTS = `set -eu
caps=$1
userns=$2
shift 2
if [ -n "$userns" ]; then exec 3<"$userns"; fi
while [ "$1" != -- ]; do
  if [ -d "$1" ]; then mount -t tmpfs -o ro,size=4k,mode=0555,nosuid,nodev,noexec nslab-hidden "$1"; fi
  shift
done
shift
grep -E ' - (nsfs|proc) ' /proc/self/mountinfo | while read -r _ _ _ _ mp _; do
  case "$mp" in /proc|/proc/*|/run/netns/*|/var/run/netns/*|${NSLAB_RUN_DIR}/*|/var${NSLAB_RUN_DIR}/*) continue ;; esac
  mp=$(printf '%b' "$mp")
  if [ ! -e "$mp" ]; then continue; fi
  if [ -d "$mp" ]; then mount -t tmpfs -o ro,size=4k,mode=0555 nslab-hidden "$mp"; else mount --bind /dev/null "$mp"; fi
done
for d in /tmp /var/tmp /dev/shm /run/lock; do
  if [ -d "$d" ] && [ ! -L "$d" ]; then mount -t tmpfs -o size=64m,mode=1777,nosuid,nodev nslab-tmp "$d"; fi
done
umount -l /sys 2>/dev/null || true
mount -t sysfs -o nosuid,nodev,noexec nslab-sys /sys
cd /tmp
set -- setpriv --reuid=${CONFINED_UID} --regid=${CONFINED_GID} --clear-groups --no-new-privs \\
  --inh-caps="$caps" --ambient-caps="$caps" --bounding-set="$caps" \\
  --pdeathsig SIGKILL -- sh -c 'exec 3<&-; "$@"; exit $?' nslab-init "$@"
if [ -n "$userns" ]; then exec nsenter --user=/proc/self/fd/3 -- "$@"; fi
exec "$@"`;

const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Directories a confined process must not see. */
export function hiddenPaths(): string[] {
  return [...new Set(['/run/netns', NSLAB_RUN_DIR, resolve(nslabHome()), ...extraHidden])];
}

/** The user namespace nslab made for network namespace `netns`, or '' (adopted, or none). */
function usernsOf(netns: string): string {
  if (!netns) return '';
  const path = usernsPath(netns);
  try {
    return statSync(path).isFile() ? path : '';
  } catch {
    return '';
  }
}

/**
 * The argv that runs `argv` confined to network namespace `netns` ('' = the namespace the caller
 * is in, i.e. this machine's own for the server): private pid and mount namespace, user nobody
 * with only CAP_NET_ADMIN and CAP_NET_RAW (`service`: and CAP_NET_BIND_SERVICE), no way to another
 * namespace, dying with its starter.
 * Give it a scrubbed environment too (the caller's env is not cleaned here).
 */
export function confinedArgv(netns: string, argv: string[], opts: { service?: boolean } = {}): string[] {
  if (!argv.length) throw new NslabError('invalid', 'no command to run');
  if (netns && (!NETNS_NAME.test(netns) || netns.length > 255)) {
    throw new NslabError('invalid', `"${netns}" is not a network namespace name`);
  }
  return diesWithServer([
    ...(netns ? ['nsenter', `--net=/run/netns/${netns}`, '--'] : []),
    'unshare', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', '--ipc', '--',
    'sh', '-c', MOUNTS, 'nslab-confine', opts.service ? SERVICE_CAPS : CAPS, usernsOf(netns), ...hiddenPaths(), '--', ...argv,
  ]);
}

/** A clean environment: the server's own (with its access token) never reaches a confined process. */
export function confinedEnv(node: string, home = '/tmp'): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    TERM: 'xterm-256color',
    LANG: process.env.LANG ?? 'C.UTF-8',
    PS1: `[${node}] \\$ `,
    NSLAB_NODE: node,
  };
}

