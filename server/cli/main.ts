// The nslab command line. Same labs service as the dashboard; errors to stderr, non-zero exit.
// Start-up is kept to commander alone: `nslab --help` must answer at once (it is built to
// JavaScript, see scripts/build-cli.mjs). What a command needs (the labs service with SQLite, zod
// and execa, the exporters, the server) is imported inside its action, when it runs.
import { Command, CommanderError, Option } from 'commander';
import { NslabError } from '@/lib/errors';
import { debugging, explain } from '@/server/errors';
import type { LabsService } from '@/server/labs/types';
import type { PlanView } from '@/server/labs/types';
import { DEFAULT_HOME } from '@/server/store/home';
import { registerCheckCommands } from './check';
import { registerClassCommands } from './class';
import { formatStatus, linesAtOnce, progressLine } from './format';
import { registerShapeCommands } from './shapes';

const program = new Command('nslab')
  .description('Build Linux network namespace labs from a topology file, and read them back from the kernel.')
  .addHelpText(
    'after',
    `
State is kept in NSLAB_HOME (default ${DEFAULT_HOME}). nslab must run as root.
Examples:
  nslab apply examples/seed.yaml --host-netns H   build the tutorial lab with an isolated host
  nslab exec seed A -- ping -c1 10.0.0.3          run a command inside namespace A of lab seed
  nslab destroy seed                              remove everything the lab made`,
  )
  .enablePositionalOptions()
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

let labs: LabsService | undefined;
const service = async () => (labs ??= (await import('@/server/labs/service')).createLabsService());
const readTopology = async (file: string) => (await import('./io')).readTopology(file);
/** What the kernel read after the file is checked needs from a process of its own: asked now, so it runs meanwhile. */
const askAhead = async () => (await import('@/server/kernel/observer')).askNewNamespaceForwardingAhead();

const hostNetnsOption = () =>
  new Option('--host-netns <name>', 'put the lab\'s host side (bridges, host addresses, NAT) in an isolated namespace of this name, created and owned by nslab');

/** --host-netns, checked when the command runs (the schema needs zod, which --help does not load). */
async function hostNetnsOf(opts: { hostNetns?: string }): Promise<{ hostNetns?: string }> {
  if (opts.hostNetns === undefined) return {};
  const r = (await import('@/lib/topology')).netnsNameSchema.safeParse(opts.hostNetns);
  if (!r.success) throw new NslabError('invalid', `--host-netns: ${r.error.issues[0]?.message}`);
  return { hostNetns: opts.hostNetns };
}

program
  .command('apply')
  .description('create or update the lab in FILE (YAML or JSON) so the kernel matches it')
  .argument('<file>', 'topology file (- for standard input)')
  .addOption(hostNetnsOption())
  .option('-q, --quiet', 'print only the summary')
  .option('--step-delay <ms>', 'slow motion for a class: wait this long before each step, one step at a time', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 60_000) throw new NslabError('invalid', `--step-delay: "${v}" is not a number of milliseconds (0-60000)`);
    return n;
  })
  .option('--adopt', 'the file has `adopt: true`: take over the objects it names that nslab did not make (they are listed first)')
  .action(async (file: string, opts: { hostNetns?: string; quiet?: boolean; stepDelay?: number; adopt?: boolean }) => {
    await askAhead();
    const host = await hostNetnsOf(opts);
    const t = await readTopology(file);
    const labs = await service();
    if (labs.replaceBroken(t)) process.stderr.write(`nslab: lab "${t.name}" had a saved topology that is not valid; replacing it with ${file}\n`);
    let planned: PlanView | undefined;
    const progress = linesAtOnce(process.stderr);
    const res = await labs.applyTopology(t, {
      ...host,
      ...(opts.stepDelay ? { stepDelayMs: opts.stepDelay } : {}),
      ...(opts.adopt ? { adopt: true } : {}),
      onPlan: (p) => {
        planned = p;
        if (opts.quiet) return;
        process.stdout.write(p.text + '\n');
        if (p.takeovers.length) process.stdout.write(`Takes over (made without nslab): ${p.takeovers.join(', ')}\n`);
        labs.events.on('progress', (e) => { const l = progressLine(p, e); if (l) progress.write(l); });
      },
    });
    progress.flush();
    if (!res.ok) {
      const e = res.error!;
      throw new NslabError('kernel', `${e.message}\n${e.rolledBack ? 'The apply was rolled back: the kernel is as it was before.' : 'The rollback was incomplete; run `nslab plan` to see what is left.'}`);
    }
    if (!planned?.steps.length) return;
    const s = res.plan.summary;
    process.stdout.write(`Apply complete! ${s.add} added, ${s.change} changed, ${s.destroy} destroyed.\n`);
  });

