/**
 * Redis's canonical integer test (string2ll), shared by the blob codecs to choose integer
 * encodings exactly where Redis does.
 */

import { parseLongLong } from '../../util/numbers.js';

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
