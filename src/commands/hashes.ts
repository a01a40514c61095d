/**
 * Hash commands (t_hash.c). Values are HashValue (store/hash.ts): a packed listpack string
 * while small, a bucketed hashtable above hash-max-listpack-entries/-value, with Redis's
 * conversion points, so OBJECT ENCODING, iteration order of small hashes (insertion order)
 * and HSCAN's one-call answer for a listpack all match Redis 7.0.
 *
 * The listpack limits are read from the config at each write, as Redis reads its globals;
 * one HashLimits object per server is refreshed in place, so no allocation per command.
 * HINCRBYFLOAT computes in x87 long double (util/longdouble.ts) and propagates as
 * HSET key field <printed result>, so no replica recomputes the float (invariant 2).
 */

import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../util/longdouble.js';
import { HashValue, type HashLimits } from '../store/hash.js';
import { lookupReadOrReply, lookupWriteOrReply } from './lookup.js';
import { addReplyEmptyScan, addReplyScan, parseScanCursorOrReply, parseScanOptionsOrReply } from './scan.js';
import { type CommandSpec, DENYOOM, FAST, READONLY, WRITE } from './spec.js';

export const specs: readonly CommandSpec[] = [
  { name: 'hset', arity: -4, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['hash'], run: hsetCommand },
  { name: 'hmset', arity: -4, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['hash'], run: hsetCommand },
  { name: 'hsetnx', arity: 4, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['hash'], run: hsetnxCommand },
  { name: 'hget', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['hash'], run: hgetCommand },
  { name: 'hmget', arity: -3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['hash'], run: hmgetCommand },
  { name: 'hdel', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ['hash'], run: hdelCommand },
  { name: 'hlen', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['hash'], run: hlenCommand },
  { name: 'hstrlen', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['hash'], run: hstrlenCommand },
  { name: 'hexists', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ['hash'], run: hexistsCommand },
  { name: 'hkeys', arity: 2, flags: READONLY, keys: [1, 1, 1], acl: ['hash'], run: hkeysCommand },
  { name: 'hvals', arity: 2, flags: READONLY, keys: [1, 1, 1], acl: ['hash'], run: hvalsCommand },
  { name: 'hgetall', arity: 2, flags: READONLY, keys: [1, 1, 1], acl: ['hash'], run: hgetallCommand },
  { name: 'hincrby', arity: 4, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['hash'], run: hincrbyCommand },
  { name: 'hincrbyfloat', arity: 4, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ['hash'], run: hincrbyfloatCommand },
  { name: 'hrandfield', arity: -2, flags: READONLY, keys: [1, 1, 1], acl: ['hash'], run: hrandfieldCommand },
  { name: 'hscan', arity: -3, flags: READONLY, keys: [1, 1, 1], acl: ['hash'], run: hscanCommand },
];

const limitsByServer = new WeakMap<Server, HashLimits>();

/** The current hash-max-listpack-* limits (one object per server, refreshed in place). */
export function hashLimits(server: Server): HashLimits {
  let l = limitsByServer.get(server);
  if (l === undefined) limitsByServer.set(server, (l = { maxListpackEntries: 0, maxListpackValue: 0 }));
  l.maxListpackEntries = server.config.number('hash-max-listpack-entries');
  l.maxListpackValue = server.config.number('hash-max-listpack-value');
  return l;
}

/**
 * Redis's hashTypeLookupWriteOrCreate: the hash to modify, created (empty, not yet in the
 * keyspace: see commitHash) when missing; null after replying WRONGTYPE.
 */
function lookupHashWriteOrCreate(c: Client, key: string): HashValue | null {
  const v = lookupWriteOrReply(c, key, HashValue);
  return v === undefined ? new HashValue() : v;
}

/**
 * After fields were set on `h`: add it to the keyspace if new, else signal the change.
 * `changes` is what Redis adds to server.dirty.
 */
function commitHash(c: Client, key: string, h: HashValue, changes: number): void {
  if (c.db.has(key)) c.db.signalModified(key, changes);
  else {
    c.db.setKey(key, h);
    if (changes > 1) c.db.signalModified(key, changes - 1);
  }
}

// ---------------------------------------------------------------- writes

/** HSET key field value [field value …], and HMSET (replies OK). */
function hsetCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 === 1) {
    c.addReplyError(`ERR wrong number of arguments for '${c.lastCommand!.name}' command`);
    return;
  }
  const key = argv[1];
  const h = lookupHashWriteOrCreate(c, key);
  if (h === null) return;
  const limits = hashLimits(c.server);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1], limits)) created++;
  if (argv[0].charCodeAt(1) === 0x73 || argv[0].charCodeAt(1) === 0x53) c.addReplyInt(created);
  else c.addReplyOk();
  commitHash(c, key, h, (argv.length - 2) / 2);
  notifyKeyspaceEvent(c.server, NOTIFY_HASH, 'hset', key, c.db.id);
}

function hsetnxCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = lookupHashWriteOrCreate(c, key);
  if (h === null) return;
  if (h.has(argv[2])) return c.addReplyInt(0);
  h.set(argv[2], argv[3], hashLimits(c.server));
  c.addReplyInt(1);
  commitHash(c, key, h, 1);
  notifyKeyspaceEvent(c.server, NOTIFY_HASH, 'hset', key, c.db.id);
}

function hdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = lookupWriteOrReply(c, key, HashValue);
  if (v === null) return;
  if (v === undefined) return c.addReplyInt(0);
  let deleted = 0;
  let keyRemoved = false;
  for (let j = 2; j < argv.length; j++) {
    if (v.delete(argv[j])) {
      deleted++;
      if (v.size === 0) {
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    if (keyRemoved) {
      c.db.delete(key);
      if (deleted > 1) c.db.signalModified(key, deleted - 1);
    } else {
      c.db.signalModified(key, deleted);
    }
    notifyKeyspaceEvent(c.server, NOTIFY_HASH, 'hdel', key, c.db.id);
    if (keyRemoved) notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, c.db.id);
  }
  c.addReplyInt(deleted);
}

function hincrbyCommand(c: Client, argv: string[]): void {
  const incr = parseLongLong(argv[3]);
  if (incr === null) return c.addReplyError(errors.notInteger);
  const key = argv[1];
  const h = lookupHashWriteOrCreate(c, key);
  if (h === null) return;
  const cur = h.get(argv[2]);
  let old: number | bigint = 0;
  if (cur !== undefined) {
    const parsed = parseLongLong(cur);
    if (parsed === null) return c.addReplyError('ERR hash value is not an integer');
    old = parsed;
  }
  const sum = BigInt(old) + BigInt(incr);
  if (sum > 9223372036854775807n || sum < -9223372036854775808n) return c.addReplyError(errors.overflow);
  const printed = String(sum);
  h.set(argv[2], printed, hashLimits(c.server));
  c.addReplyInt(sum);
  commitHash(c, key, h, 1);
  notifyKeyspaceEvent(c.server, NOTIFY_HASH, 'hincrby', key, c.db.id);
}

function hincrbyfloatCommand(c: Client, argv: string[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) return c.addReplyError(errors.notFloat);
  if (incr.inf) return c.addReplyError('ERR value is NaN or Infinity');
  const key = argv[1];
  const h = lookupHashWriteOrCreate(c, key);
  if (h === null) return;
  const cur = h.get(argv[2]);
  const old = cur === undefined ? parseLongDouble('0')! : parseLongDouble(cur);
  if (old === null) return c.addReplyError('ERR hash value is not a float');
  const sum = addLongDouble(old, incr);
  if (sum === null || sum.inf) return c.addReplyError('ERR increment would produce NaN or Infinity');
  const printed = formatLongDouble(sum);
  h.set(argv[2], printed, hashLimits(c.server));
  c.addReplyBulk(printed);
  commitHash(c, key, h, 1);
  notifyKeyspaceEvent(c.server, NOTIFY_HASH, 'hincrbyfloat', key, c.db.id);
  // Replicas and AOF replay must not redo float arithmetic that could print differently.
  c.rewriteEffect(['HSET', key, argv[2], printed]);
}

// ---------------------------------------------------------------- reads

function hgetCommand(c: Client, argv: string[]): void {
  const h = lookupReadOrReply(c, argv[1], HashValue);
  if (h === null) return;
  c.addReplyBulkOrNull(h === undefined ? undefined : h.get(argv[2]));
}

function hmgetCommand(c: Client, argv: string[]): void {
  const h = lookupReadOrReply(c, argv[1], HashValue);
  if (h === null) return;
  c.addReplyArrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) c.addReplyBulkOrNull(h === undefined ? undefined : h.get(argv[j]));
}

function hlenCommand(c: Client, argv: string[]): void {
  const h = lookupReadOrReply(c, argv[1], HashValue);
  if (h !== null) c.addReplyInt(h === undefined ? 0 : h.size);
}

function hstrlenCommand(c: Client, argv: string[]): void {
  const h = lookupReadOrReply(c, argv[1], HashValue);
  if (h !== null) c.addReplyInt(h === undefined ? 0 : (h.get(argv[2])?.length ?? 0));
}

