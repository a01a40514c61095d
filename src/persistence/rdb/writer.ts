/**
 * The RDB encoder (Redis 7.0.15 rdb.c, rdbSave* side), pure and streaming (invariant 5).
 *
 * RdbSink owns the bytes: it fills a fixed chunk, hands each full chunk to a consumer
 * callback (a file descriptor, a socket, a buffer collector) and folds it into the running
 * CRC-64 on the way out, so nothing ever holds a whole file. A consumer that keeps a chunk
 * beyond the call must copy it: the sink reuses its buffer.
 *
 * RdbWriter emits the pieces separately so every producer composes them: header() and
 * aux() once, then per database selectDb() + resizeDb(), then key() per key (the snapshot
 * engine calls it slot by slot), then eof(). DUMP uses object() and dumpPayload().
 *
 * Encodings follow what Redis 7.0 writes, chosen from the value's own encoding (the store
 * converts at Redis's thresholds, so OBJECT ENCODING and the file agree):
 *   string → STRING (INT8/16/32 for short canonical ints, LZF over 20 bytes if enabled)
 *   list → QUICKLIST_2 of listpack nodes sized by list-max-listpack-size
 *   set → SET_INTSET (intset) or SET (hashtable)
 *   hash → HASH_LISTPACK (listpack) or HASH (hashtable)
 *   zset → ZSET_LISTPACK (listpack, ascending) or ZSET_2 (skiplist, highest score first)
 *   stream → STREAM_LISTPACKS_2, nodes cut by stream-node-max-bytes/-entries (stream.ts)
 */

import type { Value } from '../../store/value.js';
import { crc64Init, crc64Update, crc64WriteLE, type Crc64State } from './crc64.js';
import { lzfCompress } from './lzf.js';
import { encodeListpack, listpackEntryBytes } from './listpack.js';
import { encodeIntset } from './intset.js';
import { canonicalInt } from './bytes.js';
import { writeStreamImage } from './stream.js';
import type { Config } from '../../config/config.js';
import type { StreamImage } from '../../store/stream.js';
import { formatG } from '../../util/numbers.js';
import {
  LZF_MIN_LENGTH, QUICKLIST_NODE_PACKED, RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_INT8, RDB_ENC_LZF, RDB_OPCODE_AUX,
  RDB_OPCODE_EOF, RDB_OPCODE_EXPIRETIME_MS, RDB_OPCODE_RESIZEDB, RDB_OPCODE_SELECTDB, RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK, RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STRING, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK, RDB_VERSION,
} from './constants.js';

/** What the writer needs of each collection (the store classes provide it). */
interface ListLike { readonly length: number; values(): Iterable<string> }
interface SetLike { readonly size: number; values(): Iterable<string>; encoding(): string }
interface HashLike { readonly size: number; entries(): Iterable<[string, string]>; encoding(): string }
interface ZSetLike { readonly size: number; entries(): Iterable<readonly [string, number]>; encoding(): string }
interface StreamLike { toImage(): StreamImage }

export type ChunkConsumer = (chunk: Uint8Array) => void;

const DEFAULT_CHUNK = 64 * 1024;

export class RdbSink {
  private readonly buf: Buffer;
  private pos = 0;
  /** Bytes handed to the consumer so far plus those buffered: the file offset. */
  private flushed = 0;
  readonly crc: Crc64State = crc64Init();

