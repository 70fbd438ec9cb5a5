// The script exporter, run for real by /bin/sh against fake ip/tc/nft/sysctl commands that only
// record their arguments (no kernel is touched here; test/kernel/script.test.ts runs it for real).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '@/lib/compile';
import { toScript } from '@/lib/export/script';
import type { KernelState } from '@/lib/kernel-state';
import { labGroup } from '@/lib/names';
import { argvOf, commandsFor } from '@/lib/ops';
import { plan } from '@/lib/plan';
import type { Topology } from '@/lib/topology';
import { sampleLabs, seedLab } from './export-fixtures';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A directory holding only fake ip/nft/sysctl/id and the few real tools the script uses.
 * The fakes log each call as one line (argv joined by \x1f, then \x1d and stdin for `-f -`,
 * its newlines as \x1e) and report that nothing exists yet (`show`/`list` fail).
 */
function fakeBin(): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-script-'));
  dirs.push(dir);
  const log = join(dir, 'calls.log');
  const recorder = (tool: string, stdout: string) => String.raw`#!/bin/sh
line=${tool}
for a in "$@"; do line="$line$(printf '\037')$a"; done
case "$*" in "-f -"|*" -f -") line="$line$(printf '\035')$(tr '\n' '\036')" ;; esac
printf '%s\n' "$line" >> ${log}
case " $* " in *" show "*|*" list "*) exit 1 ;; esac
printf '%s' '${stdout}'
`;
  // dd, env (unshare) and the user namespace support (mkdir, tee, chmod, mountpoint) are fakes
  // too: nothing is written outside the temporary folder
  for (const [tool, out] of [['ip', ''], ['tc', ''], ['bridge', ''], ['nft', ''], ['sysctl', '0'], ['dd', ''], ['env', ''], ['umount', ''], ['mkdir', ''], ['tee', ''], ['chmod', ''], ['mountpoint', '']] as const) {
    writeFileSync(join(dir, tool), recorder(tool, out));
    chmodSync(join(dir, tool), 0o755);
  }
  writeFileSync(join(dir, 'id'), '#!/bin/sh\necho 0\n');
  chmodSync(join(dir, 'id'), 0o755);
  for (const real of ['cat', 'grep', 'rm', 'tr']) {
    const path = execFileSync('sh', ['-c', `command -v ${real}`], { encoding: 'utf8' }).trim();
    symlinkSync(path, join(dir, real));
  }
  return { dir, log };
}

/** Exactly these variables (Next's typings want NODE_ENV in every environment). */
const onlyEnv = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

interface Call {
  argv: string[];
  stdin?: string;
}

function runFake(script: string, arg: string): { calls: Call[]; status: number | null; stdout: string; stderr: string; saved: string } {
  const { dir, log } = fakeBin();
  const file = join(dir, 'lab.sh');
  writeFileSync(file, script);
  const saved = join(dir, 'ip_forward.saved');
  // PATH holds nothing but the fakes: a real ip or nft can never be reached from here.
  const r = spawnSync('/bin/sh', [file, arg], { env: onlyEnv({ PATH: dir, NSLAB_SAVED_FORWARD: saved }), encoding: 'utf8' });
  const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  const calls = lines.map((l): Call => {
    const [argv = '', stdin] = l.split('\x1d');
    return { argv: argv.split('\x1f'), ...(stdin !== undefined ? { stdin: stdin.replace(/\x1e/g, '\n').replace(/\n$/, '') } : {}) };
  });
  return {
    calls,
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    saved: existsSync(saved) ? readFileSync(saved, 'utf8') : '',
  };
}

/** What nslab itself would run for this lab on an empty kernel, as argv + stdin. */
function plannedCalls(t: Topology, hostNetns?: string): Call[] {
  const c = compile(t, { hostNetns });
  // The machine's own namespace always exists; a lab with an isolated host starts from nothing.
  const start: KernelState = c.hostNs === '' ? { namespaces: { '': { name: '', mark: null, owned: false, links: {}, routes: [], forwarding: false, nat: null } } } : { namespaces: {} };
  return plan(c.lab, c.desired, start).steps.flatMap((s) =>
    commandsFor(s.op).map((cmd) => ({ argv: argvOf(cmd), ...(cmd.tool === 'nft' && cmd.stdin ? { stdin: cmd.stdin.replace(/\n$/, '') } : {}) })),
  );
}