function hexistsCommand(c: Client, argv: string[]): void {
  const h = lookupReadOrReply(c, argv[1], HashValue);
  if (h !== null) c.addReplyInt(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

const GET_KEYS = 1;
const GET_VALUES = 2;

/** HKEYS / HVALS / HGETALL: a map reply for HGETALL, an array otherwise. */
function getallGeneric(c: Client, key: string, what: number): void {
  const h = lookupReadOrReply(c, key, HashValue);
  if (h === null) return;
  if (h === undefined) {
    if (what === (GET_KEYS | GET_VALUES)) c.addReplyMapLen(0);
    else c.addReplyArrayLen(0);
    return;
  }
  if (what === (GET_KEYS | GET_VALUES)) c.addReplyMapLen(h.size);
  else c.addReplyArrayLen(h.size);
  for (const [f, v] of h.entries()) {
    if (what & GET_KEYS) c.addReplyBulk(f);
    if (what & GET_VALUES) c.addReplyBulk(v);
  }
}

function hkeysCommand(c: Client, argv: string[]): void { getallGeneric(c, argv[1], GET_KEYS); }
function hvalsCommand(c: Client, argv: string[]): void { getallGeneric(c, argv[1], GET_VALUES); }
function hgetallCommand(c: Client, argv: string[]): void { getallGeneric(c, argv[1], GET_KEYS | GET_VALUES); }

const LONG_MAX = 9223372036854775807n;
/** Redis's HRANDFIELD_SUB_STRATEGY_MUL: below it, copy the hash and remove at random. */
const SUB_STRATEGY_MUL = 3;

/** HRANDFIELD key [count [WITHVALUES]] */
function hrandfieldCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const raw = parseLongLong(argv[2]);
    if (raw === null) return c.addReplyError(errors.notInteger);
    if (BigInt(raw) < -LONG_MAX) {
      return c.addReplyError('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    }
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) {
      return c.addReplyError(errors.syntax);
    } else if (argv.length === 4) {
      withValues = true;
      if (BigInt(raw) < -LONG_MAX / 2n || BigInt(raw) > LONG_MAX / 2n) return c.addReplyError('ERR value is out of range');
    }
    return hrandfieldWithCount(c, argv[1], Number(raw), withValues);
  }
  const h = lookupReadOrReply(c, argv[1], HashValue);
  if (h === null) return;
  if (h === undefined) return c.addReplyNull();
  c.addReplyBulk(h.random()[0]);
}

function addPair(c: Client, f: string, v: string, withValues: boolean): void {
  if (withValues && c.resp === 3) c.addReplyArrayLen(2);
  c.addReplyBulk(f);
  if (withValues) c.addReplyBulk(v);
}

function hrandfieldWithCount(c: Client, key: string, l: number, withValues: boolean): void {
  const h = lookupReadOrReply(c, key, HashValue);
  if (h === null) return;
  if (h === undefined || l === 0) return c.addReplyArrayLen(0);
  const size = h.size;
  const count = Math.abs(l);
  if (l < 0 || count === 1) {
    // With repetition: `count` independent draws, in draw order.
    c.addReplyArrayLen(withValues && c.resp === 2 ? count * 2 : count);
    for (let i = 0; i < count; i++) {
      const [f, v] = h.random();
      addPair(c, f, v, withValues);
    }
    return;
  }
  const n = Math.min(count, size);
  c.addReplyArrayLen(withValues && c.resp === 2 ? n * 2 : n);
  if (count >= size) {
    for (const [f, v] of h.entries()) addPair(c, f, v, withValues);
    return;
  }
  const picked = new Map<string, string>();
  if (count * SUB_STRATEGY_MUL > size) {
    // Close to the whole hash: take everything, then drop random fields.
    const all = [...h.entries()];
    for (let i = all.length - 1; i > 0; i--) {
      const j = (Math.random() * (i + 1)) | 0;
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    for (let i = 0; i < count; i++) picked.set(all[i][0], all[i][1]);
  } else {
    while (picked.size < count) {
      const [f, v] = h.random();
      picked.set(f, v);
    }
  }
  for (const [f, v] of picked) addPair(c, f, v, withValues);
}

// ---------------------------------------------------------------- HSCAN

/** HSCAN key cursor [MATCH pattern] [COUNT count] */
function hscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursorOrReply(c, argv[2]);
  if (cursor === null) return;
  const h = lookupReadOrReply(c, argv[1], HashValue);
  if (h === null) return;
  if (h === undefined) return addReplyEmptyScan(c);
  const opts = parseScanOptionsOrReply(c, argv, 3, false);
  if (opts === null) return;
  const items: string[] = [];
  // The table's cursor is 32 bits wide: the low bits of Redis's unsigned long.
  const next = h.scan(Number(cursor & 0xffffffffn), opts.count, items);
  addReplyScan(c, next, items, opts.pattern, 2);
}
