// Issue 8, acceptance 3: every process a browser or `nslab exec` makes the server start is
// confined to its node's network namespace. A seed lab on an isolated host; every escape attempt
// is swept through each way of starting a confined process (a browser terminal over a real
// socket, `nslab exec` from the CLI, and the runner probes and captures use), and must fail;
// the things a student needs (addresses, ping, tcpdump, the node's own sysctls) must work.
// Each outcome is checked from outside too (the kernel as the server sees it).
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readlinkSync } from 'node:fs';
import type { Socket as ClientSocket } from 'socket.io-client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureInfo, ProbeResult } from '@/lib/protocol-tools';
import { assertTopology } from '@/lib/validate';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { runArgv } from '@/server/kernel/exec';
import { descendants } from '@/server/tools/processes';
import { toolsRuntime } from '@/server/tools/register';
import { nslabIn, SEED, sh } from './cli-helpers';
import { client, request, startToolsServer, until, type ToolsServer } from './tools-helpers';

const LAB = 'confine';
const HOST_NS = 'confineH';
const ns = (node: string) => `${LAB}-${node}`;
const NAMESPACES = ['A', 'B', 'C', 'remote'].map(ns).concat(HOST_NS);

let home: string;
let server: ToolsServer;
let s: ClientSocket;
let nslab: ReturnType<typeof nslabIn>;
let savedHome: string | undefined;
/** one entry of this (server) process's own environment, which no confined process may read */
let serverEnvMarker: string;

beforeAll(async () => {
  // The state folder outside /tmp (confined processes get a private /tmp anyway) and readable by
  // anyone, so only the confinement can keep the database from a student.
  home = mkdtempSync('/var/lib/nslab-confine-test-');
  chmodSync(home, 0o755);
  savedHome = process.env.NSLAB_HOME;
  process.env.NSLAB_HOME = home;
  server = await startToolsServer(home);
  chmodSync(`${home}/nslab.db`, 0o644);
  nslab = nslabIn(home);
  for (const n of NAMESPACES) if (statSafe(`/run/netns/${n}`)) await sh('ip', 'netns', 'del', n);
  const doc = parse(readFileSync(SEED, 'utf8')) as Record<string, unknown>;
  doc.name = LAB;
  server.labs.create(assertTopology(doc), { hostNetns: HOST_NS });
  const r = await server.labs.apply(LAB);
  if (!r.ok) throw new Error(`apply failed: ${JSON.stringify(r.error)}`);
  s = await client(server.url);
  const env = readFileSync('/proc/self/environ', 'utf8').split('\0');
  serverEnvMarker = env.find((e) => e.startsWith('NSLAB_OUTER_NETNS=')) ?? env.find((e) => e.startsWith('PATH='))!;
});

afterAll(async () => {
  s?.disconnect();
  await server?.labs.destroy(LAB).catch(() => undefined);
  for (const n of NAMESPACES) if (statSafe(`/run/netns/${n}`)) await sh('ip', 'netns', 'del', n);
  await server?.close();
  if (savedHome === undefined) delete process.env.NSLAB_HOME;
  else process.env.NSLAB_HOME = savedHome;
  rmSync(home, { recursive: true, force: true });
});

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

interface Outcome {
  code: number;
  output: string;
}

/** One way of starting a confined process in a node: runs `cmd` (a shell command line) there. */
interface Runner {
  name: string;
  start(node: string): Promise<{ run: (cmd: string) => Promise<Outcome>; close: () => Promise<void> }>;
}

/** A browser terminal over the real socket: types the command, reads its exit code. */
const terminal: Runner = {
  name: 'browser terminal',
  async start(node) {
    const r = await request<{ ok: boolean; id: string; message?: string }>(s, 'term:open', { lab: LAB, node, cols: 200, rows: 50 });
    if (!r.ok) throw new Error(r.message);
    let out = '';
    const on = (e: { id: string; data: string }) => {
      if (e.id === r.id) out += e.data;
    };
    s.on('term:data', on);
    await until(() => out.includes(`[${node}]`), 5000, 'the prompt');
    let n = 0;
    return {
      async run(cmd) {
        const i = ++n;
        const from = out.length;
        await request(s, 'term:input', { id: r.id, data: `${cmd}; echo "@@${i}:RC=$?@@"\r` });
        const done = new RegExp(`@@${i}:RC=(\\d+)@@`);
        await until(() => done.test(out.slice(from)), 15_000, `the end of: ${cmd}`);
        const text = out.slice(from);
        return { code: Number(done.exec(text)![1]), output: text };
      },
      async close() {
        s.off('term:data', on);
        await request(s, 'term:close', { id: r.id });
      },
    };
  },
};

