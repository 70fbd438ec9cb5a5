// The lesson requests over a real socket (server/lessons/register.ts), on the real kernel: open a
// lesson on an empty lab, run a step (the commands reach the lab's room as they run, and the new
// revision is pushed), check it, go back; progress is kept per lab in SQLite and goes with it.
import { existsSync } from 'node:fs';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandLogEntry, LabRecord } from '@/lib/labs-types';
import { broadcastLabEvents } from '@/server/gateway';
import { client, request, startToolsServer, type ToolsServer } from './tools-helpers';
import { sh } from './cli-helpers';

const LAB = 'lsock';
let server: ToolsServer;
let s: ClientSocket;
let stopBroadcast: () => void = () => undefined;

beforeAll(async () => {
  server = await startToolsServer();
  // what nslab serve does (server/main.ts): the labs' events to the labs' rooms
  stopBroadcast = broadcastLabEvents(server.io, server.labs);
  server.labs.create({ name: LAB, nodes: [], links: [] }, { hostNetns: `${LAB}H` });
  s = await client(server.url);
});

afterAll(async () => {
  s?.disconnect();
  stopBroadcast();
  await server.labs.remove(LAB).catch(() => undefined);
  for (const ns of ['A', 'B', 'C'].map((n) => `${LAB}-${n}`).concat(`${LAB}H`)) if (existsSync(`/run/netns/${ns}`)) await sh('ip', 'netns', 'del', ns);
  await server.close();
});

type Ok<T> = { ok: true } & T;
type Fail = { ok: false; code: string; message: string };

describe('lesson requests', () => {
  it('lists the lessons; a lab without a lesson has none until one is opened', async () => {
    const list = await request<Ok<{ lessons: { id: string; steps: number }[] }>>(s, 'lesson:list', {});
    expect(list.lessons.find((l) => l.id === 'namespaces-101')?.steps).toBe(9);
    expect(await request(s, 'lesson:open', { lab: LAB })).toEqual({ ok: true, lesson: null, progress: null });
    const bad = await request<Fail>(s, 'lesson:open', { lab: LAB, id: 'no-such-lesson' });
    expect([bad.ok, bad.code]).toEqual([false, 'not_found']);
    expect(bad.message).toMatch(/there is no lesson "no-such-lesson" \(lessons: .*namespaces-101/);
    const noLesson = await request<Fail>(s, 'lesson:step', { lab: LAB, step: 1 });
    expect(noLesson.message).toBe(`lab "${LAB}" follows no lesson; open one first (lesson:open with an id)`);
  });

  it('runs step 1 in slow motion, checks it, goes back to the start; progress is kept per lab', async () => {
    const opened = await request<Ok<{ lesson: { steps: { title: string; commands: string[] }[] }; progress: { step: number } }>>(s, 'lesson:open', { lab: LAB, id: 'namespaces-101' });
    expect(opened.progress.step).toBe(0);
    expect(opened.lesson.steps[0]!.commands).toContain(`ip -n ${LAB}-A link set dev lo up`);
    await request(s, 'lab:open', { name: LAB });
    const seen: string[] = [];
    const saved: LabRecord[] = [];
    s.on('lab:command', (e: CommandLogEntry) => seen.push(e.argv.join(' ')));
    s.on('lab:saved', (r: LabRecord) => saved.push(r));
    const ran = await request<Ok<{ result: { ok: boolean }; progress: { step: number; passed: number[] } }>>(s, 'lesson:step', { lab: LAB, step: 1, delayMs: 20 });
    expect(ran.result.ok).toBe(true);
    expect(ran.progress).toMatchObject({ step: 1, passed: [] });
    expect(seen).toContain(`ip -n ${LAB}-B link set dev lo alias nslab:${LAB}:ns:B`);
    expect(saved.at(-1)?.topology.nodes.map((n) => n.id)).toEqual(['A', 'B', 'C']);
    const checked = await request<Ok<{ step: { results: { ok: boolean }[] }; progress: { passed: number[] } }>>(s, 'lesson:check', { lab: LAB, step: 1 });
    expect(checked.step.results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(checked.progress.passed).toEqual([1]);
    const step2 = await request<Ok<{ step: { results: { ok: boolean }[] }; progress: { passed: number[] } }>>(s, 'lesson:check', { lab: LAB, step: 2 });
    expect(step2.step.results.every((r) => !r.ok)).toBe(true);
    // a second connection sees the same progress (it is in SQLite, not in the socket)
    const other = await client(server.url);
    const again = await request<Ok<{ progress: { step: number; passed: number[] } }>>(other, 'lesson:open', { lab: LAB });
    other.disconnect();
    expect(again.progress).toMatchObject({ step: 1, passed: [1] });
    const back = await request<Ok<{ progress: { step: number; passed: number[] } }>>(s, 'lesson:step', { lab: LAB, step: 0 });
    expect(back.progress).toMatchObject({ step: 0, passed: [] });
    expect(existsSync(`/run/netns/${LAB}-A`)).toBe(false);
    // a bad step is refused, naming it
    const tooFar = await request<Fail>(s, 'lesson:step', { lab: LAB, step: 12 });
    expect(tooFar.message).toBe('step 12 is not a step of lesson "namespaces-101" (0 = the start, 1-9)');
    // the progress goes with the lab
    expect(server.labs.lessonProgress(LAB)?.lesson).toBe('namespaces-101');
    await server.labs.remove(LAB);
    expect(server.labs.lessonProgress(LAB)).toBeNull();
  }, 180_000);
});
