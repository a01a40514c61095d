/**
 * One connection's state: its parser, its pending replies (inherited from ReplyBuffer), the
 * selected database, transaction and pub/sub state, and the propagation controls a write
 * handler uses to state its deterministic effect (invariant 2).
 *
 * Input path, per read event: feed the parser, run every complete request in order (by
 * index, never shift()), then hand the client to the server's once-per-loop-turn flush,
 * which writes the AOF records first and then every client's replies, one socket.write
 * each (design.md, "the hot path"). A blocked client stops running requests; the rest of
 * its input waits in the parser until it is unblocked.
 */

import type { Socket } from 'node:net';
import { RequestParser, RespProtocolError } from '../protocol/request-parser.js';
import { ReplyBuffer } from '../protocol/reply.js';
import type { CommandSpec } from '../commands/spec.js';
import type { Db, KeyWatcher } from '../store/index.js';
import type { Server } from './server.js';
import type { BlockedState } from './blocking.js';
import { flatten } from '../util/latin1.js';

/** Pending output up to this length is flattened after each batch of input (processInput). */
const FLATTEN_MAX = 64 * 1024;

export const enum ReplyMode {
  On = 0,
  Off = 1,
  /** Skip the reply of the next command only. */
  SkipNext = 2,
  Skip = 3,
}

/**
 * appendfsync always's group commit, as the client sees it (the AOF writer implements it):
 * hold() puts a barrier after a write's reply; releasable() says how much of out may leave.
 */
export interface SyncGate {
  hold(c: Client): void;
  releasable(c: Client): number;
  forget(c: Client): void;
}

export interface QueuedCommand {
  readonly cmd: CommandSpec;
  readonly argv: string[];
}

export class Client extends ReplyBuffer {
  readonly id: number;
  readonly parser: RequestParser;
  db: Db;
  name = '';
  libName = '';
  libVersion = '';
  authenticated: boolean;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** The command running or last run (Redis's c->cmd / lastcmd): handlers name it in errors and block on it; CLIENT LIST's cmd=. */
  lastCommand: CommandSpec | null = null;

  // Propagation controls, reset by the dispatcher before each command.
  /** The effect to propagate instead of argv (SET EX → SET PXAT…), or null. */
  propagateArgv: string[] | null = null;
  /** Set by a handler that propagates its effects itself with alsoPropagate. */
  preventPropagation = false;

  // Transactions
  multi: QueuedCommand[] | null = null;
  /** A command failed to queue: EXEC answers EXECABORT. */
  multiAborted = false;
  /** True while EXEC runs the queue: blocking commands must not block. */
  inExec = false;
  readonly watcher: KeyWatcher = { touched: false };
  /** Keys this client WATCHes: [db, key] pairs. */
  watching: [Db, string][] = [];

  // Pub/sub
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  /** SSUBSCRIBE channels: a namespace of their own, counted apart. */
  readonly shardChannels = new Set<string>();

  // Blocking (BLPOP…): non-null while blocked.
  blocked: BlockedState | null = null;

  replyMode = ReplyMode.On;
  monitor = false;
  noEvict = false;
  /** Reply, then close: set by QUIT and protocol errors. */
  closeAfterReply = false;
  closed = false;
  /** Queued in server.pendingWrites for this loop turn. */
  pendingWrite = false;
  /**
   * Durability barriers (appendfsync always), or null: flat [gen, end, …] pairs meaning
   * out[0..end) may leave only once the AOF's fsync generation `gen` has completed.
   * Set by server.syncGate.hold after a command that propagated; reads add none.
   */
  syncBarriers: number[] | null = null;
  /** The group commit (AOF writer's sync round) this client last held a reply in. */
  syncRound = 0;

  constructor(
    readonly server: Server,
    readonly socket: Socket | null,
    readonly remote: string,
    readonly local: string,
  ) {
    super();
    this.id = server.nextClientId++;
    this.db = server.keyspace.dbs[0]!;
    this.authenticated = server.config.string('requirepass') === '';
    this.parser = new RequestParser(server.parserLimits);
    this.parser.authRequired = !this.authenticated;
  }

  /** Subscribed to anything: RESP2 restricts the commands it may send. */
  get inPubSub(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0;
  }

  /** Replace the effect this command propagates (the deterministic form, invariant 2). */
  rewriteEffect(argv: string[]): void {
    this.propagateArgv = argv;
  }

  /**
   * Propagate an extra effect in this command's unit, in order; several effects go out
   * wrapped in MULTI/EXEC. A handler using it for its whole effect also sets
   * preventPropagation so argv is not added as well.
   */
  alsoPropagate(argv: string[]): void {
    this.server.propagator.also(this.db.id, argv);
  }

  /** Input from the socket. */
  onData(chunk: Buffer): void {
    this.lastInteraction = Date.now();
    if (!this.parser.feed(chunk)) {
      this.server.log.warning(`Closing client that reached max query buffer length: ${this.describe()}`);
      this.close();
      return;
    }
    this.processInput();
  }

  /** Run every complete request in the parser's buffer, unless blocked or closing. */
  processInput(): void {
    const server = this.server;
    server.dispatcher.newInput();
    while (this.blocked === null && !this.closeAfterReply && !this.closed) {
      let argv: string[] | null;
      try {
        argv = this.parser.next();
      } catch (err) {
        if (!(err instanceof RespProtocolError)) throw err;
        this.addReplyError(`ERR Protocol error: ${err.message}`);
        server.log.verbose(`Protocol error (${err.message}) from client: ${this.describe()}`);
        this.closeAfterReply = true;
        break;
      }
      if (argv === null) break;
      server.dispatcher.processCommand(this, argv);
    }
    server.dispatcher.endInput();
    // One flat string instead of a rope of every reply: the collector copies what is alive
    // when it runs, and a rope node per reply cost more than this copy (measured, GET -P 16).
    // A large output is left as it is: it may wait behind an fsync over several batches.
    if (this.out.length <= FLATTEN_MAX) flatten(this.out);
    if (this.out.length > 0 || this.closeAfterReply) server.scheduleWrite(this);
  }

  /** Write pending replies now; the server calls this once per loop turn. */
  flush(): void {
    this.pendingWrite = false;
    if (this.closed) return;
    if (this.out.length > 0) {
      // Behind a durability barrier only the part already covered by an fsync may leave.
      const n = this.syncBarriers === null ? this.out.length : this.server.syncGate!.releasable(this);
      if (n > 0) {
        const out = n === this.out.length ? this.out : this.out.slice(0, n);
        this.out = n === this.out.length ? '' : this.out.slice(n);
        if (this.socket !== null) {
          this.socket.write(out, 'latin1');
          const stats = this.server.stats;
          stats.netOutputBytes += out.length;
          stats.writesProcessed++;
        }
      }
    }
    if (this.closeAfterReply && this.syncBarriers === null) this.close();
  }

  /** Close the connection and release everything the client holds. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.unlinkClient(this);
    this.socket?.end();
    this.socket?.destroySoon();
  }

  /** addr=… laddr=… id=… name=… for log lines. */
  describe(): string {
    return `id=${this.id} addr=${this.remote} laddr=${this.local} name=${this.name}`;
  }
}
