// Orders a plan's commands into as few processes as the dependencies allow.
//
// Starting processes is what costs (DESIGN.md "Speed"), so consecutive `ip` commands of one
// namespace go to one `ip [-n NS] -batch -`, and independent namespaces run side by side. Two
// commands must keep their order when they touch a common namespace: the one they run in, the
// one `netns add/del` names, or the one a veth peer is created in. One exception lets the
// host's veths be created in the same batch as its namespaces, before those namespaces' own
// commands: a veth created into namespace P need not wait for P's other commands, unless they
// mention the peer's name. Deletes of links and namespaces may take objects elsewhere with
// them (a veth's other end), so they keep their place against everything. A bridge the plan
// makes comes up after what comes before it in its ports' far namespaces (bridgeUpAfter).
import { availableParallelism } from 'node:os';
import type { Command, Op } from '@/lib/ops';

export interface Job {
  /** position in the plan's command order */
  id: number;
  /** index of the plan step the command belongs to */
  step: number;
  op: Op;
  cmd: Command;
}

export interface Batch {
  /** `ip:NS` for an ip batch, else one job's own key */
  key: string;
  jobs: Job[];
}

interface Touch {
  /** namespaces the command reads or changes (one to three: a short list is faster than a set) */
  ns: string[];
  /** the namespace a veth peer is created in, when it differs from the one the command runs in */
  peerNs: string | null;
  peerName: string | null;
  barrier: boolean;
  /** `netns exec NS sysctl` (forwarding): independent of links, addresses and routes in NS */
  sysctlIn: string | null;
  /** `ip netns del NS`: NS */
  deletes: string | null;
  /**
   * namespaces whose earlier commands this one waits for, though it does not run in them and
   * their later commands do not wait for it (a new bridge's `up`: bridgeUpAfter)
   */
  after: ReadonlySet<string> | null;
}

/** For some jobs (by id), the namespaces of Touch.after. */
export type AfterMap = ReadonlyMap<number, ReadonlySet<string>>;

/** `ip netns add/del NS` or a command on NS's files (nsfile): makes or removes namespace NS. */
function makesOrRemoves(cmd: Command, ns?: string): boolean {
  if (cmd.tool === 'nsfile') return ns === undefined || cmd.netns === ns;
  return cmd.tool === 'ip' && cmd.args[0] === 'netns' && (cmd.args[1] === 'add' || cmd.args[1] === 'del') && (ns === undefined || cmd.args[2] === ns);
}

function touchOf(cmd: Command, after: ReadonlySet<string> | null = null): Touch {
  // Commands on a namespace's files concern that namespace only (not the one they run in):
  // the files of different namespaces are independent of each other.
  if (cmd.tool === 'nsfile') return { ns: [cmd.netns], peerNs: null, peerName: null, barrier: false, sysctlIn: null, deletes: null, after };
  const ns = [cmd.ns];
  const add = (x: string) => {
    if (!ns.includes(x)) ns.push(x);
  };
  const a = cmd.args;
  let peerNs: string | null = null;
  let peerName: string | null = null;
  let barrier = false;
  let sysctlIn: string | null = null;
  if (cmd.tool === 'ip') {
    if (a[0] === 'netns' && a[1] === 'exec' && a[2]) {
      add(a[2]);
      if (a[3] === 'sysctl') sysctlIn = a[2];
    }
    if (a[0] === 'netns' && (a[1] === 'add' || a[1] === 'del') && a[2]) {
      add(a[2]);
      barrier = a[1] === 'del';
    }
    if (a[0] === 'link' && a[1] === 'del') barrier = true;
    if (a[0] === 'link' && a[1] === 'add') {
      const p = a.indexOf('peer');
      const n = a.indexOf('netns', p);
      if (p >= 0 && n > p && a[n + 1] !== undefined && a[n + 1] !== cmd.ns) {
        peerNs = a[n + 1] as string;
        peerName = a[a.indexOf('name', p) + 1] ?? null;
        add(peerNs);
      }
    }
  }
  return { ns, peerNs, peerName, barrier, sysctlIn, deletes: deletesNetns(cmd), after };
}

