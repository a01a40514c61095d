/**
 * CRC16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster uses for key slots
 * (redis/redis 7.0 src/crc16.c). Hand-written because the npm cluster-key-slot hashes
 * the UTF-8 encoding of a JS string, which differs from the key's bytes for any byte
 * >= 0x80; our keys are latin1 strings whose char codes are the bytes.
 *
 * Every key lookup hashes its key, so the loop takes four bytes a step (slicing-by-4:
 * four independent table reads instead of a chain of dependent ones): 16-byte keys, 50 →
 * 37 ns measured. A key's slot is key-hash.ts's, which takes the CRC together with the key
 * table's hash.
 */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** TABLE_k[b]: the CRC of byte b followed by k - 1 zero bytes. */
const TABLE_2 = nextTable(TABLE);
const TABLE_3 = nextTable(TABLE_2);
const TABLE_4 = nextTable(TABLE_3);

function nextTable(t: Uint16Array): Uint16Array {
  const next = new Uint16Array(256);
  for (let i = 0; i < 256; i++) next[i] = ((t[i]! << 8) & 0xffff) ^ TABLE[t[i]! >> 8]!;
  return next;
}

/** CRC16 of the latin1 string's bytes from start (inclusive) to end (exclusive). */
export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0;
  let i = start;
  for (; i + 3 < end; i += 4) crc = crcStep4(crc, s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2), s.charCodeAt(i + 3));
  for (; i < end; i++) crc = crcStep1(crc, s.charCodeAt(i));
  return crc;
}

/** The CRC after one more byte `c`. */
export function crcStep1(crc: number, c: number): number {
  return ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ c) & 0xff]!;
}

/** The CRC after four more bytes: four independent table reads (slicing-by-4). */
export function crcStep4(crc: number, c0: number, c1: number, c2: number, c3: number): number {
  return TABLE_4[((crc >> 8) ^ c0) & 0xff]! ^ TABLE_3[(crc ^ c1) & 0xff]! ^ TABLE_2[c2 & 0xff]! ^ TABLE[c3 & 0xff]!;
}

export const SLOT_COUNT = 16384;