/** `nslab exec LAB NODE -- sh -c CMD` as a user runs it. */
const exec: Runner = {
  name: 'nslab exec',
  async start(node) {
    return {
      run: async (cmd) => {
        const r = await nslab('exec', LAB, node, '--', 'sh', '-c', cmd);
        return { code: r.exitCode, output: r.stdout + r.stderr };
      },
      close: async () => undefined,
    };
  },
};

/** The runner probes and captures use: runArgv(confinedArgv(ns, argv)) with the clean environment. */
const toolRunner: Runner = {
  name: 'probe/capture runner',
  async start(node) {
    return {
      run: async (cmd) => {
        const r = await runArgv(confinedArgv(ns(node), ['sh', '-c', cmd]), { env: confinedEnv(node), timeoutMs: 20_000 });
        return { code: r.exitCode, output: r.stdout + r.stderr };
      },
      close: async () => undefined,
    };
  },
};

const RUNNERS = [terminal, exec, toolRunner];

/** What the kernel (as the server sees it) says about A's eth0: its MAC, and which namespaces hold that MAC. */
async function eth0Holders(mac: string): Promise<string[]> {
  const holders: string[] = [];
  for (const where of ['', ...NAMESPACES]) {
    const r = await sh('ip', ...(where ? ['-n', where] : []), '-br', 'link');
    if (r.stdout.includes(mac)) holders.push(where || 'root');
  }
  return holders;
}

async function macOfAEth0(): Promise<string> {
  const r = await sh('ip', '-n', ns('A'), '-j', 'link', 'show', 'dev', 'eth0');
  return (JSON.parse(r.stdout) as Array<{ address: string }>)[0]!.address;
}

async function forwarding(where: string): Promise<string> {
  const r = await sh('ip', ...(where ? ['netns', 'exec', where] : []), 'sysctl', '-n', 'net.ipv4.ip_forward');
  return r.stdout.trim();
}

interface Attempt {
  what: string;
  cmd: () => string;
  /** the outcome inside, then what must hold outside */
  check: (o: Outcome) => Promise<void> | void;
}

const failsAndNothingMoved = (mac: () => string) => async (o: Outcome) => {
  expect(o.code, o.output).not.toBe(0);
  expect(await eth0Holders(mac())).toEqual([ns('A')]);
};

let macA = '';
let rootForwarding = '';

/** Escape attempts, in this order (the server's environ first: a fresh pid namespace has only tiny PIDs). */
const ESCAPES: Attempt[] = [
  {
    what: "read the server's environment",
    cmd: () => `cat /proc/${process.pid}/environ`,
    check: (o) => {
      expect(o.code, o.output).not.toBe(0);
      expect(o.output).not.toContain(serverEnvMarker);
    },
  },
  {
    what: "read the server's database",
    cmd: () => `cat ${home}/nslab.db`,
    check: (o) => {
      expect(o.code, o.output).not.toBe(0);
      expect(o.output).not.toContain('SQLite format');
    },
  },
  { what: 'list the server state folder', cmd: () => `ls -A ${home} | grep -c nslab.db`, check: (o) => expect(o.output).not.toMatch(/^[1-9]/m) },
  { what: 'enter B with ip netns exec', cmd: () => `ip netns exec ${ns('B')} true`, check: (o) => expect(o.code, o.output).not.toBe(0) },
  { what: 'enter B with nsenter on its file', cmd: () => `nsenter --net=/run/netns/${ns('B')} true`, check: (o) => expect(o.code, o.output).not.toBe(0) },
  { what: "enter pid 1's namespace with nsenter", cmd: () => 'nsenter --net=/proc/1/ns/net true', check: (o) => expect(o.code, o.output).not.toBe(0) },
  { what: 'make a new network namespace', cmd: () => 'unshare --net true', check: (o) => expect(o.code, o.output).not.toBe(0) },
  { what: 'unhide /run/netns', cmd: () => 'umount /run/netns', check: (o) => expect(o.code, o.output).not.toBe(0) },
  {
    // pid 1 of the private pid namespace is the shell's own init, in A: the kernel treats the move
    // as a no-op (exit 0); what matters is that eth0 stays in A and no other namespace gets it
    what: 'move eth0 to pid 1',
    cmd: () => 'ip link set eth0 netns 1',
    check: async () => expect(await eth0Holders(macA)).toEqual([ns('A')]),
  },
  { what: 'move eth0 to B by name', cmd: () => `ip link set eth0 netns ${ns('B')}`, check: failsAndNothingMoved(() => macA) },
  {
    what: 'delete namespace B',
    cmd: () => `ip netns del ${ns('B')}`,
    check: (o) => {
      expect(o.code, o.output).not.toBe(0);
      expect(statSafe(`/run/netns/${ns('B')}`)).not.toBeNull();
    },
  },
];

