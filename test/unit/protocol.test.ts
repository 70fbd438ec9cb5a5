// The one socket contract (lib/protocol.ts) and the one way a request reaches its handler
// (server/register.ts): every request is declared whole, the role is checked before anything
// else, the payload before the handler, and every error becomes one Failure.
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { NslabError } from '@/lib/errors';
import { isAck, isRequestName, mayCall, requests, type RequestName, type RequestSpec, type Role } from '@/lib/protocol';
import { TopologyError } from '@/lib/validate';
import { answer, LimitError, seatRefusal, toFailure } from '@/server/register';

const names = Object.keys(requests).filter(isRequestName);
const ROLES: Role[] = ['instructor', 'seat'];
const mustNotRun = () => {
  throw new Error('the handler ran');
};

describe('the registry', () => {
  it('has every request the dashboard sends, and nothing else', () => {
    expect(names).toHaveLength(Object.keys(requests).length);
    expect(names.length).toBeGreaterThanOrEqual(21);
    for (const prefix of ['labs:', 'lab:', 'term:', 'node:', 'probe:', 'capture:', 'adopt:']) expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    expect(isRequestName('lab:explode')).toBe(false);
    expect(isRequestName('toString')).toBe(false);
  });

  it.each(names)('%s has a zod schema, an answer, a timeout and a role', (name) => {
    const spec = requests[name];
    expect(spec.schema).toBeInstanceOf(z.ZodType);
    expect(spec.response).toBeTypeOf('object');
    expect(Number.isInteger(spec.timeoutMs)).toBe(true);
    expect(spec.timeoutMs).toBeGreaterThanOrEqual(1000);
    expect(spec.timeoutMs).toBeLessThanOrEqual(300_000);
    expect(ROLES).toContain(spec.role);
    // a request a seat may send says what of its payload must be the seat's own; no other has a scope
    const scoped: boolean = 'seat' in spec && spec.seat !== undefined;
    expect(scoped).toBe(spec.role === 'seat');
  });

  it('waits longer for what runs the kernel or the tools at length', () => {
    for (const name of ['lab:apply', 'lab:destroy', 'lab:delete'] as const) expect(requests[name].timeoutMs).toBe(300_000);
    for (const name of ['probe:run', 'capture:download'] as const) expect(requests[name].timeoutMs).toBe(60_000);
    expect(requests['lab:plan'].timeoutMs).toBe(30_000);
    expect(requests['term:input'].timeoutMs).toBe(15_000);
  });
});

