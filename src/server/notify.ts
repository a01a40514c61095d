/**
 * Keyspace notifications (notify.c): `__keyspace@<db>__:<key>` carries the event name,
 * `__keyevent@<db>__:<event>` carries the key. A disabled class costs one bit test, so
 * handlers call this unconditionally.
 */

import { NOTIFY_KEYEVENT, NOTIFY_KEYSPACE } from '../config/keyspace-events.js';
import type { Server } from './server.js';

export function notifyKeyspaceEvent(server: Server, type: number, event: string, key: string, dbid: number): void {
  const flags = server.notifyFlags;
  if ((flags & type) === 0) return;
  if (flags & NOTIFY_KEYSPACE) server.pubsub.publish(`__keyspace@${dbid}__:${key}`, event);
  if (flags & NOTIFY_KEYEVENT) server.pubsub.publish(`__keyevent@${dbid}__:${event}`, key);
}
