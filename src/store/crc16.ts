/**
 * CRC16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster uses for key slots
 * (redis/redis 7.0 src/crc16.c). Hand-written because the npm cluster-key-slot hashes
 * the UTF-8 encoding of a JS string, which differs from the key's bytes for any byte
 * >= 0x80; our keys are latin1 strings whose char codes are the bytes.
 */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** CRC16 of the latin1 string's bytes from start (inclusive) to end (exclusive). */
export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff]!;
  }
  return crc;
}

export const SLOT_COUNT = 16384;

/**
 * The hash slot of a key, honouring hash tags: if the key has a '{' followed later by a
 * '}' with at least one byte between them, only those bytes are hashed.
 */
export function keyHashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16(key) & (SLOT_COUNT - 1);
}
