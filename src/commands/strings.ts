/**
 * String commands (t_string.c). Values are latin1 strings stored bare in the keyspace, so a
 * string is never edited in place: a write builds the new string and stores it with
 * setKey(…, keepTtl), which is Redis's dbOverwrite (the deadline stays).
 *
 * Cost of the writes on immutable strings (n = current length, m = argument length):
 *  - APPEND is O(m) amortised: `old + arg` makes a V8 rope in O(1) and nothing on the path
 *    reads the old value's bytes (only its length), so no call flattens it; the first read
 *    of the bytes (GET, GETRANGE…) flattens the rope once, in O(n).
 *  - SETRANGE at or past the end is O(m + padding), like an append. Inside the value it is
 *    O(n): slicing a rope flattens it once; the slices themselves are O(1) views.
 *  - INCR and friends are O(1) (values of at most 20 digits).
 *
 * Relative expiry forms are propagated as absolute ones (SET … PXAT, PEXPIREAT), because a
 * replica or an AOF replay must not recompute a deadline with its own clock; GETDEL goes
 * out as DEL and INCRBYFLOAT as SET … KEEPTTL with the printed result, so that float
 * formatting can never split replicas (invariant 2, persistence-spec.md §3.4).
 */

import { constants as bufferConstants } from 'node:buffer';
import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../util/longdouble.js';
import { type CommandSpec, DENYOOM, FAST, QUICK, READONLY, WRITE } from './spec.js';
import { lookupStringOrReply, lookupStringWriteOrReply } from './lookup.js';

export const specs: readonly CommandSpec[] = [
  { name: 'get', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['string'], run: getCommand },
  { name: 'set', arity: -3, flags: WRITE | DENYOOM | QUICK, keys: [1, 1, 1], acl: ['string'], run: setCommand },
  { name: 'getex', arity: -2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['string'], run: getexCommand },
  { name: 'getdel', arity: 2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['string'], run: getdelCommand },
  { name: 'getset', arity: 3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: getsetCommand },
  { name: 'mget', arity: -2, flags: READONLY | FAST, keys: [1, -1, 1], acl: ['string'], run: mgetCommand },
  { name: 'mset', arity: -3, flags: WRITE | DENYOOM, keys: [1, -1, 2], acl: ['string'], run: msetCommand },
  { name: 'msetnx', arity: -3, flags: WRITE | DENYOOM, keys: [1, -1, 2], acl: ['string'], run: msetnxCommand },
  { name: 'setnx', arity: 3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: setnxCommand },
  { name: 'setex', arity: 4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['string'], run: setexCommand },
  { name: 'psetex', arity: 4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['string'], run: psetexCommand },
  { name: 'incr', arity: 2, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: incrCommand },
  { name: 'decr', arity: 2, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: decrCommand },
  { name: 'incrby', arity: 3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: incrbyCommand },
  { name: 'decrby', arity: 3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: decrbyCommand },
  { name: 'incrbyfloat', arity: 3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: incrbyfloatCommand },
  { name: 'append', arity: 3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['string'], run: appendCommand },
  { name: 'strlen', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['string'], run: strlenCommand },
  { name: 'getrange', arity: 4, flags: READONLY, keys: [1, 1, 1], acl: ['string'], run: getrangeCommand },
  { name: 'substr', arity: 4, flags: READONLY, keys: [1, 1, 1], acl: ['string'], run: getrangeCommand },
  { name: 'setrange', arity: 4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['string'], run: setrangeCommand },
  { name: 'lcs', arity: -3, flags: READONLY, keys: [1, 2, 1], acl: ['string'], run: lcsCommand },
];

// ---------------------------------------------------------------- shared helpers

/**
 * The longest value a command may build: proto-max-bulk-len, capped by V8's longest string
 * (24 bytes short of the default 512 MiB; design.md), so that a write never throws.
 */
export function maxStringLength(c: Client): number {
  const limit = c.server.parserLimits.maxBulkLen;
  return limit < bufferConstants.MAX_STRING_LENGTH ? limit : bufferConstants.MAX_STRING_LENGTH;
}

