// nslab-nsctl's contract on the TypeScript side: which command lines it may run (exactly the
// namespace-file lines lib/ops.ts writes), and how its answers are read.
import { describe, expect, it } from 'vitest';
import { commandsFor, type Command } from '@/lib/ops';
import { nsctlCan, nsctlLine, parseNsctlCounters, parseNsctlMarks, parseNsctlRun } from '@/server/kernel/nsctl';

const nsfile = (argv: string[]): Command => ({ tool: 'nsfile', ns: '', netns: 'x', argv });

describe('nsctlCan', () => {
  it('accepts every namespace-file line the ops write', () => {
    const lines = [...commandsFor({ type: 'netns.add', ns: 'lab-A', mark: 'nslab:lab:ns:A' }), ...commandsFor({ type: 'netns.del', ns: 'lab-A' }), ...commandsFor({ type: 'userns.del', ns: 'lab-A' })].filter((c) => c.tool === 'nsfile');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const c of lines) expect(nsctlCan(c), c.tool === 'nsfile' ? c.argv.join(' ') : '').toBe(true);
  });

  it.each([
    [['rm', '-rf', '/run/netns/a']],
    [['rm', '-f', '/etc/passwd']],
    [['rm', '-f', '/run/netns/a/b']],
    [['rm', '-f', '/run/netns/..']],
    [['dd', 'if=/dev/zero', 'of=/run/netns/a', 'status=none']],
    [['dd', 'if=/dev/null', 'of=/etc/x', 'status=none']],
    [['dd', 'if=/dev/null', 'of=/run/netns/a', 'bs=1']],
    [['umount', '/']],
    [['umount', '-l', '/run/netns/a']],
    [['env', 'PATH=x', 'unshare', '--user=/run/nslab/userns/a', '--net=/run/netns/a', '--map-users=1,0,1', '--map-groups=1,0,1', 'sh']],
    [['env', 'PATH=x', 'unshare', '--user=/tmp/a', '--net=/run/netns/a', '--map-users=1,0,1', '--map-groups=1,0,1', 'true']],
    [['env', 'PATH=x', 'unshare', '--user=/run/nslab/userns/a', '--net=/run/netns/a', '--map-users=1,0', '--map-groups=1,0,1', 'true']],
    [['rm', '-f', '/run/netns/a\tb']],
    [['mountpoint', '-q', '/run/netns/a']],
    // the IPv6 defaults of a new namespace: those keys only, that sysctl only, a namespace of nslab's folder
    [['ip', 'netns', 'exec', 'a', 'sysctl', '-q', '-e', '-w', 'net.ipv4.ip_forward=1']],
    [['ip', 'netns', 'exec', 'a', 'sysctl', '-q', '-e', '-w', 'net.ipv6.conf.all.accept_dad=0', 'kernel.panic=1']],
    [['ip', 'netns', 'exec', 'a', 'sysctl', '-q', '-e', '-w']],
    [['ip', 'netns', 'exec', 'a', 'sysctl', '-p', '/etc/x', '-w', 'net.ipv6.conf.all.accept_dad=0']],
    [['ip', 'netns', 'exec', '../a', 'sysctl', '-q', '-e', '-w', 'net.ipv6.conf.all.accept_dad=0']],
    [['ip', 'netns', 'exec', 'a', 'sh', '-c', 'net.ipv6.conf.all.accept_dad=0', 'x', 'y']],
  ])('refuses %j', (argv) => {
    expect(nsctlCan(nsfile(argv))).toBe(false);
  });

  it('runs `ip netns del NAME` of this machine\'s namespace, and no other command of another tool', () => {
    expect(nsctlCan({ tool: 'ip', ns: '', args: ['netns', 'del', 'a'] })).toBe(true);
    expect(nsctlLine({ tool: 'ip', ns: '', args: ['netns', 'del', 'a'] })).toBe('-\tip\tnetns\tdel\ta');
    for (const args of [['netns', 'del', '../a'], ['netns', 'del', 'a/b'], ['netns', 'add', 'a'], ['netns', 'del', 'a', 'b'], ['link', 'del', 'a'], ['netns', 'del', '.x']]) {
      expect(nsctlCan({ tool: 'ip', ns: '', args }), args.join(' ')).toBe(false);
    }
    expect(nsctlCan({ tool: 'ip', ns: 'H', args: ['netns', 'del', 'a'] })).toBe(false);
    expect(nsctlCan({ tool: 'nft', ns: '', args: ['-f', '-'], stdin: '' } as Command)).toBe(false);
  });

  it('writes a line with the only-if-mounted flag first', () => {
    const [umount] = commandsFor({ type: 'userns.del', ns: 'lab-A' });
    expect(umount && umount.tool === 'nsfile' && nsctlLine(umount)).toBe('m\tumount\t/run/nslab/userns/lab-A');
  });
});

