/**
 * Set commands (t_set.c) over SetValue (store/set.ts), with Redis 7.0's replies, errors,
 * keyspace events and propagation. Random commands are made deterministic for the AOF and
 * replicas (invariant 2): SPOP goes out as SREM of the members it took (several SREMs are
 * wrapped in MULTI/EXEC by the propagator), or as DEL when it took the whole set.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC, NOTIFY_SET } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import { SetValue, type SetLimits } from '../store/set.js';
import { deleteIfEmpty, lookupReadOrReply, lookupWriteOrReply, removeMembersGeneric } from './lookup.js';
import { positionScanGeneric } from './scan.js';
import { getPositiveLongOrReply, numkeysKeys } from './lists.js';
import { type CommandSpec, DENYOOM, FAST, READONLY, WRITE } from './spec.js';

const ACL = ['set'];

export const specs: readonly CommandSpec[] = [
  { name: 'sadd', arity: -3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ACL, run: saddCommand },
  { name: 'srem', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: sremCommand },
  { name: 'scard', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: scardCommand },
  { name: 'sismember', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: sismemberCommand },
  { name: 'smismember', arity: -3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: smismemberCommand },
  { name: 'smembers', arity: 2, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: smembersCommand },
  { name: 'spop', arity: -2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: spopCommand },
  { name: 'srandmember', arity: -2, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: srandmemberCommand },
  { name: 'smove', arity: 4, flags: WRITE | FAST, keys: [1, 2, 1], acl: ACL, run: smoveCommand },
  { name: 'sinter', arity: -2, flags: READONLY, keys: [1, -1, 1], acl: ACL, run: sinterCommand },
  { name: 'sintercard', arity: -3, flags: READONLY, keys: [0, 0, 0], acl: ACL, run: sintercardCommand, getKeys: (argv) => numkeysKeys(argv, 1) },
  { name: 'sinterstore', arity: -3, flags: WRITE | DENYOOM, keys: [1, -1, 1], acl: ACL, run: sinterstoreCommand },
  { name: 'sunion', arity: -2, flags: READONLY, keys: [1, -1, 1], acl: ACL, run: sunionCommand },
  { name: 'sunionstore', arity: -3, flags: WRITE | DENYOOM, keys: [1, -1, 1], acl: ACL, run: sunionstoreCommand },
  { name: 'sdiff', arity: -2, flags: READONLY, keys: [1, -1, 1], acl: ACL, run: sdiffCommand },
  { name: 'sdiffstore', arity: -3, flags: WRITE | DENYOOM, keys: [1, -1, 1], acl: ACL, run: sdiffstoreCommand },
  { name: 'sscan', arity: -3, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: sscanCommand },
];


export function setLimits(c: Client): SetLimits {
  return { maxIntsetEntries: c.server.config.number('set-max-intset-entries') };
}

function saddCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  let set = lookupWriteOrReply(c, key, SetValue);
  if (set === null) return;
  if (set === undefined) {
    set = SetValue.forFirstMember(argv[2]!);
    c.db.setKey(key, set);
  }
  const limits = setLimits(c);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i]!, limits)) added++;
  if (added > 0) {
    c.db.signalModified(key, added);
    notifyKeyspaceEvent(c.server, NOTIFY_SET, 'sadd', key, c.db.id);
  }
  c.addReplyInt(added);
}

function sremCommand(c: Client, argv: string[]): void {
  removeMembersGeneric(c, argv, SetValue, NOTIFY_SET, 'srem');
}

function scardCommand(c: Client, argv: string[]): void {
  const set = lookupReadOrReply(c, argv[1]!, SetValue);
  if (set !== null) c.addReplyInt(set === undefined ? 0 : set.size);
}

function sismemberCommand(c: Client, argv: string[]): void {
  const set = lookupReadOrReply(c, argv[1]!, SetValue);
  if (set !== null) c.addReplyInt(set !== undefined && set.has(argv[2]!) ? 1 : 0);
}

function smismemberCommand(c: Client, argv: string[]): void {
  const set = lookupReadOrReply(c, argv[1]!, SetValue);
  if (set === null) return;
  c.addReplyArrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.addReplyInt(set !== undefined && set.has(argv[i]!) ? 1 : 0);
}

function smembersCommand(c: Client, argv: string[]): void {
  const set = lookupReadOrReply(c, argv[1]!, SetValue);
  if (set === null) return;
  if (set === undefined) {
    c.addReplySetLen(0);
    return;
  }
  addReplySetMembers(c, set.toArray());
}

function addReplySetMembers(c: Client, members: readonly string[]): void {
  c.addReplySetLen(members.length);
  for (const m of members) c.addReplyBulk(m);
}

/** Share of the set left behind below which SPOP rebuilds the rest instead (SPOP_MOVE_STRATEGY_MUL). */
const SPOP_MOVE_STRATEGY_MUL = 5;

