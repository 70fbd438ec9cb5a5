// What the kernel's (and ip's, nft's) error messages mean for an idempotent driver.

/** The object to delete or change is not there: a delete has nothing left to do. */
const MISSING = [
  /Cannot find device/i,
  /No such process/i,
  /does not exist/i,
  /No such file or directory/i,
  /Address not found/i,
  /Cannot assign requested address/i,
  /FIB table does not exist/i,
  /No such device/i,
];

/** The object to create is there already (it may or may not be ours: the caller checks). */
const EXISTS = [/File exists/i, /already assigned/i, /already exists/i];

/** umount of a file that is no mount point (or not there): it is unmounted already. */
export function isNotMounted(message: string): boolean {
  return /not mounted|no mount point specified|No such file or directory/i.test(message);
}

export function isMissing(message: string): boolean {
  return MISSING.some((re) => re.test(message));
}

export function isExists(message: string): boolean {
  return EXISTS.some((re) => re.test(message));
}

/** The kernel's message without ip's batch bookkeeping, on one line. */
export function kernelMessage(stderr: string): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Command failed /.test(l))
    .join('; ');
}

/** `tc qdisc del … root` where the root qdisc is the default one: nothing to delete. */
export function isNoQdisc(message: string): boolean {
  return /Cannot delete qdisc with handle of zero|Invalid handle|No such file or directory/i.test(message);
}

/** The kernel was built without netem (CONFIG_NET_SCH_NETEM) or its module is not loaded. */
export function isNoNetem(message: string): boolean {
  return /Specified qdisc kind is unknown|Unknown qdisc "netem"/i.test(message);
}

export const NO_NETEM_HINT = 'this kernel has no netem queueing discipline: load it (modprobe sch_netem) or use a kernel built with CONFIG_NET_SCH_NETEM, or remove netem from the lab';