/** checkStringLength: replies Redis's error and returns false when size+append is too long. */
function checkStringLength(c: Client, size: number, append: number): boolean {
  if (size + append <= maxStringLength(c)) return true;
  c.addReplyError('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  return false;
}

/** getLongLongFromObjectOrReply: an int64 argument, or null after replying the error. */
export function parseLongLongOrReply(c: Client, arg: string): number | bigint | null {
  const v = parseLongLong(arg);
  if (v === null) c.addReplyError(errors.notInteger);
  return v;
}

/** Non-negative NUL padding: V8 builds it by doubling, O(log n) concatenations. */
function zeros(n: number): string {
  return n > 0 ? '\0'.repeat(n) : '';
}

// ---------------------------------------------------------------- GET, SET and variants

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
const SET_PERSIST = 256;
/** SETNX: reply :1 / :0 instead of +OK / null. */
const SET_INT_REPLY = 512;
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

/** Index in argv of the expire argument found by the last parseStringOptions, or -1. */
let parsedExpireIndex = -1;

/**
 * parseExtendedStringArgumentsOrReply: SET's options from argv[3] (`forSet`) or GETEX's from
 * argv[2]. Returns the flags, or -1 after a syntax error; the expire argument's index is
 * left in parsedExpireIndex (a module variable rather than an object per call: handlers
 * run synchronously, one at a time).
 */
function parseStringOptions(c: Client, argv: string[], forSet: boolean): number {
  let flags = 0;
  parsedExpireIndex = -1;
  for (let j = forSet ? 3 : 2; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const expireFlag = opt === 'ex' ? SET_EX : opt === 'px' ? SET_PX : opt === 'exat' ? SET_EXAT : opt === 'pxat' ? SET_PXAT : 0;
    if (expireFlag !== 0) {
      // One expire option (the same one may repeat), never with KEEPTTL or PERSIST.
      if (j + 1 === argv.length || flags & (SET_KEEPTTL | SET_PERSIST | (SET_EXPIRE & ~expireFlag))) return syntaxError(c);
      flags |= expireFlag;
      parsedExpireIndex = ++j;
    } else if (forSet && opt === 'nx' && !(flags & SET_XX)) flags |= SET_NX;
    else if (forSet && opt === 'xx' && !(flags & SET_NX)) flags |= SET_XX;
    else if (forSet && opt === 'get') flags |= SET_GET;
    else if (forSet && opt === 'keepttl' && !(flags & SET_EXPIRE)) flags |= SET_KEEPTTL;
    else if (!forSet && opt === 'persist' && !(flags & SET_EXPIRE)) flags |= SET_PERSIST;
    else return syntaxError(c);
  }
  return flags;
}

function syntaxError(c: Client): -1 {
  c.addReplyError(errors.syntax);
  return -1;
}

/** Deadline for the expire option in `flags`, or -1 after replying the error. */
function optionDeadline(c: Client, flags: number, arg: string, cmd: string): number {
  return expireArgToDeadline(c, arg, (flags & (SET_EX | SET_EXAT)) !== 0, (flags & (SET_EX | SET_PX)) !== 0, cmd);
}

/**
 * The body of SET, SETNX, SETEX and PSETEX: `expireArg` is null without an expire option.
 * Side effects, in order: the old value is replied (GET), the key is set ('set' event),
 * the deadline is set ('expire' event), and the effect becomes SET … PXAT when a deadline
 * was given, or loses its GET tokens otherwise.
 */
function setGenericCommand(c: Client, argv: string[], flags: number, key: string, value: string, expireArg: string | null): void {
  let deadline = -1;
  if (expireArg !== null) {
    deadline = optionDeadline(c, flags, expireArg, c.lastCommand!.name);
    if (deadline < 0) return;
  }
  if (flags & SET_GET) {
    const old = lookupStringOrReply(c, key);
    if (old === null) return;
    c.addReplyBulkOrNull(old);
  }
  // Only NX and XX need to know beforehand; setKey itself expires a stale key first.
  if (flags & (SET_NX | SET_XX) && (c.db.lookupWrite(key) !== undefined) === ((flags & SET_NX) !== 0)) {
    if (flags & SET_INT_REPLY) c.addReplyInt(0);
    else if (!(flags & SET_GET)) c.addReplyNull();
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
    c.rewriteEffect(withoutGetTokens(argv));
  }
  if (flags & SET_INT_REPLY) c.addReplyInt(1);
  else if (!(flags & SET_GET)) c.addReplyOk();
}

/** SET's argv without its GET options: the replica must not reply, and GET reads nothing. */
function withoutGetTokens(argv: string[]): string[] {
  const out = argv.slice(0, 3);
  for (let j = 3; j < argv.length; j++) if (argv[j]!.toLowerCase() !== 'get') out.push(argv[j]!);
  return out;
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts | KEEPTTL] */
function setCommand(c: Client, argv: string[]): void {
  const flags = parseStringOptions(c, argv, true);
  if (flags < 0) return;
  setGenericCommand(c, argv, flags, argv[1]!, argv[2]!, parsedExpireIndex < 0 ? null : argv[parsedExpireIndex]!);
}

function setnxCommand(c: Client, argv: string[]): void {
  setGenericCommand(c, argv, SET_NX | SET_INT_REPLY, argv[1]!, argv[2]!, null);
}

function setexCommand(c: Client, argv: string[]): void {
  setGenericCommand(c, argv, SET_EX, argv[1]!, argv[3]!, argv[2]!);
}

function psetexCommand(c: Client, argv: string[]): void {
  setGenericCommand(c, argv, SET_PX, argv[1]!, argv[3]!, argv[2]!);
}

/**
 * GETEX key [EX s | PX ms | EXAT ts | PXAT ts | PERSIST]. Never propagated as is: an
 * absolute deadline already past deletes the key (DEL, or UNLINK under
 * lazyfree-lazy-expire), a deadline becomes PEXPIREAT, PERSIST stays PERSIST when it removed
 * a deadline, and a plain GETEX changes nothing.
 */
function getexCommand(c: Client, argv: string[]): void {
  const flags = parseStringOptions(c, argv, false);
  if (flags < 0) return;
  const expireIndex = parsedExpireIndex;
  const key = argv[1]!;
  const v = lookupStringOrReply(c, key);
  if (v === null) return;
  if (v === undefined) {
    c.addReplyNull();
    return;
  }
  let deadline = -1;
  if (expireIndex >= 0) {
    deadline = optionDeadline(c, flags, argv[expireIndex]!, 'getex');
    if (deadline < 0) return;
  }
  c.addReplyBulk(v);
  if (flags & (SET_EXAT | SET_PXAT) && deadline <= c.server.keyspace.now) {
    c.db.delete(key);
    c.rewriteEffect([c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, c.db.id);
  } else if (deadline >= 0) {
    c.db.setExpire(key, deadline);
    c.rewriteEffect(['PEXPIREAT', key, String(deadline)]);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'expire', key, c.db.id);
  } else if (flags & SET_PERSIST && c.db.removeExpire(key)) {
    c.rewriteEffect(['PERSIST', key]);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'persist', key, c.db.id);
  }
}

