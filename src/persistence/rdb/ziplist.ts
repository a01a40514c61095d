/**
 * The two read-only compact formats of older Redis files: the ziplist (Redis <= 6.2 lists,
 * small hashes and zsets; src/ziplist.c) and the zipmap (Redis <= 2.4 hashes;
 * src/zipmap.c). Redis 7.0 converts both on load and validates ziplists deeply; so do we.
 *
 * Ziplist: u32 LE zlbytes | u32 LE zltail | u16 LE zllen (65535 = unknown) | entries | 0xFF
 *   entry = prevlen (1 byte < 254, else 0xFE + u32 LE) | encoding | data
 *   encodings: 00LLLLLL / 01LLLLLL LLLLLLLL (big-endian 14 bits) / 0x80 + u32 BE length
 *   strings; 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (all LE);
 *   0xF1..0xFD immediate 0..12.
 * Zipmap: count byte (254 = unknown) | per pair: len field len free value padding | 0xFF,
 *   len = 1 byte < 254, else 0xFE + u32 LE.
 */

import { BlobError } from './errors.js';
import { latin1Of } from '../../util/latin1.js';

const ZIP_END = 0xff;
const ZIP_BIG_PREVLEN = 254;

export function decodeZiplist(buf: Uint8Array, expectPairs = false): string[] {
  const size = buf.length;
  if (size < 11) throw new BlobError('ziplist shorter than its header', 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, size);
  if (dv.getUint32(0, true) !== size) throw new BlobError('ziplist header size does not match the blob', 0);
  const tail = dv.getUint32(4, true);
  const count = dv.getUint16(8, true);
  if (buf[size - 1] !== ZIP_END) throw new BlobError('ziplist does not end with 0xFF', size - 1);
  const out: string[] = [];
  const end = size - 1;
  let p = 10;
  let prevSize = 0;
  let last = -1;
  while (p < end) {
    const start = p;
    last = p;
    let prevlen = buf[p++]!;
    if (prevlen === ZIP_BIG_PREVLEN) {
      if (p + 4 > end) throw new BlobError('ziplist prevlen runs past the end', start);
      prevlen = dv.getUint32(p, true);
      p += 4;
    }
    if (prevlen !== prevSize) throw new BlobError(`ziplist prevlen ${prevlen} does not match ${prevSize}`, start);
    if (p >= end) throw new BlobError('ziplist entry runs past the end', p);
    const b = buf[p]!;
    const top = b >>> 6;
    let len = -1;
    if (top === 0) {
      len = b & 0x3f;
      p += 1;
    } else if (top === 1) {
      if (p + 2 > end) throw new BlobError('ziplist entry runs past the end', p);
      len = ((b & 0x3f) << 8) | buf[p + 1]!;
      p += 2;
    } else if (b === 0x80) {
      if (p + 5 > end) throw new BlobError('ziplist entry runs past the end', p);
      len = dv.getUint32(p + 1, false);
      p += 5;
    } else if (top === 2) {
      throw new BlobError(`invalid ziplist encoding byte 0x${b.toString(16)}`, p);
    }
    if (len >= 0) {
      if (p + len > end) throw new BlobError('ziplist string runs past the end', p);
      out.push(latin1Of(buf, p, p + len));
      p += len;
    } else {
      const width = b === 0xc0 ? 2 : b === 0xd0 ? 4 : b === 0xe0 ? 8 : b === 0xf0 ? 3 : b === 0xfe ? 1 : b >= 0xf1 && b <= 0xfd ? 0 : -1;
      if (width < 0) throw new BlobError(`invalid ziplist encoding byte 0x${b.toString(16)}`, p);
      p += 1;
      if (p + width > end) throw new BlobError('ziplist int runs past the end', p);
      if (width === 0) out.push(String((b & 0x0f) - 1));
      else if (width === 1) out.push(String(dv.getInt8(p)));
      else if (width === 2) out.push(String(dv.getInt16(p, true)));
      else if (width === 4) out.push(String(dv.getInt32(p, true)));
      else if (width === 8) out.push(dv.getBigInt64(p, true).toString());
      else {
        const u = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16);
        out.push(String(u >= 0x800000 ? u - 0x1000000 : u));
      }
      p += width;
    }
    prevSize = p - start;
  }
  if (p !== end) throw new BlobError('ziplist entries run past the terminator', p);
  if (tail !== (last < 0 ? 10 : last)) throw new BlobError('ziplist tail offset is wrong', 4);
  if (count !== 65535 && count !== out.length) {
    throw new BlobError(`ziplist header says ${count} entries, found ${out.length}`, 8);
  }
  if (expectPairs && out.length % 2 !== 0) throw new BlobError('ziplist of pairs has an odd entry count', 8);
  return out;
}

/** Decode a zipmap into alternating field, value strings. */
export function decodeZipmap(buf: Uint8Array): string[] {
  const size = buf.length;
  if (size < 2) throw new BlobError('zipmap shorter than its header', 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, size);
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= size) throw new BlobError('zipmap runs past the end', p);
    const b = buf[p++]!;
    if (b < 254) return b;
    if (b === 254) {
      if (p + 4 > size) throw new BlobError('zipmap length runs past the end', p);
      const v = dv.getUint32(p, true);
      p += 4;
      return v;
    }
    throw new BlobError('zipmap length is invalid', p - 1);
  };
  for (;;) {
    if (p >= size) throw new BlobError('zipmap has no terminator', p);
    if (buf[p] === 0xff) { p++; break; }
    const flen = readLen();
    if (p + flen > size) throw new BlobError('zipmap field runs past the end', p);
    out.push(latin1Of(buf, p, p + flen));
    p += flen;
    const vlen = readLen();
    if (p >= size) throw new BlobError('zipmap runs past the end', p);
    const free = buf[p++]!;
    if (p + vlen + free > size) throw new BlobError('zipmap value runs past the end', p);
    out.push(latin1Of(buf, p, p + vlen));
    p += vlen + free;
  }
  if (p !== size) throw new BlobError('zipmap has bytes after its terminator', p);
  const count = buf[0]!;
  if (count < 254 && count * 2 !== out.length) throw new BlobError(`zipmap header says ${count} pairs`, 0);
  return out;
}
