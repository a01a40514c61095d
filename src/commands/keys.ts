/**
 * Generic keyspace commands (db.c, object.c): DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX,
 * MOVE, COPY, SWAPDB, FLUSHDB, FLUSHALL, DBSIZE, KEYS, SCAN, RANDOMKEY, TOUCH, OBJECT.
 * The expiry commands live in expire.ts.
 *
 * SCAN's cursor is a hash-slot index (design.md, "The keyspace is partitioned"): a call
 * returns whole slots, from the cursor on, until COUNT keys were gathered, and answers the
 * next slot as the cursor (0 at the end). A key present for the whole scan lies in exactly
 * one slot, visited exactly once, so Redis's guarantee holds (returned, never twice in one
 * pass) even while the database grows, which Redis's reverse-binary cursor gives with a
 * subtler argument. COUNT is a lower bound here too: one crowded slot may give more keys.
 *
 * What Redis does and Vellum does not: OBJECT IDLETIME and OBJECT FREQ. A string value is
 * stored bare, with no object header (a small one is bytes beside its key in a key table
 * record, key-table.ts), so there is no per-key LRU clock or LFU counter to report. Rather
 * than invent a number, FREQ answers Redis's own error when the policy is not LFU (as Redis
 * does) and IDLETIME answers Redis's own error when it is; the other case of each is an
 * error saying the value is not tracked. Eviction in Vellum does not depend on either.
 *
 * Unlike SCAN, KEYS skips logically expired keys without deleting them, as Redis's
 * keysCommand uses keyIsExpired rather than expireIfNeeded: KEYS never propagates.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC } from '../config/keyspace-events.js';
import type { Db } from '../store/db.js';
import { SLOT_COUNT } from '../store/crc16.js';
import { stringEncoding, typeOf, type Value } from '../store/value.js';
import { stringMatch } from '../util/glob.js';
import { parseLongLong } from '../util/numbers.js';
import {
  type CommandSpec, DENYOOM, FAST, LOADING, READONLY, STALE, TOUCHES_ARBITRARY_KEYS, WRITE,
} from './spec.js';
import { addReplyScan, parseScanCursorOrReply, parseScanOptionsOrReply } from './scan.js';

const objectSubcommands: readonly CommandSpec[] = [
  { name: 'encoding', arity: 3, flags: READONLY, keys: [2, 2, 1], acl: ['keyspace'], run: objectEncodingCommand },
  { name: 'freq', arity: 3, flags: READONLY, keys: [2, 2, 1], acl: ['keyspace'], run: objectFreqCommand },
  { name: 'help', arity: 2, flags: LOADING | STALE, keys: [0, 0, 0], acl: ['keyspace'], run: objectHelpCommand },
  { name: 'idletime', arity: 3, flags: READONLY, keys: [2, 2, 1], acl: ['keyspace'], run: objectIdletimeCommand },
  { name: 'refcount', arity: 3, flags: READONLY, keys: [2, 2, 1], acl: ['keyspace'], run: objectRefcountCommand },
];

export const specs: readonly CommandSpec[] = [
  { name: 'del', arity: -2, flags: WRITE, keys: [1, -1, 1], acl: ['keyspace'], run: delCommand },
  { name: 'unlink', arity: -2, flags: WRITE | FAST, keys: [1, -1, 1], acl: ['keyspace'], run: delCommand },
  { name: 'exists', arity: -2, flags: READONLY | FAST, keys: [1, -1, 1], acl: ['keyspace'], run: existsCommand },
  { name: 'touch', arity: -2, flags: READONLY | FAST, keys: [1, -1, 1], acl: ['keyspace'], run: existsCommand },
  { name: 'type', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: typeCommand },
  { name: 'rename', arity: 3, flags: WRITE, keys: [1, 2, 1], acl: ['keyspace'], run: renameCommand },
  { name: 'renamenx', arity: 3, flags: WRITE | FAST, keys: [1, 2, 1], acl: ['keyspace'], run: renamenxCommand },
  { name: 'move', arity: 3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['keyspace'], run: moveCommand },
  { name: 'copy', arity: -3, flags: WRITE | DENYOOM, keys: [1, 2, 1], acl: ['keyspace'], run: copyCommand },
  { name: 'swapdb', arity: 3, flags: WRITE | FAST, keys: [0, 0, 0], acl: ['keyspace', 'dangerous'], run: swapdbCommand },
  { name: 'flushdb', arity: -1, flags: WRITE, keys: [0, 0, 0], acl: ['keyspace', 'dangerous'], run: flushdbCommand },
  { name: 'flushall', arity: -1, flags: WRITE, keys: [0, 0, 0], acl: ['keyspace', 'dangerous'], run: flushallCommand },
  { name: 'dbsize', arity: 1, flags: READONLY | FAST, keys: [0, 0, 0], acl: ['keyspace'], run: dbsizeCommand },
  { name: 'keys', arity: 2, flags: READONLY, keys: [0, 0, 0], acl: ['keyspace', 'dangerous'], run: keysCommand },
  { name: 'scan', arity: -2, flags: READONLY | TOUCHES_ARBITRARY_KEYS, keys: [0, 0, 0], acl: ['keyspace'], run: scanCommand },
  { name: 'randomkey', arity: 1, flags: READONLY | TOUCHES_ARBITRARY_KEYS, keys: [0, 0, 0], acl: ['keyspace'], run: randomkeyCommand },
  { name: 'object', arity: -2, flags: 0, keys: [0, 0, 0], acl: [], subcommands: objectSubcommands },
];

const sameObjectError = 'ERR source and destination objects are the same';

/**
 * Redis's getIntFromObjectOrReply: a 32-bit integer, or null after replying `error`, or
 * without one, Redis's own texts for "not an integer" and "out of range".
 */
