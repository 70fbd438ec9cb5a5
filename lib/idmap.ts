// The two helpers `unshare --map-users/--map-groups` (util-linux) runs to write the id maps of
// a new user namespace: newuidmap and newgidmap, called as `newuidmap PID INNER OUTER COUNT`.
// The system's own (package uidmap) only map ranges /etc/subuid grants; nslab runs as root,
// which may write /proc/PID/uid_map itself, so it brings these two and puts them first on
// unshare's PATH (lib/ops.ts IDMAP_DIR). Both the driver (server/kernel/userns.ts) and the
// exported script write them.
import { NOBODY_ID } from './ops';

/** The helper's text: `kind` 'uid' for newuidmap, 'gid' for newgidmap. */
export function idmapHelper(kind: 'uid' | 'gid'): string {
  return `#!/bin/sh
# new${kind}map for root, written by nslab: unshare --map-${kind === 'uid' ? 'users' : 'groups'} runs it as
#   new${kind}map PID INNER OUTER COUNT
# It gives the user namespace of process PID that range, and maps ${NOBODY_ID} inside to ${NOBODY_ID}
# outside (nobody stays nobody: nslab's confined shells run as it).
set -eu
pid=$1
shift
map=''
while [ $# -ge 3 ]; do
  map="$map$1 $2 $3
"
  shift 3
done
printf '%s${NOBODY_ID} ${NOBODY_ID} 1\\n' "$map" > "/proc/$pid/${kind}_map"
`;
}
