// Sends `lab:rates` to every lab room that has someone in it, once per interval. Rooms are the
// gateway's (labRoom(name), joined on lab:open), so rates flow exactly while a lab is open. A
// large lab is sampled less often (TOOL_LIMITS.rateMsPerLink per link, e.g. every 10 s for 200
// links), so a big lab left open costs the server next to nothing.
import { labRoom } from '@/lib/protocol';
import { TOOL_LIMITS } from '@/lib/protocol-tools';
import type { LabsService } from '@/server/labs/types';
import type { NslabServer } from '@/server/register';
import { LabRateSampler } from './link-rates';
import { natNodes, readNatCounters } from './nat-counters';

/** NAT counters are read while traffic flows on the lab, else this often (ms), for a browser that just opened it. */
const NAT_REFRESH_MS = 10_000;

const ROOM_PREFIX = labRoom('');

export class RatesBroadcaster {
  private readonly samplers = new Map<string, LabRateSampler>();
  /** when each open lab's NAT counters were last read */
  private readonly natReadAt = new Map<string, number>();
  /** lab -> when (performance.now()) it is next sampled */
  private readonly due = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly io: NslabServer,
    private readonly labs: LabsService,
    private readonly intervalMs: number = TOOL_LIMITS.rateIntervalMs,
  ) {}

  /** Starts the clock (idempotent); it stops itself when no lab is open. */
  ensureRunning(): void {
    if (this.timer) return;
    // A failed sample is one line in the log and the next tick tries again; never the server's end.
    this.timer = setInterval(() => this.tick().catch((e: unknown) => console.error(`nslab: sampling link rates failed: ${e instanceof Error ? e.message : String(e)}`)), this.intervalMs);
    this.timer.unref();
  }

  /**
   * `quiet(lab, since)`: true when it is certain that no packet crossed any link of the lab since
   * `since` (performance.now()): the packet taps of a watched lab see every one. An idle watched
   * lab then costs no `ip` process a second.
   */
  quietWhen(quiet: (lab: string, since: number) => boolean): void {
    this.quiet = quiet;
  }

  private quiet: ((lab: string, since: number) => boolean) | null = null;

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.samplers.clear();
    this.due.clear();
  }

  private openLabs(): string[] {
    const out: string[] = [];
    for (const [room, members] of this.io.of('/').adapter.rooms) {
      if (room.startsWith(ROOM_PREFIX) && members.size > 0) out.push(room.slice(ROOM_PREFIX.length));
    }
    return out;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const open = this.openLabs();
      for (const lab of [...this.samplers.keys()]) if (!open.includes(lab)) this.samplers.delete(lab);
      for (const lab of [...this.natReadAt.keys()]) if (!open.includes(lab)) this.natReadAt.delete(lab);
      for (const lab of [...this.due.keys()]) if (!open.includes(lab)) this.due.delete(lab);
      if (!open.length && this.io.of('/').sockets.size === 0) return this.stop();
      const now = performance.now();
      for (const lab of open) {
        if ((this.due.get(lab) ?? 0) > now) continue;
        let record;
        try {
          record = this.labs.get(lab);
        } catch {
          continue;
        }
        // (half a tick early, so the clock's jitter never skips a turn)
        this.due.set(lab, now + Math.max(this.intervalMs, record.topology.links.length * TOOL_LIMITS.rateMsPerLink) - this.intervalMs / 2);
        if (record.appliedRev === null && record.state === 'not-applied') continue;
        let sampler = this.samplers.get(lab);
        if (!sampler) this.samplers.set(lab, (sampler = new LabRateSampler(lab)));
        const since = sampler.lastAt;
        const rates = sampler.idle && since !== null && sampler.planned(record.hostNetns, record.rev) && this.quiet?.(lab, since)
          ? sampler.unchanged()
          : await sampler.sample(record.topology, record.hostNetns, record.rev);
        this.io.to(labRoom(lab)).emit('lab:rates', rates);
        // the counters only move when packets do: an idle lab costs no nft process but every NAT_REFRESH_MS
        const moving = Object.values(rates.links).some((r) => r.pps > 0);
        const last = this.natReadAt.get(lab);
        if (natNodes(record.topology, record.hostNetns).length && (moving || last === undefined || Date.now() - last >= NAT_REFRESH_MS)) {
          this.natReadAt.set(lab, Date.now());
          this.io.to(labRoom(lab)).emit('lab:nat', await readNatCounters(lab, record.topology, record.hostNetns));
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
