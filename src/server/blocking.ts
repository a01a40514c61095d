/**
 * Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP…), Redis's blocked.c.
 *
 * A handler that finds nothing to pop calls `block(c, keys, timeout)` and replies nothing.
 * When one of the keys is created, overwritten or deleted, or a handler signals it (XADD,
 * Db.signalKeyAsReady; all reach keyspace.onKeyReady) the key is queued; after the
 * current command, serveReadyKeys re-runs the blocked clients' commands in the order they
 * blocked (first blocked, first served). A re-run that would block again leaves the client
 * blocked where it was in the queue; one that succeeds replies, propagates its
 * non-blocking effect, unblocks the client and resumes its pipelined input.
 *
 * Timeouts are checked by the server cron (Redis uses a radix tree of deadlines; the
 * number of blocked clients is small enough to scan).
 */

import type { Db } from '../store/index.js';
import type { CommandSpec } from '../commands/spec.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

export interface BlockedState {
  readonly db: Db;
  readonly keys: readonly string[];
  /** Absolute deadline in ms; 0 waits forever. */
  readonly deadline: number;
  readonly cmd: CommandSpec;
  readonly argv: string[];
  /** The reply when the deadline passes: a null array (BLPOP) or a null bulk (BLMOVE). */
  readonly timeoutReply: 'null-array' | 'null';
  /** Re-run even when the key is gone: XREADGROUP answers a deleted stream with an error. */
  readonly wakeOnDelete: boolean;
}

export class BlockingManager {
  /** Per db, per key: blocked clients in the order they blocked. */
  private readonly waiting = new Map<Db, Map<string, Client[]>>();
  private ready: [Db, string][] = [];
  /** A re-run in progress: block() keeps the client where it is. */
  private rerunning: Client | null = null;
  /** Set when the re-run client asked to block again: it was not served. */
  private blockedAgain = false;
  /** During a re-run, the ready key it is served from (XREAD replies with that key only). */
  servingKey: string | null = null;
  readonly blockedClients = new Set<Client>();

  constructor(private readonly server: Server) {
    server.keyspace.onKeyReady = (db, key) => this.ready.push([db, key]);
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /**
   * Block the client on `keys` until one is ready or the deadline passes. Inside MULTI or
   * a re-run this is the caller's business: handlers reply with their timeout value
   * instead of blocking when c.inExec is set.
   */
  block(
    c: Client, keys: readonly string[], deadline: number, cmd: CommandSpec, argv: string[],
    timeoutReply: 'null-array' | 'null' = 'null-array', wakeOnDelete = false,
  ): void {
    if (this.rerunning === c) {
      this.blockedAgain = true;
      return;
    }
    c.blocked = { db: c.db, keys, deadline, cmd, argv, timeoutReply, wakeOnDelete };
    this.blockedClients.add(c);
    let byKey = this.waiting.get(c.db);
    if (byKey === undefined) this.waiting.set(c.db, (byKey = new Map()));
    if (c.db.blockingKeys === null) c.db.blockingKeys = new Set();
    for (const key of keys) {
      let queue = byKey.get(key);
      if (queue === undefined) byKey.set(key, (queue = []));
      if (!queue.includes(c)) queue.push(c);
      c.db.blockingKeys.add(key);
    }
  }

  /** Remove the client from every queue; its reply is the caller's business. */
  unblock(c: Client): void {
    const state = c.blocked;
    if (state === null) return;
    c.blocked = null;
    this.blockedClients.delete(c);
    const byKey = this.waiting.get(state.db)!;
    for (const key of state.keys) {
      const queue = byKey.get(key);
      if (queue === undefined) continue;
      const i = queue.indexOf(c);
      if (i >= 0) queue.splice(i, 1);
      if (queue.length === 0) {
        byKey.delete(key);
        state.db.blockingKeys!.delete(key);
      }
    }
  }

  /** Serve clients blocked on keys that became ready, until none are left. */
  serveReadyKeys(): void {
    while (this.ready.length > 0) {
      const ready = this.ready;
      this.ready = [];
      for (const [db, key] of ready) {
        const queue = this.waiting.get(db)?.get(key);
        if (queue === undefined) continue;
        for (const c of [...queue]) {
          if (c.blocked === null || (!db.has(key) && !c.blocked.wakeOnDelete)) continue;
          this.servingKey = key;
          this.rerun(c);
        }
        this.servingKey = null;
      }
    }
  }

  private rerun(c: Client): void {
    const state = c.blocked!;
    this.rerunning = c;
    this.blockedAgain = false;
    try {
      this.server.dispatcher.call(c, state.cmd, state.argv);
    } finally {
      this.rerunning = null;
    }
    if (this.blockedAgain) return;
    this.unblock(c);
    this.server.scheduleWrite(c);
    // Resume its pipelined input after this command, not inside it.
    setImmediate(() => c.processInput());
  }

  /** Reply to clients whose deadline passed with the command's timeout reply. */
  checkTimeouts(now: number): void {
    for (const c of this.blockedClients) {
      const state = c.blocked!;
      if (state.deadline !== 0 && state.deadline <= now) {
        this.unblock(c);
        if (state.timeoutReply === 'null') c.addReplyNull();
        else c.addReplyNullArray();
        this.server.scheduleWrite(c);
        c.processInput();
      }
    }
  }
}