function intArgOrReply(c: Client, arg: string, error?: string): number | null {
  const n = parseLongLong(arg);
  if (n !== null && n >= -2147483648 && n <= 2147483647) return Number(n);
  if (error !== undefined) c.addReplyError(error);
  else if (n === null) c.addReplyError(errors.notInteger);
  else c.addReplyError('ERR value is out of range, value must between -2147483648 and 2147483647');
  return null;
}

/** The database with index `arg`, or null after replying with Redis's error. */
function dbArgOrReply(c: Client, arg: string): Db | null {
  const id = intArgOrReply(c, arg);
  if (id === null) return null;
  const db = c.server.keyspace.dbs[id];
  if (db === undefined) c.addReplyError(errors.dbIndexOutOfRange);
  return db ?? null;
}

// ------------------------------------------------------------------ DEL, EXISTS, TYPE

/**
 * DEL and UNLINK key [key ...]: the count of keys removed. A logically expired key is
 * expired first (its own DEL propagated, event `expired`) and does not count. Deleting is
 * O(1) for any value in Vellum (the garbage collector reclaims it), so UNLINK is DEL.
 */
function delCommand(c: Client, argv: string[]): void {
  const db = c.db;
  let deleted = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j]!;
    if (db.has(key) && db.delete(key)) {
      notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, db.id);
      deleted++;
    }
  }
  c.addReplyInt(deleted);
}

/** EXISTS and TOUCH: how many of the named keys exist, repeats counted; hits and misses counted. */
function existsCommand(c: Client, argv: string[]): void {
  let count = 0;
  for (let j = 1; j < argv.length; j++) if (c.db.lookupRead(argv[j]!) !== undefined) count++;
  c.addReplyInt(count);
}

function typeCommand(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]!);
  c.addReplyStatus(v === undefined ? 'none' : typeOf(v));
}

// ------------------------------------------------------------------ RENAME, MOVE, COPY

function renameCommand(c: Client, argv: string[]): void {
  renameGenericCommand(c, argv[1]!, argv[2]!, false);
}

function renamenxCommand(c: Client, argv: string[]): void {
  renameGenericCommand(c, argv[1]!, argv[2]!, true);
}

/**
 * RENAME / RENAMENX: the value object moves (no copy) with its deadline; an existing
 * destination is deleted first (RENAME) or left alone (RENAMENX answers 0). Renaming a key
 * onto itself changes nothing but still requires the key. Events rename_from, rename_to.
 */
function renameGenericCommand(c: Client, src: string, dst: string, nx: boolean): void {
  const db = c.db;
  const value = db.lookupWrite(src);
  if (value === undefined) {
    c.addReplyError(errors.noSuchKey);
    return;
  }
  if (src === dst) {
    if (nx) c.addReplyInt(0);
    else c.addReplyOk();
    return;
  }
  const expire = db.getExpire(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.addReplyInt(0);
      return;
    }
    db.delete(dst);
  }
  db.setKey(dst, value);
  if (expire !== -1) db.setExpire(dst, expire);
  db.delete(src);
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'rename_from', src, db.id);
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'rename_to', dst, db.id);
  if (nx) c.addReplyInt(1);
  else c.addReplyOk();
}

