/**
 * Sorted-set commands (t_zset.c) over ZSetValue (store/zset.ts). Every range command is
 * reduced to an ascending rank interval [lo, hi) of the value (score and lex bounds become
 * ranks through countScoreBelow / countLexBelow), then read or removed by rank; REV forms
 * walk that interval from the top. Scores are parsed with strtod's rules (parseDouble) and
 * printed with %.17g (addReplyDouble).
 *
 * Propagation (invariant 2): the blocking pops go out as their non-blocking form
 * (BZPOPMIN k t → ZPOPMIN k; BZMPOP/ZMPOP → ZPOPMIN|ZPOPMAX k <popped count>), as Redis 7.0
 * does; every other write is deterministic and propagates as sent.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { notifyKeyspaceEvent } from '../server/notify.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../config/keyspace-events.js';
import { parseDouble, parseLongLong } from '../util/numbers.js';
import { SetValue } from '../store/set.js';
import { ZSetValue, type ZSetLimits } from '../store/zset.js';
import { deleteIfEmpty, lookupReadOrReply, lookupWriteOrReply, removeMembersGeneric } from './lookup.js';
import { type CommandSpec, BLOCKING, DENYOOM, FAST, NOSCRIPT, READONLY, WRITE } from './spec.js';
import { positionScanGeneric } from './scan.js';
import { getPositiveLongOrReply, getTimeoutOrReply, numkeysKeys } from './lists.js';

const ACL = ['sortedset'];

export const specs: readonly CommandSpec[] = [
  { name: 'zadd', arity: -4, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ACL, run: zaddCommand },
  { name: 'zincrby', arity: 4, flags: WRITE | DENYOOM | FAST, keys: [1, 1, 1], acl: ACL, run: zincrbyCommand },
  { name: 'zrem', arity: -3, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: zremCommand },
  { name: 'zcard', arity: 2, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: zcardCommand },
  { name: 'zscore', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: zscoreCommand },
  { name: 'zmscore', arity: -3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: zmscoreCommand },
  { name: 'zrank', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: zrankCommand },
  { name: 'zrevrank', arity: 3, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: zrevrankCommand },
  { name: 'zcount', arity: 4, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: zcountCommand },
  { name: 'zlexcount', arity: 4, flags: READONLY | FAST, keys: [1, 1, 1], acl: ACL, run: zlexcountCommand },
  { name: 'zrange', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zrangeCommand },
  { name: 'zrangestore', arity: -5, flags: WRITE | DENYOOM, keys: [1, 2, 1], acl: ACL, run: zrangestoreCommand },
  { name: 'zrangebyscore', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zrangebyscoreCommand },
  { name: 'zrevrangebyscore', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zrevrangebyscoreCommand },
  { name: 'zrangebylex', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zrangebylexCommand },
  { name: 'zrevrangebylex', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zrevrangebylexCommand },
  { name: 'zrevrange', arity: -4, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zrevrangeCommand },
  { name: 'zremrangebyrank', arity: 4, flags: WRITE, keys: [1, 1, 1], acl: ACL, run: zremrangebyrankCommand },
  { name: 'zremrangebyscore', arity: 4, flags: WRITE, keys: [1, 1, 1], acl: ACL, run: zremrangebyscoreCommand },
  { name: 'zremrangebylex', arity: 4, flags: WRITE, keys: [1, 1, 1], acl: ACL, run: zremrangebylexCommand },
  { name: 'zpopmin', arity: -2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: zpopminCommand },
  { name: 'zpopmax', arity: -2, flags: WRITE | FAST, keys: [1, 1, 1], acl: ACL, run: zpopmaxCommand },
  { name: 'bzpopmin', arity: -3, flags: WRITE | NOSCRIPT | BLOCKING | FAST, keys: [1, -2, 1], acl: ACL, run: bzpopminCommand },
  { name: 'bzpopmax', arity: -3, flags: WRITE | NOSCRIPT | BLOCKING | FAST, keys: [1, -2, 1], acl: ACL, run: bzpopmaxCommand },
  { name: 'zmpop', arity: -4, flags: WRITE, keys: [0, 0, 0], acl: ACL, run: zmpopCommand, getKeys: (argv) => numkeysKeys(argv, 1) },
  { name: 'bzmpop', arity: -5, flags: WRITE | BLOCKING, keys: [0, 0, 0], acl: ACL, run: bzmpopCommand, getKeys: (argv) => numkeysKeys(argv, 2) },
  { name: 'zrandmember', arity: -2, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zrandmemberCommand },
  { name: 'zunion', arity: -3, flags: READONLY, keys: [0, 0, 0], acl: ACL, run: zunionCommand, getKeys: (argv) => numkeysKeys(argv, 1) },
  { name: 'zinter', arity: -3, flags: READONLY, keys: [0, 0, 0], acl: ACL, run: zinterCommand, getKeys: (argv) => numkeysKeys(argv, 1) },
  { name: 'zdiff', arity: -3, flags: READONLY, keys: [0, 0, 0], acl: ACL, run: zdiffCommand, getKeys: (argv) => numkeysKeys(argv, 1) },
  { name: 'zintercard', arity: -3, flags: READONLY, keys: [0, 0, 0], acl: ACL, run: zintercardCommand, getKeys: (argv) => numkeysKeys(argv, 1) },
  { name: 'zunionstore', arity: -4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ACL, run: zunionstoreCommand, getKeys: storeKeys },
  { name: 'zinterstore', arity: -4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ACL, run: zinterstoreCommand, getKeys: storeKeys },
  { name: 'zdiffstore', arity: -4, flags: WRITE | DENYOOM, keys: [1, 1, 1], acl: ACL, run: zdiffstoreCommand, getKeys: storeKeys },
  { name: 'zscan', arity: -3, flags: READONLY, keys: [1, 1, 1], acl: ACL, run: zscanCommand },
];

function storeKeys(argv: readonly string[]): number[] {
  return [1, ...numkeysKeys(argv, 2)];
}

export function zsetLimits(c: Client): ZSetLimits {
  const config = c.server.config;
  return {
    maxListpackEntries: config.number('zset-max-listpack-entries'),
    maxListpackValue: config.number('zset-max-listpack-value'),
  };
}

/** Members with scores: flat in RESP2, [member, score] pairs in RESP3 when with scores. */
function addReplyEntries(c: Client, members: readonly string[], scores: readonly number[], withscores: boolean, from = 0): void {
  const n = members.length - from;
  if (!withscores) c.addReplyArrayLen(n);
  else c.addReplyArrayLen(c.resp === 2 ? n * 2 : n);
  for (let i = from; i < members.length; i++) {
    if (withscores && c.resp === 3) c.addReplyArrayLen(2);
    c.addReplyBulk(members[i]!);
    if (withscores) c.addReplyDouble(scores[i]!);
  }
}