/** GETDEL key: propagated as DEL (UNLINK under lazyfree-lazy-user-del). */
function getdelCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const v = lookupStringOrReply(c, key);
  if (v === null) return;
  c.addReplyBulkOrNull(v);
  if (v !== undefined && c.db.delete(key)) {
    c.rewriteEffect([c.server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key]);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, c.db.id);
  }
}

/** GETSET key value: SET that replies the old value; propagated as SET key value. */
function getsetCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const v = lookupStringOrReply(c, key);
  if (v === null) return;
  c.addReplyBulkOrNull(v);
  c.db.setKey(key, argv[2]!);
  notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'set', key, c.db.id);
  c.rewriteEffect(['SET', key, argv[2]!]);
}

/** MGET key…: another type reads as null, not as an error. */
function mgetCommand(c: Client, argv: string[]): void {
  c.addReplyArrayLen(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const v = c.db.lookupRead(argv[j]!);
    if (typeof v === 'string') c.addReplyBulk(v);
    else c.addReplyNull();
  }
}

/** MSET and MSETNX: MSETNX sets nothing and replies 0 when any key exists. */
function msetGenericCommand(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    c.addReplyError(`ERR wrong number of arguments for '${nx ? 'msetnx' : 'mset'}' command`);
    return;
  }
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (c.db.has(argv[j]!)) {
        c.addReplyInt(0);
        return;
      }
    }
  }
  for (let j = 1; j < argv.length; j += 2) {
    c.db.setKey(argv[j]!, argv[j + 1]!);
    notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'set', argv[j]!, c.db.id);
  }
  if (nx) c.addReplyInt(1);
  else c.addReplyOk();
}

function msetCommand(c: Client, argv: string[]): void {
  msetGenericCommand(c, argv, false);
}

function msetnxCommand(c: Client, argv: string[]): void {
  msetGenericCommand(c, argv, true);
}

