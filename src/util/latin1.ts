/**
 * Bytes to latin1 strings, the form every key and value takes in Vellum (one char per
 * byte, so binary-safe). Buffer's own latin1Slice is called directly: toString('latin1',
 * s, e) reaches it only after argument checks and an encoding lookup, and Buffer.from
 * around a Uint8Array would make an object per string. Measured: ~3% of a pipelined SET's
 * server time in the request parser, and a Buffer per key when loading an RDB file.
 */

const latin1Slice = (Buffer.prototype as unknown as {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
}).latin1Slice;

/** The latin1 string of buf[start, end); any Uint8Array. */
export function latin1Of(buf: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

/**
 * Flatten a freshly concatenated string. Concatenation makes a rope (ConsString) holding
 * both halves, and slices of longer strings keep their parent alive; reading a char makes
 * V8 flatten the rope in place, and the collector then drops the nodes and parents. For
 * the packed small hashes and zsets, which are rebuilt by concatenation: measured on
 * 100,000 ten-field hashes, 40 MB RSS, against 45 MB copying through a Buffer and 41 MB
 * leaving ropes to the next read; unflattened ten-member zsets cost 2,489 bytes each.
 */
export function flatten(s: string): string {
  s.charCodeAt(0);
  return s;
}
