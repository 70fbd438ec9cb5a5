// Names an operation's object and action in words, for errors a student reads.
import { usernsPath, type Op } from '@/lib/ops';

function where(ns: string): string {
  return ns ? `in namespace ${ns}` : `in this machine's own namespace`;
}

/** e.g. `interface "veth-A" in namespace H` */
export function objectOf(op: Op): string {
  switch (op.type) {
    case 'netns.add':
    case 'netns.del':
      return `namespace "${op.ns}"`;
    case 'userns.del':
      return `the user namespace file of "${op.ns}" (${usernsPath(op.ns)})`;
    case 'bridge.add':
      return `bridge "${op.name}" ${where(op.ns)}`;
    case 'veth.add':
    case 'link.del':
    case 'link.set':
      return `interface "${op.name}" ${where(op.ns)}`;
    case 'addr.add':
    case 'addr.del':
      return `address ${op.cidr} on "${op.dev}" ${where(op.ns)}`;
    case 'route.add':
    case 'route.replace':
    case 'route.del':
      return `route ${op.route.dst} ${where(op.ns)}`;
    case 'sysctl.set':
      return `${op.key} ${where(op.ns)}`;
    case 'nft.load':
    case 'nft.del':
      return `NAT table "${op.table}" ${where(op.ns)}`;
    case 'netem.set':
    case 'netem.del':
      return `netem on "${op.dev}" ${where(op.ns)}`;
    case 'bridge.vlanFiltering':
      return `VLAN filtering of bridge "${op.name}" ${where(op.ns)}`;
    case 'bridge.vlan.add':
      return `VLAN ${op.member.vid} on port "${op.dev}" ${where(op.ns)}`;
    case 'bridge.vlan.del':
      return `VLAN ${op.vid} on port "${op.dev}" ${where(op.ns)}`;
    case 'vlan.add':
      return `VLAN interface "${op.name}" ${where(op.ns)}`;
  }
}

export function verbOf(op: Op): string {
  switch (op.type) {
    case 'netns.add':
    case 'bridge.add':
    case 'veth.add':
    case 'vlan.add':
      return 'create';
    case 'bridge.vlan.add':
      return 'add';
    case 'bridge.vlanFiltering':
      return 'set';
    case 'addr.add':
    case 'route.add':
      return 'add';
    case 'link.set':
      return 'configure';
    case 'route.replace':
      return 'replace';
    case 'sysctl.set':
    case 'netem.set':
      return 'set';
    case 'nft.load':
      return 'load';
    default:
      return 'delete';
  }
}

/** `could not create interface "veth-A" in namespace H: RTNETLINK answers: File exists (hint)` */
export function failureMessage(op: Op, kernel: string, hint?: string): string {
  const head = op.type === 'sysctl.set' ? `could not set ${op.key}=${op.value} ${where(op.ns)}` : `could not ${verbOf(op)} ${objectOf(op)}`;
  return `${head}: ${kernel || 'the command failed without a message'}${hint ? ` (${hint})` : ''}`;
}
