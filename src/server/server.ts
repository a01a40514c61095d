/**
 * A Vellum server: listeners, clients, the keyspace and the subsystems around it. Nothing
 * here is process-global, so one process can run several servers (the tests do).
 *
 * Loop-turn protocol (Redis's beforeSleep, design.md "the hot path"):
 *  1. read events parse and run commands; each client with output joins pendingWrites and
 *     the first one schedules flushPending with setImmediate, which runs in the same loop
 *     turn after the poll phase;
 *  2. flushPending first lets beforeReplies hooks run (the AOF writer: this turn's records
 *     in one write, and for `appendfsync always` the fsync that covers them, before any
 *     reply that depends on them is released), then writes each client's replies in one
 *     socket.write.
 * Cron (serverCron) runs `hz` times a second: active expiry in ~1 ms slices, blocked-client
 * and idle-client timeouts, persistence's save points.
 */

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { existsSync, statSync, unlinkSync, chmodSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Config, type ConfigOptions, type ConfigValue, type BindAddress, VERSION } from '../config/config.js';
import { Keyspace } from '../store/index.js';
import { WRITE, type CommandSpec } from '../commands/spec.js';
import { commandsByName } from '../commands/index.js';
import { Persistence } from '../persistence/index.js';
import { BlockingManager } from './blocking.js';
import { Client, type SyncGate } from './client.js';
import { Dispatcher } from './dispatcher.js';
import { Logger } from './log.js';
import { notifyKeyspaceEvent } from './notify.js';
import { NOTIFY_EXPIRED } from '../config/keyspace-events.js';
import { Propagator } from './propagate.js';
import { PubSub } from './pubsub.js';

export interface ServerStats {
  startedAt: number;
  connectionsReceived: number;
  rejectedConnections: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  /** Read events and socket writes, as Redis's total_reads/writes_processed. */
  readsProcessed: number;
  writesProcessed: number;
  errorReplies: number;
}

export class Server {
  readonly config: Config;
  readonly log: Logger;
  readonly keyspace: Keyspace;
  readonly dispatcher: Dispatcher;
  readonly propagator = new Propagator();
  readonly pubsub: PubSub;
  readonly blocking: BlockingManager;
  readonly persistence: Persistence;
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly stats: ServerStats = {
    startedAt: Date.now(), connectionsReceived: 0, rejectedConnections: 0, commandsProcessed: 0,
    netInputBytes: 0, netOutputBytes: 0, readsProcessed: 0, writesProcessed: 0, errorReplies: 0,
  };
  /** Shared by every client's parser; CONFIG SET updates it in place. */
  readonly parserLimits: { maxBulkLen: number; maxQueryBuffer: number };
  /** Absolute data directory (Redis chdirs to `dir`; a library must not). */
  dir: string;
  notifyFlags: number;
  nextClientId = 1;
  /** True while a dataset is loading: only LOADING-flagged commands run. */
  loading = false;
  /** DEBUG SET-ACTIVE-EXPIRE: the cron's active expiry cycle runs only while true. */
  activeExpireEnabled = true;
  /** MISCONF and friends: the error writes get while persistence is failing, or null. */
  diskErrorRefusal: string | null = null;
  /** Run before replies are written, once per loop turn (the AOF writer). */
  readonly beforeReplies: (() => void)[] = [];
  /** appendfsync always: holds write replies until their fsync (set by the AOF writer). */
  syncGate: SyncGate | null = null;
  readonly tcpPort: number | null = null;
  readonly runId: string;