describe('roles', () => {
  it('the instructor may send everything, a seat only what is marked seat', () => {
    expect(mayCall('instructor', 'instructor')).toBe(true);
    expect(mayCall('instructor', 'seat')).toBe(true);
    expect(mayCall('seat', 'seat')).toBe(true);
    expect(mayCall('seat', 'instructor')).toBe(false);
  });

  it.each(names.filter((n) => requests[n].role === 'instructor'))('%s from a seat is refused with forbidden, before its payload is read', async (name) => {
    const a = await answer('seat', name, mustNotRun, { no: 'such field' });
    expect(a).toMatchObject({ ok: false, code: 'forbidden' });
    expect(!a.ok && a.message).toBe(`${name} is for the instructor; this connection is a seat`);
  });

  const seatNames = names.filter((n) => requests[n].role === 'seat');
  it('a seat may send what reaches its own lab: lab:open, terminals, node views, probes, captures, its packets, lessons, what its class is shown; never lab:create, destroy, delete, adopt or the labs list', () => {
    expect(seatNames.sort()).toEqual([
      'capture:discard', 'capture:download', 'capture:start', 'capture:stop', 'class:broadcasting', 'lab:close', 'lab:open', 'lesson:check', 'lesson:open', 'lesson:step',
      'node:unwatch', 'node:watch', 'packets:unwatch', 'packets:watch', 'probe:run', 'term:close', 'term:input', 'term:open', 'term:resize',
    ]);
  });

  it.each(seatNames)("%s from a seat: its own lab only, and never the host context", async (name) => {
    const spec: RequestSpec = requests[name];
    const scope = spec.seat!;
    if ('owned' in scope) {
      // what the connection made itself (a terminal or capture id): the handler finds it by this socket's ids
      expect(seatRefusal(name, scope, { id: 'x' }, 's1')).toBeNull();
      return;
    }
    const payload = (lab: string, node = 'A') => ({ [scope.lab]: lab, ...(scope.node ? { [scope.node]: node } : {}) });
    expect(seatRefusal(name, scope, payload('s1'), 's1')).toBeNull();
    expect(seatRefusal(name, scope, payload('s2'), 's1')).toBe(`${name}: this seat may only use its own lab "s1", not "s2"`);
    if (scope.node) expect(seatRefusal(name, scope, payload('s1', 'host'), 's1')).toBe(`${name}: a seat has no access to the host context of its lab, only to its namespaces`);
    // through answer(): refused before the handler runs
    const sample: Record<string, unknown> = { lab: 's2', name: 's2', node: 'A', source: 'A', kind: 'ping', target: 'B', step: 1, iface: 'any' };
    const body = Object.fromEntries(Object.keys((requests[name].schema as unknown as { shape: Record<string, unknown> }).shape).filter((k) => k in sample).map((k) => [k, sample[k]]));
    expect(await answer('seat', name, mustNotRun, body, 's1')).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('a seat without a lab may send nothing', () => {
    const spec: RequestSpec = requests['lab:open'];
    expect(seatRefusal('lab:open', spec.seat, { name: 's1' }, undefined)).toBe('lab:open is for the instructor; this connection is a seat');
  });

  it('a socket without a role is refused', async () => {
    expect(await answer(undefined, 'labs:list', mustNotRun, {})).toMatchObject({ ok: false, code: 'forbidden', message: 'labs:list is for the instructor; this connection is not signed in' });
  });
});

describe('answer', () => {
  it.each(names)('%s with a field no request has is invalid, naming the request, and never reaches the handler', async (name) => {
    const a = await answer('instructor', name, mustNotRun, { 'no such field': 1 });
    expect(a).toMatchObject({ ok: false, code: 'invalid' });
    expect(!a.ok && a.message.startsWith(`${name}: `)).toBe(true);
  });

  it('gives the handler the checked payload, defaults filled in, and acknowledges what it returns', async () => {
    let seen: unknown;
    const a = await answer('instructor', 'term:open', (p) => ((seen = p), { id: 'x', node: p.node, ns: 'ns', pid: 1 }), { lab: 'seed', node: 'A' });
    expect(seen).toEqual({ lab: 'seed', node: 'A', cols: 80, rows: 24 });
    expect(a).toEqual({ ok: true, id: 'x', node: 'A', ns: 'ns', pid: 1 });
    // no payload at all is an empty one
    expect(await answer('instructor', 'labs:list', () => ({ labs: [] }), undefined)).toEqual({ ok: true, labs: [] });
  });

  it('maps what a handler throws through the one error mapper', async () => {
    const thrown = async (e: unknown) => answer('instructor', 'lab:destroy', () => Promise.reject(e), { name: 'seed' });
    expect(await thrown(new NslabError('busy', 'busy: lab "seed" is being applied by pid 1'))).toEqual({ ok: false, code: 'busy', message: 'busy: lab "seed" is being applied by pid 1' });
    expect(await thrown(new LimitError('too many node views'))).toEqual({ ok: false, code: 'limit', message: 'too many node views' });
  });
});

describe('toFailure', () => {
  it('keeps the problems of an invalid topology', () => {
    const problems = [{ path: 'nodes[0].id', message: 'node id "1" must start with a letter' }];
    expect(toFailure(new TopologyError(problems))).toMatchObject({ ok: false, code: 'invalid', problems });
  });

  it('says file errors as one sentence (server/errors.ts), and only a bug goes to the log', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', errno: -2, syscall: 'open', path: '/nowhere/x.yaml' });
      const f = toFailure(enoent);
      expect(f.code).toBe('io');
      expect(f.message).toContain('/nowhere/x.yaml');
      expect(log).not.toHaveBeenCalled();
      const bug = toFailure(new TypeError('x is undefined\n    at somewhere'));
      expect(bug).toMatchObject({ ok: false, code: 'internal' });
      expect(bug.message).not.toContain('at somewhere');
      expect(log).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
    }
  });
});

describe('isAck (the client checks what came back)', () => {
  const name: RequestName = 'labs:list';
  it.each([
    [{ ok: true, labs: [] }, true],
    [{ ok: false, code: 'busy', message: 'busy' }, true],
    [{ ok: false, code: 'busy' }, false],
    [{ ok: 'yes' }, false],
    [null, false],
    ['ok', false],
    [undefined, false],
  ])('%j → %s', (value, want) => {
    expect(isAck(value, name)).toBe(want);
  });
});
