// `nslab class create|list|show|revoke|end`: a class of seats, each seat a lab of its own with a
// personal token (shown once, stored hashed). Registered on the program by server/cli/main.ts.
import type { Command } from 'commander';
import { NslabError } from '@/lib/errors';
import type { LabsService } from '@/server/labs/types';
import type { ClassStore } from '@/server/classes/store';
import type { Store } from '@/server/store/store';

// What the commands run is loaded when one runs (nslab --help starts with commander alone).
const classesModule = () => import('@/server/classes/classes');

const count = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new NslabError('invalid', `${what}: "${v}" is not a number`);
  return n;
};

export function registerClassCommands(program: Command, service: () => Promise<LabsService>): void {
  let store: Store | undefined;
  const classes = async (): Promise<ClassStore> => {
    const [{ ClassStore: Classes }, { Store: Db }] = await Promise.all([import('@/server/classes/store'), import('@/server/store/store')]);
    return new Classes((store ??= new Db()).db);
  };
  const closeStore = () => store?.close();
  process.once('beforeExit', closeStore);

  const cls = program.command('class').description("a class: a lesson and seats, each seat a lab of its own (isolated host) and a personal token");

  cls
    .command('create')
    .description('create a class: one lab per seat, `<name>-<seat>`, at the start of the lesson (or at --step), and a token per seat (shown once)')
    .argument('<name>', 'class name (1-16 of a-z, 0-9 and -)')
    .requiredOption('--lesson <id>', 'the lesson the class follows')
    .requiredOption('--seats <n>', 'how many seats', count('--seats'))
    .option('--step <k>', 'the step the seats start at (default 0, the start)', count('--step'))
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { lesson: string; seats: number; step?: number; json?: boolean }) => {
      const t0 = Date.now();
      const seats = await (await classesModule()).createClass((await service()), await classes(), { name, lesson: opts.lesson, seats: opts.seats, ...(opts.step !== undefined ? { step: opts.step } : {}) });
      if (opts.json) return void process.stdout.write(JSON.stringify({ class: name, lesson: opts.lesson, seats, ms: Date.now() - t0 }, null, 2) + '\n');
      process.stdout.write(`Class ${name} (lesson ${opts.lesson}): ${seats.length} seats in ${((Date.now() - t0) / 1000).toFixed(1)} s. Each token is shown only now:\n`);
      for (const s of seats) process.stdout.write(`  seat ${String(s.seat).padEnd(3)} lab ${s.lab.padEnd(20)} ${s.join}\n`);
    });

  cls
    .command('list')
    .description('list the classes')
    .action(async () => {
      const list = (await classes()).list();
      if (!list.length) return void process.stdout.write('No classes.\n');
      for (const c of list) process.stdout.write(`${c.name.padEnd(18)} lesson ${c.lesson.padEnd(20)} ${c.seats} seats  since ${c.createdAt}\n`);
    });

  cls
    .command('show')
    .description("a class's seats: their labs, the step each reached, revoked tokens")
    .argument('<name>', 'class name')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const c = (await classes()).get(name);
      if (!c) throw new NslabError('not_found', `there is no class "${name}"`);
      const labs = (await service());
      const seats = (await classes()).seats(name).map((s) => ({ ...s, progress: labs.lessonProgress(s.lab) }));
      if (opts.json) return void process.stdout.write(JSON.stringify({ ...c, seats }, null, 2) + '\n');
      process.stdout.write(`Class ${c.name}: lesson ${c.lesson}, ${c.seats} seats\n`);
      for (const s of seats) {
        const p = s.progress;
        process.stdout.write(`  seat ${String(s.seat).padEnd(3)} lab ${s.lab.padEnd(20)} step ${p?.step ?? '-'}, passed ${p?.passed.length ? p.passed.join(',') : 'none'}${s.revokedAt ? `  token revoked ${s.revokedAt}` : ''}\n`);
      }
    });

  cls
    .command('revoke')
    .description("revoke a seat's token (its lab stays)")
    .argument('<name>', 'class name')
    .argument('<seat>', 'seat number', count('seat'))
    .action(async (name: string, seat: number) => {
      (await classesModule()).revokeSeat(await classes(), name, seat);
      process.stdout.write(`Seat ${seat} of class ${name}: token revoked.\n`);
    });

  cls
    .command('end')
    .description("end a class: destroy and delete every seat's lab, and forget its tokens")
    .argument('<name>', 'class name')
    .action(async (name: string) => {
      const removed = await (await classesModule()).endClass((await service()), await classes(), name);
      process.stdout.write(`Class ${name} ended: ${removed.length} seat lab${removed.length === 1 ? '' : 's'} removed.\n`);
    });
}
