/**
 * BGREWRITEAOF (aof.c's bgrewriteaofCommand), with Redis 7.0's replies. The rewrite itself
 * lives in src/persistence/aof and runs in the background: "started" goes out at once, as
 * Redis replies right after fork(). One snapshot at a time, as Redis allows one child: a
 * running rewrite refuses a second one; a running BGSAVE (or MULTI) makes it scheduled,
 * and the AOF cron starts it once the keyspace is free.
 */

import type { Client } from '../server/client.js';
import { aofOf } from '../persistence/aof/index.js';
import { type CommandSpec, ADMIN, NOSCRIPT, NO_ASYNC_LOADING } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'bgrewriteaof', arity: 1, flags: NO_ASYNC_LOADING | ADMIN | NOSCRIPT, keys: [0, 0, 0], acl: [], run: bgrewriteaofCommand },
];

function bgrewriteaofCommand(c: Client): void {
  const aof = aofOf(c.server);
  if (aof.rewriteInProgress) {
    c.addReplyError('ERR Background append only file rewriting already in progress');
  } else if (aof.otherSnapshotRunning || c.inExec) {
    aof.schedule();
    c.addReplyStatus('Background append only file rewriting scheduled');
  } else if (aof.rewrite()) {
    c.addReplyStatus('Background append only file rewriting started');
  } else {
    c.addReplyError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
}
