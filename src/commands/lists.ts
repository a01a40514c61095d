/**
 * List commands (t_list.c), blocking ones included. Values are ListValue rings
 * (store/list.ts); an emptied list is deleted at once, as Redis never keeps an empty list.
 *
 * Blocking (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) uses server/blocking.ts: a handler
 * that finds nothing calls block() and replies nothing; when a key is created the blocking
 * manager re-runs the same handler, which then pops and replies. So one body serves both
 * the immediate and the served case, and each propagates its non-blocking form through
 * rewriteEffect exactly as Redis 7.0 does (LPOP k, LPOP k <n> for [B]LMPOP with the count
 * actually popped, LMOVE src dst from to, RPOPLPUSH src dst). Inside EXEC a blocking command
 * never blocks: it answers as if it timed out (Redis's CLIENT_DENY_BLOCKING).
 *
 * Redis 7.0 serves a blocked list client only when the ready key holds a list; a re-run
 * that finds another type therefore blocks again instead of replying WRONGTYPE.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_LIST } from '../config/keyspace-events.js';
import { parseDouble, parseLongLong } from '../util/numbers.js';
import { ListValue } from '../store/list.js';
import { deleteIfEmpty, lookupReadOrReply, lookupWriteOrReply } from './lookup.js';
import { BLOCKING, type CommandSpec, DENYOOM, FAST, NOSCRIPT, READONLY, WRITE } from './spec.js';

const HEAD = 0;
const TAIL = 1;

export const specs: readonly CommandSpec[] = [
  { name: 'lpush', arity: -3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['list'], run: lpushCommand },
  { name: 'rpush', arity: -3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['list'], run: rpushCommand },
  { name: 'lpushx', arity: -3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['list'], run: lpushxCommand },
  { name: 'rpushx', arity: -3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['list'], run: rpushxCommand },
  { name: 'lpop', arity: -2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['list'], run: lpopCommand },
  { name: 'rpop', arity: -2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['list'], run: rpopCommand },
  { name: 'llen', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['list'], run: llenCommand },
  { name: 'lindex', arity: 3, flags: READONLY, keys: [1, 1, 1], acl: ['list'], run: lindexCommand },
  { name: 'lset', arity: 4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['list'], run: lsetCommand },
  { name: 'lrange', arity: 4, flags: READONLY, keys: [1, 1, 1], acl: ['list'], run: lrangeCommand },
  { name: 'ltrim', arity: 4, flags: WRITE, keys: [1, 1, 1], acl: ['list'], run: ltrimCommand },
  { name: 'lrem', arity: 4, flags: WRITE, keys: [1, 1, 1], acl: ['list'], run: lremCommand },
  { name: 'linsert', arity: 5, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ['list'], run: linsertCommand },
  { name: 'lpos', arity: -3, flags: READONLY, keys: [1, 1, 1], acl: ['list'], run: lposCommand },
  { name: 'lmove', arity: 5, flags: WRITE | DENYOOM, keys: [1, 2, 1], acl: ['list'], run: lmoveCommand },
  { name: 'rpoplpush', arity: 3, flags: WRITE | DENYOOM, keys: [1, 2, 1], acl: ['list'], run: rpoplpushCommand },
  { name: 'lmpop', arity: -4, flags: WRITE, keys: [0, 0, 0], acl: ['list'], run: lmpopCommand, getKeys: (argv) => numkeysKeys(argv, 1) },
  { name: 'blpop', arity: -3, flags: WRITE | NOSCRIPT | BLOCKING, keys: [1, -2, 1], acl: ['list'], run: blpopCommand },
  { name: 'brpop', arity: -3, flags: WRITE | NOSCRIPT | BLOCKING, keys: [1, -2, 1], acl: ['list'], run: brpopCommand },
  { name: 'blmove', arity: 6, flags: WRITE | DENYOOM | NOSCRIPT | BLOCKING, keys: [1, 2, 1], acl: ['list'], run: blmoveCommand },
  { name: 'brpoplpush', arity: 4, flags: WRITE | DENYOOM | NOSCRIPT | BLOCKING, keys: [1, 2, 1], acl: ['list'], run: brpoplpushCommand },
  { name: 'blmpop', arity: -5, flags: WRITE | BLOCKING, keys: [0, 0, 0], acl: ['list'], run: blmpopCommand, getKeys: (argv) => numkeysKeys(argv, 2) },
];

/** Key indexes of a `numkeys key…` command whose numkeys sits at `at`. */
export function numkeysKeys(argv: readonly string[], at: number): number[] {
  const n = Number(argv[at]);
  const out: number[] = [];
  for (let i = 0; i < n && at + 1 + i < argv.length; i++) out.push(at + 1 + i);
  return out;
}

