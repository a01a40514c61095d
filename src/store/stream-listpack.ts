/**
 * Sizes of listpack elements as Redis 7.0's listpack.c encodes them, for the stream's node
 * layout (stream.ts): Redis opens a new node when the tail listpack plus the new entry's
 * strings would reach stream-node-max-bytes, so approximate trimming (`MAXLEN ~`) only
 * matches Redis if we know each node's lpBytes. Pure arithmetic, no bytes are written.
 *
 * An element is encoding+data followed by its backlen. A string that reads as a canonical
 * int64 (lpStringToInt64, the same rule as string2ll) takes the smallest integer form.
 * persistence/rdb/listpack.ts writes the same forms; store may not import persistence, so
 * the size rules live here as well.
 */

import { parseLongLong } from '../util/numbers.js';

/** The 6-byte header (total bytes, count) and the 0xFF terminator. */
export const LP_EMPTY_BYTES = 7;

function backlenBytes(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Bytes of an integer element (lpAppendInteger) holding the safe integer v. */
export function lpIntBytes(v: number): number {
  // Every integer form is at most 9 bytes, so its backlen is one byte.
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/**
 * Bytes of an integer element holding the int64 whose two's-complement words are hi
 * (signed) and lo (unsigned 32 bits): how Redis stores an ID's ms or seq delta from the
 * node's master ID, which may wrap.
 */
export function lpInt64WordsBytes(hi: number, lo: number): number {
  if (hi === 0 && lo <= 0x7fffffff) return lpIntBytes(lo);
  if (hi === -1 && lo >= 0x80000000) return lpIntBytes(lo - 0x100000000);
  return 10;
}

/** Bytes of a string element (lpAppend), integer-encoded when it reads as an int64. */
export function lpStringBytes(s: string): number {
  const len = s.length;
  if (len <= 20) {
    const v = parseLongLong(s);
    if (v !== null) return typeof v === 'bigint' ? 10 : lpIntBytes(v);
  }
  const l = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return l + backlenBytes(l);
}