// ---------------------------------------------------------------- counters

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * incrDecrCommand: add `incr` to the int64 in `key` (0 when missing), keeping its deadline.
 * Numbers stay plain doubles while both operands and the sum are safe integers; beyond
 * 2^53 the sum is computed in BigInt so that values near ±2^63 are exact.
 */
function incrDecrGeneric(c: Client, key: string, incr: number | bigint): void {
  const old = lookupStringWriteOrReply(c, key);
  if (old === null) return;
  const value = old === undefined ? 0 : parseLongLong(old);
  if (value === null) {
    c.addReplyError(errors.notInteger);
    return;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const sum = BigInt(value) + BigInt(incr);
    if (sum > INT64_MAX || sum < INT64_MIN) {
      c.addReplyError(errors.overflow);
      return;
    }
    result = Number.isSafeInteger(Number(sum)) ? Number(sum) : sum;
  }
  c.db.setKey(key, String(result), true);
  notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'incrby', key, c.db.id);
  c.addReplyInt(result);
}

function incrCommand(c: Client, argv: string[]): void {
  incrDecrGeneric(c, argv[1]!, 1);
}

function decrCommand(c: Client, argv: string[]): void {
  incrDecrGeneric(c, argv[1]!, -1);
}

function incrbyCommand(c: Client, argv: string[]): void {
  const incr = parseLongLongOrReply(c, argv[2]!);
  if (incr !== null) incrDecrGeneric(c, argv[1]!, incr);
}

function decrbyCommand(c: Client, argv: string[]): void {
  const incr = parseLongLongOrReply(c, argv[2]!);
  if (incr === null) return;
  if (incr === INT64_MIN) {
    c.addReplyError('ERR decrement would overflow');
    return;
  }
  incrDecrGeneric(c, argv[1]!, -incr);
}

/**
 * INCRBYFLOAT key increment, in x87 long double as Redis computes it (util/longdouble.ts).
 * Propagated as SET key <result> KEEPTTL so that no replica recomputes the float.
 */
function incrbyfloatCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const old = lookupStringWriteOrReply(c, key);
  if (old === null) return;
  const value = parseLongDouble(old ?? '0');
  const incr = value === null ? null : parseLongDouble(argv[2]!);
  if (value === null || incr === null) {
    c.addReplyError(errors.notFloat);
    return;
  }
  const sum = addLongDouble(value, incr);
  if (sum === null || sum.inf) {
    c.addReplyError('ERR increment would produce NaN or Infinity');
    return;
  }
  const printed = formatLongDouble(sum);
  c.db.setKey(key, printed, true);
  notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'incrbyfloat', key, c.db.id);
  c.addReplyBulk(printed);
  c.rewriteEffect(['SET', key, printed, 'KEEPTTL']);
}

// ---------------------------------------------------------------- byte strings

/** APPEND key value: O(len(value)); reads only the old value's length (see the top). */
function appendCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const arg = argv[2]!;
  const old = lookupStringWriteOrReply(c, key);
  if (old === null) return;
  let total: number;
  if (old === undefined) {
    c.db.setKey(key, arg);
    total = arg.length;
  } else {
    if (!checkStringLength(c, old.length, arg.length)) return;
    c.db.setKey(key, old + arg, true);
    total = old.length + arg.length;
  }
  notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'append', key, c.db.id);
  c.addReplyInt(total);
}

function strlenCommand(c: Client, argv: string[]): void {
  const v = lookupStringOrReply(c, argv[1]!);
  if (v !== null) c.addReplyInt(v === undefined ? 0 : v.length);
}

/** GETRANGE (and SUBSTR) key start end, inclusive, negative from the end. */
function getrangeCommand(c: Client, argv: string[]): void {
  const rawStart = parseLongLongOrReply(c, argv[2]!);
  if (rawStart === null) return;
  const rawEnd = parseLongLongOrReply(c, argv[3]!);
  if (rawEnd === null) return;
  const v = lookupStringOrReply(c, argv[1]!);
  if (v === null) return;
  if (v === undefined || (rawStart < 0 && rawEnd < 0 && rawStart > rawEnd)) {
    c.addReplyBulk('');
    return;
  }
  const len = v.length;
  // Beyond ±2^53 the exact value no longer matters: it clamps the same way.
  let start = Number(rawStart);
  let end = Number(rawEnd);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  c.addReplyBulk(start > end || len === 0 ? '' : v.slice(start, end + 1));
}

