/**
 * Intset, Redis's sorted array of integers (src/intset.c):
 *
 *   u32 LE encoding (bytes per member: 2, 4 or 8) | u32 LE count | members, signed LE
 *
 * Members are strictly ascending. The encoder uses the narrowest width that holds every
 * member, as a freshly built Redis set would; the decoder accepts any width (Redis widens
 * and never narrows) and checks order, which Redis itself trusts only when sanitising.
 */

import { BlobError } from './errors.js';

/** `members` are canonical decimal integers (the caller checked); sorted here. */
export function encodeIntset(members: readonly string[]): Buffer {
  const values = members.map((m) => BigInt(m)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) { width = 8; break; }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * values.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(values.length, 4);
  let p = 8;
  for (const v of values) {
    if (width === 2) out.writeInt16LE(Number(v), p);
    else if (width === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
    p += width;
  }
  return out;
}

export function decodeIntset(buf: Uint8Array): string[] {
  if (buf.length < 8) throw new BlobError('intset shorter than its header', 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const width = dv.getUint32(0, true);
  if (width !== 2 && width !== 4 && width !== 8) throw new BlobError(`invalid intset encoding ${width}`, 0);
  const count = dv.getUint32(4, true);
  if (8 + count * width !== buf.length) {
    throw new BlobError(`intset of ${count} x ${width} bytes does not fill its ${buf.length}-byte blob`, 4);
  }
  const out: string[] = new Array(count);
  let prev: bigint | null = null;
  for (let i = 0, p = 8; i < count; i++, p += width) {
    const v = width === 2 ? BigInt(dv.getInt16(p, true)) : width === 4 ? BigInt(dv.getInt32(p, true)) : dv.getBigInt64(p, true);
    if (prev !== null && v <= prev) throw new BlobError('intset members are not strictly ascending', p);
    prev = v;
    out[i] = v.toString();
  }
  return out;
}