// ---------------------------------------------------------------- shared helpers

/** getLongFromObjectOrReply: an int64 as a number (beyond 2^53 only its magnitude matters). */
export function getLongOrReply(c: Client, s: string, msg: string = errors.notInteger): number | null {
  const v = parseLongLong(s);
  if (v === null) {
    c.addReplyError(msg);
    return null;
  }
  return Number(v);
}

/**
 * Redis's getPositiveLongFromObjectOrReply: a non-negative int64 as a number, or -1 after
 * replying `msg`, which answers a non-integer as well as a negative value, as in Redis.
 */
export function getPositiveLongOrReply(c: Client, s: string, msg = 'ERR value is out of range, must be positive'): number {
  const v = parseLongLong(s);
  if (v === null || v < 0) {
    c.addReplyError(msg);
    return -1;
  }
  return Number(v);
}

/** getRangeLongFromObjectOrReply(min 1, max LONG_MAX). */
function getCountOrReply(c: Client, s: string, msg: string): number | null {
  const v = parseLongLong(s);
  if (v === null || Number(v) < 1) {
    c.addReplyError('ERR ' + msg);
    return null;
  }
  return Number(v);
}

/**
 * Redis's getTimeoutFromObjectOrReply in seconds: an absolute deadline in ms, 0 to wait
 * forever, or -1 after replying with the error.
 */
export function getTimeoutOrReply(c: Client, arg: string): number {
  const d = parseDouble(arg);
  if (Number.isNaN(d)) {
    c.addReplyError('ERR timeout is not a float or out of range');
    return -1;
  }
  const ms = Math.ceil(d * 1000);
  // (long long) of ±inf is LLONG_MIN on x86-64, which Redis then calls negative.
  if (ms < 0 || !Number.isFinite(ms)) {
    c.addReplyError('ERR timeout is negative');
    return -1;
  }
  return ms > 0 ? ms + c.server.keyspace.now : 0;
}

function listPosition(c: Client, arg: string): number {
  const s = arg.toLowerCase();
  if (s === 'left') return HEAD;
  if (s === 'right') return TAIL;
  c.addReplyError(errors.syntax);
  return -1;
}

/**
 * Redis's listElementsRemoved: after popping `count` elements, fire the pop event, delete
 * an emptied list, signal the change.
 */
function listElementsRemoved(c: Client, key: string, where: number, list: ListValue, count: number): void {
  notifyKeyspaceEvent(c.server, NOTIFY_LIST, where === HEAD ? 'lpop' : 'rpop', key, c.db.id);
  if (!deleteIfEmpty(c, key, list.length)) c.db.signalModified(key, count);
  else if (count > 1) c.db.signalModified(key, count - 1);
}

/**
 * Normalise LRANGE-style start/end into rangeStart/rangeEnd (module state: no allocation per
 * call); returns false for an empty range.
 */
let rangeStart = 0;
let rangeEnd = 0;
function normaliseRange(start: number, end: number, len: number): boolean {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return false;
  if (end >= len) end = len - 1;
  rangeStart = start;
  rangeEnd = end;
  return true;
}

/** Pop up to `count` from one end and reply them as an array, in pop order. */
function popRangeReply(c: Client, list: ListValue, where: number, count: number): number {
  const n = Math.min(count, list.length);
  c.addReplyArrayLen(n);
  for (let i = 0; i < n; i++) c.addReplyBulk(where === HEAD ? list.popHead() : list.popTail());
  return n;
}

// ---------------------------------------------------------------- push / pop

function pushGeneric(c: Client, argv: string[], where: number, xx: boolean): void {
  const key = argv[1];
  let list = lookupWriteOrReply(c, key, ListValue);
  if (list === null) return;
  let changes = argv.length - 2;
  if (list === undefined) {
    if (xx) {
      c.addReplyInt(0);
      return;
    }
    list = new ListValue();
    c.db.setKey(key, list);
    changes--;
  }
  for (let j = 2; j < argv.length; j++) {
    if (where === HEAD) list.pushHead(argv[j]);
    else list.pushTail(argv[j]);
  }
  if (changes > 0) c.db.signalModified(key, changes);
  c.addReplyInt(list.length);
  notifyKeyspaceEvent(c.server, NOTIFY_LIST, where === HEAD ? 'lpush' : 'rpush', key, c.db.id);
}

