// Packets you can watch: while at least one browser watches a lab (`packets:watch`), the server
// taps one end of each of its links and streams what crossed them to the watchers (`lab:packets`).
// One `tcpdump -i any --immediate-mode -U -w - -- ifindex N or ifindex M ...` per namespace that
// holds a tapped end (lib/packets.ts tapPlan: the host context's end is preferred, so a lab on a
// bridge is one process), confined like the captures (server/kernel/confine.ts: the namespace
// only, nobody with CAP_NET_RAW, dying with the server); the kernel filter takes only the lab's
// own interfaces, even in this machine's own namespace. Records are parsed by
// lib/pcap.ts and turned into events by lib/packets.ts; Linux cooked v2 says each packet's interface and
// direction. IPv6 is not drawn (labs are IPv4: its autoconfiguration chatter — router
// solicitations, neighbour discovery — would only hide the lesson), but seen: a watched lab whose
// taps saw nothing is known to be idle, and its link rates need no `ip` process (quietSince).
// Nothing runs while nobody watches: the last watcher leaving (or disconnecting), an
// apply or destroy of the lab, and the server's stop end every tap, by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NslabError } from '@/lib/errors';
import { admit, byWireTime, packetEvent, tapPlan, type LabPackets, type PacketEvent, type TapEnd, type TapStatus } from '@/lib/packets';
import { PcapStreamParser } from '@/lib/pcap';
import { confinedArgv, confinedEnv } from '@/server/kernel/confine';
import { ipArgv, runArgv } from '@/server/kernel/exec';
import { commandText, parseIpLinks } from '@/server/kernel/read';
import type { LabRecord, LabsService } from '@/server/labs/types';
import { endTree } from './processes';

const READY_TIMEOUT_MS = 5000;
/** enough for the headers the labels read (cooked v2 + IPv4 + TCP with options) */
const SNAPLEN = 192;

export interface PacketTapOptions {
  /** events sent one by one per link and second; the rest are counted */
  perLinkPerSecond: number;
  /** how long events wait to be ordered with other taps' before they are sent */
  flushMs: number;
  /** how often a watched lab is checked (applied? same revision? taps alive?) */
  checkMs: number;
}

export const PACKET_TAP_DEFAULTS: PacketTapOptions = { perLinkPerSecond: 40, flushMs: 25, checkMs: 1000 };

interface Tap {
  ns: string;
  child: ChildProcess;
  pid: number;
  ends: Map<number, TapEnd>;
  parser: PcapStreamParser;
  exited: Promise<void>;
  stderr: string;
  /** performance.now() when it was listening */
  since: number;
}

interface LabWatch {
  lab: string;
  watchers: Set<string>;
  /** what the running taps were started for: appliedRev and host namespace */
  key: string;
  taps: Tap[];
  note: string;
  pending: PacketEvent[];
  flushTimer: NodeJS.Timeout | null;
  budget: Map<string, number>;
  budgetSince: number;
  seq: number;
  checkTimer: NodeJS.Timeout | null;
  /** one sync at a time; a sync asked for meanwhile runs after it */
  syncing: Promise<void> | null;
  again: boolean;
  lastStart: number;
  /** performance.now() of the last packet any tap saw */
  lastPacket: number;
  /** every namespace of the plan has its tap */
  complete: boolean;
}

export type PacketSink = (lab: string, batch: LabPackets) => void;

export class PacketTaps {
  private readonly watches = new Map<string, LabWatch>();
  private readonly detach: () => void;
  private closed = false;

  constructor(
    private readonly labs: LabsService,
    private readonly sink: PacketSink,
    private readonly opts: PacketTapOptions = PACKET_TAP_DEFAULTS,
  ) {
    // an apply or destroy starts ('applying') or ends: check the taps at once (a namespace gone by
    // hand is seen by the next check, within checkMs)
    const onChanged = (c: { name: string }) => this.poke(c.name);
    labs.events.on('changed', onChanged);
    this.detach = () => labs.events.off('changed', onChanged);
  }

  /** PIDs of the running taps (tests check that none is left), of one lab or all. */
  pids(lab?: string): number[] {
    return [...this.watches.values()].filter((w) => !lab || w.lab === lab).flatMap((w) => w.taps.map((t) => t.pid));
  }

  /**
   * True when every link end of the lab has been tapped since before `since` (performance.now())
   * and no packet crossed any of them since: the lab is idle, for certain.
   */
  quietSince(lab: string, since: number): boolean {
    const w = this.watches.get(lab);
    if (!w || !w.complete || !w.taps.length || w.syncing) return false;
    return w.taps.every((t) => t.since <= since && t.child.exitCode === null && t.child.signalCode === null) && w.lastPacket < since;
  }

