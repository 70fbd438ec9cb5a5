// The composition root: one Node HTTP server hosting the Next.js dashboard and socket.io,
// sharing one labs service (the same store and engine as the CLI).
// Usage: tsx server/main.ts [--host 127.0.0.1] [--port 3000] [--dev] [--allow-host-shell] [--tls-cert FILE --tls-key FILE]
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import next from 'next';
import { NslabError } from '@/lib/errors';
import { createLabsService } from '@/server/labs/service';
import type { LabsService } from '@/server/labs/types';
import { closeToolsRuntime } from '@/server/tools/register';
import { hideFromConfined } from '@/server/kernel/confine';
import { chooseToken, clearTextWarning, guardHttp, isAuthorized, isSameOrigin } from './auth';
import { explain, fileError } from './errors';
import { broadcastLabEvents } from './gateway';
import { createSocketServer } from './sockets';
import { ClassStore } from './classes/store';
import { Store } from './store/store';

export interface ServerOptions {
  host?: string;
  port?: number;
  /** Next in development mode (no build needed, slower pages) */
  dev?: boolean;
  /** default: NSLAB_TOKEN, else random */
  token?: string;
  /** the state folder; default NSLAB_HOME, else /var/lib/nslab */
  home?: string;
  /** print the dashboard URL, and the warning when served in clear beyond loopback (default true) */
  announce?: boolean;
  /** offer terminals in this machine's own namespace: full root shells (default false) */
  allowHostShell?: boolean;
  /** serve over HTTPS with this PEM certificate (chain) and its private key; both or neither */
  tlsCert?: string;
  tlsKey?: string;
}

/** Reads and checks the certificate and key (both or neither); errors say which file and why. */
export function loadTls(certFile?: string, keyFile?: string): { cert: Buffer; key: Buffer } | null {
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    throw new NslabError('invalid', `${certFile === undefined ? '--tls-key' : '--tls-cert'} needs ${certFile === undefined ? '--tls-cert' : '--tls-key'} too: give both a PEM certificate and its private key to serve over HTTPS, or neither`);
  }
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw fileError(e, 'read', file, what);
    }
  };
  const cert = read(certFile, 'the TLS certificate');
  const key = read(keyFile, 'the TLS private key');
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const why = /key values mismatch/i.test(msg)
      ? 'the key is not the private key of that certificate'
      : /PEM|no start line|asn1|decoder|bad base64/i.test(msg)
        ? 'one of them is not in PEM format'
        : msg;
    throw new NslabError('invalid', `cannot serve HTTPS with the certificate ${certFile} and the key ${keyFile}: ${why}; give a PEM certificate and its matching private key (e.g. made with \`openssl req -x509 -newkey rsa:2048 -nodes\`)`);
  }
  return { cert, key };
}

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

// the checkout: this file is server/main.ts, or a chunk of the built command in dist/cli-<hash>/
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, basename(dirname(HERE)) === 'dist' ? '../..' : '..');

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 3000;
  const dev = !!opts.dev;
  const token = opts.token ?? chooseToken();
  const tls = loadTls(opts.tlsCert, opts.tlsKey);
  const scheme = tls ? 'https' : 'http';
  if (!dev && !existsSync(join(ROOT, '.next', 'BUILD_ID'))) {
    throw new NslabError('invalid', 'the dashboard is not built yet: run `npm run build` (or `npm start`, which builds it), or start with --dev');
  }

  const labs = createLabsService({ home: opts.home ?? process.env.NSLAB_HOME });
  // seats of classes: their tokens (hashed) open their own lab only
  const classDb = new Store(opts.home ?? process.env.NSLAB_HOME);
  const classes = new ClassStore(classDb.db);
  const seatOf = (t: string) => classes.seatOf(t);
  // shells, probes and captures never see the state folder (its database)
  if (opts.home) hideFromConfined(opts.home);
  // Labs applied or edited with the CLI show here too.
  labs.watchStore();
  // What a crashed apply (of this server, or of the CLI) left half-marked is recovered now.
  void labs.recoverAll().catch((e: unknown) => console.error(`nslab: crash recovery failed: ${e instanceof Error ? e.message : String(e)}`));
  // Next attaches its own 'upgrade' listener to the server it is given; give it a hub instead,
  // so only authorized non-socket.io upgrades (the dev reloader) ever reach it: a server that
  // never listens, whose only events are the upgrades passed on below.
  const nextUpgrades: HttpServer = createServer();
  const app = next({ dev, dir: ROOT, hostname: host, port, httpServer: nextUpgrades, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (!guardHttp(req, res, token, !!tls, seatOf)) return;
    handle(req, res).catch((e: unknown) => {
      console.error('nslab: page failed', e);
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  };
  // With a certificate, Node's own https serves the same handlers (Next and socket.io) over TLS.
  const http = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createServer(onRequest);
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    if (req.url?.startsWith('/socket.io/')) return; // socket.io's own listener answers these
    if (!isAuthorized(req, token) || !isSameOrigin(req, scheme)) return void socket.destroy();
    nextUpgrades.emit('upgrade', req, socket, head);
  });

  // socket.io with its limits (message size, unknown requests) and every socket's handlers
  const io = createSocketServer(http, { token, labs, scheme, allowHostShell: !!opts.allowHostShell, seatOf, classes });
  const stopBroadcast = broadcastLabEvents(io, labs);

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
  } catch (e) {
    // Nothing keeps running after a failed start (port in use, address not ours).
    stopBroadcast();
    await new Promise<void>((r) => io.close(() => r()));
    await app.close?.().catch(() => undefined);
    await labs.close();
    classDb.close();
    throw e;
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}://${shown}:${port}/?token=${token}`;
  if (opts.announce !== false) {
    const warning = clearTextWarning(host, !!tls);
    if (warning) console.error(`nslab: warning: ${warning}`);
    console.log(`nslab dashboard: ${url}`);
    if (opts.allowHostShell) console.log('nslab: --allow-host-shell: a terminal on a host that is this machine is a full root shell');
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      stopBroadcast();
      // Shells, captures and monitors started for browsers end with the server.
      await closeToolsRuntime(io);
      await new Promise<void>((r) => io.close(() => r()));
      await app.close?.().catch(() => undefined);
      await labs.close();
      classDb.close();
    })());
  return { url, token, close };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '3000' },
      dev: { type: 'boolean', default: false },
      'allow-host-shell': { type: 'boolean', default: false },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NslabError('invalid', `--port: "${values.port}" is not a port number (1-65535)`);
  const server = await startServer({ host: values.host, port, dev: values.dev, allowHostShell: values['allow-host-shell'], tlsCert: values['tls-cert'], tlsKey: values['tls-key'] });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void server.close().finally(() => process.exit(0)));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(`nslab serve: ${explain(e).message}`);
    if (process.env.NSLAB_DEBUG && process.env.NSLAB_DEBUG !== '0' && e instanceof Error) console.error(e.stack);
    process.exit(1);
  });
}
