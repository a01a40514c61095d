/**
 * The RDB decoder (Redis 7.0.15 rdb.c, rdbLoad* side), pure and streaming (invariant 5).
 *
 * RdbReader is a pos/len cursor over a window of bytes. The window is either a whole
 * buffer (DUMP payloads, tests) or refilled from a ByteSource (a file read in chunks by the
 * caller): ensure(n) compacts and refills, growing only to the largest single item. The
 * running CRC-64 covers bytes as they leave the window. Lengths that point past the known
 * end of the source are reported as truncation before anything is allocated for them.
 *
 * Every type and encoding Redis 7.0 loads is read: plain, listpack, ziplist, zipmap,
 * intset, quicklist v1/v2, streams (types 15 and 19, in stream.ts), legacy text zset
 * scores, versions 1..10. Compact blobs are validated deeply (as redis-check-rdb does)
 * rather than trusted. Modules and function libraries are valid Redis content Vellum has
 * no place for: they are refused with an "unsupported" error, never skipped silently.
 *
 * Values are handed to a ValueBuilder (persistence/rdb/values.ts builds store values with
 * the configured encoding thresholds), so this file takes nothing from the store but the
 * StreamImage type, the stream codec's contract (stream.ts shares the store's ID helpers).
 */

import { crc64Init, crc64Update, type Crc64State } from './crc64.js';
import { lzfDecompress } from './lzf.js';
import { decodeListpack } from './listpack.js';
import { decodeIntset } from './intset.js';
import { decodeZiplist, decodeZipmap } from './ziplist.js';
import { readStreamImage, readStreamMeta, StreamNodeReader, type StreamMeta } from './stream.js';
import { BlobError, corrupt, RdbError, truncated, unsupported } from './errors.js';
import { latin1Of } from '../../util/latin1.js';
import { parseDouble } from '../../util/numbers.js';
import * as K from './constants.js';
import type { StreamId, StreamImage } from '../../store/stream.js';

/** Where a file-backed reader gets its bytes. */
export interface ByteSource {
  /** Read up to `length` bytes into `buf` at `offset`; 0 means the end. */
  read(buf: Uint8Array, offset: number, length: number): number;
  /** Total bytes the source will deliver from its start, or -1 when unknown. */
  readonly size: number;
}

/** Builds store values from decoded elements; returns a value for non-empty input. */
export interface ValueBuilder<V> {
  string(s: string): V;
  list(items: string[]): V;
  set(members: string[]): V;
  hash(pairs: [string, string][]): V;
  zset(entries: [string, number][]): V;
  /** Streams may be empty (zero entries): that is a value, not a key to skip. */
  stream(image: StreamImage): V;
}

/** A builder that keeps nothing: the check tools only count keys. */
export const discardBuilder: ValueBuilder<true> = {
  string: () => true, list: () => true, set: () => true, hash: () => true, zset: () => true, stream: () => true,
};

/** The longest string V8 holds, about Redis's 512 MiB proto-max-bulk-len. */
const MAX_STRING = (1 << 29) - 24;

/** What the count of each element-wise record type is called in errors. */
const ELEMENT_COUNT_WHAT: Readonly<Record<number, string>> = {
  [K.RDB_TYPE_LIST]: 'a list length',
  [K.RDB_TYPE_SET]: 'a set size',
  [K.RDB_TYPE_ZSET]: 'a zset size',
  [K.RDB_TYPE_ZSET_2]: 'a zset size',
  [K.RDB_TYPE_HASH]: 'a hash size',
  [K.RDB_TYPE_LIST_QUICKLIST]: 'a quicklist node count',
  [K.RDB_TYPE_LIST_QUICKLIST_2]: 'a quicklist node count',
};

/** A record whose count is followed by its elements one by one (a quicklist: its nodes). */
export function isElementWise(type: number): boolean {
  return ELEMENT_COUNT_WHAT[type] !== undefined;
}

export type CollectionKind = 'list' | 'set' | 'zset' | 'hash' | 'stream';

/** The collection an element-wise record type holds. */
function collectionKind(type: number): CollectionKind {
  switch (type) {
    case K.RDB_TYPE_SET:
      return 'set';
    case K.RDB_TYPE_ZSET:
    case K.RDB_TYPE_ZSET_2:
      return 'zset';
    case K.RDB_TYPE_HASH:
      return 'hash';
    default:
      return 'list';
  }
}

