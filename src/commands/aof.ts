/**
 * BGREWRITEAOF (aof.c's bgrewriteaofCommand). The rewrite itself lives in
 * src/persistence/aof; inside MULTI it is only scheduled, as in Redis, and the cron runs it.
 */

import type { Client } from '../server/client.js';
import { aofOf } from '../persistence/aof/index.js';
import { type CommandSpec, ADMIN, NOSCRIPT, NO_ASYNC_LOADING } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'bgrewriteaof', arity: 1, flags: NO_ASYNC_LOADING | ADMIN | NOSCRIPT, keys: [0, 0, 0], acl: [], run: bgrewriteaofCommand },
];

function bgrewriteaofCommand(c: Client): void {
  const aof = aofOf(c.server);
  if (c.inExec) {
    aof.rewriteScheduled = true;
    c.addReplyStatus('Background append only file rewriting scheduled');
    return;
  }
  if (aof.rewrite()) c.addReplyStatus('Background append only file rewriting started');
  else c.addReplyError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
}