// ---------------------------------------------------------------- ZADD / ZINCRBY / ZREM

const ZADD_INCR = 1;
const ZADD_NX = 2;
const ZADD_XX = 4;
const ZADD_GT = 8;
const ZADD_LT = 16;
const ZADD_CH = 32;

/** The outcome of one zsetAdd. */
const ADD_NOP = 0;
const ADD_ADDED = 1;
const ADD_UPDATED = 2;
const ADD_NAN = 3;
/** Present with an equal score: not a change, yet processed (ZADD INCR replies the score). */
const ADD_SAME = 4;

/** Redis's zsetAdd: apply one score-member pair under the flags; the new score in out[0]. */
function zsetAdd(z: ZSetValue, member: string, score: number, flags: number, limits: ZSetLimits, out: number[]): number {
  const cur = z.score(member);
  if (cur !== undefined) {
    if (flags & ZADD_NX) return ADD_NOP;
    if (flags & ZADD_INCR) {
      score += cur;
      if (Number.isNaN(score)) return ADD_NAN;
    }
    if ((flags & ZADD_LT && score >= cur) || (flags & ZADD_GT && score <= cur)) return ADD_NOP;
    out[0] = score;
    if (score !== cur) {
      z.add(member, score, limits);
      return ADD_UPDATED;
    }
    return ADD_SAME;
  }
  if (flags & ZADD_XX) return ADD_NOP;
  out[0] = score;
  z.add(member, score, limits);
  return ADD_ADDED;
}

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] */
function zaddCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}

/** ZINCRBY key increment member */
function zincrbyCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, ZADD_INCR);
}