/** MOVE key db: 1 if moved with its deadline, 0 if missing here or present there. */
function moveCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const src = c.db;
  const dst = dbArgOrReply(c, argv[2]!);
  if (dst === null) return;
  if (dst === src) {
    c.addReplyError(sameObjectError);
    return;
  }
  const value = src.lookupWrite(key);
  if (value === undefined || dst.lookupWrite(key) !== undefined) {
    c.addReplyInt(0);
    return;
  }
  const expire = src.getExpire(key);
  dst.setKey(key, value);
  if (expire !== -1) dst.setExpire(key, expire);
  src.delete(key);
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'move_from', key, src.id);
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'move_to', key, dst.id);
  c.addReplyInt(1);
}

/**
 * COPY source destination [DB index] [REPLACE]: a deep copy (collections clone; a string
 * is immutable and shared) with the source's deadline. Event copy_to in the target db.
 */
function copyCommand(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = src;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && j + 1 < argv.length) {
      const db = dbArgOrReply(c, argv[++j]!);
      if (db === null) return;
      dst = db;
    } else {
      c.addReplyError(errors.syntax);
      return;
    }
  }
  const key = argv[1]!;
  const newKey = argv[2]!;
  if (src === dst && key === newKey) {
    c.addReplyError(sameObjectError);
    return;
  }
  const value = src.lookupRead(key);
  if (value === undefined) {
    c.addReplyInt(0);
    return;
  }
  const expire = src.getExpire(key);
  if (dst.lookupWrite(newKey) !== undefined) {
    if (!replace) {
      c.addReplyInt(0);
      return;
    }
    dst.delete(newKey);
  }
  dst.setKey(newKey, typeof value === 'string' ? value : value.clone());
  if (expire !== -1) dst.setExpire(newKey, expire);
  notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'copy_to', newKey, dst.id);
  c.addReplyInt(1);
}

// ------------------------------------------------------------------ whole databases

/** SWAPDB a b. Redis counts a change even for a == b, so it propagates either way. */
function swapdbCommand(c: Client, argv: string[]): void {
  const id1 = intArgOrReply(c, argv[1]!, 'ERR invalid first DB index');
  if (id1 === null) return;
  const id2 = intArgOrReply(c, argv[2]!, 'ERR invalid second DB index');
  if (id2 === null) return;
  const keyspace = c.server.keyspace;
  const a = keyspace.dbs[id1];
  const b = keyspace.dbs[id2];
  if (a === undefined || b === undefined) {
    c.addReplyError(errors.dbIndexOutOfRange);
    return;
  }
  if (a !== b) keyspace.swap(a, b);
  keyspace.dirty++;
  c.addReplyOk();
}

/** The ASYNC | SYNC word of FLUSHDB / FLUSHALL; false after a syntax error reply. */
function flushArgsOk(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return true;
  const opt = argv[1]!.toLowerCase();
  if (argv.length === 2 && (opt === 'async' || opt === 'sync')) return true;
  c.addReplyError(errors.syntax);
  return false;
}

/**
 * FLUSHDB [ASYNC|SYNC]. Both modes free synchronously: dropping the slot maps is O(1) here
 * and the garbage collector reclaims the values off the command path. Propagated even
 * when the database was already empty, as Redis forces it.
 */
function flushdbCommand(c: Client, argv: string[]): void {
  if (!flushArgsOk(c, argv)) return;
  c.db.flush();
  c.alsoPropagate(argv);
  c.preventPropagation = true;
  c.addReplyOk();
}

/** FLUSHALL [ASYNC|SYNC]; like FLUSHDB for every database, and one more change counted. */
function flushallCommand(c: Client, argv: string[]): void {
  if (!flushArgsOk(c, argv)) return;
  const keyspace = c.server.keyspace;
  keyspace.flushAll();
  c.server.persistence.afterFlushAll();
  keyspace.dirty++;
  c.alsoPropagate(argv);
  c.preventPropagation = true;
  c.addReplyOk();
}

/** Logically expired keys not yet reclaimed count, as in Redis. */
function dbsizeCommand(c: Client): void {
  c.addReplyInt(c.db.size);
}

// ------------------------------------------------------------------ KEYS, SCAN, RANDOMKEY

