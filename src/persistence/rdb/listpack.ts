/**
 * Listpack, the compact sequence Redis 7.0 stores inside RDB blobs (src/listpack.c; our
 * blobs must pass its validation, theirs ours):
 *
 *   u32 LE total bytes | u16 LE count (65535 = unknown) | entries | 0xFF
 *   entry = encoding+data, then backlen (its size, 1-5 bytes, readable backwards)
 *
 * The encoder picks the form Redis picks: a canonical decimal int64 takes the smallest
 * integer form (7-bit, 13-bit, 16/24/32/64-bit), anything else a string with the smallest
 * length form. It measures first and writes once into an exact-size buffer.
 *
 * The decoder validates deeply, as redis-check-rdb and `sanitize-dump-payload yes` do:
 * header total, terminator, every entry inside the blob, each backlen equal to its entry,
 * the count. Integers come back as their decimal strings, the form the store holds.
 */

import { BlobError } from './errors.js';
import { canonicalInt } from './bytes.js';
import { latin1Of } from '../../util/latin1.js';

const LP_HDR = 6;
const LP_EOF = 0xff;
/** Below this many chars a JS copy loop beats a call into Buffer.write. */
const SHORT_COPY = 48;

/** Size of encoding+data for one element, and the integer when it is stored as one. */
function entrySize(s: string): number {
  const v = canonicalInt(s, 20);
  if (v !== null) {
    if (typeof v === 'bigint') return 9;
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= -32768 && v <= 32767) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    if (v >= -2147483648 && v <= 2147483647) return 5;
    return 9;
  }
  const len = s.length;
  return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
}

function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Bytes a listpack of these elements takes (quicklist node sizing uses it). */
export function listpackEntryBytes(s: string): number {
  const l = entrySize(s);
  return l + backlenSize(l);
}

export function encodeListpack(items: readonly string[]): Buffer {
  let total = LP_HDR + 1;
  for (let i = 0; i < items.length; i++) total += listpackEntryBytes(items[i]!);
  const out = Buffer.allocUnsafe(total);
  let p = lpWriteHeader(out, total, items.length);
  for (let i = 0; i < items.length; i++) p = lpWriteElement(out, p, items[i]!);
  out[p] = LP_EOF;
  return out;
}

/**
 * Write a listpack header for `total` bytes and `count` elements at out[0]; the entries
 * follow at LP_HDR (lpWriteElement, lpWriteInt) and the caller ends them with 0xFF.
 */
export function lpWriteHeader(out: Buffer, total: number, count: number): number {
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(count < 65535 ? count : 65535, 4);
  return LP_HDR;
}

/** Write `s` as lpAppend does (a canonical int64 as an integer) at out[p]; returns the end. */
export function lpWriteElement(out: Buffer, p: number, s: string): number {
  const v = canonicalInt(s, 20);
  if (v !== null) return lpWriteInt(out, p, v);
  const start = p;
  const len = s.length;
  if (len < 64) {
    out[p++] = 0x80 | len;
  } else if (len < 4096) {
    out[p++] = 0xe0 | (len >>> 8);
    out[p++] = len & 0xff;
  } else {
    out[p++] = 0xf0;
    out.writeUInt32LE(len, p);
    p += 4;
  }
  if (len < SHORT_COPY) for (let i = 0; i < len; i++) out[p++] = s.charCodeAt(i);
  else p += out.write(s, p, len, 'latin1');
  return writeBacklen(out, p, p - start);
}

/** Write the int64 `v` in its smallest integer form (lpAppendInteger) at out[p]; returns the end. */
export function lpWriteInt(out: Buffer, p: number, v: number | bigint): number {
  const start = p;
  if (typeof v === 'bigint') {
    out[p++] = 0xf4;
    out.writeBigInt64LE(v, p);
    p += 8;
  } else if (v >= 0 && v <= 127) {
    out[p++] = v;
  } else if (v >= -4096 && v <= 4095) {
    const u = v < 0 ? 8192 + v : v;
    out[p++] = 0xc0 | (u >>> 8);
    out[p++] = u & 0xff;
  } else if (v >= -32768 && v <= 32767) {
    out[p++] = 0xf1;
    out.writeInt16LE(v, p);
    p += 2;
  } else if (v >= -8388608 && v <= 8388607) {
    out[p++] = 0xf2;
    out.writeIntLE(v, p, 3);
    p += 3;
  } else if (v >= -2147483648 && v <= 2147483647) {
    out[p++] = 0xf3;
    out.writeInt32LE(v, p);
    p += 4;
  } else {
    out[p++] = 0xf4;
    out.writeBigInt64LE(BigInt(v), p);
    p += 8;
  }
  return writeBacklen(out, p, p - start);
}

