// The `ip -j -batch -` reads nslab runs, each with its commands and the schema of each answer,
// so the lines sent and the shapes read back cannot drift apart.
import type { z } from 'zod';
import { ipArgv } from '../exec';
import { parseBatch } from './check';
import { IpLinks, IpNeighs, IpNetconfs, IpNsids, IpRoutes } from './ip';

export interface IpBatch<S extends readonly z.ZodType[]> {
  /** ip's options before -batch (-j always) */
  options: readonly string[];
  lines: readonly string[];
  schemas: S;
}

const batch = <const S extends readonly z.ZodType[]>(options: readonly string[], lines: readonly string[], schemas: S): IpBatch<S> => ({ options, lines, schemas });

/**
 * The observer: links with addresses, details and counters; routes; forwarding. Routes of every
 * table and both families (a batch line cannot say `-6`, and `table all` is the one that lists
 * both): routesFrom keeps the main table's.
 */
export const OBSERVE = batch(['-j', '-d', '-s'], ['addr show', 'route show table all', 'netconf show'], [IpLinks, IpRoutes, IpNetconfs]);
/** Adoption: the same, plus the nsid map that pairs veth ends across namespaces. */
export const SCAN = batch(['-j', '-d'], ['addr show', 'route show table all', 'netconf show', 'netns list-id'], [IpLinks, IpRoutes, IpNetconfs, IpNsids]);
/** A node view: interfaces, routes, neighbours. */
export const NODE_VIEW = batch(['-j', '-d'], ['addr show', 'route show table main', 'neigh show'], [IpLinks, IpRoutes, IpNeighs]);

export function batchArgv(ns: string, b: IpBatch<readonly z.ZodType[]>): string[] {
  return ipArgv(ns, ...b.options, '-batch', '-');
}

export function batchStdin(b: IpBatch<readonly z.ZodType[]>): string {
  return b.lines.map((l) => `${l}\n`).join('');
}

/** The checked answers of a batch that exited 0; throws a sentence naming the command otherwise. */
export function parseIpBatch<const S extends readonly z.ZodType[]>(b: IpBatch<S>, argv: readonly string[], stdout: string) {
  return parseBatch(argv, b.lines, stdout, b.schemas);
}
