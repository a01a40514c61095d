/**
 * RESP as the AOF stores it: a command is `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per
 * argument, always canonical (redis-check-aof is strict even where the loader is not).
 * Strings are latin1, one char per byte, and are encoded straight into a growable byte
 * buffer (RespBuffer): building each record as a string by concatenation made a rope per
 * record that was flattened and copied again at write time, and the garbage it left cost
 * more than the write itself.
 *
 * Also here: the RESP form of a whole dataset, Redis's rewriteAppendOnlyFileRio for
 * `aof-use-rdb-preamble no` (persistence-spec.md §3.5): per non-empty db a SELECT, per key
 * SET / RPUSH / SADD / ZADD / HMSET batched by 64 elements, or a stream's commands
 * (rewriteStreamObject), then PEXPIREAT for a deadline. emitKey is that per-key form, shared
 * by the synchronous dataset walk (start-up) and the background rewrite (rewrite.ts).
 */

import type { Keyspace } from '../../store/keyspace.js';
import type { CollectionValue, Value } from '../../store/value.js';
import { listpackScore } from '../rdb/writer.js';
import { pendingByConsumer, sortedByName, type StreamMeta } from '../rdb/stream.js';
import { formatStreamId, type StreamId, type StreamImage } from '../../store/stream.js';
import { formatG } from '../../util/numbers.js';
import type { CollectionKind, RdbElementVisitor } from '../rdb/reader.js';

/** Elements per command in a RESP rewrite (Redis's AOF_REWRITE_ITEMS_PER_CMD). */
const ITEMS_PER_CMD = 64;

/** Below this many chars a JS copy loop beats a call into Buffer.write. */
const SHORT_COPY = 48;
const INITIAL_CAPACITY = 64 * 1024;
/** A buffer grown past this by a burst is let go once emptied, not kept for good. */
const KEEP_CAPACITY = 1024 * 1024;

/** RESP records appended as bytes; `bytes[0..length)` is the content. */
export class RespBuffer {
  bytes = Buffer.allocUnsafe(INITIAL_CAPACITY);
  length = 0;

  appendCommand(argv: readonly string[]): void {
    const n = argv.length;
    let need = 16;
    for (let i = 0; i < n; i++) need += argv[i]!.length + 16;
    this.reserve(need);
    const b = this.bytes;
    b[this.length] = 0x2a; // '*'
    let p = writeUint(b, this.length + 1, n);
    b[p++] = 0x0d;
    b[p++] = 0x0a;
    for (let i = 0; i < n; i++) {
      const a = argv[i]!;
      const len = a.length;
      b[p] = 0x24; // '$'
      p = writeUint(b, p + 1, len);
      b[p++] = 0x0d;
      b[p++] = 0x0a;
      if (len < SHORT_COPY) {
        for (let j = 0; j < len; j++) b[p + j] = a.charCodeAt(j);
        p += len;
      } else {
        p += b.write(a, p, len, 'latin1');
      }
      b[p++] = 0x0d;
      b[p++] = 0x0a;
    }
    this.length = p;
  }

  /** `#TS:<unix-seconds>\r\n`, the annotation of aof-timestamp-enabled. */
  appendTimestamp(sec: number): void {
    this.reserve(32);
    const p = this.length + this.bytes.write('#TS:', this.length, 'latin1');
    const end = writeUint(this.bytes, p, sec);
    this.bytes[end] = 0x0d;
    this.bytes[end + 1] = 0x0a;
    this.length = end + 2;
  }