function writeBacklen(out: Buffer, p: number, l: number): number {
  const n = backlenSize(l);
  // The last byte holds bits 0-6; each earlier byte the next 7; all but the first have bit 7.
  for (let i = n - 1; i >= 0; i--) {
    const bits = l % 128;
    l = Math.floor(l / 128);
    out[p + i] = i === 0 ? bits : bits | 128;
  }
  return p + n;
}

/**
 * Decode and validate a listpack blob; `expectPairs` also requires an even count (hash
 * and zset listpacks hold pairs). Throws BlobError with the offset inside the blob.
 */
export function decodeListpack(buf: Uint8Array, expectPairs = false): string[] {
  const c = new ListpackCursor(buf);
  const out: string[] = [];
  while (c.next()) out.push(c.string());
  if (expectPairs && out.length % 2 !== 0) throw new BlobError('listpack of pairs has an odd element count', 4);
  return out;
}

/**
 * A listpack walked element by element with the checks decodeListpack makes (the header
 * when built, each element and its backlen in next(), the count at the end), for readers
 * that want integers as numbers (stream nodes) without a string per element.
 */
export class ListpackCursor {
  /** The current element: a string, or null when it is an integer (then in `int`). */
  str: string | null = null;
  int: number | bigint = 0;
  /** Blob offset of the current element. */
  at = 0;
  private p = LP_HDR;
  private seen = 0;
  private readonly end: number;
  private readonly count: number;
  private readonly dv: DataView;

  constructor(private readonly buf: Uint8Array) {
    const size = buf.length;
    if (size < LP_HDR + 1) throw new BlobError('listpack shorter than its header', 0);
    this.dv = new DataView(buf.buffer, buf.byteOffset, size);
    const total = this.dv.getUint32(0, true);
    if (total !== size) throw new BlobError(`listpack header says ${total} bytes, blob has ${size}`, 0);
    if (buf[size - 1] !== LP_EOF) throw new BlobError('listpack does not end with 0xFF', size - 1);
    this.count = this.dv.getUint16(4, true);
    this.end = size - 1;
  }

  /** The current element as the store holds it: an integer in decimal. */
  string(): string {
    return this.str ?? String(this.int);
  }

  /** Move to the next element; false at the terminator, once the count is checked. */
  next(): boolean {
    const { buf, dv, end } = this;
    let p = this.p;
    if (p >= end) {
      if (p !== end) throw new BlobError('listpack entries run past the terminator', p);
      if (this.count !== 65535 && this.count !== this.seen) {
        throw new BlobError(`listpack header says ${this.count} elements, found ${this.seen}`, 4);
      }
      return false;
    }
    const start = p;
    this.at = p;
    const b = buf[p]!;
    this.str = null;
    if (b < 0x80) {
      this.int = b;
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      if (p + 1 + len > end) throw new BlobError('listpack string runs past the end', p);
      this.str = latin1Of(buf, p + 1, p + 1 + len);
      p += 1 + len;
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 2 > end) throw new BlobError('listpack int runs past the end', p);
      const u = ((b & 0x1f) << 8) | buf[p + 1]!;
      this.int = u >= 4096 ? u - 8192 : u;
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) throw new BlobError('listpack string runs past the end', p);
      const len = ((b & 0x0f) << 8) | buf[p + 1]!;
      if (p + 2 + len > end) throw new BlobError('listpack string runs past the end', p);
      this.str = latin1Of(buf, p + 2, p + 2 + len);
      p += 2 + len;
    } else if (b === 0xf0) {
      if (p + 5 > end) throw new BlobError('listpack string runs past the end', p);
      const len = dv.getUint32(p + 1, true);
      if (p + 5 + len > end) throw new BlobError('listpack string runs past the end', p);
      this.str = latin1Of(buf, p + 5, p + 5 + len);
      p += 5 + len;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const width = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      if (p + 1 + width > end) throw new BlobError('listpack int runs past the end', p);
      if (width === 8) {
        const v = dv.getBigInt64(p + 1, true);
        this.int = v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      } else if (width === 2) this.int = dv.getInt16(p + 1, true);
      else if (width === 4) this.int = dv.getInt32(p + 1, true);
      else {
        const u = buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16);
        this.int = u >= 0x800000 ? u - 0x1000000 : u;
      }
      p += 1 + width;
    } else {
      throw new BlobError(`invalid listpack encoding byte 0x${b.toString(16)}`, p);
    }
    this.p = checkBacklen(buf, p, end, p - start);
    this.seen++;
    return true;
  }
}

function checkBacklen(buf: Uint8Array, p: number, end: number, l: number): number {
  const n = backlenSize(l);
  if (p + n > end) throw new BlobError('listpack backlen runs past the end', p);
  let v = 0;
  for (let i = 0; i < n; i++) {
    const byte = buf[p + i]!;
    if ((i === 0) !== (byte < 128)) throw new BlobError('listpack backlen is malformed', p + i);
    v = v * 128 + (byte & 127);
  }
  if (v !== l) throw new BlobError(`listpack backlen ${v} does not match entry size ${l}`, p);
  return p + n;
}
