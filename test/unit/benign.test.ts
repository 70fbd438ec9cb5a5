// The benign-error rules (server/kernel/benign.ts) on recorded kernel messages: which failed
// commands are success for an idempotent driver (exists and ours, already gone), and which are
// real failures with a hint. Where judgeError reads the kernel (`ip -j … show`), a fake read
// answers with recorded real output; everything else is the real code.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { commandsFor, type Op } from '@/lib/ops';
import type { Job } from '@/server/kernel/schedule';
import { MARKS, SHOW, STDERR } from './fixtures/kernel-messages';

/** argv (joined) -> recorded stdout; a read not listed fails like a missing device. */
const kernel = new Map<string, string>();
const reads: string[] = [];

vi.mock('@/server/kernel/exec', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/server/kernel/exec')>()),
  runRead: async (argv: string[]) => {
    reads.push(argv.join(' '));
    const stdout = kernel.get(argv.join(' '));
    return stdout === undefined
      ? { exitCode: 1, stdout: '', stderr: STDERR.showMissing, durationMs: 0 }
      : { exitCode: 0, stdout, stderr: '', durationMs: 0 };
  },
}));

const { judgeError } = await import('@/server/kernel/benign');
const { isExists, isMissing, kernelMessage } = await import('@/server/kernel/messages');

const jobOf = (op: Op, k = 0): Job => ({ id: 0, step: 0, op, cmd: commandsFor(op)[k]! });

beforeEach(() => {
  kernel.clear();
  reads.length = 0;
});

describe('messages: what a recorded kernel message means', () => {
  it.each([
    ['netnsAddExists', 'exists'],
    ['linkAddExists', 'exists'],
    ['addrAddExists', 'exists'],
    ['routeAddExists', 'exists'],
    ['linkDelMissing', 'missing'],
    ['addrDelMissing', 'missing'],
    ['routeDelMissing', 'missing'],
    ['netnsDelMissing', 'missing'],
    ['nftDelMissing', 'missing'],
    ['showMissing', 'missing'],
    ['batchLinkDelMissing', 'missing'],
    ['badGateway', 'neither'],
  ] as const)('%s is %s', (name, meaning) => {
    const message = kernelMessage(STDERR[name]);
    expect(isExists(message)).toBe(meaning === 'exists');
    expect(isMissing(message)).toBe(meaning === 'missing');
  });

  it('drops ip -batch bookkeeping and joins the lines', () => {
    expect(kernelMessage(STDERR.batchLinkDelMissing)).toBe('Cannot find device "nothere"');
    expect(kernelMessage(STDERR.nftDelMissing)).toBe('Error: Could not process rule: No such file or directory; delete table ip nslab_none; ^^^^^^^^^^');
  });
});

describe('judgeError: deletes of what is already gone are success', () => {
  it.each([
    ['netns.del', { type: 'netns.del', ns: 'Y' }, STDERR.netnsDelMissing],
    ['link.del', { type: 'link.del', ns: 'H', name: 'nothere' }, STDERR.linkDelMissing],
    ['addr.del', { type: 'addr.del', ns: 'H', dev: 'br0', cidr: '10.0.0.7/24' }, STDERR.addrDelMissing],
    ['route.del', { type: 'route.del', ns: 'H', route: { dst: '10.7.0.0/24' } }, STDERR.routeDelMissing],
    ['nft.del', { type: 'nft.del', ns: 'H', table: 'nslab_none' }, STDERR.nftDelMissing],
  ] as [string, Op, string][])('%s', async (_name, op, stderr) => {
    expect(await judgeError(jobOf(op), kernelMessage(stderr))).toEqual({ ok: true });
    expect(reads).toEqual([]);
  });

  it('a create that finds its device missing is a failure, not "already gone"', async () => {
    const op: Op = { type: 'addr.add', ns: 'H', dev: 'nothere', cidr: '10.0.0.9/24' };
    expect(await judgeError(jobOf(op), kernelMessage(STDERR.linkDelMissing))).toEqual({ ok: false });
  });

  it('any other message is a failure', async () => {
    const op: Op = { type: 'route.add', ns: 'H', route: { dst: '10.5.0.0/24', via: '10.99.0.1' } };
    expect(await judgeError(jobOf(op), kernelMessage(STDERR.badGateway))).toEqual({ ok: false });
  });
});

