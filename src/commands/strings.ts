/**
 * String commands (t_string.c). Values are latin1 strings stored bare in the keyspace.
 * Relative expiry forms are propagated as absolute ones (SET … PXAT), because a replica or
 * an AOF replay must not recompute a deadline with its own clock (invariant 2).
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import { type CommandSpec, DENYOOM, FAST, READONLY, WRITE } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'get', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['string'], run: getCommand },
  { name: 'set', arity: -3, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['string'], run: setCommand },
];

/**
 * Look up a string for reading; replies WRONGTYPE and returns null for another type,
 * undefined for a missing key.
 */
export function lookupStringOrReply(c: Client, key: string): string | undefined | null {
  const v = c.db.lookupRead(key);
  if (v === undefined || typeof v === 'string') return v;
  c.addReplyError(errors.wrongType);
  return null;
}

function getCommand(c: Client, argv: string[]): void {
  const v = lookupStringOrReply(c, argv[1]!);
  if (v !== null) c.addReplyBulkOrNull(v);
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;
const SET_EX = 16;
const SET_PX = 32;
const SET_EXAT = 64;
const SET_PXAT = 128;
const SET_EXPIRE = SET_EX | SET_PX | SET_EXAT | SET_PXAT;

/**
 * Parse a relative or absolute expire argument into an absolute deadline in ms, replying
 * with Redis's error and returning -1 when it is not valid. `seconds` scales by 1000;
 * `relative` adds the command clock.
 */
export function expireArgToDeadline(c: Client, arg: string, seconds: boolean, relative: boolean, cmd: string): number {
  const raw = parseLongLong(arg);
  if (raw === null) {
    c.addReplyError(errors.notInteger);
    return -1;
  }
  // Past 2**53 ms (year 287,396) precision no longer matters, only Redis's overflow checks.
  const n = Number(raw);
  if (n <= 0 || (seconds && n > 9223372036854775807 / 1000)) {
    c.addReplyError(errors.invalidExpire(cmd));
    return -1;
  }
  let ms = seconds ? n * 1000 : n;
  if (relative) {
    if (ms > 9223372036854775807 - c.server.keyspace.now) {
      c.addReplyError(errors.invalidExpire(cmd));
      return -1;
    }
    ms += c.server.keyspace.now;
  }
  return ms;
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts | KEEPTTL] */
function setCommand(c: Client, argv: string[]): void {
  let flags = 0;
  let expireArg = '';
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const hasNext = j + 1 < argv.length;
    if (opt === 'nx' && !(flags & SET_XX)) flags |= SET_NX;
    else if (opt === 'xx' && !(flags & SET_NX)) flags |= SET_XX;
    else if (opt === 'get') flags |= SET_GET;
    else if (opt === 'keepttl' && !(flags & SET_EXPIRE)) flags |= SET_KEEPTTL;
    else if (opt === 'ex' && !(flags & (SET_KEEPTTL | SET_EXPIRE & ~SET_EX)) && hasNext) { flags |= SET_EX; expireArg = argv[++j]!; }
    else if (opt === 'px' && !(flags & (SET_KEEPTTL | SET_EXPIRE & ~SET_PX)) && hasNext) { flags |= SET_PX; expireArg = argv[++j]!; }
    else if (opt === 'exat' && !(flags & (SET_KEEPTTL | SET_EXPIRE & ~SET_EXAT)) && hasNext) { flags |= SET_EXAT; expireArg = argv[++j]!; }
    else if (opt === 'pxat' && !(flags & (SET_KEEPTTL | SET_EXPIRE & ~SET_PXAT)) && hasNext) { flags |= SET_PXAT; expireArg = argv[++j]!; }
    else {
      c.addReplyError(errors.syntax);
      return;
    }
  }
  let deadline = -1;
  if (flags & SET_EXPIRE) {
    deadline = expireArgToDeadline(c, expireArg, (flags & (SET_EX | SET_EXAT)) !== 0, (flags & (SET_EX | SET_PX)) !== 0, 'set');
    if (deadline < 0) return;
  }
  const key = argv[1]!;
  const value = argv[2]!;
  if (flags & SET_GET) {
    const old = lookupStringOrReply(c, key);
    if (old === null) return;
    c.addReplyBulkOrNull(old);
  }
  const found = c.db.lookupWrite(key) !== undefined;
  if ((flags & SET_NX && found) || (flags & SET_XX && !found)) {
    if (!(flags & SET_GET)) c.addReplyNull();
    return;
  }
  c.db.setKey(key, value, (flags & SET_KEEPTTL) !== 0);
  notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'set', key, c.db.id);
  if (deadline >= 0) {
    c.db.setExpire(key, deadline);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'expire', key, c.db.id);
    // A replica or AOF replay must see the deadline, not a duration from its own clock.
    c.rewriteEffect(['SET', key, value, 'PXAT', String(deadline)]);
  } else if (flags & SET_GET) {
    c.rewriteEffect(argv.filter((a, i) => i < 3 || a.toLowerCase() !== 'get'));
  }
  if (!(flags & SET_GET)) c.addReplyOk();
}
