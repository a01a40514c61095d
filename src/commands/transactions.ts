/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0's multi.c).
 *
 * States of a client: normal → (MULTI) queuing → (EXEC / DISCARD / RESET) normal. While
 * queuing, the dispatcher appends each command to c.multi and answers +QUEUED; a command it
 * refuses (unknown, arity, NOSCRIPT…) sets c.multiAborted, so EXEC answers EXECABORT, and a
 * refused EXEC itself discards the transaction (execCommandAbort).
 *
 * WATCH registers the client's one KeyWatcher under each key in Db.watched; the Db write API
 * marks it touched when any watched key is modified, deleted, expired, flushed or swapped.
 * EXEC fails with a null array when it is touched, or when a watched key that was alive at
 * WATCH time has passed its deadline since (Redis 7.0: expiry counts as a change even if
 * nobody has deleted the key yet). A key already past its deadline when WATCHed is expired
 * on the spot, so its later removal is not mistaken for a change, as 7.0's
 * watchedKey.expired flag arranges.
 *
 * EXEC runs the queue through dispatcher.call with c.inExec set (blocking commands then
 * answer as on timeout, SSUBSCRIBE and MONITOR refuse). Each command replies inside EXEC's
 * array; an error in one does not stop the others. The commands' effects join the
 * propagation unit of the top-level EXEC, which the Propagator wraps in MULTI/EXEC when it
 * holds two or more; EXEC itself is never propagated.
 */

import type { Client } from '../server/client.js';
import { unwatchAll } from '../server/server.js';
import { errors } from '../protocol/reply.js';
import { ALLOW_BUSY, type CommandSpec, FAST, LOADING, NOSCRIPT, SKIP_SLOWLOG, STALE } from './spec.js';

const TX_FLAGS = NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY;

export const specs: readonly CommandSpec[] = [
  { name: 'multi', arity: 1, flags: TX_FLAGS, keys: [0, 0, 0], acl: ['transaction'], run: multiCommand },
  { name: 'exec', arity: 1, flags: NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, keys: [0, 0, 0], acl: ['transaction'], run: execCommand },
  { name: 'discard', arity: 1, flags: TX_FLAGS, keys: [0, 0, 0], acl: ['transaction'], run: discardCommand },
  { name: 'watch', arity: -2, flags: TX_FLAGS, keys: [1, -1, 1], acl: ['transaction'], run: watchCommand },
  { name: 'unwatch', arity: 1, flags: TX_FLAGS, keys: [0, 0, 0], acl: ['transaction'], run: unwatchCommand },
];

function multiCommand(c: Client): void {
  if (c.multi !== null) {
    c.addReplyError('ERR MULTI calls can not be nested');
    return;
  }
  c.multi = [];
  c.multiAborted = false;
  c.addReplyOk();
}

function discardCommand(c: Client): void {
  if (c.multi === null) {
    c.addReplyError('ERR DISCARD without MULTI');
    return;
  }
  discardTransaction(c);
  c.addReplyOk();
}

/** Leave the queuing state and forget every WATCH (DISCARD, EXEC, RESET). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  c.multiAborted = false;
  unwatchAll(c);
}

/**
 * The dispatcher refused EXEC itself (arity, RESP2 subscribed context, MISCONF…): the
 * transaction is discarded and the reason given after Redis's EXECABORT prefix, without
 * the ERR code a format-built error carries.
 */
export function execCommandAbort(c: Client, error: string): void {
  discardTransaction(c);
  c.addReplyError(`EXECABORT Transaction discarded because of: ${error.startsWith('ERR ') ? error.slice(4) : error}`);
}

function execCommand(c: Client): void {
  const queue = c.multi;
  if (queue === null) {
    c.addReplyError('ERR EXEC without MULTI');
    return;
  }
  if (c.multiAborted) {
    c.addReplyError(errors.execAbort);
    discardTransaction(c);
    return;
  }
  if (c.watcher.touched || isWatchedKeyExpired(c)) {
    c.addReplyNullArray();
    discardTransaction(c);
    return;
  }
  // Unwatch first: the transaction's own writes must not mark it.
  discardTransaction(c);
  const dispatcher = c.server.dispatcher;
  c.addReplyArrayLen(queue.length);
  c.inExec = true;
  try {
    for (let i = 0; i < queue.length; i++) dispatcher.call(c, queue[i]!.cmd, queue[i]!.argv);
  } finally {
    c.inExec = false;
  }
  // The queued commands propagated themselves into this unit; EXEC adds nothing, and its
  // own call counts as a success whatever the commands answered (commandstats).
  c.preventPropagation = true;
  c.errored = false;
}

/** A watched key, alive when WATCHed, is past its deadline now (7.0's isWatchedKeyExpired). */
function isWatchedKeyExpired(c: Client): boolean {
  const now = c.server.keyspace.now;
  for (const [db, key] of c.watching) {
    const when = db.getExpire(key);
    if (when !== -1 && when <= now) return true;
  }
  return false;
}

function watchCommand(c: Client, argv: string[]): void {
  if (c.multi !== null) {
    c.addReplyError('ERR WATCH inside MULTI is not allowed');
    return;
  }
  // Already doomed: EXEC will fail whatever else is watched.
  if (!c.watcher.touched) for (let i = 1; i < argv.length; i++) watchForKey(c, argv[i]!);
  c.addReplyOk();
}

function watchForKey(c: Client, key: string): void {
  const db = c.db;
  for (const [wdb, wkey] of c.watching) if (wdb === db && wkey === key) return;
  // Expire a stale key now: its removal must not count as a change later.
  db.has(key);
  if (db.watched === null) db.watched = new Map();
  let watchers = db.watched.get(key);
  if (watchers === undefined) db.watched.set(key, (watchers = new Set()));
  watchers.add(c.watcher);
  c.watching.push([db, key]);
}

function unwatchCommand(c: Client): void {
  unwatchAll(c);
  c.addReplyOk();
}