function keysCommand(c: Client, argv: string[]): void {
  const pattern = argv[1]!;
  const all = pattern === '*';
  const db = c.db;
  const keys: string[] = [];
  db.scanSlots(0, Infinity, keys);
  const now = c.server.keyspace.now;
  const volatile = db.volatileCount > 0;
  let n = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!all && !stringMatch(pattern, key)) continue;
    if (volatile) {
      const when = db.getExpire(key);
      if (when !== -1 && when <= now) continue;
    }
    keys[n++] = key;
  }
  keys.length = n;
  c.addReplyBulks(keys);
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. Filters in Redis's order: the
 * pattern (no side effect), then the type (a read lookup: counts a hit, expires), then
 * expiry (a logically expired key is deleted and its DEL propagated, unwrapped since SCAN
 * touches arbitrary keys).
 */
function scanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursorOrReply(c, argv[1]!);
  if (cursor === null) return;
  const opts = parseScanOptionsOrReply(c, argv, 2, true);
  if (opts === null) return;
  const pattern = opts.pattern;
  const type = opts.type;
  const db = c.db;
  const keys: string[] = [];
  // Any cursor past the last slot is past the end.
  const next = cursor >= SLOT_COUNT ? 0 : db.scanSlots(Number(cursor), opts.count, keys);
  let n = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (pattern !== null && !stringMatch(pattern, key)) continue;
    if (type !== null) {
      const v = db.lookupRead(key);
      if (v === undefined || typeOf(v) !== type) continue;
    } else if (!db.has(key)) {
      continue;
    }
    keys[n++] = key;
  }
  keys.length = n;
  addReplyScan(c, next, keys, null, 1);
}

function randomkeyCommand(c: Client): void {
  c.addReplyBulkOrNull(c.db.randomKey());
}

// ------------------------------------------------------------------ OBJECT

/** OBJECT's lookup: counts a hit or miss; a missing key answers null and returns undefined. */
function objectLookupOrReply(c: Client, key: string): Value | undefined {
  const v = c.db.lookupRead(key);
  if (v === undefined) c.addReplyNull();
  return v;
}

function objectEncodingCommand(c: Client, argv: string[]): void {
  const v = objectLookupOrReply(c, argv[2]!);
  if (v !== undefined) c.addReplyBulk(typeof v === 'string' ? stringEncoding(v) : v.encoding());
}

/** Redis's OBJ_SHARED_REFCOUNT: the refcount of a shared object. */
const SHARED_REFCOUNT = 2147483647;
/** Redis's OBJ_SHARED_INTEGERS: 0 to 9999 are shared objects. */
const SHARED_INTEGERS = 10000;

/**
 * Redis shares the objects of the integers 0..9999 (refcount INT_MAX) unless maxmemory is
 * set with an LRU or LFU policy, which needs a clock per object; every other value of ours
 * has one reference.
 */
function objectRefcountCommand(c: Client, argv: string[]): void {
  const v = objectLookupOrReply(c, argv[2]!);
  if (v === undefined) return;
  let shared = false;
  if (typeof v === 'string' && v.length <= 4 && stringEncoding(v) === 'int') {
    const n = Number(v);
    const config = c.server.config;
    shared = n >= 0 && n < SHARED_INTEGERS &&
      !(config.number('maxmemory') !== 0 && /lru|lfu/.test(config.string('maxmemory-policy')));
  }
  c.addReplyInt(shared ? SHARED_REFCOUNT : 1);
}

function lfuPolicy(c: Client): boolean {
  return c.server.config.string('maxmemory-policy').endsWith('-lfu');
}

const ADJUST_NOTE = 'Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

/** See the file comment: Vellum keeps no per-key access clock. */
function objectIdletimeCommand(c: Client, argv: string[]): void {
  if (objectLookupOrReply(c, argv[2]!) === undefined) return;
  if (lfuPolicy(c)) c.addReplyError(`ERR An LFU maxmemory policy is selected, idle time not tracked. ${ADJUST_NOTE}`);
  else c.addReplyError('ERR idle time not tracked: Vellum keeps no per-key access clock');
}

/** See the file comment: Vellum keeps no per-key LFU counter. */
function objectFreqCommand(c: Client, argv: string[]): void {
  if (objectLookupOrReply(c, argv[2]!) === undefined) return;
  if (!lfuPolicy(c)) c.addReplyError(`ERR An LFU maxmemory policy is not selected, access frequency not tracked. ${ADJUST_NOTE}`);
  else c.addReplyError('ERR access frequency not tracked: Vellum keeps no per-key LFU counter');
}

const OBJECT_HELP: readonly string[] = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

function objectHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0]!, OBJECT_HELP);
}
