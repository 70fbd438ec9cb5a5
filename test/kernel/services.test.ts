// Services in namespaces (issue 13, acceptance 5), with the real `nslab` command: the seed lab
// with a web server in `remote`; curl from A reaches it through NAT; the services run confined
// (nobody, in their node's namespace, without the namespace files); every state (running,
// exited, restarting) is stopped by destroy, after which no process is in any of the lab's
// namespaces; a supervisor killed with -9 takes its services along and the next apply (or a
// server's start) brings them back.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServicesRecord } from '@/server/services/supervisor';
import { createLabsService } from '@/server/labs/service';
import { isAlive } from '@/server/tools/processes';
import { netnsList, nslabIn, removeNamespaces, rmHome, SEED, tempHome, writeVariant } from './cli-helpers';

const lab = `svc${process.pid.toString(36)}`;
const host = `${lab}-H`;
const home = tempHome();
const nslab = nslabIn(home);
let file = '';

const stateFile = () => `/run/nslab/services/${lab}.json`;
function record(): ServicesRecord | null {
  try {
    return JSON.parse(readFileSync(stateFile(), 'utf8')) as ServicesRecord;
  } catch {
    return null;
  }
}

async function until<T>(what: string, get: () => T | Promise<T>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Network namespace inodes of the lab's namespaces (and its isolated host). */
function labInodes(): Map<number, string> {
  const out = new Map<number, string>();
  for (const ns of netnsList()) if (ns.startsWith(`${lab}-`)) out.set(statSync(`/run/netns/${ns}`).ino, ns);
  return out;
}

/** Every process whose network namespace is one of these, with its command line. */
function processesIn(inodes: Map<number, string>): { pid: number; ns: string; cmd: string; uid: number }[] {
  const out: { pid: number; ns: string; cmd: string; uid: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ns = inodes.get(statSync(`/proc/${name}/ns/net`).ino);
      if (!ns) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      if (cmd) out.push({ pid: Number(name), ns, cmd, uid });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const states = () => Object.fromEntries((record()?.services ?? []).map((s) => [`${s.node} ${s.command}`, s.state]));

beforeAll(() => {
  file = writeVariant(home, readFileSync(SEED, 'utf8'), (doc) => {
    doc.name = lab;
    const nodes = doc.nodes as Record<string, unknown>[];
    nodes.find((n) => n.id === 'remote')!.run = ['python3 -m http.server 8080'];
    // the other states a stop must handle: exited (code 0) and restarting (failed)
    nodes.find((n) => n.id === 'B')!.run = ['true', "sh -c 'echo \"no luck\"; exit 3'", 'sleep 600'];
  });
});

afterAll(async () => {
  await nslab('destroy', lab);
  await removeNamespaces(netnsList().filter((n) => n.startsWith(`${lab}-`)));
  rmHome(home);
});

describe('services: the seed lab with a web server on the other machine', () => {
  it('plans, starts confined, serves A through NAT, shows every state, and leaves no process after destroy', async () => {
    const planned = await nslab('plan', file, '--host-netns', host);
    expect(planned.stdout).toContain('+ service remote: python3 -m http.server 8080');
    expect(planned.stdout).toContain(`+ service B: sh -c 'echo "no luck"; exit 3'`);
    expect(planned.stdout).toMatch(/Services: 4 to start, 0 to stop\./);

    const applied = await nslab('apply', file, '--host-netns', host);
    expect(applied.exitCode, applied.stderr).toBe(0);

    // curl from A to the web server in remote, through the host's NAT: 200
    const code = await until('the web server to answer', async () => {
      const r = await nslab('exec', lab, 'A', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', 'http://203.0.113.2:8080/');
      return r.stdout === '200' ? r.stdout : '';
    });
    expect(code).toBe('200');
    // the request arrived from the host's address (masqueraded), as the server's log says
    await until('the request in the output lines', () => record()?.services.find((s) => s.node === 'remote')?.lines.some((l) => l.includes('203.0.113.1') && l.includes('"GET / HTTP/1.1" 200')));

    // every state a stop must handle
    await until('running, exited and restarting', () => {
      const s = states();
      return s['B true'] === 'exited' && s[`B sh -c 'echo "no luck"; exit 3'`] === 'restarting' && s['B sleep 600'] === 'running' && s['remote python3 -m http.server 8080'] === 'running';
    });
    const failing = record()!.services.find((s) => s.command.startsWith('sh'))!;
    expect(failing.code).toBe(3);
    expect(failing.lines).toContain('no luck');

    // confined: nobody, in its own node's namespace, without the namespace files
    const inodes = labInodes();
    const procs = processesIn(inodes);
    const web = procs.find((p) => p.cmd === 'python3 -m http.server 8080')!;
    expect(web).toBeDefined();
    expect(web.ns).toBe(`${lab}-remote`);
    expect(web.uid).toBe(65534);
    expect(readdirSync(`/proc/${web.pid}/root/run/netns`)).toEqual([]);
    expect(procs.find((p) => p.cmd === 'sleep 600')?.ns).toBe(`${lab}-B`);

    // the lab as it is: nothing to plan, services included; status lists them per node
    const again = await nslab('plan', file, '--host-netns', host, '--detailed-exitcode');
    expect(again.stdout).not.toContain('service');
    expect(again.exitCode).toBe(0);
    const status = await nslab('status', lab);
    expect(status.stdout).toMatch(/\nremote .*\n(?:  .*\n)*  service python3 -m http\.server 8080: running\n/);
    // (between two tries it runs for an instant)
    expect(status.stdout).toMatch(/  service sh -c 'echo "no luck"; exit 3': (?:restarting \(code 3, \d+ restarts?\)|running \(\d+ restarts?\))\n/);

    // a supervisor killed with -9 takes its services along; the next apply brings them back
    const sup = record()!.pid;
    process.kill(sup, 'SIGKILL');
    await until('no service process left', () => processesIn(inodes).length === 0);
    const replanned = await nslab('plan', file, '--host-netns', host, '--detailed-exitcode');
    expect(replanned.stdout).toContain('+ service remote: python3 -m http.server 8080');
    expect(replanned.exitCode).toBe(2);
    expect((await nslab('apply', file, '--host-netns', host)).exitCode).toBe(0);
    await until('the services back', () => record()?.pid !== sup && states()['B sleep 600'] === 'running' && processesIn(inodes).some((p) => p.cmd === 'sleep 600'));

    // a server starting (its recovery) adopts a live supervisor as it is, and starts one that died
    const labs = createLabsService({ home });
    const live = record()!.pid;
    await labs.recoverAll();
    expect(record()!.pid).toBe(live);
    process.kill(live, 'SIGKILL');
    await until('no service process left', () => processesIn(inodes).length === 0);
    await labs.recoverAll();
    await until('the services back after recovery', () => record()?.pid !== live && states()['B sleep 600'] === 'running' && processesIn(inodes).some((p) => p.cmd === 'python3 -m http.server 8080'));
    await labs.close();

    // destroy: no process is left in any of the lab's namespaces
    const supervisor = record()!.pid;
    const destroyed = await nslab('destroy', lab);
    expect(destroyed.exitCode).toBe(0);
    expect(processesIn(inodes)).toEqual([]);
    expect(isAlive(supervisor)).toBe(false); // gone (or a zombie, where no init reaps it: the sandbox)
    expect(record()).toBeNull();
    expect(netnsList().filter((n) => n.startsWith(`${lab}-`))).toEqual([]);
  });
});
