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
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(items.length < 65535 ? items.length : 65535, 4);
  let p = LP_HDR;
  for (let i = 0; i < items.length; i++) p = writeEntry(out, p, items[i]!);
  out[p] = LP_EOF;
  return out;
}

function writeEntry(out: Buffer, p: number, s: string): number {
  const start = p;
  const v = canonicalInt(s, 20);
  if (v !== null) {
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
  } else {
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
    p += out.write(s, p, len, 'latin1');
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
  const size = buf.length;
  if (size < LP_HDR + 1) throw new BlobError('listpack shorter than its header', 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, size);
  const total = dv.getUint32(0, true);
  if (total !== size) throw new BlobError(`listpack header says ${total} bytes, blob has ${size}`, 0);
  if (buf[size - 1] !== LP_EOF) throw new BlobError('listpack does not end with 0xFF', size - 1);
  const count = dv.getUint16(4, true);
  const out: string[] = [];
  let p = LP_HDR;
  const end = size - 1;
  while (p < end) {
    const start = p;
    const b = buf[p]!;
    let need: number;
    if (b < 0x80) {
      out.push(String(b));
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      need = 1 + len;
      if (p + need > end) throw new BlobError('listpack string runs past the end', p);
      out.push(latin1Of(buf, p + 1, p + need));
      p += need;
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 2 > end) throw new BlobError('listpack int runs past the end', p);
      const u = ((b & 0x1f) << 8) | buf[p + 1]!;
      out.push(String(u >= 4096 ? u - 8192 : u));
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) throw new BlobError('listpack string runs past the end', p);
      const len = ((b & 0x0f) << 8) | buf[p + 1]!;
      if (p + 2 + len > end) throw new BlobError('listpack string runs past the end', p);
      out.push(latin1Of(buf, p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0xf0) {
      if (p + 5 > end) throw new BlobError('listpack string runs past the end', p);
      const len = dv.getUint32(p + 1, true);
      if (p + 5 + len > end) throw new BlobError('listpack string runs past the end', p);
      out.push(latin1Of(buf, p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const width = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      if (p + 1 + width > end) throw new BlobError('listpack int runs past the end', p);
      if (width === 8) out.push(dv.getBigInt64(p + 1, true).toString());
      else if (width === 2) out.push(String(dv.getInt16(p + 1, true)));
      else if (width === 4) out.push(String(dv.getInt32(p + 1, true)));
      else {
        const u = buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16);
        out.push(String(u >= 0x800000 ? u - 0x1000000 : u));
      }
      p += 1 + width;
    } else {
      throw new BlobError(`invalid listpack encoding byte 0x${b.toString(16)}`, p);
    }
    p = checkBacklen(buf, p, end, p - start);
  }
  if (p !== end) throw new BlobError('listpack entries run past the terminator', p);
  if (count !== 65535 && count !== out.length) {
    throw new BlobError(`listpack header says ${count} elements, found ${out.length}`, 4);
  }
  if (expectPairs && out.length % 2 !== 0) throw new BlobError('listpack of pairs has an odd element count', 4);
  return out;
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