export class RdbReader {
  private buf: Uint8Array;
  private pos = 0;
  private len: number;
  /** File offset of buf[0]. */
  private base = 0;
  private readonly source: ByteSource | null;
  /** Total size when known (whole buffer or a sized source), else -1. */
  private readonly total: number;
  readonly crc: Crc64State = crc64Init();
  /** Bytes before this window index are already folded into `crc`. */
  private crcFrom = 0;
  checksumming = true;

  constructor(input: Uint8Array | ByteSource, chunkSize = 64 * 1024) {
    if (input instanceof Uint8Array) {
      this.buf = input;
      this.len = input.length;
      this.source = null;
      this.total = input.length;
    } else {
      this.buf = new Uint8Array(chunkSize);
      this.len = 0;
      this.source = input;
      this.total = input.size;
    }
  }

  /** Offset of the next byte in the whole input. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** True when no byte is left. */
  atEnd(): boolean {
    if (this.pos < this.len) return false;
    return !this.fill(1);
  }

  private ensure(n: number, what: string): void {
    if (this.len - this.pos >= n) return;
    if (this.total >= 0 && this.offset + n > this.total) {
      throw truncated(`${what} needs ${n} bytes, ${this.total - this.offset} left`, this.offset);
    }
    if (!this.fill(n)) throw truncated(`${what} needs ${n} bytes, the input ended`, this.offset);
  }

