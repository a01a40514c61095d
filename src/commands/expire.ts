/**
 * Expiry commands (expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX | XX | GT | LT,
 * TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * Deadlines are absolute milliseconds held as JS numbers by the store. Redis keeps a long
 * long; a number is exact up to 2**53 ms (the year 287,396), beyond which a deadline only
 * means "never" and its last digits may round. The overflow checks themselves are exact
 * (bigint on the rare slow path), so every error Redis gives is given here too, and a
 * propagated deadline is always the exact integer, never a rounded one that a replica
 * would refuse as out of range.
 *
 * Propagation (invariant 2, persistence-spec.md §3.4): a future deadline goes out as
 * PEXPIREAT k <abs-ms> followed by the client's NX/XX/GT/LT words, as Redis 7.0 rewrites
 * only arguments 0 and 2; PEXPIREAT itself goes out as sent. A deadline at or before the
 * command clock deletes the key and goes out as DEL k, or UNLINK k under
 * lazyfree-lazy-expire, with a `del` event rather than `expire`.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import { type CommandSpec, FAST, READONLY, WRITE } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'expire', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: expireCommand },
  { name: 'pexpire', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: pexpireCommand },
  { name: 'expireat', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: expireatCommand },
  { name: 'pexpireat', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: pexpireatCommand },
  { name: 'ttl', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: ttlCommand },
  { name: 'pttl', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: pttlCommand },
  { name: 'expiretime', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: expiretimeCommand },
  { name: 'pexpiretime', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: pexpiretimeCommand },
  { name: 'persist', arity: 2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: persistCommand },
];

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

function expireCommand(c: Client, argv: string[]): void {
  expireGenericCommand(c, argv, c.server.keyspace.now, true);
}

function pexpireCommand(c: Client, argv: string[]): void {
  expireGenericCommand(c, argv, c.server.keyspace.now, false);
}

function expireatCommand(c: Client, argv: string[]): void {
  expireGenericCommand(c, argv, 0, true);
}

function pexpireatCommand(c: Client, argv: string[]): void {
  expireGenericCommand(c, argv, 0, false);
}

/**
 * The NX/XX/GT/LT words from argv[3] on as EXPIRE_* bits, or -1 after replying with
 * Redis's error (an unknown word first, then the incompatible pairs).
 */
function parseExpireFlagsOrReply(c: Client, argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'nx') flags |= EXPIRE_NX;
    else if (opt === 'xx') flags |= EXPIRE_XX;
    else if (opt === 'gt') flags |= EXPIRE_GT;
    else if (opt === 'lt') flags |= EXPIRE_LT;
    else {
      c.addReplyError(`ERR Unsupported option ${argv[j]!}`);
      return -1;
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    c.addReplyError('ERR NX and XX, GT or LT options at the same time are not compatible');
    return -1;
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    c.addReplyError('ERR GT and LT options at the same time are not compatible');
    return -1;
  }
  return flags;
}

/**
 * `arg` (seconds or ms) plus `basetime` as an exact decimal deadline in ms, or null when
 * Redis would call it an overflow. Negative results are valid: they mean "already past".
 */
function deadlineText(raw: number | bigint, seconds: boolean, basetime: number): string | null {
  if (typeof raw === 'number') {
    const when = (seconds ? raw * 1000 : raw) + basetime;
    if (Number.isSafeInteger(when)) return String(when);
  }
  let when = BigInt(raw);
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) return null;
    when *= 1000n;
  }
  const base = BigInt(basetime);
  if (when > LLONG_MAX - base) return null;
  return String(when + base);
}

/**
 * EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT]. `basetime` is 0 for the
 * absolute forms and the command clock for the relative ones. Side effects: a deadline in
 * the future is set (event `expire`); one at or before now deletes the key (event `del`).
 */
function expireGenericCommand(c: Client, argv: string[], basetime: number, seconds: boolean): void {
  const key = argv[1]!;
  const flags = parseExpireFlagsOrReply(c, argv);
  if (flags < 0) return;
  const raw = parseLongLong(argv[2]!);
  if (raw === null) {
    c.addReplyError(errors.notInteger);
    return;
  }
  const whenText = deadlineText(raw, seconds, basetime);
  if (whenText === null) {
    c.addReplyError(errors.invalidExpire(c.lastCommand!.name));
    return;
  }
  const when = Number(whenText);
  const db = c.db;
  if (db.lookupWrite(key) === undefined) {
    c.addReplyInt(0);
    return;
  }
  if (flags !== 0) {
    const current = db.getExpire(key);
    // No deadline counts as infinite: GT always fails, LT always passes.
    if ((flags & EXPIRE_NX && current !== -1) || (flags & EXPIRE_XX && current === -1) ||
        (flags & EXPIRE_GT && (current === -1 || when <= current)) ||
        (flags & EXPIRE_LT && current !== -1 && when >= current)) {
      c.addReplyInt(0);
      return;
    }
  }
  if (when <= c.server.keyspace.now) {
    db.delete(key);
    // A replica must delete too, not replay a deadline its own clock may not have reached.
    c.rewriteEffect([c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, db.id);
    c.addReplyInt(1);
    return;
  }
  db.setExpire(key, when);
  // Replicas and AOF replay must see the deadline, not a duration from their own clock.
  if (basetime !== 0 || seconds) {
    c.rewriteEffect(argv.length === 3 ? ['PEXPIREAT', key, whenText] : ['PEXPIREAT', key, whenText, ...argv.slice(3)]);
  }
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'expire', key, db.id);
  c.addReplyInt(1);
}

function ttlCommand(c: Client, argv: string[]): void {
  ttlGenericCommand(c, argv[1]!, false, false);
}

function pttlCommand(c: Client, argv: string[]): void {
  ttlGenericCommand(c, argv[1]!, true, false);
}

function expiretimeCommand(c: Client, argv: string[]): void {
  ttlGenericCommand(c, argv[1]!, false, true);
}

function pexpiretimeCommand(c: Client, argv: string[]): void {
  ttlGenericCommand(c, argv[1]!, true, true);
}

/**
 * -2 for a missing key, -1 for one without a deadline, else the remaining time (or the
 * deadline itself when `absolute`), in ms or in seconds rounded to nearest as Redis does.
 */
function ttlGenericCommand(c: Client, key: string, ms: boolean, absolute: boolean): void {
  if (c.db.lookupRead(key) === undefined) {
    c.addReplyInt(-2);
    return;
  }
  const when = c.db.getExpire(key);
  if (when === -1) {
    c.addReplyInt(-1);
    return;
  }
  const t = Math.max(0, absolute ? when : when - c.server.keyspace.now);
  const r = ms ? t : Math.floor((t + 500) / 1000);
  // Beyond 2**53 the stored double is within a rounding step of Redis's long long; the
  // largest deadline, LLONG_MAX itself, rounds up to 2**63 and is answered as LLONG_MAX.
  c.addReplyInt(Number.isSafeInteger(r) ? r : r >= 2 ** 63 ? LLONG_MAX : BigInt(r));
}

function persistCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  if (c.db.lookupWrite(key) !== undefined && c.db.removeExpire(key)) {
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'persist', key, c.db.id);
    c.addReplyInt(1);
  } else {
    c.addReplyInt(0);
  }
}
