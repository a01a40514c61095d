/**
 * The two hashes every key operation needs, taken in one pass over the key: its hash slot
 * (Redis Cluster's CRC16 with hash tags, crc16.ts) and its key-table hash (where the slot's
 * table indexes it, key-table.ts). Four bytes a round: four CRC table reads and one
 * multiply-shift round of the table hash share the bytes read. Measured on 16-byte keys:
 * ~75 ns for the two hashes in passes of their own, ~48 ns in one.
 *
 * hashKey returns the slot and leaves the table hash in `lastTableHash` (a second result
 * without an allocation): read it before anything else can hash a key.
 */

import { crc16, crcStep1, crcStep4, SLOT_COUNT } from './crc16.js';
import { MAX_INLINE_KEY } from './key-table.js';

/** '{', which may open a hash tag. */
const OPEN = 0x7b;

/**
 * The table hash of the key hashKey last hashed: a non-negative int32, or -1 when the key
 * belongs in a table's `others` (longer than MAX_INLINE_KEY, or a code unit above 0xff).
 */
export let lastTableHash = 0;

/** The hash slot of `key`; its table hash goes to lastTableHash. */
export function hashKey(key: string): number {
  const n = key.length;
  let crc = 0;
  let h = n;
  let wide = 0;
  let tagged = false;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const c0 = key.charCodeAt(i);
    const c1 = key.charCodeAt(i + 1);
    const c2 = key.charCodeAt(i + 2);
    const c3 = key.charCodeAt(i + 3);
    if (c0 === OPEN || c1 === OPEN || c2 === OPEN || c3 === OPEN) tagged = true;
    wide |= c0 | c1 | c2 | c3;
    crc = crcStep4(crc, c0, c1, c2, c3);
    h = round(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  let last = 0;
  for (let shift = 0; i < n; i++, shift += 8) {
    const c = key.charCodeAt(i);
    if (c === OPEN) tagged = true;
    wide |= c;
    crc = crcStep1(crc, c);
    last |= c << shift;
  }
  lastTableHash = n > MAX_INLINE_KEY || wide > 0xff ? -1 : finish(round(h, last));
  return (tagged ? taggedCrc(key) : crc) & (SLOT_COUNT - 1);
}

/**
 * The hash slot of a key, honouring hash tags: if the key has a '{' followed later by a
 * '}' with at least one byte between them, only those bytes are hashed.
 */
export function keyHashSlot(key: string): number {
  return hashKey(key);
}

/** The CRC that places a key holding a '{': of its tag if it has one, else of the whole key. */
function taggedCrc(key: string): number {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? crc16(key, open + 1, close) : crc16(key);
}

function round(h: number, k: number): number {
  h = Math.imul(h ^ k, 0x9e3779b1);
  return h ^ (h >>> 15);
}

function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  return h & 0x7fffffff;
}