  /** Make `n` bytes available from pos; false at the end of the source. */
  private fill(n: number): boolean {
    if (this.source === null) return this.len - this.pos >= n;
    if (this.checksumming) crc64Update(this.crc, this.buf, this.crcFrom, this.pos);
    const keep = this.len - this.pos;
    if (n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(n, this.buf.length * 2));
      bigger.set(this.buf.subarray(this.pos, this.len), 0);
      this.buf = bigger;
    } else {
      this.buf.copyWithin(0, this.pos, this.len);
    }
    this.base += this.pos;
    this.pos = 0;
    this.len = keep;
    this.crcFrom = 0;
    while (this.len < n) {
      const got = this.source.read(this.buf, this.len, this.buf.length - this.len);
      if (got <= 0) return false;
      this.len += got;
    }
    return true;
  }

  /** Fold everything consumed so far into the CRC. */
  foldChecksum(): Crc64State {
    if (this.checksumming) crc64Update(this.crc, this.buf, this.crcFrom, this.pos);
    this.crcFrom = this.pos;
    return this.crc;
  }

  // -------------------------------------------------------------- primitives

  byte(what = 'a byte'): number {
    this.ensure(1, what);
    return this.buf[this.pos++]!;
  }

  /** `n` raw bytes, copied out of the window. */
  bytes(n: number, what: string): Uint8Array {
    this.ensure(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private view(n: number, what: string): DataView {
    this.ensure(n, what);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return dv;
  }

  int64LE(what: string): bigint {
    return this.view(8, what).getBigInt64(0, true);
  }

  int32LE(what: string): number {
    return this.view(4, what).getInt32(0, true);
  }

  uint16LE(what: string): number {
    return this.view(2, what).getUint16(0, true);
  }

  double(what = 'a binary double'): number {
    return this.view(8, what).getFloat64(0, true);
  }

  /**
   * A length (spec §1.3). Returns -1 - enc for a special string encoding `11eeeeee` when
   * `allowEncoded`; otherwise that byte is corruption.
   */
  length(what = 'a length', allowEncoded = false): number {
    const at = this.offset;
    const v = this.anyLength(what, allowEncoded);
    if (typeof v === 'bigint') throw corrupt(`${what} ${v} is too large`, at);
    return v;
  }

  /** A length as the full u64 (stream IDs and counters use the whole range). */
  lengthU64(what: string): bigint {
    return BigInt(this.anyLength(what, false));
  }

  /** A length: a number while exact, else a bigint (64-bit form only). */
  private anyLength(what: string, allowEncoded: boolean): number | bigint {
    const at = this.offset;
    const b = this.byte(what);
    const type = b >>> 6;
    if (type === K.RDB_6BITLEN) return b & 0x3f;
    if (type === K.RDB_14BITLEN) return ((b & 0x3f) << 8) | this.byte(what);
    if (b === K.RDB_32BITLEN) return this.view(4, what).getUint32(0, false);
    if (b === K.RDB_64BITLEN) {
      const v = this.view(8, what).getBigUint64(0, false);
      return v > BigInt(Number.MAX_SAFE_INTEGER) ? v : Number(v);
    }
    if (type === K.RDB_ENCVAL && allowEncoded) return -1 - (b & 0x3f);
    throw corrupt(type === K.RDB_ENCVAL ? `${what} has a string encoding byte 0x${b.toString(16)}` : `Unknown length encoding 0x${b.toString(16)}`, at);
  }

  /** An RDB string as a latin1 JS string (spec §1.4). */
  string(what = 'a string'): string {
    const at = this.offset;
    const len = this.length(what, true);
    if (len >= 0) {
      if (len > MAX_STRING) throw corrupt(`${what} of ${len} bytes is too long`, at);
      this.ensure(len, what);
      const s = latin1Of(this.buf, this.pos, this.pos + len);
      this.pos += len;
      return s;
    }
    const enc = -1 - len;
    if (enc === K.RDB_ENC_INT8) return String(this.view(1, what).getInt8(0));
    if (enc === K.RDB_ENC_INT16) return String(this.view(2, what).getInt16(0, true));
    if (enc === K.RDB_ENC_INT32) return String(this.view(4, what).getInt32(0, true));
    if (enc === K.RDB_ENC_LZF) {
      const out = this.lzf(what, at);
      return latin1Of(out, 0, out.length);
    }
    throw corrupt(`Unknown RDB string encoding type ${enc}`, at);
  }

  /** An RDB string as bytes (blobs: listpacks, intsets, ziplists). */
  blob(what: string): Uint8Array {
    const at = this.offset;
    const len = this.length(what, true);
    if (len >= 0) {
      if (len > MAX_STRING) throw corrupt(`${what} of ${len} bytes is too long`, at);
      return this.bytes(len, what);
    }
    const enc = -1 - len;
    if (enc === K.RDB_ENC_LZF) return this.lzf(what, at);
    if (enc <= K.RDB_ENC_INT32) return Buffer.from(this.string(what), 'latin1'); // never written, but legal
    throw corrupt(`Unknown RDB string encoding type ${enc}`, at);
  }

  private lzf(what: string, at: number): Uint8Array {
    const clen = this.length(`${what} (compressed length)`);
    const ulen = this.length(`${what} (uncompressed length)`);
    // An LZF back-reference of 3 bytes yields at most 264: refuse sizes no stream can reach.
    if (ulen > MAX_STRING || ulen > clen * 88 + 32) throw corrupt(`Invalid LZF compressed string (${clen} -> ${ulen})`, at);
    this.ensure(clen, what);
    const out = Buffer.allocUnsafe(ulen);
    const err = lzfDecompress(this.buf, this.pos, this.pos + clen, out);
    this.pos += clen;
    if (err !== null) throw corrupt(`Invalid LZF compressed string: ${err}`, at);
    return out;
  }

  // -------------------------------------------------------------- values

  /**
   * A value of RDB type `type`, or null for an empty collection other than a stream (Redis
   * skips the key with a warning). Duplicates, NaN scores and malformed blobs are corruption.
   */
  value<V>(type: number, b: ValueBuilder<V>): V | null {
    const at = this.offset;
    if (isElementWise(type)) return this.elementsValue(type, this.elementCount(type), b, at);
    switch (type) {
      case K.RDB_TYPE_STRING:
        return b.string(this.string('a string value'));
      case K.RDB_TYPE_SET_INTSET: {
        const members = this.decodeBlob('an intset', decodeIntset);
        return members.length === 0 ? null : b.set(members);
      }
      case K.RDB_TYPE_LIST_ZIPLIST: {
        const items = this.decodeBlob('a list ziplist', (buf) => decodeZiplist(buf));
        return items.length === 0 ? null : b.list(items);
      }
      case K.RDB_TYPE_HASH_ZIPMAP:
      case K.RDB_TYPE_HASH_ZIPLIST:
      case K.RDB_TYPE_HASH_LISTPACK: {
        const flat = this.decodeBlob('a hash blob', type === K.RDB_TYPE_HASH_ZIPMAP ? decodeZipmap
          : type === K.RDB_TYPE_HASH_ZIPLIST ? (buf) => decodeZiplist(buf, true) : (buf) => decodeListpack(buf, true));
        const pairs: [string, string][] = [];
        const seen = new Set<string>();
        for (let i = 0; i < flat.length; i += 2) {
          if (seen.has(flat[i]!)) throw corrupt('Duplicate hash fields detected', at);
          seen.add(flat[i]!);
          pairs.push([flat[i]!, flat[i + 1]!]);
        }
        return pairs.length === 0 ? null : b.hash(pairs);
      }
      case K.RDB_TYPE_ZSET_ZIPLIST:
      case K.RDB_TYPE_ZSET_LISTPACK: {
        const flat = this.decodeBlob('a zset blob', type === K.RDB_TYPE_ZSET_ZIPLIST
          ? (buf) => decodeZiplist(buf, true) : (buf) => decodeListpack(buf, true));
        const entries: [string, number][] = [];
        const seen = new Set<string>();
        for (let i = 0; i < flat.length; i += 2) {
          const m = flat[i]!;
          const score = parseDouble(flat[i + 1]!);
          if (Number.isNaN(score)) throw corrupt(`Zset blob holds an invalid score '${flat[i + 1]!.slice(0, 40)}'`, at);
          if (seen.has(m)) throw corrupt('Duplicate zset fields detected', at);
          seen.add(m);
          entries.push([m, score]);
        }
        return entries.length === 0 ? null : b.zset(entries);
      }
      case K.RDB_TYPE_STREAM_LISTPACKS:
      case K.RDB_TYPE_STREAM_LISTPACKS_2:
        return b.stream(readStreamImage(this, type === K.RDB_TYPE_STREAM_LISTPACKS_2));
      case K.RDB_TYPE_MODULE:
      case K.RDB_TYPE_MODULE_2:
        throw unsupported('module value: no matching module type (Vellum has no modules)', at);
      default:
        throw corrupt(`Unknown RDB encoding type ${type}`, at);
    }
  }

  /** Legacy text score: length byte, 253 NaN, 254 +inf, 255 -inf, else strtod text. */
  private legacyScore(): number {
    const at = this.offset;
    const n = this.byte('a zset score');
    if (n === K.RDB_SCORE_NAN) return NaN;
    if (n === K.RDB_SCORE_POS_INF) return Infinity;
    if (n === K.RDB_SCORE_NEG_INF) return -Infinity;
    const text = latin1Of(this.bytes(n, 'a zset score'), 0, n);
    const d = parseDouble(text);
    if (Number.isNaN(d)) throw corrupt(`Invalid zset score '${text}'`, at);
    return d;
  }

  /** The count an element-wise record starts with: elements, or a quicklist's nodes. */
  elementCount(type: number): number {
    return this.length(ELEMENT_COUNT_WHAT[type]);
  }

  /**
   * An element-wise record's value after its count, built whole. `at`, where the value
   * starts, is the offset errors name. Duplicates and NaN scores are corruption.
   */
  elementsValue<V>(type: number, n: number, b: ValueBuilder<V>, at: number): V | null {
    switch (type) {
      case K.RDB_TYPE_LIST: {
        const items: string[] = [];
        for (let i = 0; i < n; i++) items.push(this.string('a list element'));
        return items.length === 0 ? null : b.list(items);
      }
      case K.RDB_TYPE_SET: {
        const members: string[] = [];
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const m = this.string('a set member');
          if (seen.has(m)) throw corrupt('Duplicate set members detected', at);
          seen.add(m);
          members.push(m);
        }
        return members.length === 0 ? null : b.set(members);
      }
      case K.RDB_TYPE_ZSET:
      case K.RDB_TYPE_ZSET_2: {
        const entries: [string, number][] = [];
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const m = this.string('a zset member');
          const score = this.zsetScore(type, at);
          if (seen.has(m)) throw corrupt('Duplicate zset fields detected', at);
          seen.add(m);
          entries.push([m, score]);
        }
        return entries.length === 0 ? null : b.zset(entries);
      }
      case K.RDB_TYPE_HASH: {
        const pairs: [string, string][] = [];
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const f = this.string('a hash field');
          const v = this.string('a hash value');
          if (seen.has(f)) throw corrupt('Duplicate hash fields detected', at);
          seen.add(f);
          pairs.push([f, v]);
        }
        return pairs.length === 0 ? null : b.hash(pairs);
      }
      default: {
        const v2 = type === K.RDB_TYPE_LIST_QUICKLIST_2;
        const items: string[] = [];
        for (let i = 0; i < n; i++) for (const item of this.quicklistNode(v2)) items.push(item);
        return items.length === 0 ? null : b.list(items);
      }
    }
  }

  /**
   * An element-wise record after its count, handed to `to` in batches of at most
   * to.batchSize elements (a quicklist a node at a time; Redis drops empty nodes), yielding
   * after each, so that a big collection is converted over many slices and never built.
   * Unlike elementsValue, duplicates are not looked for: the one reader of batches reads
   * back the image the snapshot engine has just written, and checks its checksum
   * (aof/rewrite.ts).
   */
  *elementBatches(type: number, n: number, to: RdbElementVisitor): Generator<void, void, void> {
    if (type === K.RDB_TYPE_LIST_QUICKLIST || type === K.RDB_TYPE_LIST_QUICKLIST_2) {
      for (let i = 0; i < n; i++) {
        const items = this.quicklistNode(type === K.RDB_TYPE_LIST_QUICKLIST_2);
        if (items.length === 0) continue;
        to.batch(items, null);
        yield;
      }
      return;
    }
    const at = this.offset;
    for (let done = 0; done < n;) {
      const m = Math.min(to.batchSize, n - done);
      const items: string[] = [];
      let scores: number[] | null = null;
      if (type === K.RDB_TYPE_ZSET || type === K.RDB_TYPE_ZSET_2) {
        scores = [];
        for (let i = 0; i < m; i++) {
          items.push(this.string('a zset member'));
          scores.push(this.zsetScore(type, at));
        }
      } else if (type === K.RDB_TYPE_HASH) {
        for (let i = 0; i < m; i++) items.push(this.string('a hash field'), this.string('a hash value'));
      } else {
        const what = type === K.RDB_TYPE_LIST ? 'a list element' : 'a set member';
        for (let i = 0; i < m; i++) items.push(this.string(what));
      }
      done += m;
      to.batch(items, scores);
      yield;
    }
  }

  /** A plain zset record's score: binary (ZSET_2) or legacy text; NaN is corruption. */
  private zsetScore(type: number, at: number): number {
    const score = type === K.RDB_TYPE_ZSET_2 ? this.double() : this.legacyScore();
    if (Number.isNaN(score)) throw corrupt('Zset with NAN score detected', at);
    return score;
  }

  /** One quicklist node's items: a plain node's one string, or a packed node's decoded blob. */
  private quicklistNode(v2: boolean): string[] {
    let container = K.QUICKLIST_NODE_PACKED;
    if (v2) {
      const at = this.offset;
      container = this.length('a quicklist container');
      if (container !== K.QUICKLIST_NODE_PACKED && container !== K.QUICKLIST_NODE_PLAIN) {
        throw corrupt(`Quicklist integrity check failed: unknown container ${container}`, at);
      }
    }
    if (container === K.QUICKLIST_NODE_PLAIN) return [this.string('a quicklist plain node')];
    return v2
      ? this.decodeBlob('a quicklist listpack', (buf) => decodeListpack(buf))
      : this.decodeBlob('a quicklist ziplist', (buf) => decodeZiplist(buf));
  }

  private decodeBlob(what: string, decode: (buf: Uint8Array) => string[]): string[] {
    const at = this.offset;
    const buf = this.blob(what);
    try {
      return decode(buf);
    } catch (err) {
      if (err instanceof BlobError) throw corrupt(`${what} failed validation: ${err.message} (blob byte ${err.at})`, at);
      throw err;
    }
  }
}