function zaddGeneric(c: Client, argv: string[], flags: number): void {
  let idx = 2;
  // ZINCRBY takes no options: its increment may well read "nx".
  const options = flags === 0;
  for (; options && idx < argv.length; idx++) {
    const opt = argv[idx]!.toLowerCase();
    if (opt === 'nx') flags |= ZADD_NX;
    else if (opt === 'xx') flags |= ZADD_XX;
    else if (opt === 'ch') flags |= ZADD_CH;
    else if (opt === 'incr') flags |= ZADD_INCR;
    else if (opt === 'gt') flags |= ZADD_GT;
    else if (opt === 'lt') flags |= ZADD_LT;
    else break;
  }
  const elements = argv.length - idx;
  if (elements % 2 !== 0 || elements === 0) return c.addReplyError(errors.syntax);
  const nx = flags & ZADD_NX;
  if (nx && flags & ZADD_XX) return c.addReplyError('ERR XX and NX options at the same time are not compatible');
  if ((nx && flags & (ZADD_GT | ZADD_LT)) || (flags & ZADD_GT && flags & ZADD_LT)) {
    return c.addReplyError('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  const incr = (flags & ZADD_INCR) !== 0;
  if (incr && elements > 2) return c.addReplyError('ERR INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let j = idx; j < argv.length; j += 2) {
    const s = parseDouble(argv[j]!);
    if (Number.isNaN(s)) return c.addReplyError(errors.notFloat);
    scores.push(s);
  }
  const key = argv[1]!;
  let z = lookupWriteOrReply(c, key, ZSetValue);
  if (z === null) return;
  const limits = zsetLimits(c);
  if (z === undefined) {
    if (flags & ZADD_XX) return incr ? c.addReplyNull() : c.addReplyInt(0);
    z = ZSetValue.empty(limits.maxListpackEntries === 0 || argv[idx + 1]!.length > limits.maxListpackValue);
    c.db.setKey(key, z);
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  const out = [0];
  for (let i = 0; i < scores.length; i++) {
    const r = zsetAdd(z, argv[idx + 2 * i + 1]!, scores[i]!, flags, limits, out);
    if (r === ADD_NAN) {
      c.addReplyError('ERR resulting score is not a number (NaN)');
      break;
    }
    if (r === ADD_ADDED) added++;
    else if (r === ADD_UPDATED) updated++;
    if (r !== ADD_NOP) processed++;
  }
  if (added + updated > 0) {
    c.db.signalModified(key, added + updated);
    notifyKeyspaceEvent(c.server, NOTIFY_ZSET, incr ? 'zincr' : 'zadd', key, c.db.id);
  }
  if (!c.errored) {
    if (incr) {
      if (processed > 0) c.addReplyDouble(out[0]!);
      else c.addReplyNull();
    } else {
      c.addReplyInt(flags & ZADD_CH ? added + updated : added);
    }
  }
  deleteIfEmpty(c, key, z.size);
}

/** ZREM key member [member ...] */
function zremCommand(c: Client, argv: string[]): void {
  removeMembersGeneric(c, argv, ZSetValue, NOTIFY_ZSET, 'zrem');
}

// ---------------------------------------------------------------- point reads

function zcardCommand(c: Client, argv: string[]): void {
  const z = lookupReadOrReply(c, argv[1]!, ZSetValue);
  if (z !== null) c.addReplyInt(z === undefined ? 0 : z.size);
}

function zscoreCommand(c: Client, argv: string[]): void {
  const z = lookupReadOrReply(c, argv[1]!, ZSetValue);
  if (z === null) return;
  const s = z === undefined ? undefined : z.score(argv[2]!);
  if (s === undefined) c.addReplyNull();
  else c.addReplyDouble(s);
}

function zmscoreCommand(c: Client, argv: string[]): void {
  const z = lookupReadOrReply(c, argv[1]!, ZSetValue);
  if (z === null) return;
  c.addReplyArrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z === undefined ? undefined : z.score(argv[i]!);
    if (s === undefined) c.addReplyNull();
    else c.addReplyDouble(s);
  }
}

function zrankGeneric(c: Client, argv: string[], rev: boolean): void {
  const z = lookupReadOrReply(c, argv[1]!, ZSetValue);
  if (z === null) return;
  const r = z === undefined ? -1 : z.rank(argv[2]!);
  if (r < 0) c.addReplyNull();
  else c.addReplyInt(rev ? z!.size - 1 - r : r);
}

function zrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, false);
}

function zrevrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, true);
}

// ---------------------------------------------------------------- ranges

/** A parsed score or lex bound. For lex, `kind` is -Infinity / +Infinity for '-' / '+'. */
interface Bound {
  score: number;
  lex: string;
  exclusive: boolean;
}

/**
 * "(1.5", "-inf", "3": null when not a valid bound. Redis reads bounds with a bare strtod,
 * which skips leading space and reads "" (as in "(") as 0.
 */
function parseScoreBound(s: string): Bound | null {
  const exclusive = s.charCodeAt(0) === 0x28;
  const text = (exclusive ? s.slice(1) : s).replace(/^[ \t\n\v\f\r]+/, '');
  const score = text.length === 0 ? 0 : parseDouble(text);
  return Number.isNaN(score) ? null : { score, lex: '', exclusive };
}

/** "[a", "(a", "-", "+": null when not a valid lex bound. */
function parseLexBound(s: string): Bound | null {
  const c0 = s.charCodeAt(0);
  if (s.length === 1 && c0 === 0x2b) return { score: Infinity, lex: '', exclusive: false };
  if (s.length === 1 && c0 === 0x2d) return { score: -Infinity, lex: '', exclusive: false };
  if (c0 === 0x28 || c0 === 0x5b) return { score: 0, lex: s.slice(1), exclusive: c0 === 0x28 };
  return null;
}

const BY_RANK = 0;
const BY_SCORE = 1;
const BY_LEX = 2;

/** [lo, hi) ascending ranks of the elements with min ≤ e ≤ max (per bound kinds). */
function boundsToRanks(z: ZSetValue, by: number, min: Bound, max: Bound, out: number[]): void {
  let lo: number;
  let hi: number;
  if (by === BY_SCORE) {
    lo = z.countScoreBelow(min.score, min.exclusive);
    hi = z.countScoreBelow(max.score, !max.exclusive);
  } else {
    lo = lexRank(z, min, true);
    hi = lexRank(z, max, false);
  }
  out[0] = lo;
  out[1] = Math.max(lo, hi);
}

