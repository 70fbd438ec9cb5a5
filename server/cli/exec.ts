// `nslab exec LAB NODE -- CMD...`: a command inside a node's namespace, with the terminal
// passed through and the command's own exit code returned. In a lab's namespace the command runs
// confined like a browser's shell (server/kernel/confine.ts: that namespace only, user nobody with
// CAP_NET_ADMIN/CAP_NET_RAW, a clean environment); in this machine's own namespace (a host
// context without an isolated host) it runs as the caller, who is root already.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compile } from '@/lib/compile';
import { NslabError } from '@/lib/errors';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import type { LabsService } from '@/server/labs/types';
import { signalTree } from '@/server/tools/processes';

export function nodeNetns(labs: LabsService, lab: string, node: string): string {
  const rec = labs.get(lab);
  const { nodeNs } = compile(rec.topology, { hostNetns: rec.hostNetns });
  const ns = nodeNs[node];
  if (ns === undefined) {
    const known = Object.keys(nodeNs).sort().join(', ');
    throw new NslabError('not_found', `lab "${lab}" has no node "${node}" (its nodes: ${known})`);
  }
  if (ns && !existsSync(`/run/netns/${ns}`)) {
    throw new NslabError('not_found', `namespace ${ns} of node "${node}" does not exist: apply lab "${lab}" first`);
  }
  return ns;
}

export async function execInNode(labs: LabsService, lab: string, node: string, command: string[]): Promise<number> {
  if (!command.length) throw new NslabError('invalid', 'no command given: nslab exec LAB NODE -- CMD [ARGS...]');
  const ns = nodeNetns(labs, lab, node);
  const argv = ns ? confinedArgv(ns, command) : command;
  const env = (ns ? { ...confinedEnv(node), TERM: process.env.TERM ?? 'dumb' } : process.env) as NodeJS.ProcessEnv;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env, ...(ns ? { cwd: '/' } : {}) });
    // the confined chain's outer process ignores SIGINT/SIGTERM: the signal goes to the command
    const forward = (sig: NodeJS.Signals) => (ns && child.pid ? signalTree(child.pid, sig) : child.kill(sig));
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', (e) => reject(new NslabError('invalid', `cannot run ${command[0]}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1));
    });
  });
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return map[sig];
}
