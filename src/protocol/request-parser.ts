/**
 * Incremental RESP request parser, one per connection (design.md, "the hot path").
 *
 * A request is either a multibulk (`*<n>\r\n` then n times `$<len>\r\n<bytes>\r\n`) or an
 * inline line split like redis-cli input. Arguments come out as latin1 strings, which
 * round-trip every byte, so keys and values are binary-safe one-byte V8 strings.
 *
 * Buffering: a chunk is parsed in place. An unfinished request's tail is carried over in a
 * buffer the parser owns, grown by doubling, so input that piles up unparsed (a blocked
 * client's pipeline) costs amortised O(1) per byte, never a concatenation per read. A bulk
 * argument of 32 KiB or more is read into a Buffer sized from its `$len` header and filled
 * chunk by chunk: joining reads would be quadratic in the argument's size.
 *
 * Hot path (measured per pipelined SET): a header's line end is found by a loop over its few
 * bytes, not Buffer.indexOf (a call into C++ per header); the argument array is allocated at
 * its announced size; short arguments are made in JavaScript (latin1Of); and
 * the command name, the same few strings over and over, comes from a small cache of the
 * names already seen, so it costs neither an allocation nor a hash computation.
 *
 * Errors follow Redis 7.0's processMultibulkBuffer / processInlineBuffer word for word,
 * including two quirks a client can observe: the bytes after a payload and after a
 * header's '\r' are skipped unchecked, and Redis finds line ends with strchr, which stops at
 * a NUL byte, so a NUL in an inline line or a header hides the line end (the request waits
 * for more input until the 64 KiB line limit refuses it). The connection turns a
 * RespProtocolError into `-ERR Protocol error: …` and closes.
 */

import { latin1Of } from '../util/latin1.js';
import { splitArgs } from '../util/split-args.js';

/** Redis's PROTO_INLINE_MAX_SIZE: an unterminated line longer than this is refused. */
const INLINE_MAX_SIZE = 64 * 1024;
/** Redis's PROTO_MBULK_BIG_ARG: from this size a bulk argument gets a buffer of its own. */
const BIG_ARG = 32 * 1024;
/** V8 cannot make a string longer than this (2**29 - 24 on 64-bit); Redis allows 512 MiB. */
export const MAX_ARG_LENGTH = (1 << 29) - 24;
/** Redis's limits for a client that has not authenticated yet (CVE-2021-32675). */
const UNAUTH_MAX_ARGC = 10;
const UNAUTH_MAX_BULK = 16384;

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);
/** The args of no request: `args` between requests (never written to). */
const NO_ARGS: string[] = [];
/** Redis's initial argv allocation: a larger announced count grows as arguments arrive. */
const MAX_PREALLOCATED_ARGS = 1024;
/** Command names up to this length come from the cache (commandName). */
const SHORT_ARG = 16;
/** The smallest carry-over buffer, and the largest one kept once drained. */
const MIN_CARRY = 16 * 1024;
const MAX_IDLE_CARRY = 256 * 1024;

export class RespProtocolError extends Error {
  override name = 'RespProtocolError';
}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit: more unprocessed input than this closes the client */
  maxQueryBuffer: number;
}

export class RequestParser {
  /** Input being parsed: a caller's chunk, or a prefix of `carry`. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** The parser's own buffer for unfinished input; `buf` views it when `owned`. */
  private carry: Buffer = EMPTY;
  private owned = false;
  /** Arguments still expected by the multibulk in progress; 0 when between requests. */
  private pending = 0;
  private args: string[] = NO_ARGS;
  /** Arguments of the multibulk in progress already in `args`. */
  private argc = 0;
  /** The big argument being filled, or null. */
  private big: Buffer | null = null;
  private bigFilled = 0;
  private bigLen = 0;
  /** True until the client authenticates, when a password is required. */
  authRequired = false;

  constructor(private readonly limits: ParserLimits) {}