function lpushCommand(c: Client, argv: string[]): void { pushGeneric(c, argv, HEAD, false); }
function rpushCommand(c: Client, argv: string[]): void { pushGeneric(c, argv, TAIL, false); }
function lpushxCommand(c: Client, argv: string[]): void { pushGeneric(c, argv, HEAD, true); }
function rpushxCommand(c: Client, argv: string[]): void { pushGeneric(c, argv, TAIL, true); }

function popGeneric(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) {
    c.addReplyError(`ERR wrong number of arguments for '${c.lastCommand!.name}' command`);
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    count = getPositiveLongOrReply(c, argv[2]);
    if (count < 0) return;
  }
  const key = argv[1];
  const list = lookupWriteOrReply(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) {
    if (hasCount) c.addReplyNullArray();
    else c.addReplyNull();
    return;
  }
  if (hasCount && count === 0) {
    c.addReplyArrayLen(0);
    return;
  }
  if (!hasCount) {
    c.addReplyBulk(where === HEAD ? list.popHead() : list.popTail());
    listElementsRemoved(c, key, where, list, 1);
  } else {
    listElementsRemoved(c, key, where, list, popRangeReply(c, list, where, count));
  }
}

function lpopCommand(c: Client, argv: string[]): void { popGeneric(c, argv, HEAD); }
function rpopCommand(c: Client, argv: string[]): void { popGeneric(c, argv, TAIL); }

// ---------------------------------------------------------------- reads

function llenCommand(c: Client, argv: string[]): void {
  const list = lookupReadOrReply(c, argv[1], ListValue);
  if (list !== null) c.addReplyInt(list === undefined ? 0 : list.length);
}

function lindexCommand(c: Client, argv: string[]): void {
  const list = lookupReadOrReply(c, argv[1], ListValue);
  if (list === null) return;
  if (list === undefined) return c.addReplyNull();
  const index = getLongOrReply(c, argv[2]);
  if (index === null) return;
  const i = index < 0 ? list.length + index : index;
  if (i < 0 || i >= list.length) c.addReplyNull();
  else c.addReplyBulk(list.at(i));
}

function lrangeCommand(c: Client, argv: string[]): void {
  const start = getLongOrReply(c, argv[2]);
  if (start === null) return;
  const end = getLongOrReply(c, argv[3]);
  if (end === null) return;
  const list = lookupReadOrReply(c, argv[1], ListValue);
  if (list === null) return;
  if (list === undefined || !normaliseRange(start, end, list.length)) return c.addReplyArrayLen(0);
  c.addReplyBulks(list.range(rangeStart, rangeEnd));
}

function lposCommand(c: Client, argv: string[]): void {
  const ele = argv[2];
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = j + 1 < argv.length;
    if (opt === 'rank' && more) {
      const r = getLongOrReply(c, argv[++j]);
      if (r === null) return;
      if (r === 0) {
        c.addReplyError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
        return;
      }
      rank = r;
    } else if (opt === 'count' && more) {
      count = getPositiveLongOrReply(c, argv[++j], "ERR COUNT can't be negative");
      if (count < 0) return;
    } else if (opt === 'maxlen' && more) {
      maxlen = getPositiveLongOrReply(c, argv[++j], "ERR MAXLEN can't be negative");
      if (maxlen < 0) return;
    } else {
      c.addReplyError(errors.syntax);
      return;
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const list = lookupReadOrReply(c, argv[1], ListValue);
  if (list === null) return;
  if (list === undefined) {
    if (count !== -1) c.addReplyArrayLen(0);
    else c.addReplyNull();
    return;
  }
  const len = list.length;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  let matches = 0;
  const found: number[] = [];
  for (let k = 0; k < limit; k++) {
    const i = fromTail ? len - 1 - k : k;
    if (list.at(i) !== ele) continue;
    if (++matches < rank) continue;
    found.push(i);
    if (count !== -1 ? count !== 0 && found.length >= count : true) break;
  }
  if (count === -1) {
    if (found.length === 0) c.addReplyNull();
    else c.addReplyInt(found[0]);
    return;
  }
  c.addReplyArrayLen(found.length);
  for (const i of found) c.addReplyInt(i);
}

// ---------------------------------------------------------------- in-place writes

function lsetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const list = lookupWriteOrReply(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) return c.addReplyError(errors.noSuchKey);
  const index = getLongOrReply(c, argv[2]);
  if (index === null) return;
  const i = index < 0 ? list.length + index : index;
  if (i < 0 || i >= list.length) return c.addReplyError(errors.outOfRange);
  list.set(i, argv[3]);
  c.addReplyOk();
  c.db.signalModified(key);
  notifyKeyspaceEvent(c.server, NOTIFY_LIST, 'lset', key, c.db.id);
}

