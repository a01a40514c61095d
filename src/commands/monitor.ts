/**
 * MONITOR (Redis 7.0's monitorCommand): the client becomes a monitor and from then on
 * receives, as status lines, every command the server runs, in Redis's format (built by
 * server.feedMonitors, fed from dispatcher.call after each command, skipping commands
 * flagged SKIP_MONITOR or ADMIN as 7.0 does). Redis marks a monitor as a replica, so the
 * dispatcher refuses its keyspace commands ("Replica can't interact with the keyspace");
 * connection commands still run.
 */

import type { Client } from '../server/client.js';
import { ADMIN, type CommandSpec, LOADING, NOSCRIPT, STALE } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'monitor', arity: 1, flags: ADMIN | NOSCRIPT | LOADING | STALE, keys: [0, 0, 0], acl: [], run: monitorCommand },
];

function monitorCommand(c: Client): void {
  if (c.inExec) {
    // EXEC's caller expects one reply per command, not an endless stream.
    c.addReplyError(`ERR MONITOR isn't allowed for DENY BLOCKING client`);
    return;
  }
  // Already monitoring: Redis ignores the command without a reply.
  if (c.monitor) return;
  c.monitor = true;
  c.server.monitors.add(c);
  c.addReplyOk();
}
