// Wires the in-namespace tools (terminals, node views, ping, rates, capture) onto one
// authenticated socket; server/sockets.ts calls this for every socket it accepted. Each handler
// is registered with server/register.ts (role, payload and errors are checked there) and returns
// what its request answers (lib/protocol.ts); on 'disconnect' everything the socket started
// (shells, captures, monitors) is ended by PID.
import { capMessage, SOCKET_LIMITS } from '@/lib/limits';
import { packetsRoom, type RequestName } from '@/lib/protocol';
import type { LabsService } from '@/server/labs/types';
import { LimitError, register, type Handler, type NslabServer, type NslabSocket } from '@/server/register';
import { CaptureRegistry } from './captures';
import { nodeContext } from './context';
import { NodeViewWatchers } from './node-views';
import { PacketTaps } from './packets';
import { runProbe } from './probe';
import { RatesBroadcaster } from './rates-broadcast';
import { TerminalRegistry } from './terminals';

export interface ToolDeps {
  labs: LabsService;
  /** `nslab serve --allow-host-shell`: terminals may open in this machine's own namespace (full root) */
  allowHostShell?: boolean;
}

/** What the tools share across sockets of one server: limits are global. */
export interface ToolsRuntime {
  terminals: TerminalRegistry;
  captures: CaptureRegistry;
  views: NodeViewWatchers;
  rates: RatesBroadcaster;
  /** packet taps of watched labs (server/tools/packets.ts) */
  packets: PacketTaps;
  /** node views held or being read, all sockets together (SOCKET_LIMITS.nodeWatchesTotal) */
  nodeWatches: { total: number };
}

const runtimes = new WeakMap<NslabServer, ToolsRuntime>();

export function toolsRuntime(io: NslabServer, labs: LabsService, allowHostShell = false): ToolsRuntime {
  let rt = runtimes.get(io);
  if (!rt) {
    rt = {
      terminals: new TerminalRegistry(undefined, allowHostShell), captures: new CaptureRegistry(), views: new NodeViewWatchers(), rates: new RatesBroadcaster(io, labs),
      packets: new PacketTaps(labs, (lab, batch) => io.to(packetsRoom(lab)).emit('lab:packets', batch)),
      nodeWatches: { total: 0 },
    };
    const { packets } = rt;
    rt.rates.quietWhen((lab, since) => packets.quietSince(lab, since));
    runtimes.set(io, rt);
  }
  return rt;
}

/** Ends every shell, capture and monitor of this server (call on shutdown, after io.close()). */
export async function closeToolsRuntime(io: NslabServer): Promise<void> {
  const rt = runtimes.get(io);
  if (!rt) return;
  runtimes.delete(io);
  rt.rates.stop();
  await Promise.all([rt.terminals.closeEverything(), rt.captures.closeEverything(), rt.views.closeAll(), rt.packets.closeEverything()]);
}

