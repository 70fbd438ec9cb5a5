// What nslab reads from nft: the names of a namespace's tables (`nft -j list tables ip`) and one
// lab's NAT table (`nft list table ip T`, as text: nft 1.0's JSON leaves out the table's comment,
// which is nslab's ownership mark).
import { z } from 'zod';
import type { KNat, KNatRule } from '@/lib/kernel-state';
import { natRuleKey } from '@/lib/packets';
import { parseJson, readFailure } from './check';

const NftList = z.object({
  nftables: z.array(z.object({ table: z.object({ family: z.string().optional(), name: z.string().min(1) }).optional() })),
});

/** Table names from `nft -j list tables`; empty output is no table. */
export function parseNftTables(command: string, text: string): string[] {
  const list = parseJson(command, text, NftList, { nftables: [] });
  return list.nftables.flatMap((i) => (i.table ? [i.table.name] : []));
}

/**
 * A lab's NAT table from `nft list table ip T`: its comment (the mark) and its masquerade rules
 * (`ip saddr P oifname "X" … masquerade`); other rules are not nslab's shape and are left out.
 * Text that is not a listing of table T is refused with a sentence naming the command.
 */
export function natFromText(table: string, text: string): KNat & { mark: string | null } {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== `table ip ${table} {` || lines[lines.length - 1] !== '}') {
    throw readFailure(`nft list table ip ${table}`, `it is not a listing of table ip ${table}`);
  }
  let mark: string | null = null;
  const rules: KNatRule[] = [];
  let depth = 0;
  for (const line of lines) {
    if (line.endsWith('{')) depth += 1;
    if (line === '}') depth -= 1;
    const comment = /^comment "((?:[^"\\]|\\.)*)"$/.exec(line);
    if (comment && depth === 1) mark = comment[1] ?? null;
    const rule = /^ip saddr (\S+) oifname "([^"]+)"(?: .*)? masquerade(?: .*)?$/.exec(line);
    if (rule) {
      const src = rule[1] as string;
      rules.push({ source: src.includes('/') ? src : `${src}/32`, out: rule[2] as string });
    }
  }
  return { table, rules, mark };
}

/**
 * The packet counter of each masquerade rule of a lab's NAT table (`counter packets N bytes M`),
 * by rule key (lib/packets.ts natRuleKey); a rule without a counter is left out.
 */
export function natCountersFromText(table: string, text: string): Record<string, number> {
  natFromText(table, text); // refuses what is not a listing of the table
  const out: Record<string, number> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const rule = /^ip saddr (\S+) oifname "([^"]+)"(?: .*)? counter packets (\d+) bytes \d+(?: .*)? masquerade(?: .*)?$/.exec(line);
    if (!rule) continue;
    const src = rule[1] as string;
    out[natRuleKey({ source: src.includes('/') ? src : `${src}/32`, out: rule[2] as string })] = Number(rule[3]);
  }
  return out;
}
