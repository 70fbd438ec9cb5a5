// Shared by the dashboard specs: log in with the token, talk to the server as a script would,
// run kernel commands (we are inside the sandbox), and clean labs up.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import { io } from 'socket.io-client';
import { parse } from 'yaml';
import type { Ack, RequestName, RequestPayload } from '@/lib/protocol';

const run = promisify(execFile);

export const TOKEN = process.env.NSLAB_E2E_TOKEN ?? '';
export const HOME = process.env.NSLAB_E2E_HOME ?? '';
export const BASE = 'http://127.0.0.1:3199';

/** Opens the dashboard the way a user does: the printed URL with the token. */
export async function login(page: Page, path = '/'): Promise<void> {
  await page.goto(`/?token=${TOKEN}`);
  if (path !== '/') await page.goto(path);
}

/** One request to the server over socket.io, authenticated like a script (Bearer token). */
export async function call<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<Ack<E>> {
  const socket = io(BASE, { extraHeaders: { authorization: `Bearer ${TOKEN}` }, transports: ['polling', 'websocket'], reconnection: false });
  try {
    const timed = socket.timeout(120_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<E>> };
    return await timed.emitWithAck(event, payload);
  } finally {
    socket.close();
  }
}

/** Deletes a lab (destroying its kernel objects); a lab that is not there is fine. */
export async function deleteLab(name: string): Promise<void> {
  const res = await call('lab:delete', { name });
  if (!res.ok && res.code !== 'not_found') throw new Error(`could not delete lab ${name}: ${res.message}`);
}

/** The seed tutorial lab under another name, as a topology value. */
export function seedTopology(name: string): Record<string, unknown> {
  const t = parse(readFileSync('examples/seed.yaml', 'utf8')) as Record<string, unknown>;
  return { ...t, name, host: { ...(t.host as object), netns: `${name}-host` } };
}

export async function createSeedLab(name: string): Promise<void> {
  const res = await call('lab:create', { topology: seedTopology(name), hostNetns: `${name}-host` });
  if (!res.ok) throw new Error(`could not create lab ${name}: ${res.message}`);
}

/** Runs a command (no shell) and returns its exit code and output. */
export async function sh(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(cmd, args, { env: { ...process.env, NSLAB_HOME: HOME }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** The nslab CLI, on the same state folder as the server. */
export function nslab(...args: string[]) {
  return sh('node', ['bin/nslab.js', ...args]);
}

export async function netnsList(): Promise<string[]> {
  const r = await sh('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

/** Drags from one point to another with the mouse, in small steps (React Flow needs the moves). */
export async function mouseDrag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 5, from.y + 5, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 15 });
  await page.mouse.up();
}

export async function centerOf(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A fresh seed lab with this name, applied on the real kernel (its host side isolated). */
export async function createAppliedSeedLab(name: string): Promise<void> {
  await deleteLab(name);
  await createSeedLab(name);
  const lab = await call('lab:open', { name });
  if (!lab.ok) throw new Error(lab.message);
  const applied = await call('lab:apply', { name, rev: lab.snapshot.lab.rev });
  if (!applied.ok || !applied.result.ok) throw new Error(`apply failed: ${JSON.stringify(applied)}`);
}

/**
 * Waits until the canvas has stopped moving (a zoom or fit animation is over): the viewport's
 * transform is the same two animation frames apart. A condition, not a fixed wait.
 */
export async function viewSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const el = document.querySelector<HTMLElement>('.react-flow__viewport');
        if (!el) return resolve(false);
        const before = el.style.transform;
        requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve(el.style.transform === before))));
      }),
    undefined,
    { polling: 50 },
  );
}

/** The canvas's zoom (React Flow's viewport scale). */
export function viewZoom(page: Page): Promise<number> {
  return page.evaluate(() => new DOMMatrixReadOnly(getComputedStyle(document.querySelector('.react-flow__viewport')!).transform).a);
}