/** SPOP key [count] */
function spopCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) return spopWithCount(c, argv);
  if (argv.length > 3) {
    c.addReplyError(errors.syntax);
    return;
  }
  const key = argv[1]!;
  const set = lookupWriteOrReply(c, key, SetValue);
  if (set === null) return;
  if (set === undefined) {
    c.addReplyNull();
    return;
  }
  const m = set.pop();
  notifyKeyspaceEvent(c.server, NOTIFY_SET, 'spop', key, c.db.id);
  // The member was drawn at random; a replica or AOF replay must remove the same one.
  c.rewriteEffect(['SREM', key, m]);
  c.addReplyBulk(m);
  c.db.signalModified(key);
  deleteIfEmpty(c, key, set.size);
}

function spopWithCount(c: Client, argv: string[]): void {
  const count = getPositiveLongOrReply(c, argv[2]!);
  if (count < 0) return;
  const key = argv[1]!;
  const set = lookupWriteOrReply(c, key, SetValue);
  if (set === null) return;
  if (set === undefined || count === 0) {
    c.addReplySetLen(0);
    return;
  }
  const size = set.size;
  notifyKeyspaceEvent(c.server, NOTIFY_SET, 'spop', key, c.db.id);
  if (count >= size) {
    addReplySetMembers(c, set.toArray());
    c.db.delete(key);
    c.db.signalModified(key, size - 1);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', key, c.db.id);
    c.rewriteEffect(['DEL', key]);
    return;
  }
  // One SREM per member taken: replicas must drop exactly these random members.
  c.preventPropagation = true;
  c.addReplySetLen(count);
  const remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let i = 0; i < count; i++) {
      const m = set.pop();
      c.addReplyBulk(m);
      c.alsoPropagate(['SREM', key, m]);
    }
    c.db.signalModified(key, count);
    return;
  }
  // Taking most of the set: draw the members that stay into a new set, return the rest.
  const limits = setLimits(c);
  let kept: SetValue | null = null;
  for (let i = 0; i < remaining; i++) {
    const m = set.pop();
    if (kept === null) kept = SetValue.forFirstMember(m);
    kept.add(m, limits);
  }
  for (const m of set.values()) {
    c.addReplyBulk(m);
    c.alsoPropagate(['SREM', key, m]);
  }
  c.db.setKey(key, kept!, true);
  c.db.signalModified(key, count - 1);
}

/** SRANDMEMBER key [count] */
function srandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) return srandmemberWithCount(c, argv);
  if (argv.length > 3) {
    c.addReplyError(errors.syntax);
    return;
  }
  const set = lookupReadOrReply(c, argv[1]!, SetValue);
  if (set === null) return;
  c.addReplyBulkOrNull(set === undefined ? undefined : set.random());
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const n = parseLongLong(argv[2]!);
  if (n === null) {
    c.addReplyError(errors.notInteger);
    return;
  }
  if (n < -9223372036854775807n) {
    c.addReplyError('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return;
  }
  const set = lookupReadOrReply(c, argv[1]!, SetValue);
  if (set === null) return;
  if (set === undefined || n === 0) {
    c.addReplyArrayLen(0);
    return;
  }
  randomMembersGeneric(c, set, n);
}

