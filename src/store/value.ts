/**
 * What a key holds. A string value is a plain latin1 JS string, with nothing around it (the
 * key tables keep a small one as bytes beside its key, key-table.ts, and hand out a fresh
 * string on each read). Every other type is an object that says its type and its Redis
 * encoding name; the collection families define them.
 *
 * In-memory encodings are free to change; file formats map them in persistence/ (R7).
 */

import { parseLongLong } from '../util/numbers.js';

export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export interface CollectionValue {
  readonly type: Exclude<TypeName, 'string'>;
  /** The name OBJECT ENCODING reports, following Redis's conversion thresholds. */
  encoding(): string;
  /** An independent deep copy (COPY, and the snapshot engine's pre-images). */
  clone(): CollectionValue;
}

export type Value = string | CollectionValue;

export function typeOf(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}

/**
 * OBJECT ENCODING of a string value: "int" for a canonical integer that fits a long,
 * "embstr" up to 44 bytes, "raw" beyond, as Redis 7.0 reports for a freshly set value.
 */
export function stringEncoding(s: string): string {
  if (parseLongLong(s) !== null) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}