  /** Bytes received and not yet returned as a request (the client's query buffer). */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.bigFilled;
  }

  /** Returns false if the unprocessed input now exceeds client-query-buffer-limit. */
  feed(chunk: Buffer): boolean {
    if (this.big !== null) {
      const n = Math.min(chunk.length, this.big.length - this.bigFilled);
      chunk.copy(this.big, this.bigFilled, 0, n);
      this.bigFilled += n;
      if (n < chunk.length) this.append(chunk.subarray(n));
    } else {
      this.append(chunk);
    }
    return this.bufferedBytes <= this.limits.maxQueryBuffer;
  }

  private append(chunk: Buffer): void {
    const tail = this.buf.length - this.pos;
    if (tail <= 0) {
      // The common case: everything before was parsed, so parse the chunk where it lies.
      this.buf = chunk;
      this.pos = 0;
      this.owned = false;
      if (this.carry.length > MAX_IDLE_CARRY) this.carry = EMPTY;
      return;
    }
    const end = this.buf.length;
    if (this.owned && end + chunk.length <= this.carry.length) {
      chunk.copy(this.carry, end);
      this.buf = this.carry.subarray(0, end + chunk.length);
      return;
    }
    const need = tail + chunk.length;
    // Doubling keeps repeated appends linear. Reusing carry moves the tail to its front, an
    // overlapping copy, which Buffer.copy does as memmove.
    const dest = need <= this.carry.length ? this.carry : Buffer.allocUnsafe(Math.max(2 * need, MIN_CARRY));
    this.buf.copy(dest, 0, this.pos, end);
    chunk.copy(dest, tail);
    this.carry = dest;
    this.buf = dest.subarray(0, need);
    this.pos = 0;
    this.owned = true;
  }

  /**
   * The next complete request, or null when more input is needed. Empty requests (`*0`,
   * blank inline lines) are skipped, as Redis does. Throws RespProtocolError.
   */
  next(): string[] | null {
    for (;;) {
      if (this.big !== null) {
        if (!this.finishBigArg()) return null;
      } else if (this.pending === 0) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] === 0x2a /* '*' */) {
          const started = this.startMultibulk();
          if (started === 0) return null;
          if (started < 0) continue; // *0 or *-1: nothing to run
        } else {
          const argv = this.parseInline();
          if (argv === null) return null;
          if (argv.length === 0) continue;
          return argv;
        }
      }
      while (this.pending > 0) {
        if (!this.parseBulk()) return null;
      }
      const argv = this.args;
      this.args = NO_ARGS;
      return argv;
    }
  }

  /** 1: started, 0: need more input, -1: an empty multibulk was consumed. */
  private startMultibulk(): number {
    const buf = this.buf;
    const start = this.pos;
    const cr = findCR(buf, start);
    if (cr < 0) {
      this.checkLineLimit('too big mbulk count string');
      return 0;
    }
    if (cr + 1 >= buf.length) return 0; // the byte after '\r' is not here yet
    const n = parseStrictInt(buf, start + 1, cr);
    if (Number.isNaN(n) || n > 0x7fffffff) {
      if (hasNul(buf, start, cr)) {
        this.checkLineLimit('too big mbulk count string');
        return 0;
      }
      throw new RespProtocolError('invalid multibulk length');
    }
    if (n > UNAUTH_MAX_ARGC && this.authRequired) {
      throw new RespProtocolError('unauthenticated multibulk length');
    }
    this.pos = cr + 2;
    if (n <= 0) return -1;
    this.pending = n;
    this.args = new Array<string>(n < MAX_PREALLOCATED_ARGS ? n : MAX_PREALLOCATED_ARGS);
    this.argc = 0;
    return 1;
  }

  /**
   * Redis's answer when strchr finds no line end: wait for more input (the caller returns
   * "need more"), unless more than 64 KiB is already waiting.
   */
  private checkLineLimit(error: string): void {
    if (this.buf.length - this.pos > INLINE_MAX_SIZE) throw new RespProtocolError(error);
  }

  /** A NUL hides the header's line end from Redis's strchr: as if it were not here yet. */
  private nulInBulkHeader(): false {
    this.checkLineLimit('too big bulk count string');
    return false;
  }

  /** Reads one `$len\r\n<bytes>\r\n`; false when more input is needed. */
  private parseBulk(): boolean {
    const buf = this.buf;
    const start = this.pos;
    if (start >= buf.length) return false;
    const cr = findCR(buf, start);
    if (cr < 0) {
      this.checkLineLimit('too big bulk count string');
      return false;
    }
    if (cr + 1 >= buf.length) return false;
    if (buf[start] !== 0x24 /* '$' */) {
      if (hasNul(buf, start, cr)) return this.nulInBulkHeader();
      throw new RespProtocolError(`expected '$', got '${String.fromCharCode(buf[start]!)}'`);
    }
    const len = parseStrictInt(buf, start + 1, cr);
    if (Number.isNaN(len) || len < 0 || len > this.limits.maxBulkLen || len > MAX_ARG_LENGTH) {
      if (hasNul(buf, start, cr)) return this.nulInBulkHeader();
      throw new RespProtocolError('invalid bulk length');
    }
    if (len > UNAUTH_MAX_BULK && this.authRequired) {
      throw new RespProtocolError('unauthenticated bulk length');
    }
    const dataStart = cr + 2;
    // Like Redis, the two bytes after the payload are skipped, not checked.
    if (dataStart + len + 2 <= buf.length) {
      const i = this.argc++;
      this.args[i] = i === 0 && len > 0 && len <= SHORT_ARG ? commandName(buf, dataStart, len) : latin1Of(buf, dataStart, dataStart + len);
      this.pos = dataStart + len + 2;
      this.pending--;
      return true;
    }
    if (len >= BIG_ARG) {
      this.big = Buffer.allocUnsafe(len + 2);
      this.bigLen = len;
      this.bigFilled = buf.copy(this.big, 0, dataStart);
      this.buf = EMPTY;
      this.pos = 0;
      this.owned = false;
    }
    return false;
  }

  /** Completes the big argument if all of it has arrived. */
  private finishBigArg(): boolean {
    const big = this.big!;
    if (this.bigFilled < big.length) return false;
    this.args[this.argc++] = big.toString('latin1', 0, this.bigLen);
    this.big = null;
    this.bigFilled = 0;
    this.pending--;
    return true;
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const start = this.pos;
    const lf = buf.indexOf(LF, start);
    if (lf < 0 || hasNul(buf, start, lf)) {
      this.checkLineLimit('too big inline request');
      return null;
    }
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    const line = buf.toString('latin1', start, end);
    this.pos = lf + 1;
    const argv = splitArgs(line);
    if (argv === null) throw new RespProtocolError('unbalanced quotes in request');
    return argv;
  }
}