  private readonly listeners: NetServer[] = [];
  /** The Unix socket and pid file this server created, to remove at close. */
  private unixsocketPath: string | null = null;
  private pidfilePath: string | null = null;
  private pendingWrites: Client[] = [];
  private flushScheduled = false;
  private cron: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  constructor(config: Config) {
    this.config = config;
    this.dir = resolve(config.string('dir'));
    this.log = new Logger(config.string('loglevel'), config.string('logfile'), this.dir);
    this.keyspace = new Keyspace(config.number('databases'));
    this.parserLimits = {
      maxBulkLen: config.number('proto-max-bulk-len'),
      maxQueryBuffer: config.number('client-query-buffer-limit'),
    };
    this.notifyFlags = config.number('notify-keyspace-events');
    this.runId = randomHex(40);
    this.dispatcher = new Dispatcher(this);
    this.pubsub = new PubSub(this);
    this.blocking = new BlockingManager(this);
    this.persistence = new Persistence(this);
    this.keyspace.onExpired = (db, key) => {
      this.propagator.also(db.id, [config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
      notifyKeyspaceEvent(this, NOTIFY_EXPIRED, 'expired', key, db.id);
    };
    config.applyHook = (name, value) => this.applyConfig(name, value);
  }

  /**
   * Listen on the configured addresses, write the pid file and start the cron. Paths in
   * `unixsocket`, `logfile` and `pidfile` are relative to `dir`, as in Redis, which chdir()s
   * there first. A failure closes whatever was already bound.
   */
  async listen(): Promise<void> {
    const dirError = directoryError(this.dir);
    if (dirError !== null) throw new Error(`Can't chdir to '${this.config.string('dir')}': ${dirError}`);
    this.log.checkFile();
    try {
      await this.listenAll();
    } catch (err) {
      await Promise.all(this.listeners.map((l) => new Promise<void>((done) => l.close(() => done()))));
      this.listeners.length = 0;
      throw err;
    }
    const pidfile = this.config.string('pidfile');
    if (pidfile !== '') this.createPidFile(resolve(this.dir, pidfile));
    this.cron = setInterval(() => this.serverCron(), cronInterval(this.config.number('hz')));
    this.cron.unref();
  }

  /**
   * Redis's listenToPort: each `bind` address in turn, all on one port (`port 0`: the one
   * the first listener got). An address the host does not have is skipped when marked
   * optional (`-`), one whose family the host lacks is always skipped; any other failure
   * fails start-up.
   */
  private async listenAll(): Promise<void> {
    const port = this.config.number('port');
    if (port !== 0 || this.config.string('unixsocket') === '') {
      let bound = port;
      for (const addr of this.config.get('bind') as readonly BindAddress[]) {
        try {
          bound = await this.listenTcp(addr.host, bound);
          (this as { tcpPort: number | null }).tcpPort = bound;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          this.log.warning(`Warning: Could not create server TCP listening socket ${addr.host}:${port}: ${(err as Error).message}`);
          if ((code === 'EADDRNOTAVAIL' && addr.optional) || UNSUPPORTED_FAMILY.has(code ?? '')) continue;
          throw new Error(`Failed listening on port ${port} (tcp), aborting: ${(err as Error).message}`);
        }
      }
    }
    const unixsocket = this.config.string('unixsocket');
    if (unixsocket !== '') {
      this.unixsocketPath = resolve(this.dir, unixsocket);
      await this.listenUnix(this.unixsocketPath);
    }
    if (this.listeners.length === 0) throw new Error('Configured to not listen anywhere, exiting.');
  }

  private listenTcp(host: string, port: number): Promise<number> {
    return new Promise((resolvePort, reject) => {
      const srv = createServer({ noDelay: true }, (socket) => this.accept(socket));
      srv.once('error', reject);
      // Redis's wildcards: `*` is every IPv4 address, `::*` every IPv6 one. An IPv6
      // listener is IPv6-only (IPV6_V6ONLY, as Redis sets it), so that `* ::*` can both bind.
      const ipv6 = host.includes(':');
      const listenHost = host === '*' ? '0.0.0.0' : host === '::*' ? '::' : host;
      srv.listen({ host: listenHost, port, backlog: this.config.number('tcp-backlog'), ipv6Only: ipv6 }, () => {
        srv.off('error', reject);
        this.listeners.push(srv);
        const addr = srv.address();
        resolvePort(typeof addr === 'object' && addr !== null ? addr.port : port);
      });
    });
  }

  private listenUnix(path: string): Promise<void> {
    if (existsSync(path)) unlinkSync(path);
    return new Promise((done, reject) => {
      const srv = createServer((socket) => this.accept(socket));
      srv.once('error', reject);
      srv.listen(path, () => {
        srv.off('error', reject);
        const perm = this.config.number('unixsocketperm');
        if (perm !== 0) chmodSync(path, perm);
        this.listeners.push(srv);
        done();
      });
    });
  }

  /**
   * Redis's createPidFile: best effort, as there (a pid file that cannot be written does
   * not stop the server; Vellum logs why). Removed again by close().
   */
  private createPidFile(path: string): void {
    try {
      writeFileSync(path, `${process.pid}\n`);
      this.pidfilePath = path;
    } catch (err) {
      this.log.warning(`Failed to write PID file: ${(err as Error).message}`);
    }
  }

  private accept(socket: Socket): void {
    this.stats.connectionsReceived++;
    if (this.clients.size >= this.config.number('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (this.config.bool('protected-mode') && this.config.string('requirepass') === '' && !isLocalSocket(socket)) {
      this.stats.rejectedConnections++;
      socket.end(PROTECTED_MODE_DENIED);
      return;
    }
    socket.setNoDelay(true);
    const keepalive = this.config.number('tcp-keepalive');
    if (keepalive > 0 && socket.remoteAddress !== undefined) socket.setKeepAlive(true, keepalive * 1000);
    const remote = socket.remoteAddress === undefined ? `${this.config.string('unixsocket')}:0` : `${socket.remoteAddress}:${socket.remotePort}`;
    const local = socket.localAddress === undefined ? `${this.config.string('unixsocket')}:0` : `${socket.localAddress}:${socket.localPort}`;
    const c = new Client(this, socket, remote, local);
    this.clients.set(c.id, c);
    socket.on('data', (chunk: Buffer) => {
      this.stats.netInputBytes += chunk.length;
      this.stats.readsProcessed++;
      c.onData(chunk);
    });
    socket.on('error', () => c.close());
    socket.on('close', () => c.close());
  }

  /** Queue a client's replies for this loop turn's flush. */
  scheduleWrite(c: Client): void {
    if (c.pendingWrite) return;
    c.pendingWrite = true;
    this.pendingWrites.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
  }

  private flushPending(): void {
    this.flushScheduled = false;
    for (const hook of this.beforeReplies) hook();
    const clients = this.pendingWrites;
    this.pendingWrites = [];
    for (let i = 0; i < clients.length; i++) {
      clients[i]!.flush();
    }
  }

  /** Forget a closing client: queues, subscriptions, watches. */
  unlinkClient(c: Client): void {
    this.clients.delete(c.id);
    if (c.syncBarriers !== null) this.syncGate?.forget(c);
    this.monitors.delete(c);
    this.blocking.unblock(c);
    this.pubsub.removeClient(c);
    unwatchAll(c);
  }

  /** The refusal a command gets while persistence is failing, or null. */
  writeRefusal(cmd: CommandSpec): string | null {
    if (this.diskErrorRefusal === null) return null;
    return cmd.flags & WRITE || cmd.name === 'ping' ? this.diskErrorRefusal : null;
  }

  /** MONITOR: every command, as Redis prints it, to every monitoring client. */
  feedMonitors(c: Client, argv: readonly string[]): void {
    // Microseconds, as Redis's gettimeofday; a unix-socket client shows as unix:<path>.
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    const addr = c.socket !== null && c.socket.remoteAddress === undefined ? `unix:${this.config.string('unixsocket')}` : c.remote;
    let line = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [${c.db.id} ${addr}]`;
    for (const arg of argv) line += ' "' + escapeForMonitor(arg) + '"';
    for (const m of this.monitors) {
      m.addReplyStatus(line);
      this.scheduleWrite(m);
    }
  }

  private serverCron(): void {
    const now = Date.now();
    if (this.activeExpireEnabled) this.keyspace.activeExpireCycle(1);
    this.propagator.endUnit(false);
    if (this.blocking.blockedClients.size > 0) this.blocking.checkTimeouts(now);
    const timeout = this.config.number('timeout') * 1000;
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        if (c.blocked === null && !c.inPubSub && !c.monitor && now - c.lastInteraction > timeout) {
          this.log.verbose('Closing idle client');
          c.close();
        }
      }
    }
    this.persistence.cron(now);
  }

  private applyConfig(name: string, value: ConfigValue): string | null {
    switch (name) {
      case 'loglevel': this.log.setLevel(value as string); break;
      case 'notify-keyspace-events': this.notifyFlags = value as number; break;
      case 'requirepass':
        // Without a password the default user is nopass: every connection may run commands.
        if (value === '') {
          for (const c of this.clients.values()) {
            c.authenticated = true;
            c.parser.authRequired = false;
          }
        }
        break;
      case 'proto-max-bulk-len': this.parserLimits.maxBulkLen = value as number; break;
      case 'client-query-buffer-limit': this.parserLimits.maxQueryBuffer = value as number; break;
      case 'hz':
        if (this.cron !== null) {
          clearInterval(this.cron);
          this.cron = setInterval(() => this.serverCron(), cronInterval(value as number));
          this.cron.unref();
        }
        break;
      case 'dir': {
        // The config holds the absolute path (resolved against the previous dir).
        const error = directoryError(value as string);
        if (error !== null) return error;
        this.dir = value as string;
        this.log.setDir(this.dir);
        break;
      }
      default:
        return this.persistence.applyConfig(name, value);
    }
    return null;
  }

  /** The start-up banner, in Redis's words where Redis has them. */
  logBanner(): void {
    this.log.notice('oO0OoO0OoO0Oo Vellum is starting oO0OoO0OoO0Oo');
    this.log.notice(`Vellum version=${VERSION}, node=${process.version}, bits=64, pid=${process.pid}, just started`);
    if (this.config.file === null) this.log.notice('Warning: no config file specified, using the default config.');
    else this.log.notice(`Configuration loaded from ${resolve(this.config.file)}`);
    if (this.config.bool('daemonize')) {
      this.log.warning('daemonize yes is ignored: Vellum cannot fork, so it runs in the foreground. Run it under a supervisor (systemd Type=simple).');
    }
    for (const name of this.config.inertChanged()) {
      if (name === 'daemonize') continue;
      this.log.warning(`Directive '${name}' is accepted for compatibility and has no effect in Vellum.`);
    }
    this.log.notice(`Running mode=standalone, port=${this.tcpPort ?? 0}.`);
    this.log.notice(`Data directory ${this.dir}`);
  }

  /**
   * SIGTERM or SIGINT, as Redis's cron acts on shutdown_asap: save as `shutdown-on-sigterm`
   * / `-sigint` and the save points say, then close. A failed save (without `force`) cancels
   * the shutdown and the server keeps running, as Redis does: exiting would lose every write
   * since the last good save. Returns the closing promise, or null when cancelled.
   */
  shutdownOnSignal(signal: 'SIGTERM' | 'SIGINT'): Promise<void> | null {
    this.log.warning(this.loading ? 'Received shutdown signal during loading, scheduling shutdown.' : `Received ${signal} scheduling shutdown...`);
    const flags = this.config.string(signal === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint').split(' ');
    const save = flags.includes('save') ? true : flags.includes('nosave') ? false : undefined;
    if (!this.persistence.saveForShutdown(save) && !flags.includes('force')) {
      this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
      return null;
    }
    return this.close({ save: false });
  }

  /**
   * Stop: close listeners and clients, then let persistence finish (save on shutdown when
   * configured). Idempotent.
   */
  close(options: { save?: boolean } = {}): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      if (this.cron !== null) clearInterval(this.cron);
      // close() stops accepting at once, but its callback waits for every connection to end:
      // awaiting it before closing the clients would wait forever on a connected client.
      const listenersClosed = Promise.all(this.listeners.map((l) => new Promise<void>((done) => l.close(() => done()))));
      for (const c of [...this.clients.values()]) {
        c.flush();
        c.close();
      }
      await listenersClosed;
      await this.persistence.shutdown(options.save);
      if (this.unixsocketPath !== null && existsSync(this.unixsocketPath)) unlinkSync(this.unixsocketPath);
      if (this.pidfilePath !== null) {
        this.log.notice('Removing the pid file.');
        try { unlinkSync(this.pidfilePath); } catch { /* removed by someone else: nothing to do */ }
      }
    })();
    return this.closing;
  }
}

/** The cron period for an `hz` value (the config keeps it within 1..500, as Redis's updateHZ). */
function cronInterval(hz: number): number {
  return 1000 / hz;
}

/** Whether a connection comes from this host (Redis's islocalClient): Unix socket or loopback. */
export function isLocalSocket(socket: Socket | null): boolean {
  const addr = socket?.remoteAddress;
  return addr === undefined || addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

/**
 * Redis's allowProtectedAction: an enable-protected-configs (or enable-debug-command)
 * setting of yes allows the action, local allows it from a loopback or Unix-socket client.
 */
export function allowProtectedAction(mode: string, c: Client): boolean {
  return mode === 'yes' || (mode === 'local' && isLocalSocket(c.socket));
}

/** Redis 7.0's refusal of a remote connection in protected mode (networking.c). */
const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the ' +
  'default user. In this mode connections are only accepted from the loopback interface. If you want to connect ' +
  'from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode ' +
  "sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the " +
  'same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. ' +
  'Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by ' +
  "editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the " +
  "server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' " +
  'option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above ' +
  'things in order for the server to start accepting connections from the outside.\r\n';

/** Errors of an address family the host lacks: Redis skips such a bind address. */
const UNSUPPORTED_FAMILY = new Set(['EAFNOSUPPORT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EPFNOSUPPORT', 'ENOPROTOOPT']);

/** Why chdir(dir) would fail, in strerror's words, or null. */
function directoryError(dir: string): string | null {
  try {
    return statSync(dir).isDirectory() ? null : 'Not a directory';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'No such file or directory';
    if (code === 'ENOTDIR') return 'Not a directory';
    return code === 'EACCES' ? 'Permission denied' : (err as Error).message;
  }
}

/** Remove every WATCH of a client (UNWATCH, EXEC, DISCARD, close). */
export function unwatchAll(c: Client): void {
  for (const [db, key] of c.watching) {
    const set = db.watched?.get(key);
    if (set === undefined) continue;
    set.delete(c.watcher);
    if (set.size === 0) db.watched!.delete(key);
    if (db.watched!.size === 0) db.watched = null;
  }
  c.watching = [];
  c.watcher.touched = false;
}

/** Redis's sdscatrepr, as MONITOR shows arguments. */
export function escapeForMonitor(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else out += '\\x' + code.toString(16).padStart(2, '0');
  }
  return out;
}

function randomHex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ((Math.random() * 16) | 0).toString(16);
  return s;
}

/** What startServer returns: the bound port and a way to stop. */
export interface ServerHandle {
  /** The TCP port actually bound (the chosen one when port 0 was asked), or null. */
  readonly port: number | null;
  readonly server: Server;
  close(): Promise<void>;
}

export type StartOptions = ConfigOptions & {
  /** redis-server style arguments: optional config file, then --name value pairs. */
  args?: readonly string[];
};

/**
 * Start a server in this process. Options are directive names with JS values
 * ({ port: 0, dir, appendonly: true }); `port: 0` picks a free port.
 */
export async function startServer(options: StartOptions = {}): Promise<ServerHandle> {
  const { args = [], ...rest } = options;
  // The command names are the table rename-command lines edit.
  const config = Config.fromArgs(args, rest, [...commandsByName.keys()]);
  const server = new Server(config);
  await server.listen();
  server.logBanner();
  try {
    await server.persistence.load();
  } catch (err) {
    // Refuse to start on a bad file, and leave it as it is: no shutdown save.
    await server.close({ save: false });
    throw err;
  }
  server.log.notice('Ready to accept connections');
  return { port: server.tcpPort, server, close: () => server.close() };
}
