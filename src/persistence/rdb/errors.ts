/**
 * The ways an RDB read fails, kept apart as Redis's rdbReportCorruptRDB and
 * rdbReportReadError are (style.md R8): the bytes are wrong (corruption), or they end too
 * early (truncation); a third kind, unsupported, is valid Redis content Vellum cannot hold
 * (modules, functions), refused rather than silently dropped (invariant 7). Both carry the byte offset where the problem was seen, and the file
 * name once a caller that knows it (loading, the check tool) attaches it.
 */

export class RdbError extends Error {
  override name = 'RdbError';
  file: string | null = null;

  constructor(
    readonly kind: 'corrupt' | 'truncated' | 'unsupported',
    readonly reason: string,
    readonly offset: number,
  ) {
    super('');
    this.message = this.describe();
  }

  /** Name the file the bytes came from; the message is rebuilt to include it. */
  inFile(file: string): this {
    this.file = file;
    this.message = this.describe();
    return this;
  }

  private describe(): string {
    const where = this.file === null ? `at offset ${this.offset}` : `in ${this.file} at offset ${this.offset}`;
    if (this.kind === 'truncated') return `Short read loading RDB ${where}: ${this.reason}`;
    if (this.kind === 'unsupported') return `Unsupported RDB content ${where}: ${this.reason}`;
    return `Corrupt RDB ${where}: ${this.reason}`;
  }
}

export function corrupt(reason: string, offset: number): RdbError {
  return new RdbError('corrupt', reason, offset);
}

/** Valid RDB content that Vellum cannot hold (modules, functions). */
export function unsupported(reason: string, offset: number): RdbError {
  return new RdbError('unsupported', reason, offset);
}

export function truncated(reason: string, offset: number): RdbError {
  return new RdbError('truncated', reason, offset);
}

/**
 * A compact blob (listpack, intset, ziplist, zipmap) failed validation at byte `at` of the
 * blob; the reader turns it into a corruption error at the blob's file offset.
 */
export class BlobError extends Error {
  override name = 'BlobError';
  constructor(reason: string, readonly at: number) {
    super(reason);
  }
}