describe('judgeError: a create that exists is success only when it is ours', () => {
  it('a namespace whose lo carries our mark', async () => {
    kernel.set('ip -n X -j -d link show dev lo', SHOW.loMarked);
    const ours: Op = { type: 'netns.add', ns: 'X', mark: MARKS.lo };
    expect(await judgeError(jobOf(ours), kernelMessage(STDERR.netnsAddExists))).toEqual({ ok: true });
    const other: Op = { type: 'netns.add', ns: 'X', mark: 'nslab:other:ns:X' };
    expect(await judgeError(jobOf(other), kernelMessage(STDERR.netnsAddExists))).toEqual({
      ok: false,
      hint: `a namespace with this name already exists and is something else: marked "${MARKS.lo}"`,
    });
    kernel.clear();
    expect(await judgeError(jobOf(ours), kernelMessage(STDERR.netnsAddExists))).toEqual({
      ok: false,
      hint: `a namespace with this name already exists and is not nslab's`,
    });
  });

  it('a bridge of the same kind and mark; a veth where a bridge should be is foreign', async () => {
    kernel.set('ip -j -d link show dev br0', SHOW.bridgeMarked);
    expect(await judgeError(jobOf({ type: 'bridge.add', ns: '', name: 'br0', mark: MARKS.bridge }), kernelMessage(STDERR.linkAddExists))).toEqual({ ok: true });
    kernel.set('ip -j -d link show dev br0', SHOW.vethMarked);
    expect(await judgeError(jobOf({ type: 'bridge.add', ns: '', name: 'br0', mark: MARKS.bridge }), kernelMessage(STDERR.linkAddExists))).toEqual({
      ok: false,
      hint: `an interface with this name already exists and is something else: a veth marked "${MARKS.veth}"`,
    });
  });

  it('a veth: either end ours is enough, an end without a mark is foreign', async () => {
    const op: Op = { type: 'veth.add', ns: '', name: 'v0', peerNs: 'X', peerName: 'v1', mark: MARKS.veth };
    kernel.set('ip -j -d link show dev v0', SHOW.vethMarked);
    expect(await judgeError(jobOf(op), kernelMessage(STDERR.linkAddExists))).toEqual({ ok: true });
    kernel.set('ip -n X -j -d link show dev v1', SHOW.vethUnmarked);
    expect(await judgeError(jobOf(op), kernelMessage(STDERR.linkAddExists))).toEqual({
      ok: false,
      hint: `the other end "v1" in namespace X: an interface with this name already exists and is not nslab's: a veth without a mark`,
    });
    kernel.delete('ip -j -d link show dev v0');
    kernel.delete('ip -n X -j -d link show dev v1');
    expect(await judgeError(jobOf(op), kernelMessage(STDERR.linkAddExists))).toEqual({ ok: false });
  });

  it('an address already assigned is success', async () => {
    expect(await judgeError(jobOf({ type: 'addr.add', ns: '', dev: 'br0', cidr: '10.0.0.1/24' }), kernelMessage(STDERR.addrAddExists))).toEqual({ ok: true });
  });

  it('a route: the same gateway is success, another one is foreign and named', async () => {
    kernel.set('ip -j route show exact 10.9.0.0/24', SHOW.routeVia);
    const same: Op = { type: 'route.add', ns: '', route: { dst: '10.9.0.0/24', via: '10.0.0.2' } };
    expect(await judgeError(jobOf(same), kernelMessage(STDERR.routeAddExists))).toEqual({ ok: true });
    const other: Op = { type: 'route.add', ns: '', route: { dst: '10.9.0.0/24', via: '10.0.0.3' } };
    expect(await judgeError(jobOf(other), kernelMessage(STDERR.routeAddExists))).toEqual({
      ok: false,
      hint: 'a different route to 10.9.0.0/24 exists (via 10.0.0.2 dev br0)',
    });
    const dev: Op = { type: 'route.add', ns: '', route: { dst: '10.9.0.0/24', via: '10.0.0.2', dev: 'eth9' } };
    expect((await judgeError(jobOf(dev), kernelMessage(STDERR.routeAddExists))).ok).toBe(false);
  });

  it('an exists message on an operation with no rule is a failure', async () => {
    const op: Op = { type: 'nft.load', ns: 'H', table: 'nslab_lab', rules: [], mark: 'nslab:lab:nat' };
    expect(await judgeError(jobOf(op), 'Error: Could not process rule: File exists')).toEqual({ ok: false });
  });
});

describe('netem (tc qdisc … netem)', () => {
  const del: Op = { type: 'netem.del', ns: 'lab-A', dev: 'eth0' };
  const set: Op = { type: 'netem.set', ns: 'lab-A', dev: 'eth0', netem: { delay: 50_000, jitter: 0, loss: 0, duplicate: 0, corrupt: 0, rate: 0 } };
  it('deleting a netem that is gone (the default root qdisc, or the interface) is done', async () => {
    expect(await judgeError(jobOf(del), 'Error: Cannot delete qdisc with handle of zero.')).toEqual({ ok: true });
    expect(await judgeError(jobOf(del), 'Cannot find device "eth0"')).toEqual({ ok: true });
  });
  it('a kernel without netem is a failure that says so and how to fix it', async () => {
    const v = await judgeError(jobOf(set), 'Error: Specified qdisc kind is unknown.');
    expect(v.ok).toBe(false);
    expect(!v.ok && v.hint).toMatch(/this kernel has no netem.*modprobe sch_netem/);
    expect(await judgeError(jobOf(set), 'Cannot find device "eth0"')).toEqual({ ok: false });
  });
});