/** Ranks before a lex bound: as a minimum (first rank inside) or maximum (first rank past). */
function lexRank(z: ZSetValue, b: Bound, asMin: boolean): number {
  if (b.score === -Infinity) return 0;
  if (b.score === Infinity) return z.size;
  return asMin ? z.countLexBelow(b.lex, b.exclusive) : z.countLexBelow(b.lex, !b.exclusive);
}

/** Rank interval of a rank range (start/end as given, negatives from the end), in [lo, hi). */
function rankRange(size: number, start: number, end: number, out: number[]): void {
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) {
    out[0] = out[1] = 0;
    return;
  }
  if (end >= size) end = size - 1;
  out[0] = start;
  out[1] = end + 1;
}

interface RangeRequest {
  by: number;
  rev: boolean;
  withscores: boolean;
  offset: number;
  limit: number;
  minArg: string;
  maxArg: string;
}

/**
 * Redis's zrangeGenericCommand: parse the range and options, then read (or, with dstKey,
 * store) the result. argv[keyIdx] is the source; the two range arguments follow it; options
 * start at optIdx.
 */
function zrangeGeneric(c: Client, argv: string[], keyIdx: number, optIdx: number, by: number, rev: boolean, dstKey: string | null): void {
  const req: RangeRequest = { by, rev, withscores: false, offset: 0, limit: -1, minArg: argv[keyIdx + 1]!, maxArg: argv[keyIdx + 2]! };
  let hasLimit = false;
  // ZRANGE and ZRANGESTORE (the forward rank forms) choose type and direction with options;
  // the older forms fix them. Not told by argv[0], which rename-command may have changed.
  let autoType = by === BY_RANK && !rev;
  let autoDir = autoType;
  for (let j = optIdx; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const left = argv.length - j - 1;
    if (dstKey === null && opt === 'withscores') req.withscores = true;
    else if (opt === 'limit' && left >= 2) {
      const off = parseLongLong(argv[j + 1]!);
      const lim = parseLongLong(argv[j + 2]!);
      if (off === null || lim === null) return c.addReplyError(errors.notInteger);
      req.offset = Number(off);
      req.limit = Number(lim);
      hasLimit = true;
      j += 2;
    } else if (autoDir && opt === 'rev') {
      req.rev = true;
      autoDir = false;
    } else if (autoType && opt === 'bylex') {
      req.by = BY_LEX;
      autoType = false;
    } else if (autoType && opt === 'byscore') {
      req.by = BY_SCORE;
      autoType = false;
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  if (hasLimit && req.by === BY_RANK) {
    return c.addReplyError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (req.withscores && req.by === BY_LEX) {
    return c.addReplyError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  if (req.rev && req.by !== BY_RANK) {
    const t = req.minArg;
    req.minArg = req.maxArg;
    req.maxArg = t;
  }
  zrangeRun(c, argv[keyIdx]!, req, dstKey);
}

function zrangeRun(c: Client, key: string, req: RangeRequest, dstKey: string | null): void {
  let start = 0;
  let end = 0;
  let min: Bound | null = null;
  let max: Bound | null = null;
  if (req.by === BY_RANK) {
    const s = parseLongLong(req.minArg);
    const e = parseLongLong(req.maxArg);
    if (s === null || e === null) return c.addReplyError(errors.notInteger);
    start = Number(s);
    end = Number(e);
  } else if (req.by === BY_SCORE) {
    min = parseScoreBound(req.minArg);
    max = parseScoreBound(req.maxArg);
    if (min === null || max === null) return c.addReplyError('ERR min or max is not a float');
  } else {
    min = parseLexBound(req.minArg);
    max = parseLexBound(req.maxArg);
    if (min === null || max === null) return c.addReplyError('ERR min or max not valid string range item');
  }
  const z = dstKey === null ? lookupReadOrReply(c, key, ZSetValue) : lookupWriteOrReply(c, key, ZSetValue);
  if (z === null) return;
  const members: string[] = [];
  const scores: number[] = [];
  if (z !== undefined) {
    const r = [0, 0];
    if (req.by === BY_RANK) {
      rankRange(z.size, start, end, r);
      if (req.rev) {
        const lo = z.size - r[1]!;
        r[1] = z.size - r[0]!;
        r[0] = lo;
      }
    } else {
      boundsToRanks(z, req.by, min!, max!, r);
      applyLimit(r, req.offset, req.limit, req.rev);
    }
    z.range(r[0]!, r[1]! - 1, members, scores);
    if (req.rev) {
      members.reverse();
      scores.reverse();
    }
  }
  if (dstKey === null) return addReplyEntries(c, members, scores, req.withscores);
  storeZsetResult(c, dstKey, members, scores, 'zrangestore', true);
}

/** Narrow [lo, hi) by LIMIT offset count, counted from the top for REV. */
function applyLimit(r: number[], offset: number, limit: number, rev: boolean): void {
  let lo = r[0]!;
  let hi = r[1]!;
  if (offset < 0) {
    r[0] = r[1] = lo;
    return;
  }
  if (rev) {
    hi = Math.max(lo, hi - offset);
    if (limit >= 0) lo = Math.max(lo, hi - limit);
  } else {
    lo = Math.min(hi, lo + offset);
    if (limit >= 0) hi = Math.min(hi, lo + limit);
  }
  r[0] = lo;
  r[1] = hi;
}

/**
 * Store a result at dstKey (replacing whatever is there) or delete dstKey when it is empty;
 * replies with the size. ZRANGESTORE sizes its destination up front; the algebra commands
 * build a skiplist and shrink it when it fits (zsetConvertToListpackIfNeeded).
 */
function storeZsetResult(c: Client, dstKey: string, members: readonly string[], scores: readonly number[], event: string, sized: boolean): void {
  if (members.length === 0) {
    c.addReplyInt(0);
    if (c.db.lookupWrite(dstKey) !== undefined) {
      c.db.delete(dstKey);
      notifyKeyspaceEvent(c.server, NOTIFY_GENERIC, 'del', dstKey, c.db.id);
    }
    return;
  }
  const limits = zsetLimits(c);
  const z = ZSetValue.empty(sized ? members.length > limits.maxListpackEntries : true);
  for (let i = 0; i < members.length; i++) z.add(members[i]!, scores[i]!, limits);
  if (!sized) z.shrinkIfFits(limits);
  c.db.setKey(dstKey, z);
  c.addReplyInt(z.size);
  notifyKeyspaceEvent(c.server, NOTIFY_ZSET, event, dstKey, c.db.id);
}

function zrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, 4, BY_RANK, false, null);
}

function zrangestoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, 5, BY_RANK, false, argv[1]!);
}

function zrevrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, 4, BY_RANK, true, null);
}

function zrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, 4, BY_SCORE, false, null);
}

function zrevrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, 4, BY_SCORE, true, null);
}

function zrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, 4, BY_LEX, false, null);
}

function zrevrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, 4, BY_LEX, true, null);
}

function zcountGeneric(c: Client, argv: string[], by: number): void {
  const min = by === BY_SCORE ? parseScoreBound(argv[2]!) : parseLexBound(argv[2]!);
  const max = by === BY_SCORE ? parseScoreBound(argv[3]!) : parseLexBound(argv[3]!);
  if (min === null || max === null) {
    return c.addReplyError(by === BY_SCORE ? 'ERR min or max is not a float' : 'ERR min or max not valid string range item');
  }
  const z = lookupReadOrReply(c, argv[1]!, ZSetValue);
  if (z === null) return;
  if (z === undefined) return c.addReplyInt(0);
  const r = [0, 0];
  boundsToRanks(z, by, min, max, r);
  c.addReplyInt(r[1]! - r[0]!);
}

function zcountCommand(c: Client, argv: string[]): void {
  zcountGeneric(c, argv, BY_SCORE);
}

function zlexcountCommand(c: Client, argv: string[]): void {
  zcountGeneric(c, argv, BY_LEX);
}

const REMRANGE_EVENTS = ['zremrangebyrank', 'zremrangebyscore', 'zremrangebylex'];

/** ZREMRANGEBYRANK / BYSCORE / BYLEX key a b */
function zremrangeGeneric(c: Client, argv: string[], by: number): void {
  let start = 0;
  let end = 0;
  let min: Bound | null = null;
  let max: Bound | null = null;
  if (by === BY_RANK) {
    const s = parseLongLong(argv[2]!);
    const e = parseLongLong(argv[3]!);
    if (s === null || e === null) return c.addReplyError(errors.notInteger);
    start = Number(s);
    end = Number(e);
  } else {
    min = by === BY_SCORE ? parseScoreBound(argv[2]!) : parseLexBound(argv[2]!);
    max = by === BY_SCORE ? parseScoreBound(argv[3]!) : parseLexBound(argv[3]!);
    if (min === null || max === null) {
      return c.addReplyError(by === BY_SCORE ? 'ERR min or max is not a float' : 'ERR min or max not valid string range item');
    }
  }
  const key = argv[1]!;
  const z = lookupWriteOrReply(c, key, ZSetValue);
  if (z === null) return;
  if (z === undefined) return c.addReplyInt(0);
  const r = [0, 0];
  if (by === BY_RANK) rankRange(z.size, start, end, r);
  else boundsToRanks(z, by, min!, max!, r);
  const removed = z.removeRange(r[0]!, r[1]! - 1);
  if (removed > 0) {
    c.db.signalModified(key, removed);
    notifyKeyspaceEvent(c.server, NOTIFY_ZSET, REMRANGE_EVENTS[by]!, key, c.db.id);
    deleteIfEmpty(c, key, z.size);
  }
  c.addReplyInt(removed);
}

function zremrangebyrankCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, BY_RANK);
}

function zremrangebyscoreCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, BY_SCORE);
}

function zremrangebylexCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, BY_LEX);
}

// ---------------------------------------------------------------- pops

const ZSET_MIN = 0;
const ZSET_MAX = 1;

/** Reply shapes of genericZpopCommand. */
const POP_FLAT = 0; // ZPOPMIN k [n]: member, score, ... (nested pairs in RESP3 with a count)
const POP_KEYED = 1; // BZPOPMIN: key, member, score
const POP_NESTED = 2; // ZMPOP/BZMPOP: [key, [[member, score], ...]]