/**
 * SRANDMEMBER with a count: a negative count allows repeats; a positive one returns
 * distinct members, the whole set when the count reaches its size.
 */
function randomMembersGeneric(c: Client, set: SetValue, n: number | bigint): void {
  const size = set.size;
  if (n < 0 || n === 1) {
    const count = Number(n < 0 ? -n : n);
    c.addReplyArrayLen(count);
    for (let i = 0; i < count; i++) c.addReplyBulk(set.random());
    return;
  }
  if (n >= size) {
    c.addReplyBulks(set.toArray());
    return;
  }
  const count = Number(n);
  // Fisher-Yates over a copy: the first `count` of a random permutation.
  const all = set.toArray();
  for (let i = 0; i < count; i++) {
    const j = i + ((Math.random() * (size - i)) | 0);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  all.length = count;
  c.addReplyBulks(all);
}

/** SMOVE source destination member */
function smoveCommand(c: Client, argv: string[]): void {
  const srcKey = argv[1]!;
  const dstKey = argv[2]!;
  const member = argv[3]!;
  const src = lookupWriteOrReply(c, srcKey, SetValue);
  if (src === null) return;
  const dst = lookupWriteOrReply(c, dstKey, SetValue);
  if (dst === null) return;
  if (src === undefined) {
    c.addReplyInt(0);
    return;
  }
  if (src === dst) {
    c.addReplyInt(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.remove(member)) {
    c.addReplyInt(0);
    return;
  }
  c.db.signalModified(srcKey);
  notifyKeyspaceEvent(c.server, NOTIFY_SET, 'srem', srcKey, c.db.id);
  deleteIfEmpty(c, srcKey, src.size);
  let target = dst;
  if (target === undefined) {
    target = SetValue.forFirstMember(member);
    c.db.setKey(dstKey, target);
  }
  if (target.add(member, setLimits(c))) {
    c.db.signalModified(dstKey);
    notifyKeyspaceEvent(c.server, NOTIFY_SET, 'sadd', dstKey, c.db.id);
  }
  c.addReplyInt(1);
}

// ---------------------------------------------------------------- SINTER / SUNION / SDIFF

/**
 * Look up the sets of an algebra command: undefined entries for missing keys; null after
 * WRONGTYPE. STORE variants look up for write, as Redis does.
 */
function lookupSetsOrReply(c: Client, argv: readonly string[], from: number, to: number, write: boolean): (SetValue | undefined)[] | null {
  const sets: (SetValue | undefined)[] = [];
  for (let i = from; i < to; i++) {
    const s = write ? lookupWriteOrReply(c, argv[i]!, SetValue) : lookupReadOrReply(c, argv[i]!, SetValue);
    if (s === null) return null;
    sets.push(s);
  }
  return sets;
}

/**
 * Store an algebra result at `dstKey`, or delete `dstKey` when the result is empty;
 * replies with the result size. Redis counts one change for either.
 */
function storeSetResult(c: Client, dstKey: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    c.db.setKey(dstKey, result);
    c.addReplyInt(result.size);
    notifyKeyspaceEvent(c.server, NOTIFY_SET, event, dstKey, c.db.id);
    return;
  }
  c.addReplyInt(0);
  if (c.db.lookupWrite(dstKey) !== undefined) {
    c.db.delete(dstKey);
    notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', dstKey, c.db.id);
  }
}

/** The members of the intersection, scanning the smallest set; stops at `limit` (0: none). */
function intersect(sets: SetValue[], limit: number): string[] {
  sets.sort((a, b) => a.size - b.size);
  const out: string[] = [];
  const first = sets[0]!;
  for (const m of first.values()) {
    let inAll = true;
    for (let j = 1; j < sets.length && inAll; j++) if (sets[j] !== first && !sets[j]!.has(m)) inAll = false;
    if (inAll) {
      out.push(m);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

/** SINTER, SINTERCARD, SINTERSTORE: keys are argv[from, to). */
function sinterGeneric(c: Client, argv: string[], from: number, to: number, dstKey: string | null, cardOnly: boolean, limit: number): void {
  const sets = lookupSetsOrReply(c, argv, from, to, dstKey !== null);
  if (sets === null) return;
  const present = sets.filter((s): s is SetValue => s !== undefined);
  const members = present.length < sets.length ? [] : intersect(present, cardOnly ? limit : 0);
  if (cardOnly) c.addReplyInt(members.length);
  else if (dstKey === null) addReplySetMembers(c, members);
  else storeSetResult(c, dstKey, buildSet(members, setLimits(c)), 'sinterstore');
}

/** A STORE destination: starts as an intset, as Redis's does, and converts as members come. */
function buildSet(members: readonly string[], limits: SetLimits): SetValue {
  const s = SetValue.emptyIntset();
  for (const m of members) s.add(m, limits);
  return s;
}

const SET_OP_UNION = 0;
const SET_OP_DIFF = 1;

/** SUNION, SDIFF and their STORE forms: keys are argv[from, to). */
function sunionDiffGeneric(c: Client, argv: string[], from: number, to: number, dstKey: string | null, op: number): void {
  const sets = lookupSetsOrReply(c, argv, from, to, dstKey !== null);
  if (sets === null) return;
  const limits = setLimits(c);
  const result = SetValue.emptyIntset();
  if (op === SET_OP_UNION) {
    for (const s of sets) if (s !== undefined) for (const m of s.values()) result.add(m, limits);
  } else if (sets[0] !== undefined) {
    for (const m of sets[0].values()) {
      let keep = true;
      for (let j = 1; j < sets.length && keep; j++) if (sets[j] !== undefined && sets[j]!.has(m)) keep = false;
      if (keep) result.add(m, limits);
    }
  }
  if (dstKey === null) addReplySetMembers(c, result.toArray());
  else storeSetResult(c, dstKey, result, op === SET_OP_UNION ? 'sunionstore' : 'sdiffstore');
}

function sinterCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 1, argv.length, null, false, 0);
}

function sinterstoreCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 2, argv.length, argv[1]!, false, 0);
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
function sintercardCommand(c: Client, argv: string[]): void {
  const numkeys = parseNumkeysOrReply(c, argv[1]!, argv.length - 2);
  if (numkeys < 0) return;
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (argv[j]!.toLowerCase() === 'limit' && j + 1 < argv.length) {
      limit = getPositiveLongOrReply(c, argv[++j]!, "ERR LIMIT can't be negative");
      if (limit < 0) return;
    } else {
      c.addReplyError(errors.syntax);
      return;
    }
  }
  sinterGeneric(c, argv, 2, 2 + numkeys, null, true, limit);
}

/**
 * SINTERCARD's numkeys: at least 1 and at most the arguments left. Replies with Redis's
 * error and returns -1 otherwise.
 */
function parseNumkeysOrReply(c: Client, arg: string, argsLeft: number): number {
  const n = parseLongLong(arg);
  if (n === null || n < 1) {
    c.addReplyError('ERR numkeys should be greater than 0');
    return -1;
  }
  if (n > argsLeft) {
    c.addReplyError("ERR Number of keys can't be greater than number of args");
    return -1;
  }
  return Number(n);
}

function sunionCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 1, argv.length, null, SET_OP_UNION);
}

function sunionstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 2, argv.length, argv[1]!, SET_OP_UNION);
}

function sdiffCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 1, argv.length, null, SET_OP_DIFF);
}

function sdiffstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 2, argv.length, argv[1]!, SET_OP_DIFF);
}

// ---------------------------------------------------------------- SSCAN

/** SSCAN key cursor [MATCH pattern] [COUNT count] */
function sscanCommand(c: Client, argv: string[]): void {
  positionScanGeneric(c, argv, SetValue, 1);
}