const WORKS: Attempt[] = [
  {
    what: 'add an address to eth0',
    cmd: () => 'ip addr add 10.0.0.9/24 dev eth0',
    check: async (o) => {
      expect(o.code, o.output).toBe(0);
      const r = await sh('ip', '-n', ns('A'), '-br', 'addr', 'show', 'dev', 'eth0');
      expect(r.stdout).toContain('10.0.0.9/24');
      await sh('ip', '-n', ns('A'), 'addr', 'del', '10.0.0.9/24', 'dev', 'eth0');
    },
  },
  { what: 'ping B', cmd: () => 'ping -c1 -W2 10.0.0.3', check: (o) => expect(o.code, o.output).toBe(0) },
  {
    what: 'capture on eth0 with tcpdump',
    cmd: () => '(sleep 0.3; ping -c4 -i 0.2 -W1 10.0.0.3 >/dev/null) & timeout 8 tcpdump -c1 -n -i eth0 icmp',
    check: (o) => {
      expect(o.code, o.output).toBe(0);
      expect(o.output).toMatch(/1 packet captured/);
    },
  },
  {
    what: "set its own namespace's ip_forward",
    cmd: () => 'sysctl -w net.ipv4.ip_forward=1',
    check: async (o) => {
      expect(o.code, o.output).toBe(0);
      expect(await forwarding(ns('A'))).toBe('1');
      // only A: B, the isolated host (forwarding on for its NAT) and the sandbox's own are as they were
      expect([await forwarding(ns('B')), await forwarding(HOST_NS), await forwarding('')]).toEqual(['0', '1', rootForwarding]);
      await sh('ip', 'netns', 'exec', ns('A'), 'sysctl', '-qw', 'net.ipv4.ip_forward=0');
    },
  },
];

describe.each(RUNNERS)('confined: $name in A', (runner) => {
  beforeAll(async () => {
    macA = await macOfAEth0();
    rootForwarding = await forwarding('');
    expect(await forwarding(ns('A'))).toBe('0');
  });

  it('every escape attempt fails, and nothing changes outside A', async () => {
    const r = await runner.start('A');
    try {
      for (const a of ESCAPES) {
        const o = await r.run(a.cmd());
        try {
          await a.check(o);
        } catch (e) {
          throw new Error(`${runner.name}: "${a.cmd()}" (${a.what}): ${(e as Error).message}\n${o.output}`);
        }
      }
    } finally {
      await r.close();
    }
  });

  it("what a student needs works: an address, ping, tcpdump, A's own ip_forward", async () => {
    const r = await runner.start('A');
    try {
      for (const a of WORKS) {
        const o = await r.run(a.cmd());
        try {
          await a.check(o);
        } catch (e) {
          throw new Error(`${runner.name}: "${a.cmd()}" (${a.what}): ${(e as Error).message}\n${o.output}`);
        }
      }
    } finally {
      await r.close();
    }
  });
});

