/**
 * CRC-64/Jones as Redis 7.0 computes it (src/crc64.c, must agree with it byte for byte):
 * reflected polynomial 0x95ac9329ac4bc9b5, reflected input and output, initial value 0,
 * no final XOR. "123456789" gives 0xe9c6d914c4b8d9ca.
 *
 * Table-driven, slicing-by-8 (eight tables, eight bytes per step; the last few bytes one at
 * a time), with the 64-bit state kept as two uint32 halves so the inner loop never
 * allocates a BigInt (the spec's BigInt sketch costs ~100x more). The
 * state is an object the caller owns and feeds incrementally (RDB sinks and sources keep
 * one), and becomes a bigint only at the edge (crc64Value).
 */

/** TABLE_*[k * 256 + i]: the CRC of byte i followed by k zero bytes, low and high halves. */
const TABLE_LO = new Uint32Array(8 * 256);
const TABLE_HI = new Uint32Array(8 * 256);
(() => {
  const POLY_LO = 0xac4bc9b5;
  const POLY_HI = 0x95ac9329;
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TABLE_LO[i] = lo;
    TABLE_HI[i] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const lo = TABLE_LO[(k - 1) * 256 + i]!;
      const hi = TABLE_HI[(k - 1) * 256 + i]!;
      const idx = lo & 0xff;
      TABLE_LO[k * 256 + i] = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!) >>> 0;
      TABLE_HI[k * 256 + i] = ((hi >>> 8) ^ TABLE_HI[idx]!) >>> 0;
    }
  }
})();

/** A running CRC-64: start at {lo: 0, hi: 0}. */
export interface Crc64State {
  lo: number;
  hi: number;
}

export function crc64Init(): Crc64State {
  return { lo: 0, hi: 0 };
}

/** Fold `buf[start..end)` into `state`. */
export function crc64Update(state: Crc64State, buf: Uint8Array, start = 0, end = buf.length): void {
  let lo = state.lo;
  let hi = state.hi;
  let i = start;
  for (const last8 = end - 8; i <= last8; i += 8) {
    // Eight bytes (little-endian) folded into the state, then one lookup per byte.
    const a = (lo ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
    const b = (hi ^ (buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24))) >>> 0;
    lo = TABLE_LO[1792 + (a & 0xff)]! ^ TABLE_LO[1536 + ((a >>> 8) & 0xff)]! ^ TABLE_LO[1280 + ((a >>> 16) & 0xff)]! ^
      TABLE_LO[1024 + (a >>> 24)]! ^ TABLE_LO[768 + (b & 0xff)]! ^ TABLE_LO[512 + ((b >>> 8) & 0xff)]! ^
      TABLE_LO[256 + ((b >>> 16) & 0xff)]! ^ TABLE_LO[b >>> 24]!;
    hi = TABLE_HI[1792 + (a & 0xff)]! ^ TABLE_HI[1536 + ((a >>> 8) & 0xff)]! ^ TABLE_HI[1280 + ((a >>> 16) & 0xff)]! ^
      TABLE_HI[1024 + (a >>> 24)]! ^ TABLE_HI[768 + (b & 0xff)]! ^ TABLE_HI[512 + ((b >>> 8) & 0xff)]! ^
      TABLE_HI[256 + ((b >>> 16) & 0xff)]! ^ TABLE_HI[b >>> 24]!;
  }
  for (; i < end; i++) {
    const idx = (lo ^ buf[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!;
    hi = (hi >>> 8) ^ TABLE_HI[idx]!;
  }
  state.lo = lo >>> 0;
  state.hi = hi >>> 0;
}

export function crc64Value(state: Crc64State): bigint {
  return (BigInt(state.hi >>> 0) << 32n) | BigInt(state.lo >>> 0);
}

/** One-shot CRC-64 of a buffer. */
export function crc64(buf: Uint8Array): bigint {
  const s = crc64Init();
  crc64Update(s, buf);
  return crc64Value(s);
}

/** Write the state as 8 bytes little-endian at `out[at..at+8)`, as the RDB trailer stores it. */
export function crc64WriteLE(state: Crc64State, out: Uint8Array, at: number): void {
  const { lo, hi } = state;
  out[at] = lo & 0xff; out[at + 1] = (lo >>> 8) & 0xff; out[at + 2] = (lo >>> 16) & 0xff; out[at + 3] = lo >>> 24;
  out[at + 4] = hi & 0xff; out[at + 5] = (hi >>> 8) & 0xff; out[at + 6] = (hi >>> 16) & 0xff; out[at + 7] = hi >>> 24;
}