const key = (c: Call) => JSON.stringify(c);
/** the script's own: the user namespace support, and its check before an umount */
const SUPPORT = ['mkdir', 'tee', 'chmod', 'mountpoint'];

const cases: [string, Topology, string | undefined][] = sampleLabs().flatMap(([name, lab]): [string, Topology, string | undefined][] => [
  [`${name} (host as in the file)`, lab, undefined],
  [`${name} (isolated host scriptH)`, lab, 'scriptH'],
]);

describe.each(cases)('toScript of %s', (_name, lab, hostNetns) => {
  const script = toScript(lab, { hostNetns });

  it('is a POSIX sh script that sh -n accepts', () => {
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toMatch(/^set -eu$/m);
    const r = spawnSync('/bin/sh', ['-n'], { input: script, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('up runs exactly the commands nslab would run, each once', () => {
    const r = runFake(script, 'up');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const want = plannedCalls(lab, hostNetns);
    // sysctl -n is the script's own read of the old ip_forward (to restore it on down); mkdir,
    // tee and chmod write the user namespace support (asserted below)
    const ran = r.calls.filter((c) => !(c.argv[0] === 'sysctl' && c.argv[1] === '-n') && !SUPPORT.includes(c.argv[0]!));
    expect(ran.map(key).sort()).toEqual(want.map(key).sort());
  });
});

describe('toScript of the seed lab', () => {
  const script = toScript(seedLab());
  const isolated = toScript(seedLab(), { hostNetns: 'scriptH' });

  it.each([
    ['the namespaces', /^ {2}# 1\. Create the namespaces A, B, C and remote$/m],
    ['the bridge', /^ {2}# 2\. A bridge on the host: br0$/m],
    ['the cables', /^ {2}# 3\. Virtual cables: one veth pair per link$/m],
    ['the ports', /^ {2}# 4\. Plug the host ends into br0$/m],
    ['the addresses', /^ {2}# 5\. Give the interfaces their addresses$/m],
    ['up', /^ {2}# 6\. Bring the interfaces up$/m],
    ['the routes', /^ {2}# 7\. Routes of A, B and C$/m],
    ['forwarding', /^ {2}# 8\. Let the host forward packets/m],
    ['NAT', /^ {2}# 9\. NAT: masquerade 10\.0\.0\.0\/24 out of to-remote$/m],
  ])('explains step by step, in the tutorial order: %s', (_what, re) => {
    expect(script).toMatch(re);
  });

  it('runs the steps in the tutorial order, each command after what it needs', () => {
    const g = `group ${labGroup('seed')}`;
    const calls = runFake(script, 'up').calls.map((c) => c.argv.join(' '));
    const at = (cmd: string) => {
      const i = calls.indexOf(cmd);
      expect(i, cmd).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      'mkdir -p /run/netns /run/nslab/userns /run/nslab/bin',
      'dd if=/dev/null of=/run/netns/seed-A conv=excl status=none',
      'mountpoint -q /run/nslab/userns/seed-A',
      'umount /run/nslab/userns/seed-A',
      'dd if=/dev/null of=/run/nslab/userns/seed-A status=none',
      'env PATH=/run/nslab/bin:/usr/sbin:/usr/bin:/sbin:/bin unshare --user=/run/nslab/userns/seed-A --net=/run/netns/seed-A --mount --map-users=65533,0,1 --map-groups=65533,0,1 true',
      'ip -n seed-A link set dev lo alias nslab:seed:ns:A',
      `ip link add name br0 ${g} type bridge`,
      `ip link add name veth-A ${g} type veth peer name eth0 ${g} netns seed-A`,
      'ip link set dev veth-A master br0',
      'ip -n seed-A addr add 10.0.0.2/24 dev eth0',
      'ip -n seed-A link set dev eth0 up',
      'ip -n seed-A route replace default via 10.0.0.1',
      'sysctl -w net.ipv4.ip_forward=1',
      'nft -f -',
    ].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('passes the NAT rules to nft in a quoted here-document', () => {
    const nft = runFake(script, 'up').calls.find((c) => c.argv[0] === 'nft');
    expect(nft?.stdin).toContain('ip saddr 10.0.0.0/24 oifname "to-remote" counter masquerade');
    expect(script).toMatch(/^ {2}nft -f - <<'EOF'\ntable ip nslab_seed\n[\s\S]*?\nEOF$/m);
  });

  it("saves this machine's ip_forward before changing it, and only then", () => {
    expect(runFake(script, 'up').saved).toBe('0');
    expect(runFake(isolated, 'up').saved).toBe('');
    expect(runFake(isolated, 'up').calls.map((c) => c.argv.join(' '))).toContain('ip netns exec scriptH sysctl -w net.ipv4.ip_forward=1');
  });

  it('writes the user namespace support first: the folders, and newuidmap/newgidmap that write the map unshare asks for plus nobody', () => {
    const calls = runFake(script, 'up').calls;
    expect(calls.slice(0, 5).map((c) => c.argv.join(' '))).toEqual([
      'mkdir -p /run/netns /run/nslab/userns /run/nslab/bin',
      'tee /run/nslab/bin/newuidmap',
      'chmod 755 /run/nslab/bin/newuidmap',
      'tee /run/nslab/bin/newgidmap',
      'chmod 755 /run/nslab/bin/newgidmap',
    ]);
    // the helper as written, run for real against a fake /proc/PID/uid_map
    const dir = mkdtempSync(join(tmpdir(), 'nslab-idmap-'));
    dirs.push(dir);
    const text = /tee \/run\/nslab\/bin\/newuidmap >\/dev\/null <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(script)![1]!;
    writeFileSync(join(dir, 'newuidmap'), text.replace('"/proc/$pid/uid_map"', `"${dir}/$pid"`));
    const r = spawnSync('/bin/sh', [join(dir, 'newuidmap'), '42', '0', '65533', '1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, '42'), 'utf8')).toBe('0 65533 1\n65534 65534 1\n');
  });

  it('creates the isolated host first when there is one', () => {
    const calls = runFake(isolated, 'up').calls.map((c) => c.argv.join(' ')).filter((c) => !SUPPORT.includes(c.split(' ')[0]!));
    expect(calls[0]).toBe('dd if=/dev/null of=/run/netns/scriptH conv=excl status=none');
    expect(isolated).toMatch(/# 1\. Create the isolated host scriptH \(it stands in for this machine\) and the namespaces A, B, C and remote$/m);
    expect(calls.filter((c) => /^ip (link|addr|route)/.test(c))).toEqual([]); // nothing in this machine's own namespace
  });

  it('down on an empty machine changes nothing and succeeds', () => {
    const r = runFake(script, 'down');
    expect(r.status).toBe(0);
    expect(r.calls.map((c) => c.argv.join(' ')).filter((c) => !/ (show|list) /.test(` ${c} `))).toEqual([]);
  });

  it('down removes only links carrying the lab mark, the lab nft table and the namespaces', () => {
    expect(script).toMatch(/if owned veth-A nslab:seed:link:A-br0; then\n\s+ip link del dev veth-A\n\s+fi/);
    expect(script).toMatch(/if owned br0 nslab:seed:bridge:br0; then\n\s+ip link del dev br0\n\s+fi/);
    expect(script).toMatch(/if nft list table ip nslab_seed >\/dev\/null 2>&1; then\n\s+nft delete table ip nslab_seed\n\s+fi/);
    const del = (ns: string) =>
      new RegExp(`if \\[ -e /run/netns/${ns} \\]; then\\n\\s+ip netns del ${ns}\\n\\s+if mountpoint -q /run/nslab/userns/${ns}; then umount /run/nslab/userns/${ns}; fi\\n\\s+rm -f /run/nslab/userns/${ns}\\n\\s+fi`);
    expect(script).toMatch(del('seed-remote'));
    expect(isolated).toMatch(del('scriptH'));
    expect(isolated).not.toMatch(/ip link del/);
  });

  it('refuses to run without root, and an unknown action', () => {
    const { dir } = fakeBin();
    writeFileSync(join(dir, 'id'), '#!/bin/sh\necho 1000\n');
    writeFileSync(join(dir, 'lab.sh'), script);
    const r = spawnSync('/bin/sh', [join(dir, 'lab.sh'), 'up'], { env: onlyEnv({ PATH: dir }), encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run it as root/);
    expect(runFake(script, 'sideways').status).toBe(2);
  });
});