/**
 * Pop up to `count` from the first existing zset among argv[from, to) and reply in
 * `shape`. Returns false when no key exists (nothing replied). WRONGTYPE stops at the
 * first non-zset, as in Redis. Propagation: rewritten to ZPOPMIN|ZPOPMAX key n when
 * `rewrite` (ZMPOP, the blocking forms).
 */
function zpopFromKeys(c: Client, argv: readonly string[], from: number, to: number, where: number, count: number, shape: number, nestedPairs: boolean, rewrite: 'none' | 'single' | 'count'): boolean | null {
  for (let i = from; i < to; i++) {
    const key = argv[i]!;
    const z = lookupWriteOrReply(c, key, ZSetValue);
    if (z === null) return null;
    if (z === undefined) continue;
    const n = Math.min(count, z.size);
    const members: string[] = [];
    const scores: number[] = [];
    if (where === ZSET_MIN) z.range(0, n - 1, members, scores);
    else {
      z.range(z.size - n, z.size - 1, members, scores);
      members.reverse();
      scores.reverse();
    }
    z.removeRange(where === ZSET_MIN ? 0 : z.size - n, where === ZSET_MIN ? n - 1 : z.size - 1);
    c.db.signalModified(key, n);
    notifyKeyspaceEvent(c.server, NOTIFY_ZSET, where === ZSET_MIN ? 'zpopmin' : 'zpopmax', key, c.db.id);
    if (shape === POP_KEYED) {
      c.addReplyArrayLen(n * 2 + 1);
      c.addReplyBulk(key);
      for (let k = 0; k < n; k++) {
        c.addReplyBulk(members[k]!);
        c.addReplyDouble(scores[k]!);
      }
    } else if (shape === POP_NESTED) {
      c.addReplyArrayLen(2);
      c.addReplyBulk(key);
      c.addReplyArrayLen(n);
      for (let k = 0; k < n; k++) {
        c.addReplyArrayLen(2);
        c.addReplyBulk(members[k]!);
        c.addReplyDouble(scores[k]!);
      }
    } else if (nestedPairs) {
      addReplyEntries(c, members, scores, true);
    } else {
      c.addReplyArrayLen(n * 2);
      for (let k = 0; k < n; k++) {
        c.addReplyBulk(members[k]!);
        c.addReplyDouble(scores[k]!);
      }
    }
    deleteIfEmpty(c, key, z.size);
    const name = where === ZSET_MIN ? 'ZPOPMIN' : 'ZPOPMAX';
    // Replicas and the AOF get the non-blocking pop of exactly the key that was served.
    if (rewrite === 'single') c.rewriteEffect([name, key]);
    else if (rewrite === 'count') c.rewriteEffect([name, key, String(n)]);
    return true;
  }
  return false;
}

/** ZPOPMIN|ZPOPMAX key [count] */
function zpopGeneric(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) return c.addReplyError(errors.syntax);
  let count = 1;
  if (argv.length === 3) {
    count = getPositiveLongOrReply(c, argv[2]!);
    if (count < 0) return;
  }
  const key = argv[1]!;
  const z = lookupWriteOrReply(c, key, ZSetValue);
  if (z === null) return;
  if (z === undefined || count === 0) return c.addReplyArrayLen(0);
  zpopFromKeys(c, argv, 1, 2, where, count, POP_FLAT, argv.length === 3, 'none');
}

function zpopminCommand(c: Client, argv: string[]): void {
  zpopGeneric(c, argv, ZSET_MIN);
}

function zpopmaxCommand(c: Client, argv: string[]): void {
  zpopGeneric(c, argv, ZSET_MAX);
}

/** BZPOPMIN|BZPOPMAX key [key ...] timeout */
function bzpopGeneric(c: Client, argv: string[], where: number): void {
  const deadline = getTimeoutOrReply(c, argv[argv.length - 1]!);
  if (deadline < 0) return;
  const served = zpopFromKeys(c, argv, 1, argv.length - 1, where, 1, POP_KEYED, false, 'single');
  if (served !== false) return;
  if (c.inExec) return c.addReplyNullArray();
  c.server.blocking.block(c, argv.slice(1, -1), deadline, c.lastCommand!, argv, 'null-array');
}

function bzpopminCommand(c: Client, argv: string[]): void {
  bzpopGeneric(c, argv, ZSET_MIN);
}

function bzpopmaxCommand(c: Client, argv: string[]): void {
  bzpopGeneric(c, argv, ZSET_MAX);
}