  watching(lab: string): number {
    return this.watches.get(lab)?.watchers.size ?? 0;
  }

  async watch(owner: string, lab: string): Promise<TapStatus> {
    if (this.closed) throw new NslabError('invalid', 'the server is stopping');
    this.labs.get(lab); // not_found for a lab that is not there
    let w = this.watches.get(lab);
    if (!w) {
      w = {
        lab, watchers: new Set(), key: '', taps: [], note: '', pending: [], flushTimer: null, budget: new Map(),
        budgetSince: Date.now(), seq: 0, checkTimer: null, syncing: null, again: false, lastStart: 0, lastPacket: 0, complete: false,
      };
      this.watches.set(lab, w);
      const watch = w;
      watch.checkTimer = setInterval(() => this.poke(lab), this.opts.checkMs);
      watch.checkTimer.unref();
    }
    w.watchers.add(owner);
    await this.sync(w);
    return this.status(w);
  }

  async unwatch(owner: string, lab: string): Promise<void> {
    const w = this.watches.get(lab);
    if (!w) return;
    w.watchers.delete(owner);
    if (!w.watchers.size) await this.end(w);
  }

  /** Everything one owner watched (its socket went away). */
  async closeAll(owner: string): Promise<void> {
    await Promise.all([...this.watches.values()].filter((w) => w.watchers.has(owner)).map((w) => this.unwatch(owner, w.lab)));
  }

  async closeEverything(): Promise<void> {
    this.closed = true;
    this.detach();
    await Promise.all([...this.watches.values()].map((w) => this.end(w)));
  }

  private status(w: LabWatch): TapStatus {
    return {
      lab: w.lab,
      taps: w.taps.map((t) => ({ ns: t.ns, pid: t.pid, links: [...new Set([...t.ends.values()].map((e) => e.link))] })),
      ...(w.note ? { note: w.note } : {}),
    };
  }

