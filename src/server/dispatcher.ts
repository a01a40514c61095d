/**
 * The dispatcher: Redis's processCommand() and call() (server.c).
 *
 * processCommand checks, in Redis's order, what may refuse a request before it runs:
 * unknown command, arity, unknown subcommand, authentication, the RESP2 pub/sub context,
 * MISCONF after a failed background save, loading; inside MULTI it queues the command.
 * A refused command inside MULTI marks the transaction so that EXEC answers EXECABORT.
 *
 * call() runs the handler synchronously with one command clock, counts commandstats, and
 * if the dataset changed (keyspace.dirty moved) propagates the command's effect: argv, or
 * the absolute form the handler set with rewriteEffect. Effects collected during one
 * top-level call (lazy-expiry DELs, EXEC's commands, alsoPropagate) leave as one unit,
 * wrapped in MULTI/EXEC when there are several (invariant 2).
 *
 * Timing: a clock read costs ~45 ns here (performance.now(), Date.now()), where Redis reads
 * the TSC. Within one batch of input the clock is read at the batch's start and end and
 * between commands, except inside a run of the same fast command (FAST: O(1) or O(log N);
 * or QUICK, spec.ts), up to RUN_MAX of them: the time between two reads is charged to the
 * commands run in between, so commandstats' totals hold, and include reading the
 * requests, which Redis's do not. Such a run shares one command clock (keyspace.now).
 * Measured in process, pipelined GET: two reads per command were ~12% of the server's time.
 */

import { performance } from 'node:perf_hooks';
import { allCommands, commandTable, commandsByName } from '../commands/index.js';
import {
  ADMIN, FAST, LOADING, MAY_REPLICATE, NO_AUTH, NO_MULTI, QUICK, READONLY, SKIP_MONITOR, TOUCHES_ARBITRARY_KEYS, WRITE,
  type CommandSpec,
} from '../commands/spec.js';
import { execCommandAbort } from '../commands/transactions.js';
import { errors } from '../protocol/reply.js';
import { type Client, ReplyMode } from './client.js';
import type { Server } from './server.js';

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

/**
 * How long the command clock may run on the monotonic clock before it is set from the wall
 * clock again within one batch of input (ms). See commandClock.
 */
const WALL_CLOCK_RESYNC_MS = 1;

/** The longest run of one fast command that shares a clock read (see Timing). */
const RUN_MAX = 16;