/**
 * SETRANGE key offset value. O(len(value) + padding) at or past the end of the value,
 * O(current length) inside it (see the top).
 */
function setrangeCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const arg = argv[3]!;
  const raw = parseLongLongOrReply(c, argv[2]!);
  if (raw === null) return;
  if (raw < 0) {
    c.addReplyError('ERR offset is out of range');
    return;
  }
  const offset = Number(raw);
  const old = lookupStringWriteOrReply(c, key);
  if (old === null) return;
  if (arg.length === 0) {
    c.addReplyInt(old === undefined ? 0 : old.length);
    return;
  }
  if (!checkStringLength(c, offset, arg.length)) return;
  let next: string;
  if (old === undefined) next = zeros(offset) + arg;
  else if (offset >= old.length) next = old + zeros(offset - old.length) + arg;
  else if (offset + arg.length >= old.length) next = old.slice(0, offset) + arg;
  else next = old.slice(0, offset) + arg + old.slice(offset + arg.length);
  c.db.setKey(key, next, true);
  notifyKeyspaceEvent(c.server, NOTIFY_STRING, 'setrange', key, c.db.id);
  c.addReplyInt(next.length);
}

// ---------------------------------------------------------------- LCS

/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the classic O(n·m) dynamic
 * programme over a Uint32Array, refused (as Redis does) when the table would exceed
 * proto-max-bulk-len bytes. The backtrack emits ranges from the end, like Redis.
 */
function lcsCommand(c: Client, argv: string[]): void {
  const va = c.db.lookupRead(argv[1]!);
  const vb = c.db.lookupRead(argv[2]!);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    c.addReplyError('ERR The specified keys must contain string values');
    return;
  }
  const a = va ?? '';
  const b = vb ?? '';
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && j + 1 < argv.length) {
      const n = parseLongLongOrReply(c, argv[++j]!);
      if (n === null) return;
      minMatchLen = n < 0 ? 0 : Number(n);
    } else {
      c.addReplyError(errors.syntax);
      return;
    }
  }
  if (getLen && getIdx) {
    c.addReplyError('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const alen = a.length;
  const blen = b.length;
  const width = blen + 1;
  if ((alen + 1) * width * 4 > c.server.parserLimits.maxBulkLen) {
    c.addReplyError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array((alen + 1) * width);
  } catch {
    c.addReplyError('ERR Insufficient memory, failed allocating transient memory for LCS');
    return;
  }
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * width;
    const prev = row - width;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * width + blen]!;
  if (getLen) {
    c.addReplyInt(total);
    return;
  }
  lcsBacktrack(c, a, b, table, total, getIdx, withMatchLen, minMatchLen);
}

/** Walk the LCS table back from its end, replying the string or the IDX map. */
function lcsBacktrack(c: Client, a: string, b: string, table: Uint32Array, total: number,
  getIdx: boolean, withMatchLen: boolean, minMatchLen: number): void {
  const alen = a.length;
  const width = b.length + 1;
  const result = Buffer.allocUnsafe(total);
  const matches: number[] = []; // flat [aStart, aEnd, bStart, bEnd] per range
  let idx = total;
  let aStart = alen; // alen: no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = b.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      result[--idx] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (table[(i - 1) * width + j]! > table[i * width + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      if (getIdx && (minMatchLen === 0 || aEnd - aStart + 1 >= minMatchLen)) matches.push(aStart, aEnd, bStart, bEnd);
      aStart = alen;
    }
  }
  if (!getIdx) {
    c.addReplyBulk(result.toString('latin1', 0, total));
    return;
  }
  c.addReplyMapLen(2);
  c.addReplyBulk('matches');
  c.addReplyArrayLen(matches.length / 4);
  for (let k = 0; k < matches.length; k += 4) {
    c.addReplyArrayLen(withMatchLen ? 3 : 2);
    c.addReplyArrayLen(2);
    c.addReplyInt(matches[k]!);
    c.addReplyInt(matches[k + 1]!);
    c.addReplyArrayLen(2);
    c.addReplyInt(matches[k + 2]!);
    c.addReplyInt(matches[k + 3]!);
    if (withMatchLen) c.addReplyInt(matches[k + 1]! - matches[k]! + 1);
  }
  c.addReplyBulk('len');
  c.addReplyInt(total);
}