  private poke(lab: string): void {
    const w = this.watches.get(lab);
    if (w) void this.sync(w).catch((e: unknown) => console.error(`nslab: packet taps of lab ${lab}: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Stops every tap of a lab and forgets it. */
  private async end(w: LabWatch): Promise<void> {
    if (this.watches.get(w.lab) === w) this.watches.delete(w.lab);
    if (w.checkTimer) clearInterval(w.checkTimer);
    w.checkTimer = null;
    if (w.flushTimer) clearTimeout(w.flushTimer);
    w.flushTimer = null;
    w.pending = [];
    await w.syncing;
    await this.stopTaps(w);
  }

  private async sync(w: LabWatch): Promise<void> {
    if (w.syncing) {
      w.again = true;
      return w.syncing;
    }
    w.syncing = (async () => {
      do {
        w.again = false;
        await this.syncOnce(w);
      } while (w.again && this.watches.get(w.lab) === w);
    })().finally(() => {
      w.syncing = null;
    });
    return w.syncing;
  }

  private async syncOnce(w: LabWatch): Promise<void> {
    if (this.watches.get(w.lab) !== w) return;
    let record: LabRecord;
    try {
      record = this.labs.get(w.lab);
    } catch {
      w.note = `lab "${w.lab}" is gone`;
      return this.stopTaps(w);
    }
    if (record.state !== 'applied' && record.state !== 'drifted') {
      w.note = record.state === 'applying' ? 'the lab is being applied' : `lab "${w.lab}" is not applied: apply it to see its packets`;
      w.key = '';
      return this.stopTaps(w);
    }
    const key = `${record.appliedRev}|${record.hostNetns}`;
    const plan = tapPlan(record.topology, record.hostNetns);
    // a namespace that went away (destroyed by hand, by the CLI) must not be kept alive by a tap
    const gone = w.taps.some((t) => t.ns !== '' && !existsSync(`/run/netns/${t.ns}`));
    const died = w.taps.some((t) => t.child.exitCode !== null || t.child.signalCode !== null);
    const incomplete = w.taps.length < plan.byNs.size;
    if (key === w.key && !gone && !died && !incomplete) return;
    if (key === w.key && !gone && (died || incomplete) && Date.now() - w.lastStart < 5000) return;
    await this.stopTaps(w);
    w.key = key;
    w.lastStart = Date.now();
    const notes: string[] = [];
    let tapped = 0;
    for (const [ns, ends] of plan.byNs) {
      if (this.watches.get(w.lab) !== w) break;
      if (ns !== '' && !existsSync(`/run/netns/${ns}`)) {
        notes.push(`namespace ${ns} does not exist`);
        continue;
      }
      try {
        const tap = await this.startTap(w, ns, ends);
        if (tap) w.taps.push(tap);
        if (tap?.ends.size === ends.length) tapped += 1;
      } catch (e) {
        notes.push(e instanceof Error ? e.message : String(e));
      }
    }
    // the last watcher may have left while the taps started: nothing may outlive the watch
    if (this.watches.get(w.lab) !== w) await this.stopTaps(w);
    else w.complete = tapped === plan.byNs.size;
    w.note = notes.join('; ');
  }

  private async stopTaps(w: LabWatch): Promise<void> {
    w.complete = false;
    const taps = w.taps;
    w.taps = [];
    await Promise.all(taps.map(async (t) => {
      await endTree(t.pid, 'SIGTERM', 500);
      await t.exited;
    }));
  }

  /** The interface indexes of the ends in `ns`; ends whose interface is missing are left out. */
  private async indexes(ns: string, ends: TapEnd[]): Promise<Map<number, TapEnd>> {
    const argv = ipArgv(ns, '-j', 'link', 'show');
    const res = await runArgv(argv);
    if (res.exitCode !== 0) throw new NslabError('kernel', `could not list the interfaces of ${ns || 'this machine'}: ${res.stderr.trim()}`);
    const byName = new Map(parseIpLinks(commandText(argv), res.stdout).map((l) => [l.ifname, l.ifindex]));
    const out = new Map<number, TapEnd>();
    for (const e of ends) {
      const index = byName.get(e.iface);
      if (index !== undefined) out.set(index, e);
    }
    return out;
  }

  private async startTap(w: LabWatch, ns: string, planned: TapEnd[]): Promise<Tap | null> {
    const ends = await this.indexes(ns, planned);
    if (!ends.size) return null;
    // the lab's link ends only (IPv6 is taken too, so the taps know every packet; it is not drawn)
    const filter = [...ends.keys()].flatMap((i, k) => (k ? ['or', 'ifindex', String(i)] : ['ifindex', String(i)]));
    const argv = confinedArgv(ns, ['tcpdump', '-i', 'any', '-n', '--immediate-mode', '-U', '-s', String(SNAPLEN), '-w', '-', '--', ...filter]);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/', env: confinedEnv('packets') as NodeJS.ProcessEnv });
    if (!child.pid) {
      const why = await new Promise<string>((resolve) => child.once('error', (e) => resolve(e.message)));
      throw new NslabError('kernel', `could not start tcpdump: ${why}`);
    }
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const tap: Tap = { ns, child, pid: child.pid, ends, parser: new PcapStreamParser(), exited, stderr: '', since: Infinity };
    const where = ns || 'this machine';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new NslabError('kernel', `tcpdump in ${where} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      child.stderr!.on('data', (d: Buffer) => {
        tap.stderr = (tap.stderr + d.toString()).slice(-2000);
        if (/listening on/.test(tap.stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('close', () => {
        clearTimeout(timer);
        reject(new NslabError('kernel', `tcpdump in ${where} stopped: ${tap.stderr.trim().split('\n').pop() || 'no message'}`));
      });
    });
    child.stdout!.on('data', (d: Buffer) => this.onData(w, tap, d));
    try {
      await ready;
    } catch (e) {
      await endTree(tap.pid, 'SIGTERM', 500);
      throw e;
    }
    tap.since = performance.now();
    return tap;
  }

  private onData(w: LabWatch, tap: Tap, d: Buffer): void {
    let records;
    try {
      records = tap.parser.push(new Uint8Array(d.buffer, d.byteOffset, d.length));
    } catch {
      void endTree(tap.pid, 'SIGTERM', 500);
      return;
    }
    const header = tap.parser.header;
    if (records.length) w.lastPacket = performance.now();
    if (!header || !w.watchers.size) return;
    for (const r of records) {
      const e = packetEvent(r, header.linktype, { byIndex: tap.ends }, ++w.seq);
      if (e) w.pending.push(e);
    }
    // a flood is not kept: past a few thousand waiting events the oldest go (they are counted)
    if (w.pending.length > 5000) w.pending.splice(0, w.pending.length - 5000);
    if (w.pending.length && !w.flushTimer) w.flushTimer = setTimeout(() => this.flush(w), this.opts.flushMs);
  }

  private flush(w: LabWatch): void {
    w.flushTimer = null;
    if (!w.pending.length) return;
    const events = w.pending.sort(byWireTime);
    w.pending = [];
    const now = Date.now();
    if (now - w.budgetSince >= 1000) {
      w.budget.clear();
      w.budgetSince = now;
    }
    const { sent, counted } = admit(events, w.budget, this.opts.perLinkPerSecond);
    this.sink(w.lab, { lab: w.lab, packets: sent, counted });
  }
}
