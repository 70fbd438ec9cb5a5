// A lab applied with the CLI shows in the dashboard: the server's labs service notices what the
// CLI process writes to the shared store (labs, states, revisions, the command log).
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandLogEntry, LabRecord, LabSummary } from '@/server/labs/types';
import { createLabsService } from '@/server/labs/service';
import { netnsList, nslabIn, removeNamespaces, rmHome, SEED, tempHome } from './cli-helpers';

const home = tempHome();
const nslab = nslabIn(home);
const labs = createLabsService({ home });

afterAll(async () => {
  await nslab('destroy', 'seed');
  await labs.close();
  await removeNamespaces(netnsList().filter((n) => n.startsWith('seed-') || n === 'HS'));
  rmHome(home);
});

describe('the server sees the CLI', () => {
  it('emits the lab, its state, its revisions and its commands as the CLI writes them', async () => {
    const changed: (LabSummary | { name: string; deleted: true })[] = [];
    const saved: LabRecord[] = [];
    const commands: CommandLogEntry[] = [];
    labs.events.on('changed', (c) => changed.push(c));
    labs.events.on('saved', (r) => saved.push(r));
    labs.events.on('command', (c) => commands.push(c));
    labs.watchStore(50);

    const r = await nslab('apply', SEED, '--host-netns', 'HS');
    expect(r.exitCode, r.stderr).toBe(0);
    await until(() => changed.some((c) => 'state' in c && c.name === 'seed' && c.state === 'applied'));
    expect(saved.map((s) => s.name)).toContain('seed');
    expect(labs.list().map((l) => [l.name, l.state])).toEqual([['seed', 'applied']]);
    // the command that claims the namespace's name (/run/netns/seed-A), as the CLI ran it
    await until(() => commands.some((c) => c.argv.some((a) => a === 'of=/run/netns/seed-A')));
    expect(commands.every((c) => c.lab === 'seed' && c.phase === 'apply')).toBe(true);

    const d = await nslab('destroy', 'seed');
    expect(d.exitCode).toBe(0);
    await until(() => changed.some((c) => 'state' in c && c.name === 'seed' && c.state === 'not-applied'));
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}