function ltrimCommand(c: Client, argv: string[]): void {
  const start = getLongOrReply(c, argv[2]);
  if (start === null) return;
  const end = getLongOrReply(c, argv[3]);
  if (end === null) return;
  const key = argv[1];
  const list = lookupWriteOrReply(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) return c.addReplyOk();
  const len = list.length;
  let removed: number;
  if (normaliseRange(start, end, len)) {
    removed = len - (rangeEnd - rangeStart + 1);
    list.trim(rangeStart, rangeEnd);
  } else {
    removed = len;
    list.trim(1, 0);
  }
  notifyKeyspaceEvent(c.server, NOTIFY_LIST, 'ltrim', key, c.db.id);
  // Redis counts the removed elements; a no-op trim changes nothing and propagates nothing.
  if (!deleteIfEmpty(c, key, list.length)) c.db.signalModified(key, removed);
  c.addReplyOk();
}

function lremCommand(c: Client, argv: string[]): void {
  const toRemove = getLongOrReply(c, argv[2]);
  if (toRemove === null) return;
  const key = argv[1];
  const list = lookupWriteOrReply(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) return c.addReplyInt(0);
  const removed = list.removeEqual(argv[3], Math.abs(toRemove), toRemove < 0);
  if (removed > 0) {
    notifyKeyspaceEvent(c.server, NOTIFY_LIST, 'lrem', key, c.db.id);
    if (!deleteIfEmpty(c, key, list.length)) c.db.signalModified(key, removed);
  }
  c.addReplyInt(removed);
}

function linsertCommand(c: Client, argv: string[]): void {
  const w = argv[2].toLowerCase();
  if (w !== 'after' && w !== 'before') return c.addReplyError(errors.syntax);
  const key = argv[1];
  const list = lookupWriteOrReply(c, key, ListValue);
  if (list === null) return;
  if (list === undefined) return c.addReplyInt(0);
  const pivot = argv[3];
  const len = list.length;
  let i = 0;
  while (i < len && list.at(i) !== pivot) i++;
  if (i === len) return c.addReplyInt(-1);
  list.insertAt(w === 'after' ? i + 1 : i, argv[4]);
  c.db.signalModified(key);
  notifyKeyspaceEvent(c.server, NOTIFY_LIST, 'linsert', key, c.db.id);
  c.addReplyInt(list.length);
}

// ---------------------------------------------------------------- move

/**
 * Redis's lmoveGenericCommand: pop from src, push onto dst (created if missing), reply the
 * element. Returns false when nothing moved because src is missing (no reply sent).
 */
function lmoveGeneric(c: Client, src: string, dst: string, from: number, to: number): boolean {
  const slist = lookupWriteOrReply(c, src, ListValue);
  if (slist === null) return true;
  if (slist === undefined) return false;
  let dlist = lookupWriteOrReply(c, dst, ListValue);
  if (dlist === null) return true;
  const value = from === HEAD ? slist.popHead() : slist.popTail();
  if (dlist === undefined) {
    dlist = new ListValue();
    c.db.setKey(dst, dlist);
  } else {
    c.db.signalModified(dst, 0);
  }
  if (to === HEAD) dlist.pushHead(value);
  else dlist.pushTail(value);
  notifyKeyspaceEvent(c.server, NOTIFY_LIST, to === HEAD ? 'lpush' : 'rpush', dst, c.db.id);
  c.addReplyBulk(value);
  notifyKeyspaceEvent(c.server, NOTIFY_LIST, from === HEAD ? 'lpop' : 'rpop', src, c.db.id);
  if (!deleteIfEmpty(c, src, slist.length)) c.db.signalModified(src);
  return true;
}

function lmoveCommand(c: Client, argv: string[]): void {
  const from = listPosition(c, argv[3]);
  if (from < 0) return;
  const to = listPosition(c, argv[4]);
  if (to < 0) return;
  if (!lmoveGeneric(c, argv[1], argv[2], from, to)) c.addReplyNull();
}

function rpoplpushCommand(c: Client, argv: string[]): void {
  if (!lmoveGeneric(c, argv[1], argv[2], TAIL, HEAD)) c.addReplyNull();
}

// ---------------------------------------------------------------- multi-key pops

/**
 * The common body of [B]LPOP, [B]RPOP and [B]LMPOP: pop from the first non-empty list among
 * `keys`. `count` < 0 is the single-element form ([key, element]); otherwise the LMPOP reply
 * ([key, [elements…]]). Returns false when every key was missing (nothing replied).
 */
