// Packet capture: `tcpdump -i IFACE -U -w - -- FILTER...` confined to a node's namespace
// (server/kernel/confine.ts; argv, never a shell; the filter's words come after `--`, so none can
// be an option). The pcap stream is parsed
// as it arrives into packet summaries for the live list, and its bytes are kept (up to a cap)
// for the .pcap download.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { NslabError } from '@/lib/errors';
import { summarize, PcapStreamParser, type PacketSummary } from '@/lib/pcap';
import { filterWords, TOOL_LIMITS, type CaptureInfo } from '@/lib/protocol-tools';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { LimitError } from '@/server/register';
import { endTree } from './processes';

const READY_TIMEOUT_MS = 5000;

export interface CaptureEvents {
  onPackets: (packets: PacketSummary[], total: number, bytes: number) => void;
  onEnded: (info: CaptureInfo) => void;
}

interface Capture {
  info: CaptureInfo;
  owner: string;
  child: ChildProcess;
  chunks: Buffer[];
  /** bytes that form complete records (the download never ends mid-record) */
  completeBytes: number;
  storedBytes: number;
  parser: PcapStreamParser;
  pending: PacketSummary[];
  flushTimer: NodeJS.Timeout | null;
  exited: Promise<void>;
  stderr: string;
}

export class CaptureRegistry {
  private readonly captures = new Map<string, Capture>();

  constructor(
    private readonly limits = {
      perOwner: TOOL_LIMITS.capturesPerSocket,
      total: TOOL_LIMITS.capturesTotal,
      bytes: TOOL_LIMITS.captureBytes,
      packets: TOOL_LIMITS.capturePackets,
    },
  ) {}

  /** PIDs of running tcpdumps (tests check that none is left). */
  pids(owner?: string): number[] {
    return [...this.captures.values()]
      .filter((c) => c.info.running && (!owner || c.owner === owner))
      .map((c) => c.child.pid)
      .filter((p): p is number => !!p);
  }