// ---------------------------------------------------------------- whole files

/** What a file parse reports, in file order. */
export interface RdbVisitor<V> {
  readonly builder: ValueBuilder<V>;
  aux?(name: string, value: string): void;
  selectDb?(db: number, offset: number): void;
  resizeDb?(keys: number, expires: number): void;
  /** A key record; `value` null for an empty collection (to be skipped). -1: no deadline. */
  key(db: number, key: string, value: V | null, expireAt: number, offset: number): void;
  /** A FUNCTION2 record: the library source. Without a handler it is refused. */
  functionLibrary?(code: string, offset: number): void;
  /** Takes big element-wise records in batches instead of key() (see RdbElementVisitor). */
  readonly elements?: RdbElementVisitor;
}

/**
 * A big collection record in batches: an element-wise record (list, set, zset, hash,
 * quicklist) whose count is at least `minElements` comes as begin(), batch() per batch of
 * at most `batchSize` elements (a quicklist: per node), end(); a type 19 stream as begin(),
 * streamEntries() per node, streamMeta(), end(). The parse yields after each batch or node.
 * Smaller records, and every other type, still come whole through key().
 */
export interface RdbElementVisitor {
  readonly minElements: number;
  readonly batchSize: number;
  begin(db: number, key: string, kind: CollectionKind, expireAt: number): void;
  /** list, set: the elements; hash: field, value, …; zset: the members, `scores` beside. */
  batch(items: string[], scores: number[] | null): void;
  /** A stream node's live entries, in ID order. */
  streamEntries(entries: [StreamId, string[]][]): void;
  /** What follows a stream's nodes. */
  streamMeta(meta: StreamMeta): void;
  end(): void;
}