/** Commands a client may send in MULTI without them being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Commands a RESP2 client may send while subscribed. */
const PUBSUB_ALLOWED = new Set(['subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'ping', 'quit', 'reset']);

export class Dispatcher {
  /**
   * Lower-case names, plus the upper-case spelling most clients send, to skip toLowerCase.
   * Built once, from the names rename-command left (config.ts): lookups cost the same
   * with renames or without.
   */
  private readonly table = new Map<string, CommandSpec>();
  /** Every top-level command this server answers to, for COMMAND and COMMAND COUNT. */
  readonly commands: readonly CommandSpec[];
  readonly stats = new Map<CommandSpec, CommandStats>();
  private callDepth = 0;
  /** The last name looked up and its command: most requests repeat the previous name. */
  private lastName = '';
  private lastCmd: CommandSpec | undefined = undefined;
  /** Date.now() and performance.now() read together (see commandClock). */
  private wallBase = 0;
  private monoBase = -Infinity;
  /** Within a batch of input (newInput … endInput): when the clock was last read; else -1. */
  private lapStart = -1;
  /** The command whose commandstats the time since lapStart is charged to, and how many ran since. */
  private lapCmd: CommandSpec | null = null;
  private lapCommands = 0;

  constructor(private readonly server: Server) {
    const renamed = server.config.renamedCommands;
    for (const [name, spec] of commandTable(renamed)) {
      this.table.set(name, spec);
      this.table.set(name.toUpperCase(), spec);
    }
    // rename-command "" removes commands; renamed ones keep their place and own name.
    const present = new Set(this.table.values());
    this.commands = renamed === null ? allCommands : allCommands.filter((spec) => present.has(spec));
  }

  lookup(name: string): CommandSpec | undefined {
    // The parser hands out one string per command name (request-parser.ts), so this
    // comparison is usually a pointer test.
    if (name === this.lastName) return this.lastCmd;
    const cmd = this.table.get(name) ?? this.table.get(name.toLowerCase());
    if (cmd !== undefined) {
      this.lastName = name;
      this.lastCmd = cmd;
    }
    return cmd;
  }

  /**
   * lookup, then a command's own name that rename-command took away (Redis's
   * lookupCommandOrOriginal), for the AOF loader: the server itself logs some effects under
   * their own names (SELECT, MULTI, DEL, PEXPIREAT, SREM…), whatever the renames.
   */
  lookupOrOriginal(name: string): CommandSpec | undefined {
    return this.lookup(name) ?? commandsByName.get(name.toLowerCase());
  }

  /** Check, queue or run one request. */
  processCommand(c: Client, argv: string[]): void {
    const server = this.server;
    let cmd = this.lookup(argv[0]!);
    if (cmd === undefined) {
      let args = '';
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i]!.slice(0, 128)}' `;
      return this.reject(c, undefined, `ERR unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`);
    }
    if (!arityOk(cmd.arity, argv.length)) {
      return this.reject(c, cmd, `ERR wrong number of arguments for '${cmd.name}' command`);
    }
    // A container called bare (COMMAND) runs itself; its arity refuses CONFIG alone.
    if (cmd.subcommands !== undefined && argv.length > 1) {
      const container = cmd;
      const sub = findSub(container, argv[1]!);
      if (sub === undefined) {
        // No command was found, so none counts the rejection (Redis's lookupCommand is NULL).
        return this.reject(c, undefined,
          `ERR unknown subcommand '${(argv[1] ?? '').slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
      }
      cmd = sub;
      // A subcommand's arity counts the container's name too (config|get is -3).
      if (!arityOk(cmd.arity, argv.length)) {
        return this.reject(c, cmd, `ERR wrong number of arguments for '${container.name}|${cmd.name}' command`);
      }
    }
    if (!c.authenticated && !(cmd.flags & NO_AUTH)) return this.reject(c, cmd, errors.noAuth);
    if (c.multi !== null && cmd.flags & NO_MULTI) {
      return this.reject(c, cmd, 'ERR Command not allowed inside a transaction');
    }
    if (c.inPubSub && c.resp === 2 && !PUBSUB_ALLOWED.has(cmd.name)) {
      return this.reject(c, cmd,
        `ERR Can't execute '${fullName(this.lookup(argv[0]!)!, cmd)}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
    }
    if (server.loading && !(cmd.flags & LOADING)) return this.reject(c, cmd, errors.loading);
    const misconf = server.writeRefusal(cmd);
    if (misconf !== null) return this.reject(c, cmd, misconf);
    // Redis flags a monitor as a replica, and a replica may not touch the keyspace.
    if (c.monitor && cmd.flags & (WRITE | READONLY | MAY_REPLICATE)) {
      return this.reject(c, cmd, "ERR Replica can't interact with the keyspace");
    }

    if (c.multi !== null && !MULTI_IMMEDIATE.has(cmd.name)) {
      c.multi.push({ cmd, argv });
      c.addReplyRaw('+QUEUED\r\n');
      return;
    }
    this.call(c, cmd, argv);
    if (server.blocking.readyCount > 0) server.blocking.serveReadyKeys();
  }

  /**
   * Run a command and propagate its effect. Nested calls (EXEC) share the top-level
   * call's clock and propagation unit.
   */
  call(c: Client, cmd: CommandSpec, argv: string[]): void {
    const server = this.server;
    const keyspace = server.keyspace;
    const top = this.callDepth === 0;
    const lapped = top && this.lapStart >= 0;
    // -1: this command continues a run, on the clock the run started with.
    const start = lapped ? this.lap(cmd) : performance.now();
    if (top && start >= 0) keyspace.now = this.commandClock(start);
    this.callDepth++;
    const dirtyBefore = keyspace.dirty;
    const replyMark = c.replyMode === ReplyMode.On ? -1 : c.out.length;
    c.propagateArgv = null;
    c.preventPropagation = false;
    c.errored = false;
    c.lastCommand = cmd;
    // MONITOR sees a command once, after it ran (a blocked command is not shown again when
    // it is re-run), and never an admin one (Redis 7.0's call()).
    const feedMonitors = server.monitors.size > 0 && c.blocked === null && !server.loading &&
      !(cmd.flags & (SKIP_MONITOR | ADMIN));
    try {
      cmd.run!(c, argv);
    } finally {
      this.callDepth--;
    }
    // Looked up after the run: CONFIG RESETSTAT counts itself in the new statistics.
    const stats = this.statsFor(cmd);
    if (!lapped) stats.usec += (performance.now() - start) * 1000;
    if (feedMonitors) server.feedMonitors(c, argv);
    stats.calls++;
    if (c.errored) {
      stats.failedCalls++;
      server.stats.errorReplies++;
    }
    if (keyspace.dirty !== dirtyBefore && !c.preventPropagation) {
      server.propagator.also(c.db.id, c.propagateArgv ?? argv);
    }
    if (replyMark >= 0) this.applyReplyMode(c, replyMark);
    server.stats.commandsProcessed++;
    // appendfsync always: what the client has been sent so far waits for the fsync that
    // covers this command's effect (a durability barrier; reads alone never hold).
    if (top && server.propagator.endUnit((cmd.flags & TOUCHES_ARBITRARY_KEYS) === 0) && server.syncGate !== null) {
      server.syncGate.hold(c);
    }
  }

  /**
   * A client's new input is about to run: its first command reads the wall clock, so that
   * no command runs on a clock read before its request arrived, and its time starts now.
   */
  newInput(): void {
    this.monoBase = -Infinity;
    this.lapStart = performance.now();
  }

  /** The batch is over: a command run from elsewhere (a timer, an unblocked client) times itself. */
  endInput(): void {
    if (this.lapCmd !== null) this.chargeLap(performance.now());
    this.lapStart = -1;
    this.lapCmd = null;
  }

  /**
   * Top-level `cmd` starts within a batch: read the clock and charge the time since the
   * last read to the commands run since, unless `cmd` continues a run of the same fast one.
   * Returns the reading, or -1 when there was none.
   */
  private lap(cmd: CommandSpec): number {
    if (this.lapCmd === null) {
      // The batch's first command: its time starts with the batch (newInput's reading).
      this.lapCmd = cmd;
      this.lapCommands = 1;
      return this.lapStart;
    }
    if (cmd === this.lapCmd && cmd.flags & (FAST | QUICK) && this.lapCommands < RUN_MAX) {
      this.lapCommands++;
      return -1;
    }
    const now = performance.now();
    this.chargeLap(now);
    this.lapStart = now;
    this.lapCmd = cmd;
    this.lapCommands = 1;
    return now;
  }

  /** Charge the time from lapStart to `now` (a reading) to the command of the run since. */
  private chargeLap(now: number): void {
    this.statsFor(this.lapCmd!).usec += (now - this.lapStart) * 1000;
  }

  /**
   * The command clock in ms since the epoch, for a command starting at `mono` (a
   * performance.now() reading, which call() takes anyway for commandstats): Date.now() is
   * read for the first command of each batch of input (newInput) and then again only once
   * the monotonic clock has moved WALL_CLOCK_RESYNC_MS past the last reading, so pipelined
   * commands do not read both clocks. The result is never ahead of Date.now(), never
   * earlier than the arrival of the command's input, at most 1 ms behind the reading it is
   * given (a run of one fast command shares a reading: see Timing), and never goes back
   * while the wall clock does not.
   */
  private commandClock(mono: number): number {
    if (mono - this.monoBase < WALL_CLOCK_RESYNC_MS) return this.wallBase;
    this.monoBase = mono;
    this.wallBase = Date.now();
    return this.wallBase;
  }

  /** CLIENT REPLY OFF / SKIP: drop what the command wrote. */
  private applyReplyMode(c: Client, mark: number): void {
    if (c.replyMode === ReplyMode.SkipNext) {
      c.replyMode = ReplyMode.Skip; // the CLIENT REPLY SKIP command itself still is silent
      c.out = c.out.slice(0, mark);
    } else if (c.replyMode === ReplyMode.Skip) {
      c.replyMode = ReplyMode.On;
      c.out = c.out.slice(0, mark);
    } else if (c.replyMode === ReplyMode.Off) {
      c.out = c.out.slice(0, mark);
    }
  }

  statsFor(cmd: CommandSpec): CommandStats {
    let s = this.stats.get(cmd);
    if (s === undefined) {
      s = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
      this.stats.set(cmd, s);
    }
    return s;
  }

  private reject(c: Client, cmd: CommandSpec | undefined, error: string): void {
    if (cmd !== undefined) this.statsFor(cmd).rejectedCalls++;
    this.server.stats.errorReplies++;
    // A refused EXEC always answers EXECABORT, even outside MULTI (Redis's rejectCommand).
    if (cmd !== undefined && cmd.name === 'exec') return execCommandAbort(c, error);
    c.addReplyError(error);
    if (c.multi !== null) c.multiAborted = true;
  }
}

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

function findSub(container: CommandSpec, name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  return container.subcommands!.find((s) => s.name === lower);
}

/** Redis's cmd->fullname: `cmd` itself, or a subcommand of `container`, under their own names. */
function fullName(container: CommandSpec, cmd: CommandSpec): string {
  return cmd === container ? cmd.name : `${container.name}|${cmd.name}`;
}
