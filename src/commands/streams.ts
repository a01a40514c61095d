/**
 * Stream commands (t_stream.c): XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XREAD,
 * XREADGROUP, XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID. Values are
 * StreamValue (store/stream.ts), whose node layout follows Redis's so that approximate
 * trimming removes what Redis removes.
 *
 * Propagation (invariant 2, Redis 7.0's rules): XADD goes out with the ID it generated and
 * an approximate trim (`~`) as `= <what is left>` (the length, or the first ID for MINID),
 * so that replicas and AOF replay trim exactly the same entries; XTRIM likewise. A group
 * read is never propagated as itself: each delivered entry becomes an idempotent
 * `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last`, a NOACK
 * read a `XGROUP SETID … ENTRIESREAD n` and a consumer created by a NOACK read `XGROUP
 * CREATECONSUMER`; XCLAIM and XAUTOCLAIM emit the same XCLAIM form per claimed or dropped
 * entry. Several effects leave wrapped in MULTI/EXEC (dispatcher).
 *
 * Change counting follows Redis: XADD, XDEL, XTRIM and a stream created by XGROUP CREATE
 * MKSTREAM go through Db.signalModified (WATCH sees them); group bookkeeping (XGROUP,
 * XACK, XCLAIM, XREADGROUP, XSETID) only adds to the dirty counter, as Redis 7.0 calls no
 * signalModifiedKey there. Values those commands change in place are still looked up for
 * writing first, so a running snapshot keeps their pre-image (invariant 1).
 *
 * Blocking (XREAD/XREADGROUP BLOCK) uses server/blocking.ts: the handler blocks with an
 * argv whose `$` IDs are resolved, and when a key is signalled the manager re-runs it with
 * c.blocked still set; the handler then serves as Redis's serveClientsBlockedOnStreamKey
 * does: only the ready key, when its last ID passed the one waited for, at most COUNT (1000
 * by default) entries; a deleted stream or destroyed group ends an XREADGROUP wait with
 * Redis's error. Inside MULTI nothing blocks (a null reply, as a timeout).
 *
 * Times (delivery, seen, idle) read the command clock, except while the AOF loads, when
 * that clock is parked at 0 and Redis's mstime() is the wall clock. Commands replayed from
 * the AOF are obeyed as Redis obeys its master: no LIMIT on trimming.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_STREAM } from '../config/keyspace-events.js';
import { parseLongLong } from '../util/numbers.js';
import {
  ENTRIES_READ_INVALID, formatStreamId, parsedStreamId, parseStreamId, STREAM_ID_MAX, STREAM_ID_MIN,
  STREAM_LISTPACK_MAX_SIZE, streamIdIncr, streamIdDecr, streamIdWithAutoSeq, StreamIterator, StreamNack,
  streamNextId, StreamValue, type StreamConsumer, type StreamGroup, type StreamId, type StreamNodeLimits,
} from '../store/stream.js';
import { BLOCKING, type CommandSpec, DENYOOM, FAST, LOADING, READONLY, STALE, WRITE } from './spec.js';
import { lookupReadOrReply, lookupWriteOrReply } from './lookup.js';
import { getLongOrReply } from './lists.js';

const ACL = ['stream'];

/** An XGROUP/XINFO subcommand: its key is argv[2], except for HELP. */
function sub(name: string, arity: number, flags: number, run: (c: Client, argv: string[]) => void): CommandSpec {
  return { name, arity, flags, keys: flags & (WRITE | READONLY) ? [2, 2, 1] : [0, 0, 0], acl: ACL, run };
}

export const specs: readonly CommandSpec[] = [
  { name: 'xadd', arity: -5, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ACL, run: xaddCommand },
  { name: 'xrange', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: xrangeCommand },
  { name: 'xrevrange', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: xrevrangeCommand },
  { name: 'xlen', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: xlenCommand },
  { name: 'xdel', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: xdelCommand },
  { name: 'xtrim', arity: -4, flags: WRITE, keys: [1, 1, 1], acl: ACL, run: xtrimCommand },
  { name: 'xread', arity: -4, flags: READONLY | BLOCKING, keys: [0, 0, 0], acl: ACL, run: xreadCommand, getKeys: (argv) => xreadGetKeys(argv, 1) },
  { name: 'xreadgroup', arity: -7, flags: WRITE | BLOCKING, keys: [0, 0, 0], acl: ACL, run: xreadCommand, getKeys: (argv) => xreadGetKeys(argv, 4) },
  {
    name: 'xgroup', arity: -2, flags: 0, keys: [0, 0, 0], acl: [],
    subcommands: [
      sub('create', -5, WRITE | DENYOOM, xgroupCreateCommand),
      sub('setid', -5, WRITE, xgroupSetidCommand),
      sub('destroy', 4, WRITE, xgroupDestroyCommand),
      sub('createconsumer', 5, WRITE | DENYOOM, xgroupCreateconsumerCommand),
      sub('delconsumer', 5, WRITE, xgroupDelconsumerCommand),
      sub('help', 2, LOADING | STALE, xgroupHelpCommand),
    ],
  },
  { name: 'xack', arity: -4, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: xackCommand },
  { name: 'xpending', arity: -3, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: xpendingCommand },
  { name: 'xclaim', arity: -6, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: xclaimCommand },
  { name: 'xautoclaim', arity: -6, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: xautoclaimCommand },
  {
    name: 'xinfo', arity: -2, flags: 0, keys: [0, 0, 0], acl: [],
    subcommands: [
      sub('stream', -3, READONLY, xinfoStreamCommand),
      sub('groups', 3, READONLY, xinfoGroupsCommand),
      sub('consumers', 4, READONLY, xinfoConsumersCommand),
      sub('help', 2, LOADING | STALE, xinfoHelpCommand),
    ],
  },
  { name: 'xsetid', arity: -3, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ACL, run: xsetidCommand },
];

/**
 * XREAD/XREADGROUP keys as Redis's key spec finds them: after the first STREAMS at or past
 * `startfrom` (the last argument excluded), the first half of what follows.
 */
function xreadGetKeys(argv: readonly string[], startfrom: number): number[] {
  for (let i = startfrom; i < argv.length - 1; i++) {
    if (argv[i]!.toLowerCase() !== 'streams') continue;
    const keys: number[] = [];
    const n = (argv.length - i - 1) >>> 1;
    for (let k = 0; k < n; k++) keys.push(i + 1 + k);
    return keys;
  }
  return [];
}

// ---------------------------------------------------------------- shared helpers

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

/** Redis's mstime() for stream bookkeeping: the command clock, or the wall clock while loading. */
function mstime(c: Client): number {
  return c.server.loading ? Date.now() : c.server.keyspace.now;
}

function nodeLimits(c: Client): StreamNodeLimits {
  const config = c.server.config;
  return { maxBytes: config.number('stream-node-max-bytes'), maxEntries: config.number('stream-node-max-entries') };
}

/** streamParseIDOrReply / streamParseStrictIDOrReply; null after the error reply. */
function parseIdOrReply(c: Client, arg: string, strict: boolean, missingSeqMax = false): StreamId | null {
  const id = parseStreamId(arg, strict, missingSeqMax);
  if (id === null) c.addReplyError(ERR_INVALID_ID);
  return id;
}

/**
 * streamParseIntervalIDOrReply plus the exclusive step: "(id" is strict and moves one ID
 * inwards (XRANGE, XPENDING, XAUTOCLAIM). Null after the error reply.
 */