/** Index of the first '\r' at or after `from`, or -1; headers are a few bytes long. */
function findCR(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) if (buf[i] === CR) return i;
  return -1;
}

/**
 * Command names seen lately, shared by every connection: a direct-mapped cache indexed by a
 * hash of the name's length and bytes, exact bytes (case included) checked on a hit.
 */
const NAME_CACHE_SIZE = 256;
const commandNames: string[] = new Array<string>(NAME_CACHE_SIZE).fill('');

/** buf[start, start + len) as a string, the cached one when the same bytes came before (1 ≤ len ≤ SHORT_ARG). */
function commandName(buf: Buffer, start: number, len: number): string {
  const h = (len * 37 + buf[start]! * 11 + buf[start + (len >> 1)]! * 3 + buf[start + len - 1]!) & (NAME_CACHE_SIZE - 1);
  const cached = commandNames[h]!;
  if (cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return cached;
  }
  const name = latin1Of(buf, start, start + len);
  commandNames[h] = name;
  return name;
}

function hasNul(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

/** The digits of LLONG_MAX; LLONG_MIN's are the same but for the last, 8. */
const LLONG_MAX_DIGITS = '9223372036854775807';

/**
 * Parses a decimal integer the way Redis's string2ll does: optional '-', no '+', no
 * leading zeros, no spaces, within a signed 64-bit range. NaN when the text is not such a
 * number. Values beyond 2^53 come back rounded, which only limit checks see.
 */
export function parseStrictInt(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 20) return NaN;
  let i = start;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
    if (i === end) return NaN;
  }
  if (buf[i] === 0x30) return i + 1 === end && !negative ? 0 : NaN;
  let n = 0;
  for (let j = i; j < end; j++) {
    const d = buf[j]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  if (end - i >= 19 && !fitsLongLong(buf, i, end, negative)) return NaN;
  return negative ? -n : n;
}

/** Whether the digits in buf[start, end) are within long long's range. */
function fitsLongLong(buf: Buffer, start: number, end: number, negative: boolean): boolean {
  if (end - start > 19) return false;
  for (let j = 0; j < 19; j++) {
    const limit = j === 18 && negative ? 0x38 : LLONG_MAX_DIGITS.charCodeAt(j);
    if (buf[start + j] !== limit) return buf[start + j]! < limit;
  }
  return true;
}
