/**
 * BGSAVE [SCHEDULE] (rdb.c bgsaveCommand), with Redis 7.0's replies. The save itself is
 * the forkless snapshot (persistence/snapshot): "started" means the engine is running and
 * the reply goes out at once, as Redis replies right after fork().
 *
 * Redis schedules instead of starting when another child runs (an AOF rewrite) or when
 * called inside MULTI/EXEC; here "another child" is an AOF rewrite or another snapshot
 * holding the keyspace hook. The server cron starts a scheduled save once both are done.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { type CommandSpec, ADMIN, NO_ASYNC_LOADING, NOSCRIPT } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'bgsave', arity: -1, flags: ADMIN | NOSCRIPT | NO_ASYNC_LOADING, keys: [0, 0, 0], acl: [], run: bgsaveCommand },
];

function bgsaveCommand(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length !== 2 || argv[1]!.toLowerCase() !== 'schedule') return c.addReplyError(errors.syntax);
    schedule = true;
  }
  const persistence = c.server.persistence;
  const background = persistence.background;
  if (background.inProgress) {
    c.addReplyError('ERR Background save already in progress');
  } else if (background.otherSnapshotRunning || persistence.aof.rewriteInProgress || c.inExec) {
    if (schedule || c.inExec) {
      background.scheduled = true;
      c.addReplyStatus('Background saving scheduled');
    } else {
      c.addReplyError(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. " +
        'Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.',
      );
    }
  } else if (persistence.bgsave()) {
    c.addReplyStatus('Background saving started');
  } else {
    c.addReplyError('ERR');
  }
}
