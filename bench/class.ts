// A class at scale (issue 12, point 8), on the real server (server/main.ts, its own process),
// inside scripts/sandbox:
//   - create and apply a class of 30 seats of the seed lab (namespaces-101 at its last step: 6
//     namespaces a seat, 180 in all) with class:create, as the dashboard does, while a second
//     connection asks a cheap request (labs:list) every 100 ms: the create's time, and the
//     server's answer latency during it (p95 and max);
//   - the instructor broadcasts a lab of their own to the class, and all 30 seats (each its own
//     socket.io connection with its seat's cookie) view it: a hand-made `ip link set eth0 down`
//     (and up) in that lab, to the `lab:live` showing it at each seat, p50 and p95 over every
//     seat and 10 changes.
// Usage: scripts/sandbox npx tsx bench/class.ts [--quick]   (quick: 5 seats)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Socket } from 'socket.io-client';
import { parse } from 'yaml';
import type { LiveState } from '@/lib/labs-types';
import type { CreatedSeat } from '@/lib/protocol';
import { ask, connect, printRows, quantile, sleep, startServer, stopServer, type BenchRow, type Server } from './live';

const CLASS = 'bcls';
const SHOWN = 'bshown';
export const CLASS_TARGETS = { createS: 180, answerP95Ms: 500, liveP95Ms: 500 };

/** Asks labs:list every `everyMs` until stopped; the answer times in ms. */
function pinger(socket: Socket, everyMs = 100): { stop: () => Promise<number[]> } {
  const times: number[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const t0 = performance.now();
      await ask(socket, 'labs:list', {}, 60_000);
      times.push(performance.now() - t0);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return times;
    },
  };
}

/** When each socket sees `lab:live` of SHOWN with eth0 of its namespace A up (or down). */
function seen(sockets: Socket[], up: boolean, ms = 30_000): Promise<number[]> {
  const ns = `${SHOWN}-A`;
  return Promise.all(
    sockets.map(
      (s) =>
        new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`bench: a seat saw no lab:live of the change within ${ms} ms`)), ms);
          const on = (l: LiveState) => {
            if (l.lab !== SHOWN || l.observed.namespaces[ns]?.links.eth0?.up !== up) return;
            clearTimeout(timer);
            s.off('lab:live', on);
            resolve(performance.now());
          };
          s.on('lab:live', on);
        }),
    ),
  );
}

export async function benchClass(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  if (process.env.NSLAB_SANDBOX !== '1') throw new Error('bench: run it in the sandbox: scripts/sandbox npx tsx bench/class.ts');
  const seatsN = opts.quick ? 5 : 30;
  const home = mkdtempSync(join(tmpdir(), 'nslab-bench-class-'));
  let server: Server | null = null;
  const sockets: Socket[] = [];
  try {
    server = await startServer(home);
    const instructor = await connect(server);
    const other = await connect(server);
    sockets.push(instructor, other);
    const lesson = parse(readFileSync('lessons/namespaces-101/lesson.yaml', 'utf8')) as { steps: unknown[] };

    // 1. create and apply the class while the server keeps answering (first, the same idle, for comparison)
    const idlePing = pinger(other);
    await sleep(3000);
    const idle = await idlePing.stop();
    const ping = pinger(other);
    await sleep(300);
    const t0 = performance.now();
    const made = await ask<{ seats: CreatedSeat[] }>(instructor, 'class:create', { name: CLASS, lesson: 'namespaces-101', seats: seatsN, step: lesson.steps.length }, 1_200_000);
    const createS = (performance.now() - t0) / 1000;
    const answers = await ping.stop();
    const namespaces = (await execa('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(`${CLASS}-`)).length;
    console.log(`bench: class of ${seatsN} seats (${namespaces} namespaces) in ${createS.toFixed(1)} s`);

    // 2. a lab of the instructor's, broadcast to every seat, each seat viewing it
    const seed = parse(readFileSync('examples/seed.yaml', 'utf8')) as Record<string, unknown>;
    const created = await ask<{ lab: { rev: number } }>(instructor, 'lab:create', { topology: { ...seed, name: SHOWN, host: { ...(seed.host as object), netns: `${SHOWN}-h` } }, hostNetns: `${SHOWN}-h` });
    const applied = await ask<{ result: { ok: boolean } }>(instructor, 'lab:apply', { name: SHOWN, rev: created.lab.rev });
    if (!applied.result.ok) throw new Error('bench: the broadcast lab did not apply');
    await ask(instructor, 'class:broadcast', { name: CLASS, lab: SHOWN });
    const seats: Socket[] = [];
    for (const s of made.seats) {
      const socket = await connect(server, { cookie: `nslab_seat=${s.token}` });
      sockets.push(socket);
      seats.push(socket);
      await ask(socket, 'lab:open', { name: SHOWN });
    }
    await sleep(1000);
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      for (const up of [false, true]) {
        const seenAt = seen(seats, up);
        await execa('ip', ['-n', `${SHOWN}-A`, 'link', 'set', 'eth0', up ? 'up' : 'down']);
        const t = performance.now();
        delays.push(...(await seenAt).map((at) => at - t));
        await sleep(300);
      }
    }
    await ask(instructor, 'class:broadcast', { name: CLASS, lab: null });
    const t1 = performance.now();
    await ask(instructor, 'class:end', { name: CLASS }, 1_200_000);
    console.log(`bench: class ended in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    await ask(instructor, 'lab:delete', { name: SHOWN });

    const p95 = quantile(answers, 0.95);
    const max = Math.max(...answers);
    const l50 = quantile(delays, 0.5);
    const l95 = quantile(delays, 0.95);
    return [
      { goal: `class: create and apply ${seatsN} seats of the seed lab (${namespaces} namespaces) from the socket`, measured: `${createS.toFixed(1)} s`, target: `< ${opts.quick ? Math.ceil(CLASS_TARGETS.createS / 6) : CLASS_TARGETS.createS} s`, ok: createS < (opts.quick ? CLASS_TARGETS.createS / 6 : CLASS_TARGETS.createS) },
      { goal: 'class: the server answers (labs:list) while the class is applied', measured: `p95 ${p95.toFixed(0)} ms, max ${max.toFixed(0)} ms over ${answers.length} requests (idle: p95 ${quantile(idle, 0.95).toFixed(0)} ms)`, target: `p95 < ${CLASS_TARGETS.answerP95Ms} ms`, ok: p95 < CLASS_TARGETS.answerP95Ms },
      { goal: `class: a hand-made link change in a broadcast lab → lab:live at each of ${seatsN} seats`, measured: `p50 ${l50.toFixed(0)} ms, p95 ${l95.toFixed(0)} ms over ${delays.length}`, target: `p95 < ${CLASS_TARGETS.liveP95Ms} ms`, ok: l95 < CLASS_TARGETS.liveP95Ms },
    ];
  } finally {
    for (const s of sockets) s.close();
    if (server) await stopServer(server);
    rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchClass({ quick: process.argv.includes('--quick') }).then(
    (rows) => printRows(rows),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}