export interface RdbFileInfo {
  version: number;
  /** 'ok', 'disabled' (zero trailer), 'skipped' (not verified), 'none' (version < 5). */
  checksum: 'ok' | 'disabled' | 'skipped' | 'none';
}

/**
 * Parse a whole RDB file (magic through the checksum trailer), reporting each record to
 * `visitor`. Opcodes may come in any order before EOF, as Redis's loader allows.
 */
export function parseRdb<V>(r: RdbReader, visitor: RdbVisitor<V>, verifyChecksum = true): RdbFileInfo {
  const steps = rdbParseSteps(r, visitor, verifyChecksum);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * parseRdb as steps: the generator yields after each key record (and after each batch of
 * a record given to visitor.elements), so a loader can stop between keys, serve the event
 * loop (clients get -LOADING, INFO shows the progress) and resume. Returns the file's info
 * at EOF.
 */
export function* rdbParseSteps<V>(r: RdbReader, visitor: RdbVisitor<V>, verifyChecksum = true): Generator<void, RdbFileInfo, void> {
  r.checksumming = verifyChecksum;
  const magic = latin1Of(r.bytes(9, 'the RDB header'), 0, 9);
  if (!magic.startsWith('REDIS')) throw corrupt('Wrong signature trying to load DB from file', 0);
  const version = /^[0-9]{4}$/.test(magic.slice(5)) ? Number(magic.slice(5)) : NaN;
  if (!(version >= K.RDB_MIN_VERSION && version <= K.RDB_VERSION)) {
    throw corrupt(`Can't handle RDB format version ${magic.slice(5)}`, 5);
  }
  let db = 0;
  let expireAt = -1;
  for (;;) {
    const at = r.offset;
    const type = r.byte('an opcode');
    switch (type) {
      case K.RDB_OPCODE_EXPIRETIME_MS:
        expireAt = Number(r.int64LE('an expire time'));
        continue;
      case K.RDB_OPCODE_EXPIRETIME:
        expireAt = r.int32LE('an expire time') * 1000;
        continue;
      case K.RDB_OPCODE_FREQ:
        r.byte('an LFU counter');
        continue;
      case K.RDB_OPCODE_IDLE:
        r.length('an LRU idle time');
        continue;
      case K.RDB_OPCODE_SELECTDB:
        db = r.length('a database number');
        visitor.selectDb?.(db, at);
        continue;
      case K.RDB_OPCODE_RESIZEDB: {
        const keys = r.length('a RESIZEDB size');
        const expires = r.length('a RESIZEDB size');
        visitor.resizeDb?.(keys, expires);
        continue;
      }
      case K.RDB_OPCODE_AUX: {
        const name = r.string('an AUX name');
        const value = r.string('an AUX value');
        visitor.aux?.(name, value);
        continue;
      }
      case K.RDB_OPCODE_MODULE_AUX:
        throw unsupported('module auxiliary data (Vellum has no modules)', at);
      case K.RDB_OPCODE_FUNCTION:
      case K.RDB_OPCODE_FUNCTION2: {
        if (type === K.RDB_OPCODE_FUNCTION) throw unsupported('pre-release function format', at);
        const code = r.string('a function library');
        if (visitor.functionLibrary === undefined) throw unsupported('function libraries (Vellum has no functions yet)', at);
        visitor.functionLibrary(code, at);
        continue;
      }
      case K.RDB_OPCODE_EOF:
        return { version, checksum: readTrailer(r, version, verifyChecksum) };
      default: {
        if (!K.isObjectType(type)) throw corrupt(`Unknown RDB encoding type ${type}`, at);
        const key = r.string('a key');
        const elements = visitor.elements;
        if (elements !== undefined && isElementWise(type)) {
          const valueAt = r.offset;
          const n = r.elementCount(type);
          if (n >= elements.minElements) {
            elements.begin(db, key, collectionKind(type), expireAt);
            yield* r.elementBatches(type, n, elements);
            elements.end();
          } else {
            visitor.key(db, key, r.elementsValue(type, n, visitor.builder, valueAt), expireAt, at);
          }
        } else if (elements !== undefined && type === K.RDB_TYPE_STREAM_LISTPACKS_2) {
          elements.begin(db, key, 'stream', expireAt);
          const nodes = new StreamNodeReader(r);
          for (let entries: [StreamId, string[]][] = []; nodes.next(entries); entries = []) {
            elements.streamEntries(entries);
            yield;
          }
          elements.streamMeta(readStreamMeta(r, true, nodes, noEstimate));
          elements.end();
        } else {
          visitor.key(db, key, r.value(type, visitor.builder), expireAt, at);
        }
        expireAt = -1;
        yield;
      }
    }
  }
}

/** A type 19 record stores each group's entries-read: nothing to estimate. */
function noEstimate(): bigint {
  throw new Error('a type 19 stream has no entries-read to estimate');
}

function readTrailer(r: RdbReader, version: number, verify: boolean): RdbFileInfo['checksum'] {
  if (version < 5) return 'none';
  const state = r.foldChecksum();
  const at = r.offset;
  const stored = r.bytes(8, 'the checksum');
  let zero = true;
  for (const b of stored) if (b !== 0) zero = false;
  if (zero) return 'disabled';
  if (!verify) return 'skipped';
  const got = new DataView(stored.buffer, stored.byteOffset, 8).getBigUint64(0, true);
  const expected = (BigInt(state.hi) << 32n) | BigInt(state.lo);
  if (got !== expected) {
    throw corrupt(`Wrong RDB checksum expected: (${expected.toString(16)}) but got (${got.toString(16)})`, at);
  }
  return 'ok';
}

/**
 * Redis's verifyDumpPayload: the footer of a DUMP payload is a u16 LE RDB version (at most
 * ours) and the u64 LE CRC-64 of everything before the CRC.
 */
export function verifyDumpPayload(payload: Uint8Array): boolean {
  if (payload.length < 10) return false;
  const end = payload.length - 10;
  const footer = new DataView(payload.buffer, payload.byteOffset + end, 10);
  if (footer.getUint16(0, true) > K.RDB_VERSION) return false;
  const crc = crc64Init();
  crc64Update(crc, payload, 0, end + 2);
  return footer.getBigUint64(2, true) === ((BigInt(crc.hi) << 32n) | BigInt(crc.lo));
}

/**
 * The value of a verified DUMP payload (type byte + value), or null for an empty
 * collection. Bytes after the value are ignored, as Redis does. Throws RdbError.
 */
export function loadDumpValue<V>(payload: Uint8Array, builder: ValueBuilder<V>): V | null {
  const r = new RdbReader(payload.subarray(0, Math.max(0, payload.length - 10)));
  const type = r.byte('the value type');
  if (!K.isObjectType(type)) throw corrupt(`Unknown RDB encoding type ${type}`, 0);
  return r.value(type, builder);
}

export { RdbError };