/**
 * `ip link set dev B up` of a bridge B that an earlier command of the plan makes: the namespaces
 * of the far ends of B's ports (veths the plan makes and puts on B), by job id. The plan brings
 * such a bridge up after its ports' far ends (lib/plan-builder.ts Phase.bridgeUp), and so does
 * the schedule: while the bridge is down its ports forward nothing, so the IPv6 reports each
 * namespace's interface sends as it comes up end at its own port, instead of being flooded to
 * every port up before it (for 200 namespaces, 20,000 deliveries: half of their lines' round).
 */
export function bridgeUpAfter(jobs: readonly Job[]): Map<number, ReadonlySet<string>> {
  const out = new Map<number, ReadonlySet<string>>();
  const bridges = new Set<string>();
  /** `NS/V` of a veth the plan makes: the namespace of its other end */
  const farNs = new Map<string, string>();
  /** `NS/B`: B's ports (`NS/V`) */
  const ports = new Map<string, string[]>();
  /** `ip link set dev B up` of a bridge the plan makes, with B's `NS/B` */
  const ups: [Job, string][] = [];
  for (const job of jobs) {
    const { cmd } = job;
    if (cmd.tool !== 'ip') continue;
    const a = cmd.args;
    if (a[0] !== 'link') continue;
    if (a[1] === 'add' && a[2] === 'name' && a[3] !== undefined) {
      const type = a[a.indexOf('type') + 1];
      if (type === 'bridge') bridges.add(`${cmd.ns}/${a[3]}`);
      const peer = a.indexOf('peer');
      if (type === 'veth' && peer > 0) {
        const n = a.indexOf('netns', peer);
        farNs.set(`${cmd.ns}/${a[3]}`, n > 0 ? (a[n + 1] ?? cmd.ns) : cmd.ns);
      }
    } else if (a[1] === 'set' && a[2] === 'dev' && a[3] !== undefined && a.length === 6 && a[4] === 'master') {
      const key = `${cmd.ns}/${a[5]}`;
      const list = ports.get(key);
      if (list) list.push(`${cmd.ns}/${a[3]}`);
      else ports.set(key, [`${cmd.ns}/${a[3]}`]);
    } else if (a[1] === 'set' && a[2] === 'dev' && a.length === 5 && a[4] === 'up' && bridges.has(`${cmd.ns}/${a[3]}`)) {
      ups.push([job, `${cmd.ns}/${a[3]}`]);
    }
  }
  for (const [job, bridge] of ups) {
    const far = new Set<string>();
    for (const port of ports.get(bridge) ?? []) {
      const ns = farNs.get(port);
      if (ns !== undefined && ns !== job.cmd.ns) far.add(ns);
    }
    if (far.size > 0) out.set(job.id, far);
  }
  return out;
}

/** `ip netns del NS`: the namespace it deletes, else null. */
export function deletesNetns(cmd: Command): string | null {
  return cmd.tool === 'ip' && cmd.args[0] === 'netns' && cmd.args[1] === 'del' ? (cmd.args[2] ?? null) : null;
}

/** Must `later` run after `earlier`? (Called for every pair the scheduler looks at: no allocation.) */
function conflicts(earlier: Job, e: Touch, later: Job, l: Touch): boolean {
  // Deleting two namespaces: each takes what is in it (and the far ends of its veths) whichever
  // goes first, so neither waits for the other.
  if (e.deletes !== null && l.deletes !== null) return e.deletes === l.deletes;
  if (l.after !== null) for (const x of e.ns) if (l.after.has(x)) return true;
  let shared = 0;
  let firstShared: string | undefined;
  for (const x of l.ns) {
    if (e.ns.includes(x) && shared++ === 0) firstShared = x;
  }
  // A namespace's files are touched by nothing but the commands about that namespace (a
  // deletion elsewhere takes no file along).
  if (earlier.cmd.tool === 'nsfile' || later.cmd.tool === 'nsfile') return shared > 0;
  if (e.barrier || l.barrier) return true;
  if (shared === 0) return false;
  // A forwarding sysctl in NS waits only for NS to exist (and for other sysctls there): the
  // kernel applies ip_forward to every interface, whenever it was made.
  const sys = e.sysctlIn ?? l.sysctlIn;
  if (sys !== null && e.sysctlIn !== l.sysctlIn) {
    const other = (e.sysctlIn !== null ? later : earlier).cmd;
    if (!makesOrRemoves(other, sys)) return false;
  }
  // A veth created into P waits only for P's existence and for commands about its peer's name;
  // veths created into P from elsewhere with other peer names are independent of each other.
  if (l.peerNs === null || shared !== 1 || firstShared !== l.peerNs) return true;
  const inP = earlier.cmd.ns === l.peerNs ? !(earlier.cmd.tool === 'ip' && earlier.cmd.args[0] === 'netns') : e.peerNs === l.peerNs;
  const aboutOtherNames = !earlier.cmd.args.includes(l.peerName ?? '') && (e.peerNs === null || e.peerName !== l.peerName);
  return !(inP && aboutOtherNames);
}