/** [B]ZMPOP [timeout] numkeys key [key ...] MIN|MAX [COUNT count]; numkeys at argv[at]. */
function zmpopGeneric(c: Client, argv: string[], at: number, blocking: boolean): void {
  const n = parseLongLong(argv[at]!);
  if (n === null || n < 1) return c.addReplyError('ERR numkeys should be greater than 0');
  const numkeys = Number(n);
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) return c.addReplyError(errors.syntax);
  const w = argv[whereIdx]!.toLowerCase();
  if (w !== 'min' && w !== 'max') return c.addReplyError(errors.syntax);
  const where = w === 'min' ? ZSET_MIN : ZSET_MAX;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && j + 1 < argv.length) {
      const v = parseLongLong(argv[++j]!);
      if (v === null || v < 1) return c.addReplyError('ERR count should be greater than 0');
      count = Number(v);
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  if (count === -1) count = 1;
  let deadline = 0;
  if (blocking) {
    deadline = getTimeoutOrReply(c, argv[1]!);
    if (deadline < 0) return;
  }
  const served = zpopFromKeys(c, argv, at + 1, at + 1 + numkeys, where, count, POP_NESTED, true, 'count');
  if (served !== false) return;
  if (!blocking || c.inExec) return c.addReplyNullArray();
  c.server.blocking.block(c, argv.slice(at + 1, at + 1 + numkeys), deadline, c.lastCommand!, argv, 'null-array');
}

function zmpopCommand(c: Client, argv: string[]): void {
  zmpopGeneric(c, argv, 1, false);
}

function bzmpopCommand(c: Client, argv: string[]): void {
  zmpopGeneric(c, argv, 2, true);
}

// ---------------------------------------------------------------- ZRANDMEMBER

/** ZRANDMEMBER key [count [WITHSCORES]] */
function zrandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) return c.addReplyError(errors.syntax);
  if (argv.length === 2) {
    const z = lookupReadOrReply(c, argv[1]!, ZSetValue);
    if (z === null) return;
    if (z === undefined) return c.addReplyNull();
    const m: string[] = [];
    z.random(m, []);
    return c.addReplyBulk(m[0]!);
  }
  const n = parseLongLong(argv[2]!);
  if (n === null) return c.addReplyError(errors.notInteger);
  if (n < -9223372036854775807n) {
    return c.addReplyError('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
  }
  let withscores = false;
  if (argv.length === 4) {
    if (argv[3]!.toLowerCase() !== 'withscores') return c.addReplyError(errors.syntax);
    withscores = true;
    if (n < -4611686018427387903n || n > 4611686018427387903n) return c.addReplyError('ERR value is out of range');
  }
  const z = lookupReadOrReply(c, argv[1]!, ZSetValue);
  if (z === null) return;
  if (z === undefined || n === 0) return c.addReplyArrayLen(0);
  const members: string[] = [];
  const scores: number[] = [];
  const size = z.size;
  if (n < 0 || n === 1) {
    const count = Number(n < 0 ? -n : n);
    for (let i = 0; i < count; i++) z.random(members, scores);
  } else if (n >= size) {
    z.range(0, size - 1, members, scores);
  } else {
    // The first `count` of a random permutation of the ranks.
    const count = Number(n);
    const ranks = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + ((Math.random() * (size - i)) | 0);
      const t = ranks[i]!;
      ranks[i] = ranks[j]!;
      ranks[j] = t;
      z.range(ranks[i]!, ranks[i]!, members, scores);
    }
  }
  addReplyEntries(c, members, scores, withscores);
}

// ---------------------------------------------------------------- ZUNION / ZINTER / ZDIFF

const SET_OP_UNION = 0;
const SET_OP_INTER = 1;
const SET_OP_DIFF = 2;
const OP_NAMES = ['zunion', 'zinter', 'zdiff'];

const AGGR_SUM = 0;
const AGGR_MIN = 1;
const AGGR_MAX = 2;

/** An input of an algebra command: a zset, a set (every score 1), or missing. */
type Source = ZSetValue | SetValue | undefined;

function sourceSize(s: Source): number {
  return s === undefined ? 0 : s.size;
}

function sourceScore(s: Source, member: string): number | undefined {
  if (s === undefined) return undefined;
  if (s instanceof SetValue) return s.has(member) ? 1 : undefined;
  return s.score(member);
}

function sourceEntries(s: Source, members: string[], scores: number[]): void {
  if (s === undefined) return;
  if (s instanceof SetValue) {
    for (const m of s.values()) {
      members.push(m);
      scores.push(1);
    }
    return;
  }
  s.range(0, s.size - 1, members, scores);
}

function aggregate(a: number, b: number, how: number): number {
  if (how === AGGR_SUM) {
    const r = a + b;
    return Number.isNaN(r) ? 0 : r; // inf + -inf: Redis takes 0
  }
  return how === AGGR_MIN ? (b < a ? b : a) : (b > a ? b : a);
}

/**
 * Redis's zunionInterDiffGenericCommand: numkeys at argv[numkeysIdx]; stores at dstKey when
 * given, counts only when cardOnly (ZINTERCARD).
 */
