/**
 * Incremental RESP request parser, one per connection (design.md, "the hot path").
 *
 * A request is either a multibulk (`*<n>\r\n` then n times `$<len>\r\n<bytes>\r\n`) or an
 * inline line split like redis-cli input. Arguments come out as latin1 strings, which
 * round-trip every byte, so keys and values are binary-safe one-byte V8 strings.
 *
 * Buffering: while a chunk is being consumed the parser reads it in place. Only an
 * unfinished request's tail is carried over and joined with the next chunk, so that copy
 * is bounded by one header or one small argument. A bulk argument of 32 KiB or more is
 * read into a Buffer sized from its `$len` header and filled chunk by chunk: joining reads
 * would be quadratic in the argument's size.
 *
 * Errors follow Redis 7.0's processMultibulkBuffer / processInlineBuffer word for word; the
 * connection turns a RespProtocolError into `-ERR Protocol error: …` and closes.
 */

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
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Arguments still expected by the multibulk in progress; 0 when between requests. */
  private pending = 0;
  private args: string[] = [];
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
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /**
   * The next complete request, or null when more input is needed. Empty requests (`*0`,
   * blank inline lines) are skipped, as Redis does. Throws RespProtocolError.
   */
  next(): string[] | null {
    for (;;) {
      if (this.big !== null && !this.finishBigArg()) return null;
      if (this.pending === 0) {
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
      this.args = [];
      return argv;
    }
  }

  /** 1: started, 0: need more input, -1: an empty multibulk was consumed. */
  private startMultibulk(): number {
    const buf = this.buf;
    const cr = buf.indexOf(CR, this.pos);
    if (cr < 0) {
      if (buf.length - this.pos > INLINE_MAX_SIZE) {
        throw new RespProtocolError('too big mbulk count string');
      }
      return 0;
    }
    if (cr + 1 >= buf.length) return 0; // the LF is not here yet
    const n = parseStrictInt(buf, this.pos + 1, cr);
    if (Number.isNaN(n) || n > 0x7fffffff) throw new RespProtocolError('invalid multibulk length');
    if (n > UNAUTH_MAX_ARGC && this.authRequired) {
      throw new RespProtocolError('unauthenticated multibulk length');
    }
    this.pos = cr + 2;
    if (n <= 0) return -1;
    this.pending = n;
    return 1;
  }

  /** Reads one `$len\r\n<bytes>\r\n`; false when more input is needed. */
  private parseBulk(): boolean {
    const buf = this.buf;
    const start = this.pos;
    if (start >= buf.length) return false;
    const cr = buf.indexOf(CR, start);
    if (cr < 0) {
      if (buf.length - start > INLINE_MAX_SIZE) throw new RespProtocolError('too big bulk count string');
      return false;
    }
    if (cr + 1 >= buf.length) return false;
    if (buf[start] !== 0x24 /* '$' */) {
      throw new RespProtocolError(`expected '$', got '${String.fromCharCode(buf[start]!)}'`);
    }
    const len = parseStrictInt(buf, start + 1, cr);
    if (Number.isNaN(len) || len < 0 || len > this.limits.maxBulkLen || len > MAX_ARG_LENGTH) {
      throw new RespProtocolError('invalid bulk length');
    }
    if (len > UNAUTH_MAX_BULK && this.authRequired) {
      throw new RespProtocolError('unauthenticated bulk length');
    }
    const dataStart = cr + 2;
    // Like Redis, the two bytes after the payload are skipped, not checked.
    if (dataStart + len + 2 <= buf.length) {
      this.args.push(buf.toString('latin1', dataStart, dataStart + len));
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
      return false;
    }
    return false;
  }

  /** Completes the big argument if all of it has arrived. */
  private finishBigArg(): boolean {
    const big = this.big!;
    if (this.bigFilled < big.length) return false;
    this.args.push(big.toString('latin1', 0, this.bigLen));
    this.big = null;
    this.bigFilled = 0;
    this.pending--;
    return true;
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const lf = buf.indexOf(LF, this.pos);
    if (lf < 0) {
      if (buf.length - this.pos > INLINE_MAX_SIZE) throw new RespProtocolError('too big inline request');
      return null;
    }
    const end = lf > this.pos && buf[lf - 1] === CR ? lf - 1 : lf;
    const line = buf.toString('latin1', this.pos, end);
    this.pos = lf + 1;
    const argv = splitArgs(line);
    if (argv === null) throw new RespProtocolError('unbalanced quotes in request');
    return argv;
  }
}

/**
 * Parses a decimal integer the way Redis's string2ll does: optional '-', no '+', no
 * leading zeros, no spaces, at most 20 characters. NaN when the text is not such a number.
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
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}
