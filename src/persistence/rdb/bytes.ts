/**
 * Small byte helpers shared by the blob codecs: latin1 strings (Vellum's binary-safe
 * string form, one char per byte) to and from byte ranges, and Redis's canonical integer
 * test (string2ll) used to choose integer encodings exactly where Redis does.
 */

import { parseLongLong } from '../../util/numbers.js';

export { latin1Of } from '../../util/latin1.js';

export function bytesOf(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/**
 * The integer a string encodes when Redis would store it as one (canonical decimal int64,
 * at most `maxLen` characters), else null.
 */
export function canonicalInt(s: string, maxLen: number): number | bigint | null {
  if (s.length === 0 || s.length > maxLen) return null;
  const c = s.charCodeAt(0);
  if (c !== 0x2d && (c < 0x30 || c > 0x39)) return null;
  return parseLongLong(s);
}