function parseIntervalIdOrReply(c: Client, arg: string, start: boolean): StreamId | null {
  const exclusive = arg.length > 1 && arg.charCodeAt(0) === 0x28; /* '(' */
  const id = parseIdOrReply(c, exclusive ? arg.slice(1) : arg, exclusive, !start);
  if (id === null || !exclusive) return id;
  const moved = start ? streamIdIncr(id) : streamIdDecr(id);
  if (moved === null) c.addReplyError(start ? 'ERR invalid start ID for the interval' : 'ERR invalid end ID for the interval');
  return moved;
}

/** getLongLongFromObjectOrReply as an exact bigint. */
function parseBigOrReply(c: Client, arg: string): bigint | null {
  const v = parseLongLong(arg);
  if (v === null) {
    c.addReplyError(errors.notInteger);
    return null;
  }
  return BigInt(v);
}

/**
 * A stream that XACK, XCLAIM, XAUTOCLAIM and XREADGROUP read (Redis's lookupKeyRead, so hits
 * and misses count) and then change in place: looked up for writing as well, so that a
 * running snapshot first keeps its pre-image.
 */
function lookupStreamToChangeOrReply(c: Client, key: string): StreamValue | undefined | null {
  const s = lookupReadOrReply(c, key, StreamValue);
  if (s) c.db.lookupWrite(key);
  return s;
}

/** Group bookkeeping Redis counts in server.dirty without signalModifiedKey (no WATCH). */
function addDirty(c: Client, n = 1): void {
  c.server.keyspace.dirty += n;
}

function addReplyStreamId(c: Client, id: StreamId): void {
  c.addReplyBulk(formatStreamId(id));
}

/** One entry: [id, [field, value, …]]. */
function addReplyEntry(c: Client, id: StreamId, fields: readonly string[]): void {
  c.addReplyArrayLen(2);
  c.addReplyBulk(formatStreamId(id));
  c.addReplyBulks(fields);
}

/**
 * Redis's addReplyDeferredLen: replies written from here on are held apart, so that their
 * header can go in front once their count is known (setDeferredHeader). Returns what was
 * pending before; concatenation only, never a copy of the pending output.
 */
function deferReplyHeader(c: Client): string {
  const before = c.out;
  c.out = '';
  return before;
}

/** Redis's setDeferred…Len: `before` (from deferReplyHeader), the header, then what followed. */
function setDeferredHeader(c: Client, before: string, header: string): void {
  c.out = before + header + c.out;
}

function arrayHeader(n: number): string {
  return '*' + n + '\r\n';
}

/** The map header of n pairs in the client's protocol (a flat array in RESP2). */
function mapHeader(c: Client, n: number): string {
  return c.resp === 2 ? '*' + 2 * n + '\r\n' : '%' + n + '\r\n';
}

/** Redis's addReplySubcommandSyntaxError. */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.addReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}

/** streamCreateConsumer with notification and change count (SCC_DEFAULT). */
function createConsumer(c: Client, group: StreamGroup, name: string, key: string): StreamConsumer | null {
  const consumer = group.createConsumer(name, mstime(c));
  if (consumer !== null) {
    addDirty(c);
    notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xgroup-createconsumer', key, c.db.id);
  }
  return consumer;
}

/** streamLookupConsumer with SLC_DEFAULT (refreshes seen-time), creating it when missing. */
function lookupOrCreateConsumer(c: Client, group: StreamGroup, name: string, key: string): StreamConsumer {
  const consumer = group.consumers.get(name);
  if (consumer === undefined) return createConsumer(c, group, name, key)!;
  consumer.seenTime = mstime(c);
  return consumer;
}

/** streamPropagateXCLAIM: the idempotent form that recreates a pending entry. */
function propagateXclaim(c: Client, key: string, group: StreamGroup, idArg: string, nack: StreamNack): void {
  c.alsoPropagate([
    'XCLAIM', key, group.name, nack.consumer!.name, '0', idArg, 'TIME', String(nack.deliveryTime),
    'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatStreamId(group.lastId),
  ]);
}

/** streamPropagateGroupID: a group's last ID and read counter (NOACK reads, XCLAIM LASTID). */
function propagateGroupId(c: Client, key: string, group: StreamGroup): void {
  c.alsoPropagate(['XGROUP', 'SETID', key, group.name, formatStreamId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)]);
}

// ---------------------------------------------------------------- XADD, XTRIM

const TRIM_NONE = 0;
const TRIM_MAXLEN = 1;
const TRIM_MINID = 2;

/** streamAddTrimArgs; one object reused, filled by parseAddTrimArgsOrReply. */
const trimArgs = {
  /** XADD: the ID argument's index (argv.length when missing). */
  idPos: 0,
  id: STREAM_ID_MIN,
  idGiven: false,
  seqGiven: true,
  noMkstream: false,
  strategy: TRIM_NONE,
  /** Index of the MAXLEN count or MINID id, rewritten after an approximate trim. */
  argIdx: 0,
  approx: false,
  limit: 0,
  maxlen: 0,
  minid: STREAM_ID_MIN,
};

/** The long at `arg` if ≥ 0; else null, having replied (XADD and XTRIM's `The <what> argument must be >= 0.`). */
function nonNegativeOrReply(c: Client, arg: string, what: string): number | null {
  const v = getLongOrReply(c, arg);
  if (v === null) return null;
  if (v >= 0) return v;
  c.addReplyError(`ERR The ${what} argument must be >= 0.`);
  return null;
}

/**
 * streamParseAddOrTrimArgsOrReply: the trimming options of XADD and XTRIM and, for XADD,
 * NOMKSTREAM and the ID. False after the error reply.
 */
function parseAddTrimArgsOrReply(c: Client, argv: string[], xadd: boolean): boolean {
  const a = trimArgs;
  a.idGiven = false;
  a.seqGiven = true;
  a.noMkstream = false;
  a.strategy = TRIM_NONE;
  a.approx = false;
  a.limit = 0;
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt === '*') break;
    const lower = opt.toLowerCase();
    if ((lower === 'maxlen' || lower === 'minid') && moreargs > 0) {
      if (a.strategy !== TRIM_NONE) {
        c.addReplyError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
        return false;
      }
      a.approx = false;
      const next = argv[i + 1]!;
      if (moreargs >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') {
        i++;
      }
      if (lower === 'maxlen') {
        const maxlen = nonNegativeOrReply(c, argv[i + 1]!, 'MAXLEN');
        if (maxlen === null) return false;
        a.maxlen = maxlen;
        a.strategy = TRIM_MAXLEN;
      } else {
        const minid = parseIdOrReply(c, argv[i + 1]!, true);
        if (minid === null) return false;
        a.minid = minid;
        a.strategy = TRIM_MINID;
      }
      i++;
      a.argIdx = i;
    } else if (lower === 'limit' && moreargs > 0) {
      const limit = nonNegativeOrReply(c, argv[i + 1]!, 'LIMIT');
      if (limit === null) return false;
      a.limit = limit;
      limitGiven = true;
      i++;
    } else if (xadd && lower === 'nomkstream') {
      a.noMkstream = true;
    } else if (xadd) {
      // Not an option: a valid ID or a syntax error.
      const id = parseStreamId(opt, true, false, true);
      if (id === null) {
        c.addReplyError(ERR_INVALID_ID);
        return false;
      }
      a.id = id;
      a.seqGiven = parsedStreamId.seqGiven;
      a.idGiven = true;
      break;
    } else {
      c.addReplyError(errors.syntax);
      return false;
    }
  }
  a.idPos = i;
  if (a.limit !== 0 && a.strategy === TRIM_NONE) {
    c.addReplyError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return false;
  }
  if (!xadd && a.strategy === TRIM_NONE) {
    c.addReplyError('ERR syntax error, XTRIM must be called with a trimming strategy');
    return false;
  }
  if (c.server.loading) {
    // Replayed from the AOF: the argument was rewritten to trim exactly, never limit it.
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx) {
      c.addReplyError('ERR syntax error, LIMIT cannot be used without the special ~ option');
      return false;
    }
  } else if (a.approx) {
    // Redis bounds the work of an approximate trim to about 100 nodes.
    let limit = 100 * c.server.config.number('stream-node-max-entries');
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    a.limit = limit;
  } else {
    a.limit = 0;
  }
  return true;
}