program
  .command('plan')
  .description('show what apply would change, without changing anything')
  .argument('<file>', 'topology file (- for standard input)')
  .addOption(hostNetnsOption())
  .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
  .option('--json', 'print the plan as JSON')
  .action(async (file: string, opts: { hostNetns?: string; detailedExitcode?: boolean; json?: boolean }) => {
    await askAhead();
    const host = await hostNetnsOf(opts);
    const t = await readTopology(file);
    const p = await (await service()).planTopology(t, host);
    process.stdout.write(opts.json ? JSON.stringify(p, null, 2) + '\n' : p.text + '\n');
    if (p.conflicts.length) process.exitCode = 1;
    else if (opts.detailedExitcode && (p.steps.length > 0 || p.services?.length)) process.exitCode = 2;
  });

program
  .command('routes')
  .description('compute the static routes that let every node reach every other (both families), and show them as changes to FILE')
  .argument('<file>', 'topology file (YAML or JSON)')
  .option('--write', 'add the routes to FILE (comments and layout of a YAML file are kept); apply it then')
  .option('--json', 'print the routes as JSON')
  .addHelpText(
    'after',
    `
Shortest paths through the nodes that forward (role: router, forwarding: true, the host with
forwarding); a namespace that does not forward and has one gateway gets a default route to it.
Routes FILE has already are kept. Nothing is applied: \`nslab plan FILE\` shows the kernel changes.`,
  )
  .action(async (file: string, opts: { write?: boolean; json?: boolean }) => {
    const t = await readTopology(file);
    const { autoRoutes, autoRouteLines, withRoutes } = await import('@/lib/routes-auto');
    const add = autoRoutes(t);
    if (opts.json) {
      process.stdout.write(JSON.stringify(add, null, 2) + '\n');
    } else if (!add.length) {
      process.stdout.write('No routes to add: every node reaches every other already (or no router joins the segments).\n');
    } else {
      process.stdout.write(`Routes to add so every node reaches every other:\n${autoRouteLines(add).join('\n')}\n${add.length} route${add.length > 1 ? 's' : ''} to add.\n`);
    }
    if (!add.length || opts.json) return;
    if (!opts.write) {
      process.stdout.write(`Run \`nslab routes ${file} --write\` to add them to the file, then \`nslab plan ${file}\`.\n`);
      return;
    }
    if (file === '-') throw new NslabError('invalid', '--write needs a file, not standard input');
    const { readFileSync } = await import('node:fs');
    const { updateYamlText } = await import('@/lib/export/topology-file');
    const { writeOutput } = await import('./io');
    writeOutput(file, updateYamlText(readFileSync(file, 'utf8'), withRoutes(t, add)));
    process.stdout.write(`Written to ${file}.\n`);
  });

program
  .command('destroy')
  .description('remove every kernel object of the lab (its isolated host too) and restore host settings it changed')
  .argument('<lab>', 'lab name')
  .action(async (lab: string) => {
    const res = await (await service()).destroy(lab);
    if (!res.ok) throw new NslabError('kernel', res.error!.message);
    process.stdout.write(`Destroy complete! ${res.plan.summary.destroy} destroyed.\n`);
  });