describe('parseNsctlRun', () => {
  it('all lines ran', () => expect(parseNsctlRun('ok 0\nok 1\n', 0, 2)).toEqual({ ran: 2, failedAt: null, message: '' }));
  it('names the failing line and its message', () => expect(parseNsctlRun('ok 0\nerr 1 dd: failed to open \'/run/netns/a\': File exists\n', 3, 3)).toEqual({ ran: 1, failedAt: 1, message: "dd: failed to open '/run/netns/a': File exists" }));
  it('a killed run fails at the first line it did not finish', () => expect(parseNsctlRun('ok 0\n', 137, 3, '')).toMatchObject({ ran: 1, failedAt: 1 }));
  it('an exit 0 that misses lines is a failure too', () => expect(parseNsctlRun('ok 0\n', 0, 2)).toMatchObject({ failedAt: 1 }));
});

describe('parseNsctlMarks', () => {
  it('reads marks (hex, any bytes), forwarding, missing and errors', () => {
    const hex = Buffer.from('nslab:lab:ns:A\tweird').toString('hex');
    const m = parseNsctlMarks(`a\tok\t${hex}\t1\t0\nb\tmissing\nc\terror\tsocket: EPERM\nd\tok\t\t0\t1\ne\tok\t\t1\n`);
    expect(m.get('a')).toEqual({ mark: 'nslab:lab:ns:A\tweird', forwarding: true, forwarding6: false });
    expect(m.has('b')).toBe(false);
    expect(m.get('c')).toEqual({ error: 'socket: EPERM' });
    expect(m.get('d')).toEqual({ mark: '', forwarding: false, forwarding6: true });
    // without IPv6 in the kernel: unknown
    expect(m.get('e')).toEqual({ mark: '', forwarding: true, forwarding6: null });
  });
});

describe('parseNsctlCounters', () => {
  it('groups interfaces under their namespace, this one as "", and leaves out a missing one', () => {
    const m = parseNsctlCounters('a\tok\n lo\t0\t0\t0\t0\n v0\t12\t7\t1500\t700\nb\tmissing\n\tok\n eth0\t1\t2\t3\t4\nc\tok\n');
    expect([...m.keys()]).toEqual(['a', '', 'c']);
    expect(m.get('a')!.get('v0')).toEqual({ rxPackets: 12, txPackets: 7, rxBytes: 1500, txBytes: 700 });
    expect(m.get('a')!.get('lo')).toEqual({ rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0 });
    expect([...m.get('')!]).toEqual([['eth0', { rxPackets: 1, txPackets: 2, rxBytes: 3, txBytes: 4 }]]);
    expect(m.get('c')!.size).toBe(0);
  });

  it('counters past 2^32 stay exact (a long-lived link)', () => {
    expect(parseNsctlCounters('a\tok\n v\t5000000000\t1\t9007199254740991\t0\n').get('a')!.get('v')!.rxBytes).toBe(9007199254740991);
  });

  it('an interface line before any namespace, or after a missing one, belongs to none', () => {
    expect([...parseNsctlCounters(' v\t1\t1\t1\t1\nb\tmissing\n w\t1\t1\t1\t1\n').keys()]).toEqual([]);
  });

  it('a namespace that could not be read is an error naming it', () => {
    expect(() => parseNsctlCounters('a\terror\t/proc/self/net/dev: Permission denied\n')).toThrow('nslab-nsctl counters: reading namespace a failed: /proc/self/net/dev: Permission denied');
  });
});
