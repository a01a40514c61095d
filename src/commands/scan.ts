/**
 * What SCAN, HSCAN, SSCAN and ZSCAN share (Redis's parseScanCursorOrReply and the option
 * loop and reply of scanGenericCommand, db.c): the cursor's reading, the MATCH / COUNT /
 * TYPE options with Redis's errors, and the two-element reply.
 *
 * Each command keeps its own iteration, because the cursors mean different things: a slot
 * index for SCAN, a reverse-binary bucket cursor for HSCAN, a member position for SSCAN and
 * ZSCAN. So the cursor is handed back exactly as Redis reads it (an unsigned 64-bit value,
 * as a bigint) and each command maps it onto its own space.
 *
 * The options are parsed into one module-level object, read by the caller before its next
 * call: no allocation per command.
 */

import type { Client } from '../server/client.js';
import { errors } from '../protocol/reply.js';
import { parseLongLong } from '../util/numbers.js';
import { stringMatch } from '../util/glob.js';
import type { CollectionValue } from '../store/value.js';
import { lookupReadOrReply, type ValueClass } from './lookup.js';

const CURSOR = /^[+-]?[0-9]+$/;
const U64_MAX = 0xffffffffffffffffn;

/**
 * The cursor as strtoul reads it for Redis: optional sign, decimal digits, nothing before or
 * after, at most 2^64-1 in magnitude; a negative value wraps around; the empty string is 0.
 * Null after replying "invalid cursor".
 */
export function parseScanCursorOrReply(c: Client, s: string): bigint | null {
  if (s.length === 0) return 0n;
  if (!CURSOR.test(s)) {
    c.addReplyError('ERR invalid cursor');
    return null;
  }
  const neg = s.charCodeAt(0) === 0x2d;
  const mag = BigInt(neg || s.charCodeAt(0) === 0x2b ? s.slice(1) : s);
  if (mag > U64_MAX) {
    c.addReplyError('ERR invalid cursor');
    return null;
  }
  return neg ? (U64_MAX + 1n - mag) & U64_MAX : mag;
}

export interface ScanOptions {
  count: number;
  /** Null for no pattern, and for "*", which matches everything. */
  pattern: string | null;
  /** SCAN's TYPE, lower case; null when not given. */
  type: string | null;
}

const options: ScanOptions = { count: 10, pattern: null, type: null };

/**
 * [MATCH pattern] [COUNT count] from argv[from] on, and [TYPE type] when `allowType` (SCAN
 * only: the other scans answer it with a syntax error, as Redis does). COUNT must be an
 * integer of at least 1. Returns the shared options object (valid until the next call), or
 * null after replying with Redis's error.
 */
export function parseScanOptionsOrReply(c: Client, argv: readonly string[], from: number, allowType: boolean): ScanOptions | null {
  options.count = 10;
  options.pattern = null;
  options.type = null;
  for (let i = from; i < argv.length; i += 2) {
    const opt = argv[i]!.toLowerCase();
    const hasArg = i + 1 < argv.length;
    if (opt === 'count' && hasArg) {
      const n = parseLongLong(argv[i + 1]!);
      if (n === null) {
        c.addReplyError(errors.notInteger);
        return null;
      }
      if (n < 1) {
        c.addReplyError(errors.syntax);
        return null;
      }
      options.count = Number(n);
    } else if (opt === 'match' && hasArg) {
      options.pattern = argv[i + 1] === '*' ? null : argv[i + 1]!;
    } else if (opt === 'type' && allowType && hasArg) {
      options.type = argv[i + 1]!.toLowerCase();
    } else {
      c.addReplyError(errors.syntax);
      return null;
    }
  }
  return options;
}

/**
 * The scan reply: the next cursor and the items. With a pattern, only every `stride`-th item
 * (a key, field or member) is matched, and the stride - 1 items after it (a field's value, a
 * member's score) go with it; `items` is filtered in place.
 */
export function addReplyScan(c: Client, next: number, items: string[], pattern: string | null, stride: number): void {
  if (pattern !== null) {
    let n = 0;
    for (let i = 0; i < items.length; i += stride) {
      if (!stringMatch(pattern, items[i]!)) continue;
      for (let k = 0; k < stride; k++) items[n++] = items[i + k]!;
    }
    items.length = n;
  }
  c.addReplyArrayLen(2);
  c.addReplyBulk(String(next));
  c.addReplyBulks(items);
}

/** Redis's shared.emptyscan: the reply for a missing key (given before any option is read). */
export function addReplyEmptyScan(c: Client): void {
  c.addReplyArrayLen(2);
  c.addReplyBulk('0');
  c.addReplyArrayLen(0);
}

/** A collection scanned by member position (sets, sorted sets: store/member-index.ts). */
interface PositionScannable extends CollectionValue {
  scan(position: number, count: number, out: string[]): number;
}

/**
 * SSCAN and ZSCAN: the cursor is a member position (any past the end restarts from the
 * top; Number is exact enough), `stride` the reply items per member (2 with ZSCAN's score).
 */
export function positionScanGeneric<T extends PositionScannable>(c: Client, argv: string[], type: ValueClass<T>, stride: number): void {
  const cursor = parseScanCursorOrReply(c, argv[2]!);
  if (cursor === null) return;
  const coll = lookupReadOrReply(c, argv[1]!, type);
  if (coll === null) return;
  if (coll === undefined) return addReplyEmptyScan(c);
  const opts = parseScanOptionsOrReply(c, argv, 3, false);
  if (opts === null) return;
  const items: string[] = [];
  addReplyScan(c, coll.scan(Number(cursor), opts.count, items), items, opts.pattern, stride);
}