  /** The content, without copying: valid until the next append or clear. */
  view(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  toString(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }

  /** Drop the first `n` bytes (what a short write did get out). */
  consume(n: number): void {
    this.bytes.copyWithin(0, n, this.length);
    this.length -= n;
  }

  clear(): void {
    this.length = 0;
    if (this.bytes.length > KEEP_CAPACITY) this.bytes = Buffer.allocUnsafe(INITIAL_CAPACITY);
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const grown = Buffer.allocUnsafe(cap);
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}

/** Decimal digits of a non-negative integer at b[p]; returns the offset past them. */
function writeUint(b: Buffer, p: number, v: number): number {
  if (v < 10) {
    b[p] = 0x30 + v;
    return p + 1;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  let end = p + digits;
  for (let x = v; end > p; x = Math.floor(x / 10)) b[--end] = 0x30 + (x % 10);
  return p + digits;
}

/** One command's RESP text (tests and tools; the writer appends bytes to a RespBuffer). */
export function respCommand(argv: readonly string[]): string {
  const b = new RespBuffer();
  b.appendCommand(argv);
  return b.toString();
}

interface Iter<T> { [Symbol.iterator](): Iterator<T> }

/** What a RESP rewrite hands its commands to. */
export type Emit = (argv: readonly string[]) => void;

/** A RESP rewrite's output chunk size: what RespRewriteOutput hands on at a time. */
const REWRITE_CHUNK = 64 * 1024;

/**
 * The output of a RESP rewrite: commands appended to one reused RespBuffer and handed to
 * `out` in chunks of about 64 KiB. A chunk is a view of the buffer: `out` must consume it
 * before returning.
 */
export class RespRewriteOutput {
  private readonly buf = new RespBuffer();

  constructor(private readonly out: (chunk: Buffer) => void) {}

  readonly emit: Emit = (argv) => {
    this.buf.appendCommand(argv);
    if (this.buf.length >= REWRITE_CHUNK) this.flush();
  };

  /** `#TS:<sec>`, which Redis writes first when aof-timestamp-enabled is on. */
  timestamp(sec: number): void {
    this.buf.appendTimestamp(sec);
  }

  /** Hand on what is buffered. */
  flush(): void {
    if (this.buf.length === 0) return;
    this.out(this.buf.view());
    this.buf.clear();
  }
}

/**
 * Emit the dataset as RESP commands to `out` (see RespRewriteOutput), all at once: start-up
 * with no AOF. A rewrite converts the snapshot engine's image instead (rewrite.ts).
 * `timestampSec` ≥ 0 writes a leading #TS annotation, as Redis does with timestamps on.
 */
export function writeRespDataset(keyspace: Keyspace, out: (chunk: Buffer) => void, timestampSec: number): void {
  const o = new RespRewriteOutput(out);
  if (timestampSec >= 0) o.timestamp(timestampSec);
  for (const db of keyspace.dbs) {
    if (db.size === 0) continue;
    o.emit(['SELECT', String(db.id)]);
    for (const slot of db.slots) {
      if (slot === undefined) continue;
      const expires = slot.expires;
      slot.forEach((key, value) => emitKey(key, value, expires === null ? -1 : expires.get(key) ?? -1, o.emit));
    }
  }
  o.flush();
}

/**
 * The commands that rebuild one key (the body of Redis's rewriteAppendOnlyFileRio loop):
 * SET, or the collection's batched commands, then PEXPIREAT when `expireAt` ≥ 0. Both the
 * synchronous path and the rewrite's RDB-to-RESP conversion emit keys here.
 */
export function emitKey(key: string, value: Value, expireAt: number, emit: Emit): void {
  if (typeof value === 'string') emit(['SET', key, value]);
  else emitCollection(key, value, emit);
  if (expireAt >= 0) emit(['PEXPIREAT', key, String(expireAt)]);
}

function emitCollection(key: string, v: CollectionValue, emit: Emit): void {
  switch (v.type) {
    case 'list':
    case 'set': {
      const out = new BatchedCommands(v.type === 'list' ? 'RPUSH' : 'SADD', key, emit);
      for (const x of (v as unknown as { values(): Iter<string> }).values()) out.add(x);
      return out.end();
    }
    case 'hash': {
      const out = new BatchedCommands('HMSET', key, emit);
      for (const [f, x] of (v as unknown as { entries(): Iter<[string, string]> }).entries()) out.add(f, x);
      return out.end();
    }
    case 'zset': {
      const lp = v.encoding() === 'listpack';
      const out = new BatchedCommands('ZADD', key, emit);
      for (const [m, d] of (v as unknown as { entries(): Iter<readonly [string, number]> }).entries()) out.add(rewriteScore(d, lp), m);
      return out.end();
    }
    case 'stream':
      return emitStream(key, (v as unknown as { toImage(): StreamImage }).toImage(), emit);
    default:
      throw new Error(`cannot rewrite a ${v.type} value to the AOF`);
  }
}

/** A zset score as Redis's rewrite writes it: a listpack's stored text, a skiplist's %.17g. */
function rewriteScore(d: number, listpack: boolean): string {
  return listpack || !Number.isFinite(d) ? listpackScore(d) : formatG(d, 17);
}

/** The commands that rebuild one collection, ITEMS_PER_CMD elements each, as Redis batches them. */
class BatchedCommands {
  private argv: string[];
  private n = 0;
  /** Elements added so far. */
  total = 0;

  constructor(private readonly cmd: string, private readonly key: string, private readonly emit: Emit) {
    this.argv = [cmd, key];
  }

  /** One element: its one or two arguments (a hash's field and value, a zset's score and member). */
  add(a: string, b?: string): void {
    this.argv.push(a);
    if (b !== undefined) this.argv.push(b);
    this.total++;
    if (++this.n === ITEMS_PER_CMD) {
      this.emit(this.argv);
      this.argv = [this.cmd, this.key];
      this.n = 0;
    }
  }

  end(): void {
    if (this.n > 0) this.emit(this.argv);
  }
}

const COMMAND_OF: Readonly<Record<Exclude<CollectionKind, 'stream'>, string>> = { list: 'RPUSH', set: 'SADD', hash: 'HMSET', zset: 'ZADD' };

/**
 * The commands of big collection records that arrive in batches, and of streams a node at
 * a time (the RESP rewrite's conversion, rewrite.ts; reader.ts's RdbElementVisitor): what
 * emitKey writes for the built value, without building it. A plain zset record is a
 * skiplist's, so its scores are %.17g.
 */
export class RespElementRewriter implements RdbElementVisitor {
  readonly batchSize = 1024;
  /** Keys written, counted when each ends. */
  keys = 0;
  private out: BatchedCommands | null = null;
  /** A stream's entries so far (an empty one is made by XADD … MAXLEN 0). */
  private streamed = 0;
  private kind: CollectionKind = 'list';
  private key = '';
  private expireAt = -1;

  constructor(readonly minElements: number, private readonly emit: Emit) {}

  begin(_db: number, key: string, kind: CollectionKind, expireAt: number): void {
    this.out = kind === 'stream' ? null : new BatchedCommands(COMMAND_OF[kind], key, this.emit);
    this.streamed = 0;
    this.kind = kind;
    this.key = key;
    this.expireAt = expireAt;
  }

  batch(items: string[], scores: number[] | null): void {
    const out = this.out!;
    if (scores !== null) {
      for (let i = 0; i < items.length; i++) out.add(rewriteScore(scores[i]!, false), items[i]!);
    } else if (this.kind === 'hash') {
      for (let i = 0; i < items.length; i += 2) out.add(items[i]!, items[i + 1]!);
    } else {
      for (let i = 0; i < items.length; i++) out.add(items[i]!);
    }
  }

  streamEntries(entries: [StreamId, string[]][]): void {
    emitStreamEntries(this.key, entries, this.emit);
    this.streamed += entries.length;
  }

  streamMeta(meta: StreamMeta): void {
    emitStreamMeta(this.key, meta, this.streamed > 0, this.emit);
  }

  end(): void {
    const out = this.out;
    this.out = null;
    if (out !== null) {
      if (out.total === 0) return; // a quicklist of empty nodes: no key, as in a load
      out.end();
    }
    if (this.expireAt >= 0) this.emit(['PEXPIREAT', this.key, String(this.expireAt)]);
    this.keys++;
  }
}

/**
 * Redis's rewriteStreamObject: XADD per live entry (an empty stream is made by XADD with
 * MAXLEN 0), XSETID with the counters, then per group (name order) XGROUP CREATE with its
 * entries-read, and per consumer (name order) an XCLAIM … JUSTID FORCE per pending entry,
 * or XGROUP CREATECONSUMER when it has none. Seen times are not kept, as in Redis.
 */
function emitStream(key: string, s: StreamImage, emit: Emit): void {
  emitStreamEntries(key, s.entries, emit);
  emitStreamMeta(key, s, s.entries.length > 0, emit);
}

function emitStreamEntries(key: string, entries: readonly [StreamId, string[]][], emit: Emit): void {
  for (const [id, fv] of entries) emit(['XADD', key, formatStreamId(id), ...fv]);
}

/** After the XADDs: an empty stream's XADD … MAXLEN 0, XSETID, the groups. */
function emitStreamMeta(key: string, s: StreamMeta, hadEntries: boolean, emit: Emit): void {
  if (!hadEntries) emit(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']);
  emit(['XSETID', key, formatStreamId(s.lastId), 'ENTRIESADDED', BigInt.asIntN(64, s.entriesAdded).toString(),
    'MAXDELETEDID', formatStreamId(s.maxDeletedId)]);
  for (const g of sortedByName(s.groups)) {
    emit(['XGROUP', 'CREATE', key, g.name, formatStreamId(g.lastId), 'ENTRIESREAD', g.entriesRead.toString()]);
    const owned = pendingByConsumer(g);
    for (const c of sortedByName(g.consumers)) {
      const mine = owned.get(c.name);
      if (mine === undefined) {
        emit(['XGROUP', 'CREATECONSUMER', key, g.name, c.name]);
        continue;
      }
      for (const p of mine) {
        emit(['XCLAIM', key, g.name, c.name, '0', formatStreamId(p.id), 'TIME', String(p.deliveryTime), 'RETRYCOUNT',
          String(p.deliveryCount), 'JUSTID', 'FORCE']);
      }
    }
  }
}