  async start(owner: string, where: { lab: string; node: string; ns: string }, iface: string, filter: string, ev: CaptureEvents): Promise<CaptureInfo> {
    const mine = [...this.captures.values()].filter((c) => c.owner === owner).length;
    if (mine >= this.limits.perOwner) throw new LimitError(`you already have ${this.limits.perOwner} captures; stop and discard one first`);
    if (this.captures.size >= this.limits.total) throw new LimitError(`the server already holds ${this.limits.total} captures, its limit; discard some and retry`);

    const words = filterWords(filter);
    const argv = confinedArgv(where.ns, ['tcpdump', '-i', iface, '-n', '-U', '-w', '-', ...(words.length ? ['--', ...words] : [])]);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/', env: confinedEnv(where.node) as NodeJS.ProcessEnv });
    const id = randomUUID();
    const info: CaptureInfo = { id, lab: where.lab, node: where.node, iface, filter, running: true, packets: 0, bytes: 0 };
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const cap: Capture = {
      info, owner, child, chunks: [], completeBytes: 0, storedBytes: 0, parser: new PcapStreamParser(),
      pending: [], flushTimer: null, exited, stderr: '',
    };

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new NslabError('kernel', `tcpdump on ${where.node}:${iface} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      child.stderr!.on('data', (d: Buffer) => {
        cap.stderr = (cap.stderr + d.toString()).slice(-4000);
        // tcpdump says "listening on IFACE, link-type ..." once the capture really runs
        if (/listening on/.test(cap.stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new NslabError('kernel', `could not start tcpdump: ${e.message}`));
      });
      child.once('close', () => {
        clearTimeout(timer);
        reject(new NslabError('kernel', `tcpdump on ${where.node}:${iface} stopped: ${lastLine(cap.stderr) || 'no message'}`));
      });
    });

    child.stdout!.on('data', (d: Buffer) => this.onData(cap, d, ev));
    void exited.then(() => {
      this.flush(cap, ev);
      if (cap.info.running) {
        cap.info.running = false;
        cap.info.stoppedBecause ??= lastLine(cap.stderr) || 'tcpdump ended';
      }
      // a tcpdump that never started was answered by the start request's error instead
      if (this.captures.has(id)) ev.onEnded({ ...cap.info });
    });

    try {
      await ready;
    } catch (e) {
      if (child.pid) await endTree(child.pid, 'SIGTERM', 500);
      throw e;
    }
    this.captures.set(id, cap);
    return { ...info };
  }

  private onData(cap: Capture, d: Buffer, ev: CaptureEvents): void {
    if (!cap.info.running) return;
    let records;
    try {
      records = cap.parser.push(new Uint8Array(d.buffer, d.byteOffset, d.length));
    } catch (e) {
      cap.info.stoppedBecause = `the capture stream could not be read: ${(e as Error).message}`;
      void this.stopProcess(cap);
      return;
    }
    const header = cap.parser.header;
    if (cap.storedBytes + d.length > this.limits.bytes || cap.info.packets + records.length > this.limits.packets) {
      cap.info.stoppedBecause = `stopped at the size limit (${this.limits.bytes / 1024 / 1024} MB or ${this.limits.packets} packets); download what was captured`;
      void this.stopProcess(cap);
      return;
    }
    cap.chunks.push(Buffer.from(d));
    cap.storedBytes += d.length;
    cap.completeBytes = cap.storedBytes - cap.parser.buffered;
    cap.info.packets += records.length;
    cap.info.bytes = cap.completeBytes;
    if (header) for (const r of records) cap.pending.push(summarize(r, header.linktype));
    if (!cap.flushTimer) cap.flushTimer = setTimeout(() => this.flush(cap, ev), 200);
  }

  private flush(cap: Capture, ev: CaptureEvents): void {
    if (cap.flushTimer) clearTimeout(cap.flushTimer);
    cap.flushTimer = null;
    if (!cap.pending.length) return;
    // the UI shows the newest packets; a flood is summarized by its count
    const batch = cap.pending.slice(-500);
    cap.pending = [];
    ev.onPackets(batch, cap.info.packets, cap.info.bytes);
  }

  private async stopProcess(cap: Capture): Promise<void> {
    if (!cap.info.running) return;
    cap.info.running = false;
    // SIGINT: tcpdump writes out what it holds and exits
    if (cap.child.pid) await endTree(cap.child.pid, 'SIGINT', 1500);
    await cap.exited;
  }

  private own(owner: string, id: string): Capture {
    const c = this.captures.get(id);
    if (!c || c.owner !== owner) throw new NslabError('not_found', `capture ${id} does not exist (it was discarded or belongs to another browser)`);
    return c;
  }

  async stop(owner: string, id: string): Promise<CaptureInfo> {
    const cap = this.own(owner, id);
    cap.info.stoppedBecause ??= 'stopped';
    await this.stopProcess(cap);
    return { ...cap.info };
  }

  /** The capture as a .pcap file: only complete records. */
  download(owner: string, id: string): { name: string; bytes: Buffer; packets: number } {
    const cap = this.own(owner, id);
    const bytes = Buffer.concat(cap.chunks).subarray(0, cap.completeBytes);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    return { name: `${cap.info.lab}-${cap.info.node}-${cap.info.iface}-${stamp}.pcap`, bytes, packets: cap.info.packets };
  }

  async discard(owner: string, id: string): Promise<void> {
    const cap = this.own(owner, id);
    await this.stopProcess(cap);
    this.captures.delete(id);
  }

  async closeEverything(): Promise<void> {
    await Promise.all([...new Set([...this.captures.values()].map((c) => c.owner))].map((o) => this.closeAll(o)));
  }

  /** Ends and forgets every capture of one owner (its socket went away). */
  async closeAll(owner: string): Promise<void> {
    const mine = [...this.captures.values()].filter((c) => c.owner === owner);
    await Promise.all(mine.map((c) => this.stopProcess(c)));
    for (const c of mine) this.captures.delete(c.info.id);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => !/^listening on/.test(l)).pop() ?? '';
}
