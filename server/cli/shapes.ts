// `nslab new` (a whole lab from a shape, lib/shapes.ts) and `nslab addr` (fill a lab's missing
// addresses from a pool, lib/autoaddr.ts). Registered on the program by server/cli/main.ts.
import { Option, type Command } from 'commander';
import { NslabError } from '@/lib/errors';
import type { LabsService } from '@/server/labs/types';

const SHAPE_HELP = `
Shapes (--size counts the namespaces n1..nN; a star's counts its spokes):
  line   a chain n1 - n2 - ... - nN
  ring   a cycle, the line closed (needs --routed)
  star   spokes around a centre (a bridge br0, or with --routed the router "hub")
  tree   a binary tree: n1 the root, ni's children n2i and n2i+1
  mesh   every namespace linked to every other (needs --routed)
With --routed the namespaces are routers joined by point-to-point links, each its own /30 from the
pool; a namespace with two or more links forwards (role: router), and every node gets static
routes to every subnet, via a shortest path.
Without it the shape is layer 2: a bridge (switch) s1..sN per namespace, joined as the shape (a
star: one bridge br0), one subnet, no routes. A ring or mesh of bridges would be a loop, and
nslab's bridges run without STP (a broadcast storm), so those two need --routed.
The host is linked to n1 (or the centre) and reaches every node; its side is an isolated host
namespace <name>-host unless --host-netns says otherwise ('' = this machine).
Limits: 1024 nodes and 2048 links per generated lab, 1023 ports per bridge. The kernel's ARP
table is shared by all namespaces (1024 entries by default): a layer-2 lab of more than 31
namespaces cannot have every pair talk at once (a note says so); --routed can.
Examples:
  nslab new --shape ring --size 6 --routed -o ring6.yaml && nslab apply ring6.yaml && nslab reach ring6
  nslab new --shape star --size 20 --name class1 | nslab apply -`;

export function registerShapeCommands(program: Command, service: () => Promise<LabsService>): void {
  program
    .command('new')
    .description('write a new lab of a given shape (line, ring, star, tree, mesh) with addresses, routes and a layout')
    .addOption(new Option('--shape <shape>', 'the shape').choices(['line', 'ring', 'star', 'tree', 'mesh']).makeOptionMandatory())
    .requiredOption('--size <n>', 'how many namespaces (a star: spokes)')
    .option('--routed', 'routers and point-to-point links with static routes, instead of bridges and one subnet')
    .option('--name <lab>', 'the lab name (default: the shape and size, e.g. ring6)')
    .option('--pool <cidr>', 'where the addresses come from', '10.0.0.0/8')
    .option('--host-netns <name>', "the lab's isolated host namespace (default <name>-host; '' = this machine's own namespace)")
    .addOption(new Option('-f, --format <format>', 'file format').choices(['yaml', 'json']).default('yaml'))
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .addHelpText('after', SHAPE_HELP)
    .action(async (opts: { shape: string; size: string; routed?: boolean; name?: string; pool: string; hostNetns?: string; format: string; output?: string }) => {
      const size = /^\d{1,7}$/.test(opts.size) ? Number(opts.size) : NaN;
      if (Number.isNaN(size)) throw new NslabError('invalid', `--size: "${opts.size}" is not a whole number of namespaces`);
      if (opts.hostNetns) {
        const r = (await import('@/lib/topology')).netnsNameSchema.safeParse(opts.hostNetns);
        if (!r.success) throw new NslabError('invalid', `--host-netns: ${r.error.issues[0]?.message}`);
      }
      const { generateShape, shapeNotes } = await import('@/lib/shapes');
      const t = generateShape({ shape: opts.shape as never, size, routed: !!opts.routed, pool: opts.pool, ...(opts.name !== undefined ? { name: opts.name } : {}), ...(opts.hostNetns !== undefined ? { hostNetns: opts.hostNetns } : {}) });
      for (const note of shapeNotes({ shape: opts.shape as never, size, routed: !!opts.routed })) process.stderr.write(`nslab: note: ${note}\n`);
      const { toJson, toYaml } = await import('@/lib/export/topology-file');
      const text = opts.format === 'json' ? toJson(t) : toYaml(t);
      if (opts.output) {
        (await import('./io')).writeOutput(opts.output, text);
        process.stderr.write(`nslab: wrote lab "${t.name}" (${t.nodes.length} nodes, ${t.links.length} links) to ${opts.output}\n`);
      } else process.stdout.write(text);
    });

  program
    .command('addr')
    .description("fill every missing address of a saved lab from a pool, one subnet per segment; prints the change, and saves it with --save")
    .argument('<lab>', 'lab name')
    .option('--pool <cidr>', 'where new subnets come from', '10.0.0.0/8')
    .option('--save', "save the change as the lab's next revision (then `nslab apply` or the dashboard applies it)")
    .addHelpText('after', `
Every end of a link that can hold an address (a namespace's or the host's; a bridge port holds
none) and has none gets one. A segment is a point-to-point link (a new /30) or a bridge with the
bridges linked to it (a new /24, or bigger for more ends); a segment that already has an address
keeps its subnet. Addresses already set, routes and their gateways never change, and a new subnet
never overlaps one the lab uses. Without --save nothing is changed.`)
    .action(async (lab: string, opts: { pool: string; save?: boolean }) => {
      const labs = await service();
      const rec = labs.get(lab);
      const { assignAddresses, assignmentsText } = await import('@/lib/autoaddr');
      const r = assignAddresses(rec.topology, { pool: opts.pool });
      process.stdout.write(`Addresses for lab ${lab}:\n${assignmentsText(r)}`);
      if (!r.assignments.length) return;
      if (!opts.save) return void process.stdout.write('Nothing saved: run again with --save to save this change.\n');
      const saved = labs.save(r.topology, rec.rev);
      process.stdout.write(`Saved as revision ${saved.rev}. Run \`nslab plan\`/\`nslab apply\` with the exported file, or apply it in the dashboard.\n`);
    });
}