/** Whether `later` must wait for `earlier` by their own commands (the pairwise rule); `after`: bridgeUpAfter of the plan. */
export function mustWait(earlier: Job, later: Job, after: AfterMap = new Map()): boolean {
  return conflicts(earlier, touchOf(earlier.cmd, after.get(earlier.id)), later, touchOf(later.cmd, after.get(later.id)));
}

/**
 * A command that depends on every earlier command about its one namespace but the forwarding
 * sysctls there: nothing about it is relaxed (no veth peer elsewhere, no barrier, no namespace
 * file, no sysctl, one namespace).
 */
function plain(job: Job, t: Touch): boolean {
  return job.cmd.tool !== 'nsfile' && t.ns.length === 1 && t.peerNs === null && !t.barrier && t.sysctlIn === null;
}

/**
 * For each job, the earlier jobs it must wait for. What a job waits for through another is left
 * out: after a plain command P of namespace X (which waits for everything about X before it, but
 * the sysctls), a later command that waits for P need not list what P waits for. That keeps a
 * namespace of many commands (the host's veths and ports) from costing the square of their number.
 */
export function dependencies(jobs: Job[]): number[][] {
  const index = new Dependencies(jobs);
  index.upTo(jobs.length);
  return index.deps;
}

/**
 * dependencies() worked out job by job, in plan order, as far as asked: a job's dependencies are
 * all earlier jobs, so those of the first jobs are known before the later ones are looked at (the
 * driver starts making namespaces before it works out the rest).
 */
export class Dependencies {
  /** for each job up to `known`, the earlier jobs it must wait for */
  readonly deps: number[][] = [];
  private readonly touches: Touch[] = [];
  /** per namespace: the jobs about it, in order */
  private readonly byNs = new Map<string, number[]>();
  /** per namespace: the last plain job about it, and its position in byNs */
  private readonly lastPlain = new Map<string, { job: number; at: number }>();
  /** per namespace: its forwarding sysctls (a plain job does not wait for them) */
  private readonly sysctls = new Map<string, number[]>();
  private readonly barriers: number[] = [];
  /** which earlier jobs job i was compared with already: seenBy[k] === i + 1 (one array for all) */
  private readonly seenBy: Int32Array;
  private readonly after: AfterMap;

  constructor(private readonly jobs: Job[]) {
    this.seenBy = new Int32Array(jobs.length);
    this.after = bridgeUpAfter(jobs);
  }

  /** How many jobs' dependencies are known (the first ones). */
  get known(): number {
    return this.deps.length;
  }

  /** Works out the dependencies of the jobs before position `end`. */
  upTo(end: number): void {
    const { jobs, touches, byNs, lastPlain, sysctls, barriers, seenBy } = this;
    for (let i = this.deps.length; i < Math.min(end, jobs.length); i++) {
      const job = jobs[i] as Job;
      const t = touchOf(job.cmd, this.after.get(job.id) ?? null);
      touches.push(t);
      const found: number[] = [];
      const consider = (k: number) => {
        if (seenBy[k] === i + 1) return;
        seenBy[k] = i + 1;
        if (conflicts(jobs[k] as Job, touches[k] as Touch, job, t)) found.push(k);
      };
      if (t.barrier) {
        for (let k = 0; k < i; k++) consider(k);
      } else {
        for (const k of barriers) consider(k);
        for (const ns of t.after === null ? t.ns : [...t.ns, ...t.after]) {
          const list = byNs.get(ns);
          if (!list) continue;
          const p = lastPlain.get(ns);
          if (p && conflicts(jobs[p.job] as Job, touches[p.job] as Touch, job, t)) {
            for (let x = p.at; x < list.length; x++) consider(list[x] as number);
            for (const k of sysctls.get(ns) ?? []) if (k < p.job) consider(k);
          } else {
            for (const k of list) consider(k);
          }
        }
      }
      const isPlain = plain(job, t);
      for (const ns of t.ns) {
        let list = byNs.get(ns);
        if (list) list.push(i);
        else byNs.set(ns, (list = [i]));
        if (isPlain) lastPlain.set(ns, { job: i, at: list.length - 1 });
      }
      if (t.sysctlIn !== null) {
        const list = sysctls.get(t.sysctlIn);
        if (list) list.push(i);
        else sysctls.set(t.sysctlIn, [i]);
      }
      if (t.barrier) barriers.push(i);
      // found in the order looked at: sorted only when that was not already ascending
      for (let x = 1; x < found.length; x++) {
        if ((found[x] as number) < (found[x - 1] as number)) {
          found.sort((a, b) => a - b);
          break;
        }
      }
      this.deps.push(found);
    }
  }
}

