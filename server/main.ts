// The composition root: one Node HTTP server hosting the Next.js dashboard and socket.io,
// sharing one labs service (the same store and engine as the CLI).
// Usage: tsx server/main.ts [--host 127.0.0.1] [--port 3000] [--dev] [--allow-host-shell]
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import next from 'next';
import { createLabsService } from '@/server/labs/service';
import type { LabsService } from '@/server/labs/types';
import { closeToolsRuntime } from '@/server/tools/register';
import { hideFromConfined } from '@/server/kernel/confine';
import { chooseToken, guardHttp, isAuthorized, isSameOrigin } from './auth';
import { broadcastLabEvents } from './gateway';
import { createSocketServer } from './sockets';

export interface ServerOptions {
  host?: string;
  port?: number;
  /** Next in development mode (no build needed, slower pages) */
  dev?: boolean;
  /** default: NSLAB_TOKEN, else random */
  token?: string;
  /** the state folder; default NSLAB_HOME, else /var/lib/nslab */
  home?: string;
  /** print the dashboard URL (default true) */
  announce?: boolean;
  /** offer terminals in this machine's own namespace: full root shells (default false) */
  allowHostShell?: boolean;
}

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 3000;
  const dev = !!opts.dev;
  const token = opts.token ?? chooseToken();
  if (!dev && !existsSync(join(ROOT, '.next', 'BUILD_ID'))) {
    throw new Error('the dashboard is not built yet: run `npm run build` (or `npm start`, which builds it), or start with --dev');
  }

  const labs = createLabsService({ home: opts.home ?? process.env.NSLAB_HOME });
  // shells, probes and captures never see the state folder (its database)
  if (opts.home) hideFromConfined(opts.home);
  // Labs applied or edited with the CLI show here too.
  labs.watchStore();
  // What a crashed apply (of this server, or of the CLI) left half-marked is recovered now.
  void labs.recoverAll().catch((e: unknown) => console.error(`nslab: crash recovery failed: ${e instanceof Error ? e.message : String(e)}`));
  // Next attaches its own 'upgrade' listener to the server it is given; give it a hub instead,
  // so only authorized non-socket.io upgrades (the dev reloader) ever reach it.
  const nextUpgrades = new EventEmitter();
  const app = next({ dev, dir: ROOT, hostname: host, port, httpServer: nextUpgrades as unknown as HttpServer, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();

  const http = createServer((req, res) => {
    if (!guardHttp(req, res, token)) return;
    handle(req, res).catch((e: unknown) => {
      console.error('nslab: page failed', e);
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  });
  http.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith('/socket.io/')) return; // socket.io's own listener answers these
    if (!isAuthorized(req, token) || !isSameOrigin(req)) return void socket.destroy();
    nextUpgrades.emit('upgrade', req, socket, head);
  });

  // socket.io with its limits (message size, unknown requests) and every socket's handlers
  const io = createSocketServer(http, { token, labs, allowHostShell: !!opts.allowHostShell });
  const stopBroadcast = broadcastLabEvents(io, labs);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/?token=${token}`;
  if (opts.announce !== false) console.log(`nslab dashboard: ${url}`);
  if (opts.announce !== false && opts.allowHostShell) console.log('nslab: --allow-host-shell: a terminal on a host that is this machine is a full root shell');

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      stopBroadcast();
      // Shells, captures and monitors started for browsers end with the server.
      await closeToolsRuntime(io);
      await new Promise<void>((r) => io.close(() => r()));
      await app.close?.().catch(() => undefined);
      await closeLabs(labs);
    })());
  return { url, token, close };
}

async function closeLabs(labs: LabsService): Promise<void> {
  const closable = labs as LabsService & { close?: () => Promise<void> };
  await closable.close?.();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '3000' }, dev: { type: 'boolean', default: false },
      'allow-host-shell': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port: "${values.port}" is not a port number (1-65535)`);
  const server = await startServer({ host: values.host, port, dev: values.dev, allowHostShell: values['allow-host-shell'] });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void server.close().finally(() => process.exit(0)));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(`nslab serve: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