export function registerToolHandlers(io: NslabServer, socket: NslabSocket, deps: ToolDeps): void {
  const { labs } = deps;
  const rt = toolsRuntime(io, labs, !!deps.allowHostShell);
  const owner = socket.id;
  const views = new Map<string, () => void>();
  // node views this socket holds or is reading (a slot is taken before the first await, so a
  // burst of requests cannot pass the cap together)
  const held = new Set<string>();
  const release = (key: string) => {
    if (held.delete(key)) rt.nodeWatches.total--;
  };
  rt.rates.ensureRunning();

  const on = <E extends RequestName>(event: E, handler: Handler<E>) => register(socket, event, handler);

  // --- terminals ---
  on('term:open', ({ lab, node, cols, rows }) => {
    const ctx = nodeContext(labs, lab, node);
    const { id, pid } = rt.terminals.open({
      owner, node, ns: ctx.ns, cols, rows,
      onData: (data) => socket.emit('term:data', { id, data }),
      onExit: (code, reason) => socket.emit('term:exit', { id, code, reason }),
      isCongested: () => unsentPackets(socket.conn) > 64,
    });
    return { id, node, ns: ctx.ns, pid };
  });
  on('term:input', ({ id, data }) => (rt.terminals.write(owner, id, data), {}));
  on('term:resize', ({ id, cols, rows }) => (rt.terminals.resize(owner, id, cols, rows), {}));
  on('term:close', async ({ id }) => (await rt.terminals.close(owner, id), {}));

  // --- node views ---
  on('node:watch', async ({ lab, node }) => {
    const key = `${lab}\0${node}`;
    if (!held.has(key)) {
      if (held.size >= SOCKET_LIMITS.nodeWatchesPerSocket)
        throw new LimitError(capMessage('node views', SOCKET_LIMITS.nodeWatchesPerSocket, 'connection', 'close a node view (node:unwatch) first'));
      if (rt.nodeWatches.total >= SOCKET_LIMITS.nodeWatchesTotal)
        throw new LimitError(capMessage('node views', SOCKET_LIMITS.nodeWatchesTotal, 'server', 'close node views in other browsers, or retry later'));
    }
    const ctx = nodeContext(labs, lab, node);
    if (!held.has(key)) {
      held.add(key);
      rt.nodeWatches.total++;
    }
    views.get(key)?.();
    views.delete(key);
    let watched: Awaited<ReturnType<typeof rt.views.watch>>;
    try {
      watched = await rt.views.watch(lab, node, ctx.ns, (v) => socket.emit('node:view', v));
    } catch (e) {
      release(key);
      throw e;
    }
    // the browser may have gone (or unwatched, or watched again) while the view was read:
    // nothing may outlive it, and one view per node
    if (socket.disconnected || !held.has(key)) watched.stop();
    else {
      views.get(key)?.();
      views.set(key, watched.stop);
    }
    return { view: watched.view };
  });
  on('node:unwatch', ({ lab, node }) => {
    const key = `${lab}\0${node}`;
    views.get(key)?.();
    views.delete(key);
    release(key);
    return {};
  });

  // --- ping / traceroute ---
  on('probe:run', async ({ lab, kind, source, target }) => ({
    result: await runProbe(nodeContext(labs, lab, source), kind, target),
  }));

  // --- packets you can watch ---
  on('packets:watch', async ({ lab }) => {
    await socket.join(packetsRoom(lab));
    const status = await rt.packets.watch(owner, lab);
    // the browser may have gone while the taps started: nothing may outlive it
    if (socket.disconnected) await rt.packets.unwatch(owner, lab);
    return { status };
  });
  const unwatchPackets = async (lab: string) => {
    await socket.leave(packetsRoom(lab));
    await rt.packets.unwatch(owner, lab);
  };
  (socket.data.closers ??= []).push(unwatchPackets);
  on('packets:unwatch', async ({ lab }) => {
    await unwatchPackets(lab);
    return {};
  });

  // --- captures ---
  on('capture:start', async ({ lab, node, iface, filter }) => {
    const ctx = nodeContext(labs, lab, node);
    const capture = await rt.captures.start(owner, { lab, node, ns: ctx.ns }, iface, filter, {
      onPackets: (packets, total, bytes) => socket.emit('capture:packets', { id: capture.id, packets, total, bytes }),
      onEnded: (info) => socket.emit('capture:ended', info),
    });
    if (socket.disconnected) await rt.captures.discard(owner, capture.id);
    return { capture };
  });
  on('capture:stop', async ({ id }) => ({ capture: await rt.captures.stop(owner, id) }));
  on('capture:download', ({ id }) => rt.captures.download(owner, id));
  on('capture:discard', async ({ id }) => (await rt.captures.discard(owner, id), {}));

  socket.on('disconnect', () => {
    for (const stop of views.values()) stop();
    views.clear();
    for (const key of [...held]) release(key);
    void rt.terminals.closeAll(owner);
    void rt.captures.closeAll(owner);
    void rt.packets.closeAll(owner);
  });
}

/**
 * How many packets engine.io holds for a connection that the client has not taken yet (its
 * `writeBuffer`, not part of engine.io's typed API: read with a check, 0 if it ever goes).
 */
export function unsentPackets(conn: object): number {
  return 'writeBuffer' in conn && Array.isArray(conn.writeBuffer) ? conn.writeBuffer.length : 0;
}
