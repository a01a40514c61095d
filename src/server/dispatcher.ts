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
 */

import { allCommands } from '../commands/index.js';
import { LOADING, NO_AUTH, NO_MULTI, type CommandSpec } from '../commands/spec.js';
import { errors } from '../protocol/reply.js';
import { type Client, ReplyMode } from './client.js';
import type { Server } from './server.js';

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

/** Commands a client may send in MULTI without them being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Commands a RESP2 client may send while subscribed. */
const PUBSUB_ALLOWED = new Set(['subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'ping', 'quit', 'reset']);

export class Dispatcher {
  /** Lower-case names, plus the upper-case spelling most clients send, to skip toLowerCase. */
  private readonly table = new Map<string, CommandSpec>();
  readonly stats = new Map<CommandSpec, CommandStats>();
  private callDepth = 0;

  constructor(private readonly server: Server) {
    for (const spec of allCommands) {
      this.table.set(spec.name, spec);
      this.table.set(spec.name.toUpperCase(), spec);
    }
  }

  lookup(name: string): CommandSpec | undefined {
    return this.table.get(name) ?? this.table.get(name.toLowerCase());
  }

  /** Every top-level command, for COMMAND and COMMAND COUNT. */
  get commands(): readonly CommandSpec[] {
    return allCommands;
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
    if (cmd.subcommands !== undefined) {
      const container = cmd;
      const sub = argv.length > 1 ? findSub(container, argv[1]!) : undefined;
      if (sub === undefined) {
        return this.reject(c, container,
          `ERR unknown subcommand '${(argv[1] ?? '').slice(0, 128)}'. Try ${container.name.toUpperCase()} HELP.`);
      }
      cmd = sub;
      if (!arityOk(cmd.arity, argv.length - 1)) {
        return this.reject(c, cmd, `ERR wrong number of arguments for '${container.name}|${cmd.name}' command`);
      }
    }
    if (!c.authenticated && !(cmd.flags & NO_AUTH)) return this.reject(c, cmd, errors.noAuth);
    if (c.multi !== null && cmd.flags & NO_MULTI) {
      return this.reject(c, cmd, 'ERR Command not allowed inside a transaction');
    }
    if (c.inPubSub && c.resp === 2 && !PUBSUB_ALLOWED.has(cmd.name)) {
      return this.reject(c, cmd,
        `ERR Can't execute '${fullName(argv, cmd)}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
    }
    if (server.loading && !(cmd.flags & LOADING)) return this.reject(c, cmd, errors.loading);
    const misconf = server.writeRefusal(cmd);
    if (misconf !== null) return this.reject(c, cmd, misconf);

    if (c.multi !== null && !MULTI_IMMEDIATE.has(cmd.name)) {
      c.multi.push({ cmd, argv });
      c.addReplyRaw('+QUEUED\r\n');
      return;
    }
    if (server.monitors.size > 0) server.feedMonitors(c, argv);
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
    if (top) keyspace.now = Date.now();
    this.callDepth++;
    const dirtyBefore = keyspace.dirty;
    const replyMark = c.replyMode === ReplyMode.On ? -1 : c.out.length;
    c.propagateArgv = null;
    c.preventPropagation = false;
    c.errored = false;
    c.lastCommand = cmd.name;
    const start = performance.now();
    try {
      cmd.run!(c, argv);
    } finally {
      this.callDepth--;
    }
    const usec = (performance.now() - start) * 1000;
    const stats = this.statsFor(cmd);
    stats.calls++;
    stats.usec += usec;
    if (c.errored) {
      stats.failedCalls++;
      server.stats.errorReplies++;
    }
    if (keyspace.dirty !== dirtyBefore && !c.preventPropagation) {
      server.propagator.also(c.db.id, c.propagateArgv ?? argv);
    }
    if (replyMark >= 0) this.applyReplyMode(c, replyMark);
    server.stats.commandsProcessed++;
    if (top) server.propagator.endUnit();
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
    c.addReplyError(error);
    this.server.stats.errorReplies++;
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

function fullName(argv: readonly string[], cmd: CommandSpec): string {
  return cmd.name === argv[0]!.toLowerCase() ? cmd.name : `${argv[0]!.toLowerCase()}|${cmd.name}`;
}