function zsetOpGeneric(c: Client, argv: string[], numkeysIdx: number, dstKey: string | null, op: number, cardOnly: boolean): void {
  const cmdName = cardOnly ? 'zintercard' : OP_NAMES[op]! + (dstKey !== null ? 'store' : '');
  const nk = parseLongLong(argv[numkeysIdx]!);
  if (nk === null) return c.addReplyError(errors.notInteger);
  if (nk < 1) return c.addReplyError(`ERR at least 1 input key is needed for '${cmdName}' command`);
  const setnum = Number(nk);
  if (setnum > argv.length - numkeysIdx - 1) return c.addReplyError(errors.syntax);
  const srcs: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.lookupRead(argv[j]!);
    if (v !== undefined && !(v instanceof ZSetValue) && !(v instanceof SetValue)) return c.addReplyError(errors.wrongType);
    srcs.push(v as Source);
  }
  const weights = new Array<number>(setnum).fill(1);
  let how = AGGR_SUM;
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const opt = argv[j]!.toLowerCase();
    const remaining = argv.length - j;
    if (op !== SET_OP_DIFF && !cardOnly && remaining >= setnum + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDouble(argv[j]!);
        if (Number.isNaN(w)) return c.addReplyError('ERR weight value is not a float');
        weights[i] = w;
      }
    } else if (op !== SET_OP_DIFF && !cardOnly && remaining >= 2 && opt === 'aggregate') {
      const a = argv[j + 1]!.toLowerCase();
      if (a === 'sum') how = AGGR_SUM;
      else if (a === 'min') how = AGGR_MIN;
      else if (a === 'max') how = AGGR_MAX;
      else return c.addReplyError(errors.syntax);
      j += 2;
    } else if (dstKey === null && !cardOnly && opt === 'withscores') {
      withscores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && opt === 'limit') {
      limit = getPositiveLongOrReply(c, argv[j + 1]!, "ERR LIMIT can't be negative");
      if (limit < 0) return;
      j += 2;
    } else {
      return c.addReplyError(errors.syntax);
    }
  }
  // Smallest inputs first (not for DIFF, whose first input is special), as Redis sorts.
  const order = srcs.map((_, i) => i);
  if (op !== SET_OP_DIFF) order.sort((a, b) => sourceSize(srcs[a]) - sourceSize(srcs[b]));
  const result = new Map<string, number>();
  const members: string[] = [];
  const scores: number[] = [];
  if (op === SET_OP_UNION) {
    for (const i of order) {
      members.length = scores.length = 0;
      sourceEntries(srcs[i], members, scores);
      for (let k = 0; k < members.length; k++) {
        let s = weights[i]! * scores[k]!;
        if (Number.isNaN(s)) s = 0;
        const prev = result.get(members[k]!);
        result.set(members[k]!, prev === undefined ? s : aggregate(prev, s, how));
      }
    }
  } else if (op === SET_OP_INTER) {
    const first = order[0]!;
    if (srcs.every((s) => s !== undefined)) {
      sourceEntries(srcs[first], members, scores);
      for (let k = 0; k < members.length; k++) {
        const m = members[k]!;
        let s = weights[first]! * scores[k]!;
        if (Number.isNaN(s)) s = 0;
        let all = true;
        for (let oi = 1; oi < order.length && all; oi++) {
          const i = order[oi]!;
          const other = sourceScore(srcs[i], m);
          if (other === undefined) all = false;
          else {
            let v = weights[i]! * other;
            if (Number.isNaN(v)) v = 0;
            s = aggregate(s, v, how);
          }
        }
        if (!all) continue;
        result.set(m, s);
        if (cardOnly && limit > 0 && result.size >= limit) break;
      }
    }
  } else {
    sourceEntries(srcs[0], members, scores);
    for (let k = 0; k < members.length; k++) {
      let keep = true;
      for (let i = 1; i < setnum && keep; i++) if (sourceScore(srcs[i], members[k]!) !== undefined) keep = false;
      if (keep) result.set(members[k]!, scores[k]!);
    }
  }
  if (cardOnly) return c.addReplyInt(result.size);
  // Order the result as a zset would: by score, then member.
  const sorted = ZSetValue.empty(true);
  const noLimit = { maxListpackEntries: Infinity, maxListpackValue: Infinity };
  for (const [m, s] of result) sorted.add(m, s, noLimit);
  const outM: string[] = [];
  const outS: number[] = [];
  sorted.range(0, sorted.size - 1, outM, outS);
  if (dstKey === null) return addReplyEntries(c, outM, outS, withscores);
  storeZsetResult(c, dstKey, outM, outS, cmdName, false);
}

function zunionCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, 1, null, SET_OP_UNION, false);
}

function zinterCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, 1, null, SET_OP_INTER, false);
}

function zdiffCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, 1, null, SET_OP_DIFF, false);
}

function zintercardCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, 1, null, SET_OP_INTER, true);
}

function zunionstoreCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, 2, argv[1]!, SET_OP_UNION, false);
}

function zinterstoreCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, 2, argv[1]!, SET_OP_INTER, false);
}

function zdiffstoreCommand(c: Client, argv: string[]): void {
  zsetOpGeneric(c, argv, 2, argv[1]!, SET_OP_DIFF, false);
}

// ---------------------------------------------------------------- ZSCAN

/** ZSCAN key cursor [MATCH pattern] [COUNT count] */
function zscanCommand(c: Client, argv: string[]): void {
  positionScanGeneric(c, argv, ZSetValue, 2);
}