/** Trim `s` as trimArgs say; returns how many entries were removed. */
function trimByArgs(s: StreamValue): number {
  const a = trimArgs;
  return s.trim(a.strategy === TRIM_MAXLEN, a.maxlen, a.minid, a.approx, a.limit);
}

/**
 * streamRewriteApproxSpecifier + streamRewriteTrimArgument on `effect`, a copy of argv:
 * `~ n` becomes `= <length now>` (MAXLEN) or `= <first ID, tombstones included>` (MINID).
 */
function rewriteApproxTrim(effect: string[], s: StreamValue): void {
  const a = trimArgs;
  effect[a.argIdx - 1] = '=';
  effect[a.argIdx] = a.strategy === TRIM_MAXLEN ? String(s.length) : formatStreamId(s.edgeId(true, false));
}

const ERR_TOO_LARGE = 'ERR Elements are too large to be stored';

/** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value …] */
function xaddCommand(c: Client, argv: string[]): void {
  if (!parseAddTrimArgsOrReply(c, argv, true)) return;
  const a = trimArgs;
  const fieldPos = a.idPos + 1;
  const nfv = argv.length - fieldPos;
  if (nfv < 2 || nfv % 2 === 1) return c.addReplyError(`ERR wrong number of arguments for 'xadd' command`);
  if (a.idGiven && a.seqGiven && a.id === STREAM_ID_MIN) return c.addReplyError('ERR The ID specified in XADD must be greater than 0-0');

  const key = argv[1]!;
  let s = lookupWriteOrReply(c, key, StreamValue);
  if (s === null) return;
  let created = false;
  if (s === undefined) {
    if (a.noMkstream) return c.addReplyNull();
    s = new StreamValue();
    c.db.setKey(key, s);
    created = true;
  }
  if (s.lastId === STREAM_ID_MAX) return c.addReplyError('ERR The stream has exhausted the last possible ID, unable to add more items');

  let id: StreamId | null;
  if (!a.idGiven) id = streamNextId(s.lastId, mstime(c));
  else if (a.seqGiven) id = a.id;
  else id = streamIdWithAutoSeq(s.lastId, a.id);
  // Redis fails `ms-*` on an exhausted seq without setting errno, so it reports the other error.
  if (id === null) return c.addReplyError(ERR_TOO_LARGE);
  if (id <= s.lastId) return c.addReplyError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
  let bytes = 0;
  for (let i = fieldPos; i < argv.length; i++) bytes += argv[i]!.length;
  if (bytes > STREAM_LISTPACK_MAX_SIZE) return c.addReplyError(ERR_TOO_LARGE);

  s.append(id, argv.slice(fieldPos), nodeLimits(c));
  const idString = formatStreamId(id);
  c.addReplyBulk(idString);
  // A new key was counted once by setKey; Redis's dbAdd counts nothing and XADD one.
  if (!created) c.db.signalModified(key);
  notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xadd', key, c.db.id);

  let effect: string[] | null = null;
  if (a.strategy !== TRIM_NONE) {
    if (trimByArgs(s) > 0) notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xtrim', key, c.db.id);
    if (a.approx) rewriteApproxTrim((effect = argv.slice()), s);
  }
  // Replicas and the AOF must add the very ID this server generated.
  if (!a.idGiven || !a.seqGiven) (effect ??= argv.slice())[a.idPos] = idString;
  if (effect !== null) c.rewriteEffect(effect);
  // Readers blocked on the key may be served (setKey already told them about a new key).
  if (!created) c.db.signalKeyAsReady(key);
}

/** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] */
function xtrimCommand(c: Client, argv: string[]): void {
  if (!parseAddTrimArgsOrReply(c, argv, false)) return;
  const key = argv[1]!;
  const s = lookupWriteOrReply(c, key, StreamValue);
  if (s === null) return;
  if (s === undefined) return c.addReplyInt(0);
  const deleted = trimByArgs(s);
  if (deleted > 0) {
    notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xtrim', key, c.db.id);
    if (trimArgs.approx) {
      const effect = argv.slice();
      rewriteApproxTrim(effect, s);
      c.rewriteEffect(effect);
    }
    c.db.signalModified(key, deleted);
  }
  c.addReplyInt(deleted);
}

// ---------------------------------------------------------------- XRANGE, XREVRANGE, XLEN, XDEL

/**
 * Reply with the entries in [start, end] (reversed when rev), at most `count` (0 = all), as
 * an array; returns how many. Redis's streamReplyWithRange without a group.
 */
function replyWithRange(c: Client, s: StreamValue, start: StreamId, end: StreamId, count: number, rev: boolean): number {
  const before = deferReplyHeader(c);
  const it = new StreamIterator(s, start, end, rev);
  let n = 0;
  while (it.next()) {
    addReplyEntry(c, it.id, it.fields);
    if (++n === count) break;
  }
  setDeferredHeader(c, before, arrayHeader(n));
  return n;
}

/** XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n] */
function xrangeGenericCommand(c: Client, argv: string[], rev: boolean): void {
  const start = parseIntervalIdOrReply(c, rev ? argv[3]! : argv[2]!, true);
  if (start === null) return;
  const end = parseIntervalIdOrReply(c, rev ? argv[2]! : argv[3]!, false);
  if (end === null) return;
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (argv[j]!.toLowerCase() === 'count' && j + 1 < argv.length) {
      const n = getLongOrReply(c, argv[++j]!);
      if (n === null) return;
      count = n < 0 ? 0 : n;
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  const s = lookupReadOrReply(c, argv[1]!, StreamValue);
  if (s === null) return;
  if (s === undefined) return c.addReplyArrayLen(0);
  if (count === 0) return c.addReplyNullArray();
  replyWithRange(c, s, start, end, count === -1 ? 0 : count, rev);
}

function xrangeCommand(c: Client, argv: string[]): void {
  xrangeGenericCommand(c, argv, false);
}

function xrevrangeCommand(c: Client, argv: string[]): void {
  xrangeGenericCommand(c, argv, true);
}

/** XLEN key */
function xlenCommand(c: Client, argv: string[]): void {
  const s = lookupReadOrReply(c, argv[1]!, StreamValue);
  if (s === null) return;
  c.addReplyInt(s === undefined ? 0 : s.length);
}

/** Parse argv[from…] as strict IDs, all or nothing; null after the error reply. */
function parseIdListOrReply(c: Client, argv: string[], from: number): StreamId[] | null {
  const ids: StreamId[] = [];
  for (let j = from; j < argv.length; j++) {
    const id = parseIdOrReply(c, argv[j]!, true);
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}

/** XDEL key id [id …] */
function xdelCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const s = lookupWriteOrReply(c, key, StreamValue);
  if (s === null) return;
  if (s === undefined) return c.addReplyInt(0);
  const ids = parseIdListOrReply(c, argv, 2);
  if (ids === null) return;
  const deleted = s.deleteEntries(ids);
  if (deleted > 0) {
    c.db.signalModified(key, deleted);
    notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xdel', key, c.db.id);
  }
  c.addReplyInt(deleted);
}

// ---------------------------------------------------------------- XREAD, XREADGROUP

/** COUNT of a blocked read served without one (XREAD_BLOCKED_DEFAULT_COUNT). */
const BLOCKED_DEFAULT_COUNT = 1000;

/** The options of one XREAD/XREADGROUP, parsed before the keys are looked at. */
interface ReadArgs {
  /** Absolute deadline; 0 waits forever; -1 when BLOCK was not given. */
  timeout: number;
  count: number;
  /** Index of the first key. */
  streamsArg: number;
  streamsCount: number;
  group: string | null;
  consumer: string;
  noack: boolean;
}

/**
 * The delivery of new entries to a group (streamReplyWithRange with a group): from
 * `start` on, at most `count` (0 = all). Each entry past the group's last ID advances it
 * and its read counter (Redis 7.0's rules); without NOACK each gets a pending entry owned
 * by `consumer` (taken from another consumer if the group's last ID was set back) and
 * propagates as XCLAIM; with NOACK the new last ID propagates once as XGROUP SETID.
 */
function deliverToGroup(
  c: Client, s: StreamValue, key: string, start: StreamId, count: number,
  group: StreamGroup, consumer: StreamConsumer, noack: boolean,
): void {
  const before = deferReplyHeader(c);
  const it = new StreamIterator(s, start, STREAM_ID_MAX);
  const now = mstime(c);
  let n = 0;
  let propagateLastId = false;
  while (it.next()) {
    const id = it.id;
    if (id > group.lastId) {
      if (group.entriesRead !== ENTRIES_READ_INVALID && !s.rangeHasTombstones(id)) group.entriesRead++;
      else if (s.entriesAdded !== 0n) group.entriesRead = s.estimateDistance(id);
      group.lastId = id;
      if (noack) propagateLastId = true;
    }
    addReplyEntry(c, id, it.fields);
    if (!noack) {
      let nack = group.pel.get(id);
      if (nack === undefined) {
        nack = new StreamNack(now, 1, consumer);
        group.pel.set(id, nack);
        consumer.pel.set(id, nack);
      } else {
        nack.consumer!.pel.delete(id);
        nack.consumer = consumer;
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
        consumer.pel.set(id, nack);
      }
      propagateXclaim(c, key, group, formatStreamId(id), nack);
    }
    if (++n === count) break;
  }
  if (propagateLastId) propagateGroupId(c, key, group);
  setDeferredHeader(c, before, arrayHeader(n));
}

/**
 * A consumer's history (streamReplyWithRangeFromConsumerPEL): its pending entries from
 * `start` on, each with its fields, or a null in their place when the entry was deleted;
 * a delivered one counts one more delivery.
 */
function deliverHistory(c: Client, s: StreamValue, start: StreamId, count: number, consumer: StreamConsumer): void {
  const ids: StreamId[] = [];
  consumer.pel.range(start, STREAM_ID_MAX, count === 0 ? Infinity : count, ids);
  const now = mstime(c);
  c.addReplyArrayLen(ids.length);
  for (const id of ids) {
    const fields = s.get(id);
    if (fields === null) {
      c.addReplyArrayLen(2);
      addReplyStreamId(c, id);
      c.addReplyNullArray();
    } else {
      addReplyEntry(c, id, fields);
      const nack = consumer.pel.get(id)!;
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
  }
}

/** Parse the options of XREAD/XREADGROUP up to STREAMS; null after the error reply. */
function parseReadArgsOrReply(c: Client, argv: string[], xreadgroup: boolean): ReadArgs | null {
  const r: ReadArgs = { timeout: -1, count: 0, streamsArg: 0, streamsCount: 0, group: null, consumer: '', noack: false };
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1;
    const o = argv[i]!.toLowerCase();
    if (o === 'block' && moreargs > 0) {
      const ms = getLongOrReply(c, argv[++i]!, 'ERR timeout is not an integer or out of range');
      if (ms === null) return null;
      if (ms < 0) {
        c.addReplyError('ERR timeout is negative');
        return null;
      }
      r.timeout = ms > 0 ? ms + c.server.keyspace.now : 0;
    } else if (o === 'count' && moreargs > 0) {
      const n = getLongOrReply(c, argv[++i]!);
      if (n === null) return null;
      r.count = n < 0 ? 0 : n;
    } else if (o === 'streams' && moreargs > 0) {
      r.streamsArg = i + 1;
      const n = argv.length - r.streamsArg;
      if (n % 2 !== 0) {
        c.addReplyError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
        return null;
      }
      r.streamsCount = n / 2;
      break;
    } else if (o === 'group' && moreargs >= 2) {
      if (!xreadgroup) {
        c.addReplyError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
        return null;
      }
      r.group = argv[i + 1]!;
      r.consumer = argv[i + 2]!;
      i += 2;
    } else if (o === 'noack') {
      if (!xreadgroup) {
        c.addReplyError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
        return null;
      }
      r.noack = true;
    } else {
      c.addReplyError(errors.syntax);
      return null;
    }
  }
  if (r.streamsArg === 0) {
    c.addReplyError(errors.syntax);
    return null;
  }
  if (xreadgroup && r.group === null) {
    c.addReplyError('ERR Missing GROUP option for XREADGROUP');
    return null;
  }
  return r;
}

/**
 * XREAD [COUNT n] [BLOCK ms] STREAMS key … id …
 * XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key … id …
 */
function xreadCommand(c: Client, argv: string[]): void {
  const xreadgroup = argv[0]!.length === 10;
  // Never propagated as itself: group reads propagate their effects (header comment).
  c.preventPropagation = true;
  const r = parseReadArgsOrReply(c, argv, xreadgroup);
  if (r === null) return;
  if (c.blocked !== null) return serveBlockedRead(c, argv, r);

  // Resolve each key's ID ('$', '>', or an ID) and group, in Redis's order of errors.
  const n = r.streamsCount;
  const ids: StreamId[] = new Array(n);
  const groups: (StreamGroup | null)[] = new Array(n);
  let blockArgv: string[] | null = null;
  for (let k = 0; k < n; k++) {
    const key = argv[r.streamsArg + k]!;
    const idArg = argv[r.streamsArg + n + k]!;
    const s = lookupReadOrReply(c, key, StreamValue);
    if (s === null) return;
    groups[k] = null;
    if (r.group !== null) {
      const group = s === undefined ? undefined : s.group(r.group);
      if (group === undefined) {
        return c.addReplyError(`NOGROUP No such key '${key}' or consumer group '${r.group}' in XREADGROUP with GROUP option`);
      }
      groups[k] = group;
    }
    if (idArg === '$') {
      if (xreadgroup) {
        return c.addReplyError('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.');
      }
      ids[k] = s === undefined ? STREAM_ID_MIN : s.lastId;
      // Blocking waits for entries after the last ID of now, not of when it is served.
      (blockArgv ??= argv.slice())[r.streamsArg + n + k] = formatStreamId(ids[k]!);
    } else if (idArg === '>') {
      if (!xreadgroup) return c.addReplyError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids[k] = STREAM_ID_MAX;
    } else {
      const id = parseIdOrReply(c, idArg, true);
      if (id === null) return;
      ids[k] = id;
    }
  }

  // Serve synchronously what can be served.
  let served = 0;
  let before = '';
  for (let k = 0; k < n; k++) {
    const key = argv[r.streamsArg + k]!;
    const s = c.db.lookupRead(key) as StreamValue | undefined;
    if (s === undefined) continue;
    const group = groups[k]!;
    let gt = ids[k]!;
    let history = false;
    let serve = false;
    if (group !== null) {
      if (gt !== STREAM_ID_MAX) {
        serve = history = true;
      } else if (s.length > 0 && s.edgeId(false, true) > group.lastId) {
        serve = true;
        gt = group.lastId;
      }
    } else {
      serve = s.length > 0 && s.edgeId(false, true) > gt;
    }
    if (!serve) continue;
    if (served++ === 0) before = deferReplyHeader(c);
    if (c.resp === 2) c.addReplyArrayLen(2);
    c.addReplyBulk(key);
    const start = streamIdIncr(gt) ?? STREAM_ID_MIN;
    if (group === null) {
      replyWithRange(c, s, start, STREAM_ID_MAX, r.count, false);
      continue;
    }
    c.db.lookupWrite(key); // the group changes in place: snapshot pre-image first
    let consumer = group.consumers.get(r.consumer);
    if (consumer === undefined) {
      consumer = createConsumer(c, group, r.consumer, key)!;
      if (r.noack) c.alsoPropagate(['XGROUP', 'CREATECONSUMER', key, group.name, consumer.name]);
    } else {
      consumer.seenTime = mstime(c);
    }
    if (history) deliverHistory(c, s, start, r.count, consumer);
    else deliverToGroup(c, s, key, start, r.count, group, consumer, r.noack);
    addDirty(c);
  }
  if (served > 0) return setDeferredHeader(c, before, c.resp === 2 ? arrayHeader(served) : mapHeader(c, served));

  if (r.timeout !== -1) {
    // Inside MULTI a blocking read cannot block: it answers as a timeout would.
    if (c.inExec) return c.addReplyNullArray();
    const keys = argv.slice(r.streamsArg, r.streamsArg + n);
    c.server.blocking.block(c, keys, r.timeout, c.server.dispatcher.lookup(argv[0]!)!, blockArgv ?? argv, 'null-array', xreadgroup);
    return;
  }
  c.addReplyNullArray();
}

/**
 * The re-run of a blocked XREAD/XREADGROUP once `servingKey` was signalled (Redis's
 * serveClientsBlockedOnStreamKey): served from that key alone when its last ID passed the
 * one waited for (a group's current last ID for '>'); otherwise it keeps waiting. For
 * XREADGROUP a key that is gone or no stream, or a group destroyed, ends the wait with
 * Redis's error.
 */
function serveBlockedRead(c: Client, argv: string[], r: ReadArgs): void {
  const blocking = c.server.blocking;
  const key = blocking.servingKey!;
  const state = c.blocked!;
  const n = r.streamsCount;
  let k = 0;
  while (argv[r.streamsArg + k] !== key) k++;
  const v = r.group === null ? c.db.lookupRead(key) : c.db.lookupWrite(key);
  if (!(v instanceof StreamValue)) {
    if (r.group !== null) return c.addReplyError('UNBLOCKED the stream key no longer exists');
    return blocking.block(c, state.keys, state.deadline, state.cmd, argv);
  }
  let gt: StreamId;
  let group: StreamGroup | undefined;
  if (r.group !== null) {
    group = v.group(r.group);
    if (group === undefined) return c.addReplyError('NOGROUP the consumer group this client was blocked on no longer exists');
    gt = group.lastId;
  } else {
    gt = parseStreamId(argv[r.streamsArg + n + k]!, true, false)!;
  }
  if (v.lastId <= gt) return blocking.block(c, state.keys, state.deadline, state.cmd, argv);

  if (c.resp === 2) {
    c.addReplyArrayLen(1);
    c.addReplyArrayLen(2);
  } else {
    c.addReplyMapLen(1);
  }
  c.addReplyBulk(key);
  const start = streamIdIncr(gt)!;
  const count = r.count === 0 ? BLOCKED_DEFAULT_COUNT : r.count;
  if (group === undefined) {
    replyWithRange(c, v, start, STREAM_ID_MAX, count, false);
    return;
  }
  let consumer = group.consumers.get(r.consumer);
  if (consumer === undefined) {
    consumer = createConsumer(c, group, r.consumer, key)!;
    if (r.noack) c.alsoPropagate(['XGROUP', 'CREATECONSUMER', key, group.name, consumer.name]);
  } else {
    consumer.seenTime = mstime(c);
  }
  deliverToGroup(c, v, key, start, count, group, consumer, r.noack);
}

// ---------------------------------------------------------------- XGROUP

/**
 * The checks every XGROUP subcommand but HELP shares, in Redis's order: the options of
 * CREATE/SETID from argv[5] on, the key's type, the key's existence (unless MKSTREAM), and
 * for SETID/CREATECONSUMER/DELCONSUMER the group. Null after the error reply.
 */
interface XgroupArgs {
  s: StreamValue | undefined;
  group: StreamGroup | undefined;
  mkstream: boolean;
  entriesRead: bigint;
}

function xgroupArgsOrReply(c: Client, argv: string[], needsGroup: boolean): XgroupArgs | null {
  const sub = argv[1]!.toLowerCase();
  const create = sub === 'create';
  const setid = sub === 'setid';
  let mkstream = false;
  let entriesRead = ENTRIES_READ_INVALID;
  for (let i = 5; i < argv.length;) {
    const opt = argv[i]!.toLowerCase();
    if (create && opt === 'mkstream') {
      mkstream = true;
      i++;
    } else if ((create || setid) && opt === 'entriesread' && i + 1 < argv.length) {
      const v = parseBigOrReply(c, argv[i + 1]!);
      if (v === null) return null;
      if (v < 0n && v !== ENTRIES_READ_INVALID) {
        c.addReplyError('ERR value for ENTRIESREAD must be positive or -1');
        return null;
      }
      entriesRead = v;
      i += 2;
    } else {
      subcommandSyntaxError(c, argv);
      return null;
    }
  }
  const key = argv[2]!;
  const s = lookupWriteOrReply(c, key, StreamValue);
  if (s === null) return null;
  let group: StreamGroup | undefined;
  if (!mkstream) {
    if (s === undefined) {
      c.addReplyError('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
      return null;
    }
    group = s.group(argv[3]!);
    if (group === undefined && needsGroup) {
      c.addReplyError(`NOGROUP No such consumer group '${argv[3]!}' for key name '${key}'`);
      return null;
    }
  }
  return { s, group, mkstream, entriesRead };
}

/** XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n] */
function xgroupCreateCommand(c: Client, argv: string[]): void {
  const x = xgroupArgsOrReply(c, argv, false);
  if (x === null) return;
  if (argv.length > 8) return subcommandSyntaxError(c, argv);
  const key = argv[2]!;
  let id: StreamId | null;
  if (argv[4] === '$') id = x.s === undefined ? STREAM_ID_MIN : x.s.lastId;
  else if ((id = parseIdOrReply(c, argv[4]!, true)) === null) return;
  let s = x.s;
  let created = false;
  if (s === undefined) {
    s = new StreamValue();
    c.db.setKey(key, s);
    created = true;
  }
  if (s.createGroup(argv[3]!, id, x.entriesRead) === null) return c.addReplyError('BUSYGROUP Consumer Group name already exists');
  c.addReplyOk();
  // setKey counted the new stream once; Redis counts the group once in all.
  if (!created) addDirty(c);
  notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xgroup-create', key, c.db.id);
}

/** XGROUP SETID key group id|$ [ENTRIESREAD n] */
function xgroupSetidCommand(c: Client, argv: string[]): void {
  const x = xgroupArgsOrReply(c, argv, true);
  if (x === null) return;
  if (argv.length !== 5 && argv.length !== 7) return subcommandSyntaxError(c, argv);
  let id: StreamId | null;
  if (argv[4] === '$') id = x.s!.lastId;
  else if ((id = parseIdOrReply(c, argv[4]!, false)) === null) return;
  const group = x.group!;
  group.lastId = id;
  group.entriesRead = x.entriesRead;
  c.addReplyOk();
  addDirty(c);
  notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xgroup-setid', argv[2]!, c.db.id);
}

/** XGROUP DESTROY key group */
function xgroupDestroyCommand(c: Client, argv: string[]): void {
  const x = xgroupArgsOrReply(c, argv, false);
  if (x === null) return;
  if (x.group === undefined) return c.addReplyInt(0);
  x.s!.groups!.delete(x.group.name);
  c.addReplyInt(1);
  addDirty(c);
  const key = argv[2]!;
  notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xgroup-destroy', key, c.db.id);
  // XREADGROUP clients blocked on the group get -NOGROUP.
  c.db.signalKeyAsReady(key);
}

/** XGROUP CREATECONSUMER key group consumer */
function xgroupCreateconsumerCommand(c: Client, argv: string[]): void {
  const x = xgroupArgsOrReply(c, argv, true);
  if (x === null) return;
  c.addReplyInt(createConsumer(c, x.group!, argv[4]!, argv[2]!) === null ? 0 : 1);
}

/** XGROUP DELCONSUMER key group consumer: replies how many entries it had pending. */
function xgroupDelconsumerCommand(c: Client, argv: string[]): void {
  const x = xgroupArgsOrReply(c, argv, true);
  if (x === null) return;
  const group = x.group!;
  const consumer = group.consumers.get(argv[4]!);
  let pending = 0;
  if (consumer !== undefined) {
    pending = consumer.pel.size;
    group.deleteConsumer(consumer);
    addDirty(c);
    notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xgroup-delconsumer', argv[2]!, c.db.id);
  }
  c.addReplyInt(pending);
}

function xgroupHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0]!, [
    'CREATE <key> <groupname> <id|$> [option]',
    '    Create a new consumer group. Options are:',
    '    * MKSTREAM',
    '      Create the empty stream if it does not exist.',
    '    * ENTRIESREAD entries_read',
    "      Set the group's entries_read counter (internal use).",
    'CREATECONSUMER <key> <groupname> <consumer>',
    '    Create a new consumer in the specified group.',
    'DELCONSUMER <key> <groupname> <consumer>',
    '    Remove the specified consumer.',
    'DESTROY <key> <groupname>',
    '    Remove the specified group.',
    'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
    '    Set the current group ID and entries_read counter.',
  ]);
}

