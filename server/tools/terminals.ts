// Shells inside a node's namespace: a pty (node-pty) running bash confined to that namespace
// (server/kernel/confine.ts: private pid and mount namespace, user nobody with only
// CAP_NET_ADMIN/CAP_NET_RAW, dying with the server), its output streamed to the browser that
// opened it. A shell in this machine's own namespace is full root and exists only when the server
// was started with --allow-host-shell. Capped per socket and in total; closing a terminal, or the
// socket going away, ends the shell's whole session by PID.
import { randomUUID } from 'node:crypto';
import * as pty from 'node-pty';
import { NslabError } from '@/lib/errors';
import { TOOL_LIMITS } from '@/lib/protocol-tools';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { LimitError } from '@/server/register';
import { endSession } from './processes';

interface Terminal {
  id: string;
  owner: string;
  node: string;
  ns: string;
  proc: pty.IPty;
  closing: boolean;
}

export interface OpenTerminal {
  owner: string;
  node: string;
  ns: string;
  cols: number;
  rows: number;
  onData: (data: string) => void;
  onExit: (code: number | null, reason: string) => void;
  /** the browser has not taken the output sent so far (e.g. `yes` is running): pause the shell */
  isCongested?: () => boolean;
}

/** Output is sent in batches: one socket message per burst rather than one per read. */
const BATCH_MS = 8;
const BATCH_BYTES = 64 * 1024;

export class TerminalRegistry {
  private readonly terms = new Map<string, Terminal>();

  constructor(
    private readonly limits = { perOwner: TOOL_LIMITS.terminalsPerSocket, total: TOOL_LIMITS.terminalsTotal },
    /** `nslab serve --allow-host-shell`: a shell in this machine's own namespace (a full root shell) may be opened */
    private readonly allowHostShell = false,
  ) {}

  get size(): number {
    return this.terms.size;
  }

  countOf(owner: string): number {
    let n = 0;
    for (const t of this.terms.values()) if (t.owner === owner) n++;
    return n;
  }

  pids(owner?: string): number[] {
    return [...this.terms.values()].filter((t) => !owner || t.owner === owner).map((t) => t.proc.pid);
  }

  open(o: OpenTerminal): { id: string; pid: number } {
    if (this.countOf(o.owner) >= this.limits.perOwner) {
      throw new LimitError(`you already have ${this.limits.perOwner} terminals open, the most one browser may have; close one first`);
    }
    if (this.terms.size >= this.limits.total) {
      throw new LimitError(`the server already runs ${this.limits.total} terminals, its limit; close some (in any browser) and retry`);
    }
    const hostShell = o.ns === '';
    if (hostShell && !this.allowHostShell) {
      throw new NslabError('forbidden', `node "${o.node}" is this machine's own network namespace, where a shell is a full root shell; this server offers one only when started with \`nslab serve --allow-host-shell\` (or give the lab an isolated host)`);
    }
    // --norc: the distribution's bashrc would replace the prompt that names the node.
    const shell = ['bash', '--norc', '-i'];
    const [file, ...args] = hostShell ? shell : confinedArgv(o.ns, shell);
    const proc = pty.spawn(file!, args, {
      name: 'xterm-256color',
      cols: o.cols,
      rows: o.rows,
      cwd: hostShell ? '/root' : '/',
      env: confinedEnv(o.node, hostShell ? '/root' : '/tmp'),
    });
    const id = randomUUID();
    const term: Terminal = { id, owner: o.owner, node: o.node, ns: o.ns, proc, closing: false };
    this.terms.set(id, term);
    let pending = '';
    let timer: NodeJS.Timeout | null = null;
    let paused = false;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending) o.onData(pending);
      pending = '';
      if (!paused && o.isCongested?.()) {
        // back pressure: the shell blocks on its next write until the browser catches up
        paused = true;
        proc.pause();
        const wait = setInterval(() => {
          if (o.isCongested?.() && this.terms.has(id)) return;
          clearInterval(wait);
          paused = false;
          if (this.terms.has(id)) proc.resume();
        }, 50);
      }
    };
    proc.onData((d) => {
      pending += d;
      if (pending.length >= BATCH_BYTES) flush();
      else timer ??= setTimeout(flush, BATCH_MS);
    });
    proc.onExit(({ exitCode, signal }) => {
      flush();
      this.terms.delete(id);
      const reason = term.closing ? 'closed' : signal ? `shell ended by signal ${signal}` : `shell exited with code ${exitCode}`;
      o.onExit(exitCode ?? null, reason);
      // jobs the shell left behind (e.g. `sleep 100 &` then `exit`) belong to its session
      void endSession(proc.pid);
    });
    return { id, pid: proc.pid };
  }

  private own(owner: string, id: string): Terminal {
    const t = this.terms.get(id);
    if (!t || t.owner !== owner) throw new NslabError('not_found', `terminal ${id} is not open (it was closed or belongs to another browser)`);
    return t;
  }

  write(owner: string, id: string, data: string): void {
    this.own(owner, id).proc.write(data);
  }

  resize(owner: string, id: string, cols: number, rows: number): void {
    this.own(owner, id).proc.resize(cols, rows);
  }

  async close(owner: string, id: string): Promise<void> {
    const t = this.own(owner, id);
    t.closing = true;
    await endSession(t.proc.pid);
  }

  async closeEverything(): Promise<void> {
    await Promise.all([...new Set([...this.terms.values()].map((t) => t.owner))].map((o) => this.closeAll(o)));
  }

  /** Ends every terminal of one owner (its socket went away). */
  async closeAll(owner: string): Promise<void> {
    const mine = [...this.terms.values()].filter((t) => t.owner === owner);
    for (const t of mine) t.closing = true;
    await Promise.all(mine.map((t) => endSession(t.proc.pid)));
  }
}