function popFromKeys(c: Client, argv: string[], first: number, numkeys: number, where: number, count: number): boolean {
  for (let j = first; j < first + numkeys; j++) {
    const key = argv[j];
    const v = c.db.lookupWrite(key);
    if (v === undefined) continue;
    if (!(v instanceof ListValue)) {
      // Being served (a re-run): Redis 7.0 only serves a list, so keep waiting.
      if (c.blocked !== null) continue;
      c.addReplyError(errors.wrongType);
      return true;
    }
    const pop = where === HEAD ? 'LPOP' : 'RPOP';
    c.addReplyArrayLen(2);
    c.addReplyBulk(key);
    if (count < 0) {
      c.addReplyBulk(where === HEAD ? v.popHead() : v.popTail());
      listElementsRemoved(c, key, where, v, 1);
      c.rewriteEffect([pop, key]);
    } else {
      const n = popRangeReply(c, v, where, count);
      listElementsRemoved(c, key, where, v, n);
      c.rewriteEffect([pop, key, String(n)]);
    }
    return true;
  }
  return false;
}

/** BLPOP/BRPOP key… timeout */
function blockingPopGeneric(c: Client, argv: string[], where: number): void {
  const deadline = getTimeoutOrReply(c, argv[argv.length - 1]);
  if (deadline < 0) return;
  if (popFromKeys(c, argv, 1, argv.length - 2, where, -1)) return;
  if (c.inExec) return c.addReplyNullArray();
  c.server.blocking.block(c, argv.slice(1, -1), deadline, c.lastCommand!, argv, 'null-array');
}

function blpopCommand(c: Client, argv: string[]): void { blockingPopGeneric(c, argv, HEAD); }
function brpopCommand(c: Client, argv: string[]): void { blockingPopGeneric(c, argv, TAIL); }

/** [B]LMPOP [timeout] numkeys key… LEFT|RIGHT [COUNT n]; numkeys at argv[at]. */
function lmpopGeneric(c: Client, argv: string[], at: number, blocking: boolean): void {
  const numkeys = getCountOrReply(c, argv[at], 'numkeys should be greater than 0');
  if (numkeys === null) return;
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) return c.addReplyError(errors.syntax);
  const where = listPosition(c, argv[whereIdx]);
  if (where < 0) return;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      const n = getCountOrReply(c, argv[++j], 'count should be greater than 0');
      if (n === null) return;
      count = n;
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  if (count === -1) count = 1;
  let deadline = 0;
  if (blocking) {
    deadline = getTimeoutOrReply(c, argv[1]);
    if (deadline < 0) return;
  }
  if (popFromKeys(c, argv, at + 1, numkeys, where, count)) return;
  if (!blocking || c.inExec) return c.addReplyNullArray();
  c.server.blocking.block(c, argv.slice(at + 1, at + 1 + numkeys), deadline, c.lastCommand!, argv, 'null-array');
}

function lmpopCommand(c: Client, argv: string[]): void { lmpopGeneric(c, argv, 1, false); }
function blmpopCommand(c: Client, argv: string[]): void { lmpopGeneric(c, argv, 2, true); }

/** BLMOVE / BRPOPLPUSH: LMOVE when the source has elements, else block on it. */
function blmoveGeneric(c: Client, argv: string[], from: number, to: number, timeoutArg: string, effect: string[]): void {
  const deadline = getTimeoutOrReply(c, timeoutArg);
  if (deadline < 0) return;
  const v = c.db.lookupWrite(argv[1]);
  if (v !== undefined && !(v instanceof ListValue)) {
    if (c.blocked !== null) return c.server.blocking.block(c, [argv[1]], deadline, c.lastCommand!, argv, 'null');
    return c.addReplyError(errors.wrongType);
  }
  const dirty = c.server.keyspace.dirty;
  if (lmoveGeneric(c, argv[1], argv[2], from, to)) {
    if (c.server.keyspace.dirty !== dirty) c.rewriteEffect(effect);
    return;
  }
  if (c.inExec) return c.addReplyNull();
  c.server.blocking.block(c, [argv[1]], deadline, c.lastCommand!, argv, 'null');
}

function blmoveCommand(c: Client, argv: string[]): void {
  const from = listPosition(c, argv[3]);
  if (from < 0) return;
  const to = listPosition(c, argv[4]);
  if (to < 0) return;
  blmoveGeneric(c, argv, from, to, argv[5], ['LMOVE', argv[1], argv[2], argv[3], argv[4]]);
}

function brpoplpushCommand(c: Client, argv: string[]): void {
  blmoveGeneric(c, argv, TAIL, HEAD, argv[3], ['RPOPLPUSH', argv[1], argv[2]]);
}