// ---------------------------------------------------------------- XSETID, XACK, XPENDING

/** XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] */
function xsetidCommand(c: Client, argv: string[]): void {
  const id = parseIdOrReply(c, argv[2]!, true);
  if (id === null) return;
  let entriesAdded = -1n;
  let maxDeleted = STREAM_ID_MIN;
  for (let i = 3; i < argv.length; i += 2) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!.toLowerCase();
    if (opt === 'entriesadded' && moreargs > 0) {
      const v = parseBigOrReply(c, argv[i + 1]!);
      if (v === null) return;
      if (v < 0n) return c.addReplyError('ERR entries_added must be positive');
      entriesAdded = v;
    } else if (opt === 'maxdeletedid' && moreargs > 0) {
      const v = parseIdOrReply(c, argv[i + 1]!, true);
      if (v === null) return;
      if (id < v) return c.addReplyError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      maxDeleted = v;
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  const key = argv[1]!;
  const s = lookupWriteOrReply(c, key, StreamValue);
  if (s === null) return;
  if (s === undefined) return c.addReplyError(errors.noSuchKey);
  if (s.length > 0) {
    if (id < s.edgeId(false, true)) return c.addReplyError('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1n && BigInt(s.length) > entriesAdded) {
      return c.addReplyError('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1n) s.entriesAdded = entriesAdded;
  if (maxDeleted !== STREAM_ID_MIN) s.maxDeletedId = maxDeleted;
  c.addReplyOk();
  addDirty(c);
  notifyKeyspaceEvent(c.server, NOTIFY_STREAM, 'xsetid', key, c.db.id);
}

/** XACK key group id [id …] */
function xackCommand(c: Client, argv: string[]): void {
  const s = lookupStreamToChangeOrReply(c, argv[1]!);
  if (s === null) return;
  const group = s === undefined ? undefined : s.group(argv[2]!);
  if (group === undefined) return c.addReplyInt(0);
  const ids = parseIdListOrReply(c, argv, 3);
  if (ids === null) return;
  let acked = 0;
  for (const id of ids) if (group.ack(id)) acked++;
  addDirty(c, acked);
  c.addReplyInt(acked);
}

/** XPENDING key group [[IDLE min-idle] start end count [consumer]] */
function xpendingCommand(c: Client, argv: string[]): void {
  const argc = argv.length;
  if (argc !== 3 && (argc < 6 || argc > 9)) return c.addReplyError(errors.syntax);
  let start = STREAM_ID_MIN;
  let end = STREAM_ID_MAX;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | null = null;
  if (argc >= 6) {
    let at = 3;
    if (argv[3]!.toLowerCase() === 'idle') {
      const idle = getLongOrReply(c, argv[4]!);
      if (idle === null) return;
      if (argc < 8) return c.addReplyError(errors.syntax);
      minIdle = idle;
      at += 2;
    }
    const n = getLongOrReply(c, argv[at + 2]!);
    if (n === null) return;
    count = n < 0 ? 0 : n;
    const s = parseIntervalIdOrReply(c, argv[at]!, true);
    if (s === null) return;
    const e = parseIntervalIdOrReply(c, argv[at + 1]!, false);
    if (e === null) return;
    start = s;
    end = e;
    if (at + 3 < argc) consumerName = argv[at + 3]!;
  }
  const key = argv[1]!;
  const s = lookupReadOrReply(c, key, StreamValue);
  if (s === null) return;
  const group = s === undefined ? undefined : s.group(argv[2]!);
  if (group === undefined) return c.addReplyError(`NOGROUP No such key '${key}' or consumer group '${argv[2]!}'`);

  if (argc === 3) {
    c.addReplyArrayLen(4);
    c.addReplyInt(group.pel.size);
    if (group.pel.size === 0) {
      c.addReplyNull();
      c.addReplyNull();
      c.addReplyNullArray();
      return;
    }
    addReplyStreamId(c, group.pel.first()!);
    addReplyStreamId(c, group.pel.last()!);
    const owners = group.sortedConsumers().filter((consumer) => consumer.pel.size > 0);
    c.addReplyArrayLen(owners.length);
    for (const consumer of owners) {
      c.addReplyArrayLen(2);
      c.addReplyBulk(consumer.name);
      c.addReplyBulk(String(consumer.pel.size));
    }
    return;
  }

  let pel = group.pel;
  if (consumerName !== null) {
    const consumer = group.consumers.get(consumerName);
    if (consumer === undefined) return c.addReplyArrayLen(0);
    pel = consumer.pel;
  }
  const now = mstime(c);
  const ids: StreamId[] = [];
  // Without IDLE the count bounds the walk; with it, entries are filtered as they come.
  pel.range(start, end, minIdle === 0 ? count : Infinity, ids);
  const before = deferReplyHeader(c);
  let n = 0;
  for (let i = 0; i < ids.length && n < count; i++) {
    const nack = pel.get(ids[i]!)!;
    const idle = now - nack.deliveryTime;
    if (minIdle !== 0 && idle < minIdle) continue;
    n++;
    c.addReplyArrayLen(4);
    addReplyStreamId(c, ids[i]!);
    c.addReplyBulk(nack.consumer!.name);
    c.addReplyInt(idle < 0 ? 0 : idle);
    c.addReplyInt(nack.deliveryCount);
  }
  setDeferredHeader(c, before, arrayHeader(n));
}

// ---------------------------------------------------------------- XCLAIM, XAUTOCLAIM

/**
 * Give the pending entry `id` to `consumer` with the new delivery time, and the delivery
 * count set to `retryCount` when ≥ 0, else counted up unless JUSTID.
 */
function claimNack(id: StreamId, nack: StreamNack, consumer: StreamConsumer, deliveryTime: number, retryCount: number, justid: boolean): void {
  if (nack.consumer !== consumer) {
    if (nack.consumer !== null) nack.consumer.pel.delete(id);
    consumer.pel.set(id, nack);
    nack.consumer = consumer;
  }
  nack.deliveryTime = deliveryTime;
  if (retryCount >= 0) nack.deliveryCount = retryCount;
  else if (!justid) nack.deliveryCount++;
}

/** Drop a pending entry whose stream entry no longer exists, propagating the drop. */
function dropDeletedNack(c: Client, key: string, group: StreamGroup, idArg: string, id: StreamId, nack: StreamNack): void {
  propagateXclaim(c, key, group, idArg, nack);
  addDirty(c);
  group.ack(id);
}

/**
 * XCLAIM key group consumer min-idle-time id [id …] [IDLE ms] [TIME ms] [RETRYCOUNT n]
 *        [FORCE] [JUSTID] [LASTID id]
 */
function xclaimCommand(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const s = lookupStreamToChangeOrReply(c, key);
  if (s === null) return;
  const group = s === undefined ? undefined : s.group(argv[2]!);
  if (group === undefined) return c.addReplyError(`NOGROUP No such key '${key}' or consumer group '${argv[2]!}'`);
  const minIdleArg = getLongOrReply(c, argv[4]!, 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdleArg === null) return;
  const minIdle = minIdleArg < 0 ? 0 : minIdleArg;

  // IDs until the first argument that is not one; options from there on.
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseStreamId(argv[j]!, true, false);
    if (id === null) break;
    ids.push(id);
  }
  const lastIdArg = j - 1;
  const now = mstime(c);
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justid = false;
  let lastId = STREAM_ID_MIN;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === 'force') {
      force = true;
    } else if (opt === 'justid') {
      justid = true;
    } else if (opt === 'idle' && moreargs > 0) {
      const v = getLongOrReply(c, argv[++j]!, 'ERR Invalid IDLE option argument for XCLAIM');
      if (v === null) return;
      deliveryTime = now - v;
    } else if (opt === 'time' && moreargs > 0) {
      const v = getLongOrReply(c, argv[++j]!, 'ERR Invalid TIME option argument for XCLAIM');
      if (v === null) return;
      deliveryTime = v;
    } else if (opt === 'retrycount' && moreargs > 0) {
      const v = getLongOrReply(c, argv[++j]!, 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
      if (v === null) return;
      retryCount = v;
    } else if (opt === 'lastid' && moreargs > 0) {
      const v = parseIdOrReply(c, argv[++j]!, true);
      if (v === null) return;
      lastId = v;
    } else {
      return c.addReplyError(`ERR Unrecognized XCLAIM option '${argv[j]!}'`);
    }
  }
  c.preventPropagation = true;
  let propagateLastId = false;
  if (lastId > group.lastId) {
    group.lastId = lastId;
    propagateLastId = true;
  }
  // A delivery time in the future or before the epoch is taken as now (clients' clocks differ).
  if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;

  let consumer: StreamConsumer | null = null;
  const before = deferReplyHeader(c);
  let n = 0;
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5]!;
    let nack = group.pel.get(id);
    const fields = s!.get(id);
    if (fields === null) {
      if (nack !== undefined) {
        dropDeletedNack(c, key, group, argv[k]!, id, nack);
        propagateLastId = false;
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new StreamNack(now, 1, null);
      group.pel.set(id, nack);
    }
    if (nack === undefined) continue;
    // A NACK just created by FORCE has no owner and no idle time to check.
    if (nack.consumer !== null && minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    consumer ??= lookupOrCreateConsumer(c, group, argv[3]!, key);
    claimNack(id, nack, consumer, deliveryTime, retryCount, justid);
    if (justid) addReplyStreamId(c, id);
    else addReplyEntry(c, id, fields);
    n++;
    propagateXclaim(c, key, group, argv[k]!, nack);
    propagateLastId = false;
    addDirty(c);
  }
  if (propagateLastId) {
    propagateGroupId(c, key, group);
    addDirty(c);
  }
  setDeferredHeader(c, before, arrayHeader(n));
}

/** COUNT's ceiling in XAUTOCLAIM: LONG_MAX / max(sizeof(streamID), attempts factor). */
const XAUTOCLAIM_MAX_COUNT = 576460752303423487n;

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
function xautoclaimCommand(c: Client, argv: string[]): void {
  const minIdleArg = getLongOrReply(c, argv[4]!, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdleArg === null) return;
  const minIdle = minIdleArg < 0 ? 0 : minIdleArg;
  const start = parseIntervalIdOrReply(c, argv[5]!, true);
  if (start === null) return;
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === 'count' && moreargs > 0) {
      const v = parseLongLong(argv[++j]!);
      if (v === null || v < 1 || BigInt(v) > XAUTOCLAIM_MAX_COUNT) return c.addReplyError('ERR COUNT must be > 0');
      count = Number(v);
    } else if (opt === 'justid') {
      justid = true;
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  const key = argv[1]!;
  const s = lookupStreamToChangeOrReply(c, key);
  if (s === null) return;
  const group = s === undefined ? undefined : s.group(argv[2]!);
  if (group === undefined) return c.addReplyError(`NOGROUP No such key '${key}' or consumer group '${argv[2]!}'`);
  c.preventPropagation = true;

  // At most count × 10 pending entries are looked at; one more is the next cursor.
  let attempts = count * 10;
  const ids: StreamId[] = [];
  group.pel.range(start, STREAM_ID_MAX, attempts + 1, ids);
  const now = mstime(c);
  const deleted: StreamId[] = [];
  let consumer: StreamConsumer | null = null;
  const before = deferReplyHeader(c);
  let n = 0;
  let next = 0;
  while (attempts-- > 0 && count > 0 && next < ids.length) {
    const id = ids[next++]!;
    const nack = group.pel.get(id)!;
    const fields = s!.get(id);
    if (fields === null) {
      dropDeletedNack(c, key, group, formatStreamId(id), id, nack);
      deleted.push(id);
      count--;
      continue;
    }
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    consumer ??= lookupOrCreateConsumer(c, group, argv[3]!, key);
    claimNack(id, nack, consumer, now, -1, justid);
    if (justid) addReplyStreamId(c, id);
    else addReplyEntry(c, id, fields);
    n++;
    count--;
    propagateXclaim(c, key, group, formatStreamId(id), nack);
    addDirty(c);
  }
  const claimed = arrayHeader(n);
  const cursor = next < ids.length ? ids[next]! : STREAM_ID_MIN;
  const cursorString = formatStreamId(cursor);
  setDeferredHeader(c, before, arrayHeader(3) + '$' + cursorString.length + '\r\n' + cursorString + '\r\n' + claimed);
  c.addReplyArrayLen(deleted.length);
  for (const id of deleted) addReplyStreamId(c, id);
}

// ---------------------------------------------------------------- XINFO

/** The key of XINFO STREAM/GROUPS/CONSUMERS: "no such key" when missing. */
function xinfoLookupOrReply(c: Client, key: string): StreamValue | null {
  const s = lookupReadOrReply(c, key, StreamValue);
  if (s === undefined) c.addReplyError(errors.noSuchKey);
  return s ?? null;
}

/** entries-read and lag of a group: integers, or null when unknown. */
function addReplyGroupCounters(c: Client, s: StreamValue, g: StreamGroup): void {
  c.addReplyBulk('entries-read');
  if (g.entriesRead !== ENTRIES_READ_INVALID) c.addReplyInt(BigInt.asIntN(64, g.entriesRead));
  else c.addReplyNull();
  c.addReplyBulk('lag');
  const lag = s.lag(g);
  if (lag === null) c.addReplyNull();
  else c.addReplyInt(lag);
}

/** XINFO STREAM key [FULL [COUNT count]] */
function xinfoStreamCommand(c: Client, argv: string[]): void {
  const s = xinfoLookupOrReply(c, argv[2]!);
  if (s === null) return;
  const optc = argv.length - 3;
  let full = false;
  let count = 10;
  if (optc > 0) {
    if ((optc !== 1 && optc !== 3) || argv[3]!.toLowerCase() !== 'full') return subcommandSyntaxError(c, argv);
    full = true;
    if (optc === 3) {
      if (argv[4]!.toLowerCase() !== 'count') return subcommandSyntaxError(c, argv);
      const n = getLongOrReply(c, argv[5]!);
      if (n === null) return;
      count = n < 0 ? 10 : n;
    }
  }
  c.addReplyMapLen(full ? 9 : 10);
  c.addReplyBulk('length');
  c.addReplyInt(s.length);
  c.addReplyBulk('radix-tree-keys');
  c.addReplyInt(s.nodes.length);
  c.addReplyBulk('radix-tree-nodes');
  c.addReplyInt(s.radixTreeNodes());
  c.addReplyBulk('last-generated-id');
  addReplyStreamId(c, s.lastId);
  c.addReplyBulk('max-deleted-entry-id');
  addReplyStreamId(c, s.maxDeletedId);
  c.addReplyBulk('entries-added');
  c.addReplyInt(BigInt.asIntN(64, s.entriesAdded)); // a u64 that Redis prints as a long long
  c.addReplyBulk('recorded-first-entry-id');
  addReplyStreamId(c, s.firstId);
  if (!full) {
    c.addReplyBulk('groups');
    c.addReplyInt(s.groups === null ? 0 : s.groups.size);
    for (const [name, first] of [['first-entry', true], ['last-entry', false]] as const) {
      c.addReplyBulk(name);
      const it = new StreamIterator(s, STREAM_ID_MIN, STREAM_ID_MAX, !first);
      if (it.next()) addReplyEntry(c, it.id, it.fields);
      else c.addReplyNull();
    }
    return;
  }
  c.addReplyBulk('entries');
  replyWithRange(c, s, STREAM_ID_MIN, STREAM_ID_MAX, count, false);
  c.addReplyBulk('groups');
  const groups = s.sortedGroups();
  c.addReplyArrayLen(groups.length);
  const limit = count === 0 ? Infinity : count;
  for (const g of groups) {
    c.addReplyMapLen(7);
    c.addReplyBulk('name');
    c.addReplyBulk(g.name);
    c.addReplyBulk('last-delivered-id');
    addReplyStreamId(c, g.lastId);
    addReplyGroupCounters(c, s, g);
    c.addReplyBulk('pel-count');
    c.addReplyInt(g.pel.size);
    c.addReplyBulk('pending');
    const ids: StreamId[] = [];
    g.pel.range(STREAM_ID_MIN, STREAM_ID_MAX, limit, ids);
    c.addReplyArrayLen(ids.length);
    for (const id of ids) {
      const nack = g.pel.get(id)!;
      c.addReplyArrayLen(4);
      addReplyStreamId(c, id);
      c.addReplyBulk(nack.consumer!.name);
      c.addReplyInt(nack.deliveryTime);
      c.addReplyInt(nack.deliveryCount);
    }
    c.addReplyBulk('consumers');
    const consumers = g.sortedConsumers();
    c.addReplyArrayLen(consumers.length);
    for (const consumer of consumers) {
      c.addReplyMapLen(4);
      c.addReplyBulk('name');
      c.addReplyBulk(consumer.name);
      c.addReplyBulk('seen-time');
      c.addReplyInt(consumer.seenTime);
      c.addReplyBulk('pel-count');
      c.addReplyInt(consumer.pel.size);
      c.addReplyBulk('pending');
      ids.length = 0;
      consumer.pel.range(STREAM_ID_MIN, STREAM_ID_MAX, limit, ids);
      c.addReplyArrayLen(ids.length);
      for (const id of ids) {
        const nack = consumer.pel.get(id)!;
        c.addReplyArrayLen(3);
        addReplyStreamId(c, id);
        c.addReplyInt(nack.deliveryTime);
        c.addReplyInt(nack.deliveryCount);
      }
    }
  }
}

/** XINFO GROUPS key */
function xinfoGroupsCommand(c: Client, argv: string[]): void {
  const s = xinfoLookupOrReply(c, argv[2]!);
  if (s === null) return;
  const groups = s.sortedGroups();
  c.addReplyArrayLen(groups.length);
  for (const g of groups) {
    c.addReplyMapLen(6);
    c.addReplyBulk('name');
    c.addReplyBulk(g.name);
    c.addReplyBulk('consumers');
    c.addReplyInt(g.consumers.size);
    c.addReplyBulk('pending');
    c.addReplyInt(g.pel.size);
    c.addReplyBulk('last-delivered-id');
    addReplyStreamId(c, g.lastId);
    addReplyGroupCounters(c, s, g);
  }
}

/** XINFO CONSUMERS key group */
function xinfoConsumersCommand(c: Client, argv: string[]): void {
  const key = argv[2]!;
  const s = xinfoLookupOrReply(c, key);
  if (s === null) return;
  const g = s.group(argv[3]!);
  if (g === undefined) return c.addReplyError(`NOGROUP No such consumer group '${argv[3]!}' for key name '${key}'`);
  const now = mstime(c);
  const consumers = g.sortedConsumers();
  c.addReplyArrayLen(consumers.length);
  for (const consumer of consumers) {
    const idle = now - consumer.seenTime;
    c.addReplyMapLen(3);
    c.addReplyBulk('name');
    c.addReplyBulk(consumer.name);
    c.addReplyBulk('pending');
    c.addReplyInt(consumer.pel.size);
    c.addReplyBulk('idle');
    c.addReplyInt(idle < 0 ? 0 : idle);
  }
}

function xinfoHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0]!, [
    'CONSUMERS <key> <groupname>',
    '    Show consumers of <groupname>.',
    'GROUPS <key>',
    '    Show the stream consumer groups.',
    'STREAM <key> [FULL [COUNT <count>]',
    '    Show information about the stream.',
  ]);
}