  /** `checksum` false (rdbchecksum no) skips the CRC work; the trailer is then zeros. */
  constructor(
    private readonly consumer: ChunkConsumer,
    readonly checksum = true,
    chunkSize = DEFAULT_CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  get offset(): number {
    return this.flushed + this.pos;
  }

  byte(b: number): void {
    if (this.pos === this.buf.length) this.flush();
    this.buf[this.pos++] = b;
  }

  /** Reserve `n` contiguous bytes (n ≤ chunk size) and return where to write them. */
  reserve(n: number): number {
    if (this.pos + n > this.buf.length) this.flush();
    const at = this.pos;
    this.pos += n;
    return at;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  bytes(data: Uint8Array): void {
    if (data.length <= this.buf.length - this.pos) {
      this.buf.set(data, this.pos);
      this.pos += data.length;
      return;
    }
    this.flush();
    if (data.length < this.buf.length) {
      this.buf.set(data, 0);
      this.pos = data.length;
    } else {
      this.emit(data);
    }
  }

  latin1(s: string): void {
    if (s.length <= this.buf.length - this.pos) {
      this.pos += this.buf.write(s, this.pos, 'latin1');
      return;
    }
    this.flush();
    if (s.length < this.buf.length) this.pos += this.buf.write(s, 0, 'latin1');
    else this.emit(Buffer.from(s, 'latin1'));
  }

  /** Hand the buffered bytes to the consumer. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.pos = 0;
    this.emit(chunk);
  }

  private emit(chunk: Uint8Array): void {
    if (this.checksum) crc64Update(this.crc, chunk);
    this.flushed += chunk.length;
    this.consumer(chunk);
  }
}

export interface WriterOptions {
  /** rdbcompression: LZF for strings over 20 bytes. */
  compression: boolean;
  /** list-max-listpack-size: quicklist node limit (negative: bytes class, positive: count). */
  listMaxListpackSize: number;
  /** stream-node-max-bytes / stream-node-max-entries: stream node limits (0: none); 4096 / 100 if not given. */
  streamNodeMaxBytes?: number;
  streamNodeMaxEntries?: number;
}

const DEFAULT_OPTIONS: Required<WriterOptions> = { compression: true, listMaxListpackSize: -2, streamNodeMaxBytes: 4096, streamNodeMaxEntries: 100 };

/** Redis's quicklist node byte limits for fill -1..-5. */
const NODE_BYTES = [4096, 8192, 16384, 32768, 65536];
/** Redis's cap on a node's bytes when the fill is a count. */
const SIZE_SAFETY_LIMIT = 8192;

export class RdbWriter {
  readonly options: Required<WriterOptions>;
  private lzfIn = Buffer.allocUnsafe(0);
  private lzfOut = Buffer.allocUnsafe(0);

  constructor(readonly sink: RdbSink, options: Partial<WriterOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  // -------------------------------------------------------------- file structure

  header(version = RDB_VERSION): void {
    this.sink.latin1('REDIS' + String(version).padStart(4, '0'));
  }

  aux(name: string, value: string): void {
    this.sink.byte(RDB_OPCODE_AUX);
    this.string(name);
    this.string(value);
  }

  /** The AUX fields Redis 7.0 writes, in its order (persistence-spec.md §1.7). */
  standardAux(ctimeSec: number, usedMem: number, aofBase: boolean): void {
    this.aux('redis-ver', '7.0.15');
    this.aux('redis-bits', '64');
    this.aux('ctime', String(ctimeSec));
    this.aux('used-mem', String(usedMem));
    this.aux('aof-base', aofBase ? '1' : '0');
  }

  selectDb(id: number): void {
    this.sink.byte(RDB_OPCODE_SELECTDB);
    this.length(id);
  }

  resizeDb(keys: number, expires: number): void {
    this.sink.byte(RDB_OPCODE_RESIZEDB);
    this.length(keys);
    this.length(expires);
  }

  /** One key record: [EXPIRETIME_MS] type key value. `expireAt` < 0 means no deadline. */
  key(key: string, value: Value, expireAt: number): void {
    if (expireAt >= 0) {
      this.sink.byte(RDB_OPCODE_EXPIRETIME_MS);
      const at = this.sink.reserve(8);
      this.sink.buffer.writeBigInt64LE(BigInt(expireAt), at);
    }
    this.sink.byte(rdbTypeOf(value));
    this.string(key);
    this.value(value);
  }

  /** EOF, the CRC-64 trailer (zeros when checksums are off), and a final flush. */
  eof(): void {
    this.sink.byte(RDB_OPCODE_EOF);
    this.sink.flush();
    const at = this.sink.reserve(8);
    if (this.sink.checksum) crc64WriteLE(this.sink.crc, this.sink.buffer, at);
    else this.sink.buffer.fill(0, at, at + 8);
    this.sink.flush();
  }

  /** Type byte then value: the body of a DUMP payload. */
  object(value: Value): void {
    this.sink.byte(rdbTypeOf(value));
    this.value(value);
  }

  // -------------------------------------------------------------- primitives

  /** Smallest length form (spec §1.3); a bigint for u64 values past 2^53 (stream IDs). */
  length(n: number | bigint): void {
    const s = this.sink;
    if (typeof n === 'bigint') {
      if (n > 0xffffffffn) {
        const at = s.reserve(9);
        s.buffer[at] = 0x81;
        s.buffer.writeBigUInt64BE(n, at + 1);
        return;
      }
      n = Number(n);
    }
    if (n < 64) s.byte(n);
    else if (n < 16384) {
      const at = s.reserve(2);
      s.buffer[at] = 0x40 | (n >>> 8);
      s.buffer[at + 1] = n & 0xff;
    } else if (n <= 0xffffffff) {
      const at = s.reserve(5);
      s.buffer[at] = 0x80;
      s.buffer.writeUInt32BE(n, at + 1);
    } else {
      const at = s.reserve(9);
      s.buffer[at] = 0x81;
      s.buffer.writeBigUInt64BE(BigInt(n), at + 1);
    }
  }

  /** An RDB string, as rdbSaveRawString chooses: int encoding, then LZF, then raw. */
  string(str: string): void {
    const len = str.length;
    if (len <= 11 && this.intString(str)) return;
    if (this.options.compression && len > LZF_MIN_LENGTH && this.lzfString(str)) return;
    this.length(len);
    this.sink.latin1(str);
  }

  /** A binary double, 8 bytes LE (ZSET_2 scores). */
  double(d: number): void {
    const at = this.sink.reserve(8);
    this.sink.buffer.writeDoubleLE(d, at);
  }

  /** A blob (listpack, intset) as an RDB string, LZF-compressed when that pays. */
  blob(data: Buffer): void {
    if (this.options.compression && data.length > LZF_MIN_LENGTH && this.lzfBytes(data, data.length)) return;
    this.length(data.length);
    this.sink.bytes(data);
  }

  private intString(str: string): boolean {
    const v = canonicalInt(str, 11);
    if (typeof v !== 'number') return false;
    const s = this.sink;
    if (v >= -128 && v <= 127) {
      const at = s.reserve(2);
      s.buffer[at] = 0xc0 | RDB_ENC_INT8;
      s.buffer.writeInt8(v, at + 1);
    } else if (v >= -32768 && v <= 32767) {
      const at = s.reserve(3);
      s.buffer[at] = 0xc0 | RDB_ENC_INT16;
      s.buffer.writeInt16LE(v, at + 1);
    } else if (v >= -2147483648 && v <= 2147483647) {
      const at = s.reserve(5);
      s.buffer[at] = 0xc0 | RDB_ENC_INT32;
      s.buffer.writeInt32LE(v, at + 1);
    } else {
      return false;
    }
    return true;
  }

  private lzfString(str: string): boolean {
    if (this.lzfIn.length < str.length) this.lzfIn = Buffer.allocUnsafe(Math.max(str.length, 2 * this.lzfIn.length));
    this.lzfIn.write(str, 0, 'latin1');
    return this.lzfBytes(this.lzfIn, str.length);
  }

  /** Try LZF on data[0..len); Redis keeps it only if it saves at least 4 bytes. */
  private lzfBytes(data: Buffer, len: number): boolean {
    const max = len - 4;
    if (this.lzfOut.length < max) this.lzfOut = Buffer.allocUnsafe(Math.max(max, 2 * this.lzfOut.length));
    const clen = lzfCompress(data.subarray(0, len), this.lzfOut.subarray(0, max));
    if (clen === 0) return false;
    this.sink.byte(0xc0 | RDB_ENC_LZF);
    this.length(clen);
    this.length(len);
    this.sink.bytes(this.lzfOut.subarray(0, clen));
    return true;
  }

  // -------------------------------------------------------------- values

  private value(v: Value): void {
    if (typeof v === 'string') {
      this.string(v);
      return;
    }
    switch (v.type) {
      case 'list': return this.list(v as unknown as ListLike);
      case 'set': return this.set(v as unknown as SetLike);
      case 'hash': return this.hash(v as unknown as HashLike);
      case 'zset': return this.zset(v as unknown as ZSetLike);
      case 'stream': return this.stream((v as unknown as StreamLike).toImage());
      default: throw new Error(`cannot write a ${v.type} value to RDB`);
    }
  }

  /** STREAM_LISTPACKS_2 from a stream's image (a pre-image from the snapshot engine too). */
  stream(image: StreamImage): void {
    writeStreamImage(this, image, { maxBytes: this.options.streamNodeMaxBytes, maxEntries: this.options.streamNodeMaxEntries });
  }

  /** QUICKLIST_2: nodes of listpacks cut where Redis's quicklist would cut them. */
  private list(l: ListLike): void {
    const cutter = new QuicklistCutter(this.options.listMaxListpackSize);
    const nodes: string[][] = [];
    let node: string[] = [];
    for (const item of l.values()) {
      if (cutter.startsNode(item) && node.length > 0) {
        nodes.push(node);
        node = [];
      }
      node.push(item);
    }
    if (node.length > 0) nodes.push(node);
    this.length(nodes.length);
    for (const items of nodes) this.listNode(items);
  }

  /** One packed quicklist node (the snapshot engine writes a big list node by node). */
  listNode(items: string[]): void {
    this.length(QUICKLIST_NODE_PACKED);
    this.blob(encodeListpack(items));
  }

  private set(s: SetLike): void {
    if (s.encoding() === 'intset') {
      this.blob(encodeIntset([...s.values()]));
      return;
    }
    this.length(s.size);
    for (const m of s.values()) this.string(m);
  }

  private hash(h: HashLike): void {
    if (h.encoding() === 'listpack') {
      const items: string[] = [];
      for (const [f, v] of h.entries()) items.push(f, v);
      this.blob(encodeListpack(items));
      return;
    }
    this.length(h.size);
    for (const [f, v] of h.entries()) {
      this.string(f);
      this.string(v);
    }
  }

  private zset(z: ZSetLike): void {
    if (z.encoding() === 'listpack') {
      const items: string[] = [];
      for (const [m, score] of z.entries()) items.push(m, listpackScore(score));
      this.blob(encodeListpack(items));
      return;
    }
    // Highest score first, as Redis writes it, so its loader appends at the skiplist head.
    const entries = [...z.entries()];
    this.length(entries.length);
    for (let i = entries.length - 1; i >= 0; i--) {
      this.string(entries[i]![0]);
      this.double(entries[i]![1]);
    }
  }
}

/**
 * Where Redis's quicklist cuts a list into nodes for list-max-listpack-size `fill`
 * (negative: a byte class, positive: a count, capped at SIZE_SAFETY_LIMIT bytes). Feed the
 * elements in order; shared by RdbWriter.list and the snapshot engine's list stream.
 */
export class QuicklistCutter {
  private readonly maxBytes: number;
  private readonly maxCount: number;
  /** The listpack being filled: header and end byte, then its entries. */
  private bytes = 7;
  private count = 0;

  constructor(fill: number) {
    this.maxBytes = fill < 0 ? NODE_BYTES[Math.min(-fill, 5) - 1]! : SIZE_SAFETY_LIMIT;
    this.maxCount = fill > 0 ? fill : Infinity;
  }

  /** Account for the next element; true when it begins a new node (always for the first). */
  startsNode(item: string): boolean {
    const add = listpackEntryBytes(item);
    const starts = this.count === 0 || this.bytes + add > this.maxBytes || this.count >= this.maxCount;
    if (starts) {
      this.bytes = 7;
      this.count = 0;
    }
    this.bytes += add;
    this.count++;
    return starts;
  }
}

/** The RDB type byte for a value: the one mapping from store encodings to file types (R7). */
export function rdbTypeOf(v: Value): number {
  if (typeof v === 'string') return RDB_TYPE_STRING;
  switch (v.type) {
    case 'list': return RDB_TYPE_LIST_QUICKLIST_2;
    case 'set': return v.encoding() === 'intset' ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case 'hash': return v.encoding() === 'listpack' ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case 'zset': return v.encoding() === 'listpack' ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case 'stream': return RDB_TYPE_STREAM_LISTPACKS_2;
    default: throw new Error(`cannot write a ${v.type} value to RDB`);
  }
}

/** Redis's d2string: how a zset listpack stores a score. */
export function listpackScore(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && Math.abs(d) <= 4611686018427387904) return BigInt(d).toString();
  return formatG(d, 17);
}

/** The writer options as the configuration says now (SAVE, BGSAVE, AOF bases, DUMP). */
export function rdbWriterOptions(config: Config): Required<WriterOptions> {
  return {
    compression: config.bool('rdbcompression'),
    listMaxListpackSize: config.number('list-max-listpack-size'),
    streamNodeMaxBytes: config.number('stream-node-max-bytes'),
    streamNodeMaxEntries: config.number('stream-node-max-entries'),
  };
}

/** The bytes of a DUMP payload: type, value, RDB version (u16 LE), CRC-64 (u64 LE). */
export function dumpPayload(value: Value, options: Partial<WriterOptions> = {}): Buffer {
  const parts: Buffer[] = [];
  const sink = new RdbSink((chunk) => parts.push(Buffer.from(chunk)));
  const w = new RdbWriter(sink, options);
  w.object(value);
  const at = sink.reserve(2);
  sink.buffer.writeUInt16LE(RDB_VERSION, at);
  sink.flush();
  const trailer = Buffer.allocUnsafe(8);
  crc64WriteLE(sink.crc, trailer, 0);
  parts.push(trailer);
  return Buffer.concat(parts);
}