program
  .command('status')
  .description('list the labs, or show one lab as the kernel has it')
  .argument('[lab]', 'lab name')
  .option('--json', 'print JSON')
  .action(async (lab: string | undefined, opts: { json?: boolean }) => {
    const labs = await service();
    await labs.recoverAll();
    if (!lab) {
      const list = labs.list();
      if (opts.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else if (!list.length) process.stdout.write('No labs yet. Create one with `nslab apply FILE`.\n');
      else for (const l of list) process.stdout.write(`${l.name.padEnd(24)} ${l.state.padEnd(12)} rev ${l.rev}  host: ${l.hostNetns || 'this machine'}\n`);
      // A lab whose saved topology is not valid stays listed, marked broken; what is wrong and
      // the fix go to stderr, and the exit code is 1 so scripts notice.
      for (const l of list) {
        if (l.state !== 'broken') continue;
        process.stderr.write(`nslab: lab "${l.name}" is ${l.description ?? 'broken'}\n`);
        process.exitCode = 1;
      }
      return;
    }
    const rec = labs.get(lab);
    const live = await labs.live(lab);
    const { nodeServices } = await import('@/server/services/supervisor');
    const { stateText } = await import('@/lib/services');
    const services = (node: string) => nodeServices(lab, node).map((s) => `service ${s.command}: ${stateText(s)}`);
    process.stdout.write(opts.json ? JSON.stringify({ ...rec, live }, null, 2) + '\n' : formatStatus(rec, live, services));
  });

program
  .command('exec')
  .description("run a command in a node's namespace (node `host` is the lab's host context); exits with the command's code")
  .addHelpText(
    'after',
    `
In a namespace of the lab (its isolated host too) the command runs confined, like a dashboard
terminal: that namespace only, as user nobody with CAP_NET_ADMIN and CAP_NET_RAW, in a private
pid and mount namespace, with a clean environment and a private /tmp. On a host that is this
machine (no isolated host) it runs unconfined, as you (root).`,
  )
  .argument('<lab>', 'lab name')
  .argument('<node>', 'node id, or host')
  .argument('<command...>', 'the command and its arguments, after --')
  .passThroughOptions()
  .action(async (lab: string, node: string, command: string[]) => {
    if (command[0] === '--') command = command.slice(1);
    process.exitCode = await (await import('./exec')).execInNode(await service(), lab, node, command);
  });

program
  .command('export')
  .description('write the lab as a topology file, a diagram or a runnable script')
  .argument('<lab>', 'lab name')
  .addOption(new Option('-f, --format <format>', 'output format').choices(['yaml', 'json', 'mermaid', 'drawio', 'script', 'svg', 'png']).makeOptionMandatory())
  .option('-o, --output <file>', 'write to this file instead of standard output')
  .action(async (lab: string, opts: { format: string; output?: string }) => {
    const { exportTopology } = await import('@/lib/export/index');
    const { writeOutput } = await import('./io');
    const rec = (await service()).get(lab);
    if (opts.format === 'png') {
      const png = await (await import('@/server/export/png')).pngOfTopology(rec.topology);
      return void (opts.output ? writeOutput(opts.output, png) : process.stdout.write(png));
    }
    const text = exportTopology(rec.topology, opts.format as never, { hostNetns: rec.hostNetns });
    if (opts.output) writeOutput(opts.output, text, opts.format === 'script' ? 0o755 : 0o644);
    else process.stdout.write(text);
  });

program
  .command('clean')
  .description('remove every leftover nslab object from the kernel (all labs), e.g. after a crash; never touches anything else')
  .action(async () => {
    const removed = await (await service()).clean();
    process.stdout.write(removed.length ? removed.map((r) => `removed ${r}`).join('\n') + '\n' : 'Nothing to clean.\n');
  });

program
  .command('serve')
  .description('start the dashboard (Next.js and socket.io) on 127.0.0.1:3000; HTTPS with --tls-cert and --tls-key')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new NslabError('invalid', `--port: "${v}" is not a port number (1-65535)`);
    return n;
  }, 3000)
  .option('--dev', 'run Next.js in development mode')
  .option('--allow-host-shell', "offer terminals on a host that is this machine's own namespace: full root shells (other terminals, probes and captures are always confined to their namespace)")
  .option('--tls-cert <file>', 'serve over HTTPS with this PEM certificate (needs --tls-key); without it, a --host other than loopback sends the token in clear')
  .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
  .action(async (opts: { host: string; port: number; dev?: boolean; allowHostShell?: boolean; tlsCert?: string; tlsKey?: string }) => {
    const { startServer } = await import('@/server/main');
    const server = await startServer({ host: opts.host, port: opts.port, dev: !!opts.dev, allowHostShell: !!opts.allowHostShell, tlsCert: opts.tlsCert, tlsKey: opts.tlsKey });
    keepRunning = true;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => void server.close().finally(() => process.exit(0)));
    }
  });

// nslab reach, nslab check, nslab lesson (server/cli/check.ts)
registerCheckCommands(program, service);
// nslab class (server/cli/class.ts)
registerClassCommands(program, service);
// nslab new, nslab addr (server/cli/shapes.ts)
registerShapeCommands(program, service);

let keepRunning = false;

async function main(): Promise<void> {
  // `nslab status | head`: a reader that goes away early is not an error; other output errors
  // (a full disk under `> FILE`) are reported like any other.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.stderr.write(`nslab: ${explain(e).message}\n`);
    process.exit(e.code === 'EPIPE' ? (process.exitCode ?? 0) : 1);
  });
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    process.exitCode = await report(e);
  } finally {
    if (!keepRunning) await labs?.close().catch(() => undefined);
  }
}

async function report(e: unknown): Promise<number> {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
  const { formatProblem, TopologyError } = await import('@/lib/validate');
  if (e instanceof TopologyError) {
    process.stderr.write(`nslab: the topology is not valid:\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
    return 1;
  }
  // Every other error (files, the database, sockets, a bug) is one sentence naming the thing
  // and the fix (server/errors.ts); the stack only with NSLAB_DEBUG=1.
  process.stderr.write(`nslab: ${explain(e).message}\n`);
  if (debugging() && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}

// not awaited at the top: the build is one CommonJS file (scripts/build-cli.mjs); main never throws
void main();
