/**
 * LZF, the raw stream format of liblzf 3.x that Redis embeds (src/lzf_c.c, src/lzf_d.c;
 * our bytes must decode there and theirs here). No block header: the RDB string header
 * `C3 clen ulen` carries both lengths.
 *
 * Stream: a control byte < 0x20 starts a literal run of ctrl+1 bytes; otherwise n = ctrl>>5
 * (7 means "add the next byte"), then a low offset byte; copy n+2 bytes from distance
 * ((ctrl&0x1f)<<8 | lo) + 1, byte by byte (overlap encodes runs).
 *
 * The compressor is the "very fast" variant: a 2^16-entry hash of 3-byte prefixes. The
 * table is allocated once and never cleared; stale slots are harmless because a candidate
 * is used only after its three bytes compare equal (as in liblzf), so the exact output
 * depends on history and is tested by round trip and by real Redis loading it, never by
 * byte comparison.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

const htab = new Int32Array(HSIZE);

function hashSlot(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compress `input` into `output` (whose length bounds the result). Returns the compressed
 * length, or 0 when the result would not fit: Redis keeps LZF only if it saves bytes.
 */
export function lzfCompress(input: Uint8Array, output: Uint8Array): number {
  const inEnd = input.length;
  const outEnd = output.length;
  if (inEnd === 0 || outEnd < 2) return 0;
  let ip = 0;
  let op = 1; // output[0] is the first literal run's control byte
  let lit = 0;
  let hval = inEnd >= 2 ? (input[0]! << 8) | input[1]! : 0;
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
    const slot = hashSlot(hval);
    const ref = htab[slot]!;
    htab[slot] = ip;
    const off = ip - ref - 1;
    if (ref > 0 && ref < ip && off < MAX_OFF &&
        input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 4 >= outEnd) return 0; // close the run + up to 3 bytes + the next control byte
      output[op - lit - 1] = lit - 1; // close the literal run (undone below when empty)
      if (lit === 0) op--;
      do len++;
      while (len < maxlen && input[ref + len] === input[ip + len]);
      len -= 2; // the stream stores (match length - 2)
      ip++;
      if (len < 7) {
        output[op++] = (off >>> 8) + (len << 5);
      } else {
        output[op++] = (off >>> 8) + (7 << 5);
        output[op++] = len - 7;
      }
      output[op++] = off & 0xff;
      lit = 0;
      op++; // control byte of the next literal run
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // Hash the two positions just before the new ip, so the next match can start there.
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      htab[hashSlot(hval)] = ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      htab[hashSlot(hval)] = ip;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      output[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        output[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  while (ip < inEnd) {
    if (op >= outEnd) return 0;
    lit++;
    output[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      output[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  if (op > outEnd) return 0;
  output[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op;
}

/** Why an LZF stream does not decode, or null when it decoded to exactly `output.length`. */
export function lzfDecompress(input: Uint8Array, inStart: number, inEnd: number, output: Uint8Array): string | null {
  let ip = inStart;
  let op = 0;
  const outEnd = output.length;
  while (ip < inEnd) {
    const ctrl = input[ip++]!;
    if (ctrl < 0x20) {
      const n = ctrl + 1;
      if (op + n > outEnd) return 'output overflow';
      if (ip + n > inEnd) return 'truncated input';
      for (let i = 0; i < n; i++) output[op++] = input[ip++]!;
    } else {
      let n = ctrl >>> 5;
      if (n === 7) {
        if (ip >= inEnd) return 'truncated input';
        n += input[ip++]!;
      }
      if (ip >= inEnd) return 'truncated input';
      const dist = ((ctrl & 0x1f) << 8) + input[ip++]! + 1;
      n += 2;
      if (dist > op) return 'back reference before the start of the output';
      if (op + n > outEnd) return 'output overflow';
      let ref = op - dist;
      for (let i = 0; i < n; i++) output[op++] = output[ref++]!;
    }
  }
  return op === outEnd ? null : 'decompressed length differs from the declared length';
}