/**
 * Commands on namespace files go to this many processes per round (and with `nsctlDeletes`, the
 * `ip netns del` of the namespaces, which nslab-nsctl runs too): one per core, at most 4. More
 * processes than cores only contend for the kernel's locks: 200 namespaces made on 2 cores took
 * 230-340 ms in 2 processes, 280-380 ms in 4 and 350-420 ms in 8.
 */
export const NSFILE_SLOTS = Math.min(4, Math.max(1, availableParallelism()));

/** `ip` (and `tc`) commands that can go on an `ip -batch` (`tc -batch`) line as they are (no quoting needed). */
export function batchable(cmd: Command): cmd is Command & { tool: 'ip' | 'tc' } {
  return (cmd.tool === 'ip' || cmd.tool === 'tc') && cmd.args.every((a) => /^[A-Za-z0-9_./:=@%+,-]+$/.test(a));
}

/**
 * The batches that can run now, side by side: every pending job whose dependencies are done or
 * come before it in its own batch. Jobs keep the plan's order inside a batch.
 */
export function nextRound(pending: Job[], deps: number[][], done: Set<number>, opts: { nsctlDeletes?: boolean } = {}): Batch[] {
  const batches = new Map<string, Batch>();
  const placed = new Map<number, string>();
  // namespaces take the slots in turn, in plan order: the processes get equal shares
  const slots = new Map<string, number>();
  const slotOf = (netns: string): number => {
    let at = slots.get(netns);
    if (at === undefined) slots.set(netns, (at = slots.size % NSFILE_SLOTS));
    return at;
  };
  for (const job of pending) {
    const deleted = opts.nsctlDeletes && job.cmd.ns === '' ? deletesNetns(job.cmd) : null;
    const batch = batchKey(job);
    const key = deleted !== null ? `nsfile:${slotOf(deleted)}` : batch ?? (job.cmd.tool === 'nsfile' ? `nsfile:${slotOf(job.cmd.netns)}` : `job:${job.id}`);
    const ready = (deps[job.id] ?? []).every((d) => done.has(d) || placed.get(d) === key);
    if (!ready) continue;
    placed.set(job.id, key);
    const b = batches.get(key);
    if (b) b.jobs.push(job);
    else batches.set(key, { key, jobs: [job] });
  }
  // A namespace whose later commands can run in the next round (say, once a veth is created
  // into it from the host in this one) waits for them, so that all its commands share one
  // process; unless nothing else could run. (Commands that must wait longer, as a new bridge's
  // `up` does for its ports' far ends, hold nothing back.)
  const waiting = new Set<string>();
  for (const j of pending) {
    const batch = placed.has(j.id) ? null : batchKey(j);
    if (batch === null || waiting.has(batch)) continue;
    if ((deps[j.id] ?? []).every((d) => done.has(d) || placed.has(d))) waiting.add(batch);
  }
  const all = [...batches.values()];
  const now = all.filter((b) => !waiting.has(b.key));
  return now.length > 0 ? now : all;
}

/** Each job's batch key (`ip:NS`, `tc:NS`) when it can go on a batch line, else null; worked out once per job. */
const batchKeys = new WeakMap<Job, string | null>();
export function batchKey(job: Job): string | null {
  let key = batchKeys.get(job);
  if (key === undefined) batchKeys.set(job, (key = batchable(job.cmd) ? `${job.cmd.tool}:${job.cmd.ns}` : null));
  return key;
}