describe('the control: without the confinement the same user could read the database', () => {
  it('nobody, unconfined, reads it (so the hiding is what stops the confined one)', async () => {
    const r = await sh('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'head', '-c', '15', `${home}/nslab.db`);
    expect(r.stdout).toBe('SQLite format 3');
  });
});

/** What the kernel says about a running process: who it is, what it may do, where it lives. */
function factsOf(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return {
    uid: field('Uid').split(/\s+/),
    capEff: field('CapEff'),
    capBnd: field('CapBnd'),
    noNewPrivs: field('NoNewPrivs'),
    netns: readlinkSync(`/proc/${pid}/ns/net`),
    pidnsIsServers: readlinkSync(`/proc/${pid}/ns/pid`) === readlinkSync('/proc/self/ns/pid'),
    mntnsIsServers: readlinkSync(`/proc/${pid}/ns/mnt`) === readlinkSync('/proc/self/ns/mnt'),
    envNames: env.map((e) => e.split('=')[0]!),
  };
}

const CONFINED = {
  uid: ['65534', '65534', '65534', '65534'],
  capEff: '0000000000003000', // CAP_NET_ADMIN (12) and CAP_NET_RAW (13) only
  capBnd: '0000000000003000',
  noNewPrivs: '1',
  pidnsIsServers: false,
  mntnsIsServers: false,
};

function netnsOf(name: string): string {
  return `net:[${statSync(`/run/netns/${name}`).ino}]`;
}

function named(root: number, comm: string): number {
  const pid = [root, ...descendants(root)].find((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
  if (!pid) throw new Error(`no ${comm} below ${root}`);
  return pid;
}

describe('what runs is confined, as the kernel sees it', () => {
  it("a browser terminal's bash (in the isolated host too): nobody, NET_ADMIN+NET_RAW only, its own pid and mount namespace, a clean environment", async () => {
    for (const node of ['A', 'host']) {
      const r = await request<{ ok: boolean; id: string; pid: number }>(s, 'term:open', { lab: LAB, node, cols: 80, rows: 24 });
      expect(r.ok).toBe(true);
      try {
        await until(() => descendants(r.pid).some((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'bash'), 5000, 'the shell');
        const f = factsOf(named(r.pid, 'bash'));
        expect(f).toMatchObject(CONFINED);
        expect(f.netns).toBe(netnsOf(node === 'host' ? HOST_NS : ns('A')));
        // the clean environment, and what the shell steps before bash set themselves (cd)
        expect(f.envNames.filter((n) => !['PWD', 'OLDPWD'].includes(n)).sort()).toEqual(['HOME', 'LANG', 'NSLAB_NODE', 'PATH', 'PS1', 'TERM']);
      } finally {
        await request(s, 'term:close', { id: r.id });
      }
    }
  });

  it("a capture's tcpdump: the same", async () => {
    const r = await request<{ ok: boolean; capture: CaptureInfo; message?: string }>(s, 'capture:start', { lab: LAB, node: 'B', iface: 'eth0', filter: 'icmp' });
    expect(r.ok, r.message).toBe(true);
    try {
      const [root] = toolsRuntime(server.io, server.labs).captures.pids(s.id);
      const f = factsOf(named(root!, 'tcpdump'));
      expect(f).toMatchObject(CONFINED);
      expect(f.netns).toBe(netnsOf(ns('B')));
      expect(f.envNames).not.toContain('NSLAB_HOME');
    } finally {
      await request(s, 'capture:discard', { id: r.capture.id });
    }
  });

  it('a probe runs confined and still reaches its target', async () => {
    const r = await request<{ ok: boolean; result: ProbeResult }>(s, 'probe:run', { lab: LAB, kind: 'ping', source: 'A', target: 'B' });
    expect(r.ok).toBe(true);
    expect(r.result.ok, r.result.output).toBe(true);
    // the probe's processes are gone when it answers
    expect(descendants(process.pid).filter((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ping')).toEqual([]);
  });

  it('`nslab exec` runs as nobody with NET_ADMIN+NET_RAW only, and passes the exit code through', async () => {
    const r = await nslab('exec', LAB, 'A', '--', 'sh', '-c', 'id -u; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; exit 7');
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toMatch(/^65534\nCapEff:\s+0000000000003000\nNoNewPrivs:\s+1$/);
  });

  it("runs in its node's own user namespace: nobody is nobody inside and out, and its capabilities cover that user namespace only", async () => {
    const r = await nslab('exec', LAB, 'A', '--', 'sh', '-c', 'cat /proc/self/uid_map; readlink /proc/self/ns/user');
    expect(r.exitCode, r.stderr).toBe(0);
    const [root, nobody, userns] = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect([root, nobody]).toEqual(['0 65533 1', '65534 65534 1']);
    // the user namespace nslab made for A (its file is hidden from the confined process)
    expect(userns).toBe(`user:[${statSync(`/run/nslab/userns/${ns('A')}`).ino}]`);
    expect(userns).not.toBe(readlinkSync('/proc/self/ns/user'));
  });
});

describe('a host that is this machine', () => {
  it('a terminal there is refused (forbidden) unless the server allows host shells', async () => {
    const doc = parse(readFileSync(SEED, 'utf8')) as Record<string, unknown>;
    doc.name = `${LAB}-machine`;
    server.labs.create(assertTopology(doc), { hostNetns: '' });
    try {
      // not applied: the host context ('' = this machine) needs no namespace to exist
      const r = await request<{ ok: boolean; code: string; message: string }>(s, 'term:open', { lab: `${LAB}-machine`, node: 'host', cols: 80, rows: 24 });
      expect(r).toMatchObject({ ok: false, code: 'forbidden' });
      expect(r.message).toMatch(/--allow-host-shell/);
    } finally {
      await server.labs.remove(`${LAB}-machine`);
    }
  });
});

// Closed: CAP_NET_ADMIN of a confined process is held in its node's own user namespace, and every
// namespace nslab makes is owned by a user namespace of its own. Raw rtnetlink with
// IFLA_TARGET_NETNSID (no `ip` command sends it) naming a namespace that shares a veth with A
// (so has a namespace id in A) is refused: the bait link in the isolated host stays.
describe('raw netlink by namespace id', () => {
  const PERL = `use Socket;
socket(my $s, 16, SOCK_RAW, 0) or die "socket: $!";
sub attr { my ($t, $d) = @_; my $l = 4 + length($d); my $p = pack('SS', $l, $t) . $d; $p . ("\\0" x ((4 - $l % 4) % 4)) }
my $body = pack('CCSiII', 0, 0, 0, 0, 0, 0) . attr(3, "$ARGV[0]\\0") . attr(46, pack('i', $ARGV[1]));
send($s, pack('ISSII', 16 + length($body), 17, 5, 1, 0) . $body, 0, pack('SSII', 16, 0, 0, 0)) or die "send: $!";
recv($s, my $buf, 8192, 0);
print "answer: ", (unpack('ISSIIi', $buf))[5], "\\n";`;

  it('a confined process cannot delete a link of a linked namespace by its namespace id', async () => {
    // a bridge: this kernel has no dummy links
    expect((await sh('ip', '-n', HOST_NS, 'link', 'add', 'cfn-bait', 'type', 'bridge')).exitCode).toBe(0);
    try {
      const run = (argv: string[]) => runArgv(confinedArgv(ns('A'), argv), { env: confinedEnv('A') });
      await run(['ip', '-d', 'link', 'show']); // gives the isolated host an id in A, as any `ip link` does
      const ids = await run(['ip', 'netns', 'list-id']);
      const found = [...ids.stdout.matchAll(/nsid (\d+)/g)].map((m) => m[1]!);
      expect(found.length, ids.stdout + ids.stderr).toBeGreaterThan(0);
      for (const id of found) {
        const r = await run(['perl', '-e', PERL, 'cfn-bait', id]);
        // the kernel's answer: -EACCES (13: not capable over that namespace), not 0 (done)
        expect(r.stdout, r.stderr).toMatch(/^answer: -13$/m);
      }
      expect((await sh('ip', '-n', HOST_NS, 'link', 'show', 'dev', 'cfn-bait')).exitCode).toBe(0);
      // the control: the same message sent by root in A (not confined) does delete it, so the
      // refusal above is the confinement's, not a malformed message's
      const r = await sh('ip', 'netns', 'exec', ns('A'), 'perl', '-e', PERL, 'cfn-bait', found[0]!);
      expect(r.stdout, r.stderr).toMatch(/^answer: 0$/m);
      expect((await sh('ip', '-n', HOST_NS, 'link', 'show', 'dev', 'cfn-bait')).exitCode).not.toBe(0);
    } finally {
      await sh('ip', '-n', HOST_NS, 'link', 'del', 'cfn-bait');
    }
  });
});
