/**
 * The forkless point-in-time snapshot engine (design.md, "The forkless snapshot engine"):
 * the RDB image of the whole keyspace as it was at the instant T the snapshot started,
 * built on the main thread in slices of about a millisecond while clients keep writing.
 * Consumers: BGSAVE (file-sink.ts), later the AOF rewrite base and a replica's full sync —
 * all through `startSnapshot(keyspace, sink, options)` and the SnapshotSink interface.
 *
 * States: running (slices scheduled with setImmediate, the keyspace hook installed) →
 * written (EOF and checksum handed to the sink, hook removed) → done (sink.end() resolved:
 * for a file, renamed into place) | failed | cancelled (sink.abort(): a temp file is removed).
 *
 * How T is kept. Each database is an Image (T's db id) walked slot 0..16383; whole slots are
 * serialized per step (slots hold few keys). The store calls the hook before every change:
 *  - beforeChange(db, slot, key) for a key of an image not yet written, in a slot at or past
 *    the cursor, and not yet remembered: remember the key (the walk skips it) and keep its
 *    value and deadline as of now, which is T's since nothing changed it unseen. A missing
 *    key is remembered as absent (created after T). Strings are immutable JS strings, so
 *    the pre-image is the reference: O(1). A collection is cloned (O(1) for a listpack, a
 *    pointer copy for a list); a big hashtable/skiplist collection has its elements copied
 *    into an array (the one O(n) step: see "Large collections").
 *  - beforeFlush(db) (FLUSHDB/FLUSHALL): the image stops following the live database and
 *    keeps the array of its 16,384 Slot objects instead (O(16,384) pointers, whatever the key
 *    count). flush() drops the slots by reference without clearing them, so the detached
 *    slots hold exactly the flushed content; the walk continues over them. The cost is
 *    memory: the flushed keys stay alive until the walk passes them, as fork's COW would.
 *  - beforeSwap(a, b) (SWAPDB): the images follow the contents — image T-a now reads live
 *    db b and vice versa (imageOfLive/image.live). Nothing is copied.
 *  - Expiry: deleting an expired key is a change like any other, so a key that expires
 *    during the snapshot is written with its deadline, as it was at T. Keys already past
 *    their deadline at T are written too (the image is exactly T's dataset, as rdb-file.ts's
 *    synchronous save does); every loader drops them (Redis's primary on load, ours too).
 *
 * File layout. RDB wants each database's keys after a SELECTDB. The walk finishes image k
 * before it starts k+1, and everything of image k — walked slots and pre-images captured
 * meanwhile — is written while image k is current, after one lazily written SELECTDB k +
 * RESIZEDB (the live sizes when k starts: RESIZEDB is only a sizing hint to loaders). Pre-
 * images of later images wait (as values, not bytes) until their image starts; an empty
 * image writes nothing, as Redis skips empty databases. So the file has one SELECTDB per
 * non-empty database in ascending order, exactly the shape redis-server writes.
 *
 * Large collections. A hashtable hash, hashtable set or skiplist zset above BIG_ELEMENTS is
 * written as one key record across many slices (a ValueStream: header with the count, then
 * elements a few hundred at a time) straight from the live object while nobody touches it;
 * the hook checks, for each change while such a stream runs, whether the key's live value
 * is a streamed object and if so copies the elements not yet written first. A first write
 * to a huge collection not yet walked therefore costs one O(n) element copy (~120 ms for a
 * 1,000,000-field hash on the CI box): the store has no finer copy-on-write to lean on; a
 * versioned-bucket HashTable would make it O(changed buckets). Lists are written in one go
 * (quicklist nodes need their count first). The streamed zset goes lowest score first:
 * Redis's loader accepts any order (it writes highest first only to speed its own load).
 *
 * Memory. Extra bytes held = pre-images not yet written (estimated from sizes), copied
 * elements, and bytes queued for the sink (which pushes back above its high-water mark);
 * detached (flushed) slots are not counted. peakExtraBytes is reported at the end.
 *
 * Invariants kept here: 1 (reads only; the store calls us), 5 (bytes only through
 * RdbWriter), 6 (slices). Not here: the temp-file protocol (file-sink.ts), BGSAVE's state
 * and INFO (bgsave.ts), the codec (rdb/writer.ts).
 */

import { SLOT_COUNT } from '../../store/crc16.js';
import type { Db, Slot } from '../../store/db.js';
import type { Keyspace, SnapshotHook } from '../../store/keyspace.js';
import type { CollectionValue, Value } from '../../store/value.js';
import { RdbSink, RdbWriter, rdbTypeOf } from '../rdb/writer.js';
import { RDB_OPCODE_EXPIRETIME_MS, RDB_TYPE_HASH, RDB_TYPE_SET, RDB_TYPE_ZSET_2 } from '../rdb/constants.js';
import type { SnapshotOptions } from '../rdb-file.js';

/** Where the image's bytes go: a file now, a replica's socket or an AOF base later. */
export interface SnapshotSink {
  /** Take a chunk (copy it to keep it: the RdbSink reuses its buffer); false = slow down. */
  write(chunk: Uint8Array): boolean;
  /** Call `resume` once the sink wants bytes again (at once if it already does). */
  onDrain(resume: () => void): void;
  /** Every byte has been written: make it durable and visible. Rejects with the failed step. */
  end(): Promise<void>;
  /** Give up: discard what was written (a file sink removes its temp file). */
  abort(): void;
  /** Bytes accepted but not yet handed to the OS. */
  readonly bufferedBytes: number;
}

export interface EngineOptions extends SnapshotOptions {
  /** Target length of one slice (ms). */
  sliceMs?: number;
  /** Collections with more elements are streamed across slices. */
  bigElements?: number;
  /** Tests drive the slices with step(); nothing is scheduled. */
  manual?: boolean;
}

export interface SnapshotProgress {
  keysProcessed: number;
  /** Keys in the keyspace at T (Redis's current_save_keys_total). */
  keysTotal: number;
  bytes: number;
  /** Bytes held only because the snapshot runs (estimate; see header). */
  extraBytes: number;
  peakExtraBytes: number;
  /** The longest slice and the longest single hook call, in ms. */
  longestSliceMs: number;
  longestHookMs: number;
}

export interface SnapshotResult extends SnapshotProgress {
  durationMs: number;
}

export interface SnapshotHandle {
  /** Resolves when the sink has ended; rejects on a sink error or cancel(). */
  readonly done: Promise<SnapshotResult>;
  readonly progress: Readonly<SnapshotProgress>;
  /** Stop now: the hook is removed and the sink aborted. */
  cancel(reason?: string): void;
  /** Manual mode: run one slice of at most `maxUnits` keys/elements; true once all is written. */
  step(maxUnits?: number): boolean;
}

const DEFAULT_SLICE_MS = 1;
export const BIG_ELEMENTS = 4096;
/** Elements of a streamed collection written between two clock reads. */
const ELEMENTS_PER_CHECK = 256;
/** Rough heap cost of a held pointer, a string header, a copied entry (estimates only). */
const PTR = 8;
const STRING_OVERHEAD = 16;
const ENTRY_OVERHEAD = 48;

/** Start a snapshot of `keyspace` at this instant. Throws if another snapshot runs. */
export function startSnapshot(keyspace: Keyspace, sink: SnapshotSink, options: EngineOptions): SnapshotHandle {
  return new SnapshotEngine(keyspace, sink, options);
}

/** What a key held at T, waiting for its image to be written. */
interface PreImage {
  key: string;
  value: Value;
  expireAt: number;
}

/** One database as it was at T. */
class Image {
  /** The live database holding this image's content, null once flushed. */
  live: Db | null;
  /** After FLUSHDB/FLUSHALL: the slots as they were, walked instead of the live ones. */
  detached: (Slot | undefined)[] | null = null;
  /** Keys changed (or created) since T: the walk skips them. */
  readonly remembered = new Set<string>();
  pending: PreImage[] = [];
  /** Big values to write across slices, in file order; the head is being written. */
  streams: ValueStream[] = [];
  selected = false;

  constructor(
    readonly id: number,
    live: Db,
  ) {
    this.live = live;
  }
}

/** What a streamed value offers: HSCAN/SSCAN-style steps (exact while it does not change). */
interface Scannable {
  readonly size: number;
  scan(cursor: number, count: number, out: string[]): number;
}

/**
 * One key record written across slices: header (with the element count) then elements,
 * read from the live value until a change is about to touch it, then from a private copy.
 * Elements are flat in `buf`: member (set), field value (hash), member score (zset).
 * Hashes and sets are read with their own scan step, which is exact on an unchanged value
 * and allocates no tuple; zsets through their ascending entry iterator.
 */
class ValueStream {
  private buf: (string | number)[] = [];
  private pos = 0;
  /** Scan cursor (hash, set) while reading the live value; -1 once all is read. */
  private cursor = 0;
  private iter: Iterator<[string, number]> | null = null;
  private copied = false;
  readonly type: number;
  readonly count: number;
  headerWritten = false;

  constructor(
    readonly key: string,
    readonly value: CollectionValue,
    readonly expireAt: number,
  ) {
    this.type = rdbTypeOf(value);
    this.count = (value as unknown as Scannable).size;
    if (this.type === RDB_TYPE_ZSET_2) this.iter = (value as unknown as { entries(): Iterator<[string, number]> }).entries();
  }

  /** Copy the elements not yet written: the live value is about to change. O(remaining). */
  detach(): void {
    this.read(Infinity);
    this.copied = true;
  }

  get copiedBytes(): number {
    return this.copied ? (this.buf.length - this.pos) * PTR : 0;
  }

  /** Write up to `max` elements; returns how many, 0 at the end. */
  writeSome(w: RdbWriter, max: number): number {
    if (this.pos === this.buf.length && !this.copied) {
      this.buf.length = 0;
      this.pos = 0;
      this.read(max);
    }
    const buf = this.buf;
    const end = Math.min(buf.length, this.pos + (this.type === RDB_TYPE_SET ? max : 2 * max));
    let n = 0;
    while (this.pos < end) {
      w.string(buf[this.pos++] as string);
      if (this.type === RDB_TYPE_HASH) w.string(buf[this.pos++] as string);
      else if (this.type === RDB_TYPE_ZSET_2) w.double(buf[this.pos++] as number);
      n++;
    }
    return n;
  }

  /** Append up to `max` more elements of the live value to buf. */
  private read(max: number): void {
    if (this.cursor < 0) return;
    if (this.iter !== null) {
      let n = 0;
      for (let r = this.iter.next(); ; r = this.iter.next()) {
        if (r.done === true) {
          this.cursor = -1;
          return;
        }
        this.buf.push(r.value[0], r.value[1]);
        if (++n >= max) return;
      }
    }
    const next = (this.value as unknown as Scannable).scan(this.cursor, max, this.buf as string[]);
    this.cursor = next === 0 ? -1 : next;
  }
}

/** Hashtable hashes and sets and skiplist zsets past the threshold are streamed. */
function isBig(v: Value, threshold: number): boolean {
  if (typeof v === 'string' || v.type === 'list') return false;
  const enc = v.encoding();
  if (enc !== 'hashtable' && enc !== 'skiplist') return false;
  return (v as unknown as { size: number }).size > threshold;
}

function estimateBytes(p: PreImage): number {
  const v = p.value;
  const base = p.key.length + STRING_OVERHEAD + ENTRY_OVERHEAD;
  if (typeof v === 'string') return base + v.length + STRING_OVERHEAD;
  const n = v.type === 'list' ? (v as unknown as { length: number }).length : (v as unknown as { size: number }).size;
  return base + n * ENTRY_OVERHEAD;
}

class SnapshotEngine implements SnapshotHandle, SnapshotHook {
  readonly done: Promise<SnapshotResult>;
  readonly progress: SnapshotProgress;
  private resolveDone!: (r: SnapshotResult) => void;
  private rejectDone!: (err: Error) => void;

  private readonly images: Image[] = [];
  /** Live db id → the image whose content it holds now, or null (flushed, or done). */
  private readonly imageOfLive: (Image | null)[] = [];
  private dbIndex = 0;
  private cursor = 0;
  /** Streams still reading a live value, by that value: the hook detaches them. */
  private readonly liveStreams = new Map<CollectionValue, ValueStream>();
  private pendingEstimate = 0;

  private readonly writer: RdbWriter;
  private readonly sliceMs: number;
  private readonly bigElements: number;
  private readonly started = performance.now();
  private state: 'running' | 'written' | 'done' | 'failed' = 'running';
  private waitingForSink = false;
  private readonly runSlice = (): void => {
    if (this.state !== 'running') return;
    this.slice(Infinity);
    this.schedule();
  };
  private readonly resume = (): void => {
    this.waitingForSink = false;
    if (this.state === 'running') setImmediate(this.runSlice);
  };

  constructor(
    private readonly keyspace: Keyspace,
    private readonly sink: SnapshotSink,
    private readonly options: EngineOptions,
  ) {
    if (keyspace.snapshotHook !== null) throw new Error('a snapshot is already running');
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.bigElements = options.bigElements ?? BIG_ELEMENTS;
    let total = 0;
    for (const db of keyspace.dbs) {
      const image = new Image(db.id, db);
      this.images.push(image);
      this.imageOfLive.push(image);
      total += db.size;
    }
    this.progress = {
      keysProcessed: 0, keysTotal: total, bytes: 0, extraBytes: 0, peakExtraBytes: 0, longestSliceMs: 0,
      longestHookMs: 0,
    };
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A rejection nobody awaits (a cancelled test snapshot) must not crash the process.
    this.done.catch(() => undefined);
    const rdbSink = new RdbSink((chunk) => {
      this.progress.bytes += chunk.length;
      if (!sink.write(chunk)) this.waitingForSink = true;
    }, options.checksum);
    this.writer = new RdbWriter(rdbSink, options);
    this.writer.header();
    this.writer.standardAux(Math.floor(options.now / 1000), process.memoryUsage().heapUsed, options.aofBase);
    keyspace.snapshotHook = this;
    if (options.manual !== true) setImmediate(this.runSlice);
  }

  // ------------------------------------------------------------------ the hook

  beforeChange(db: Db, slot: number, key: string): void {
    if (this.liveStreams.size > 0) this.detachLiveStream(db, slot, key);
    const image = this.imageOfLive[db.id];
    if (image === null || image === undefined) return;
    if (image.id < this.dbIndex || (image.id === this.dbIndex && slot < this.cursor)) return;
    if (image.remembered.has(key)) return;
    image.remembered.add(key);
    const s = db.slots[slot];
    const value = s?.keys.get(key);
    if (value === undefined) return; // created after T
    const expireAt = s!.expires?.get(key) ?? -1;
    if (typeof value === 'string') {
      this.addPreImage(image, { key, value, expireAt });
      return;
    }
    const t0 = performance.now();
    if (isBig(value, this.bigElements)) {
      const stream = new ValueStream(key, value, expireAt);
      stream.detach();
      image.streams.push(stream);
    } else {
      this.addPreImage(image, { key, value: value.clone(), expireAt });
    }
    this.noteHook(t0);
    this.noteExtra();
  }

  beforeFlush(db: Db): void {
    const image = this.imageOfLive[db.id];
    if (image === null || image === undefined) return;
    this.imageOfLive[db.id] = null;
    image.live = null;
    if (image.id >= this.dbIndex) image.detached = db.slots.slice();
  }

  beforeSwap(a: Db, b: Db): void {
    const ia = this.imageOfLive[a.id] ?? null;
    const ib = this.imageOfLive[b.id] ?? null;
    this.imageOfLive[a.id] = ib;
    this.imageOfLive[b.id] = ia;
    if (ia !== null) ia.live = b;
    if (ib !== null) ib.live = a;
  }

  private detachLiveStream(db: Db, slot: number, key: string): void {
    const value = db.slots[slot]?.keys.get(key);
    if (value === undefined || typeof value === 'string') return;
    const stream = this.liveStreams.get(value);
    if (stream === undefined) return;
    const t0 = performance.now();
    stream.detach();
    this.liveStreams.delete(value);
    this.noteHook(t0);
    this.noteExtra();
  }

  private addPreImage(image: Image, p: PreImage): void {
    image.pending.push(p);
    this.pendingEstimate += estimateBytes(p);
    if (this.pendingEstimate > this.progress.peakExtraBytes) this.noteExtra();
  }

  private noteHook(t0: number): void {
    const ms = performance.now() - t0;
    if (ms > this.progress.longestHookMs) this.progress.longestHookMs = ms;
  }

  /** Recount the extra bytes: pre-images, copied stream elements, the sink's queue. */
  private noteExtra(): void {
    let copied = 0;
    for (let i = this.dbIndex; i < this.images.length; i++) for (const s of this.images[i]!.streams) copied += s.copiedBytes;
    const p = this.progress;
    p.extraBytes = this.pendingEstimate + copied + this.sink.bufferedBytes;
    if (p.extraBytes > p.peakExtraBytes) p.peakExtraBytes = p.extraBytes;
  }

  // ------------------------------------------------------------------ slices

  step(maxUnits = Infinity): boolean {
    if (this.state === 'running') this.slice(maxUnits);
    return this.state !== 'running';
  }

  private schedule(): void {
    if (this.state !== 'running') return;
    if (this.waitingForSink) this.sink.onDrain(this.resume);
    else setImmediate(this.runSlice);
  }

  /**
   * Write until the slice's time (or `maxUnits` keys and elements) is used up, the sink
   * pushes back, or the image is complete. Each unit of work leaves the file at a record
   * boundary except inside a ValueStream, which resumes where it stopped.
   */
  private slice(maxUnits: number): void {
    const start = performance.now();
    const deadline = start + this.sliceMs;
    let units = 0;
    try {
      while (units < maxUnits && !this.waitingForSink) {
        const done = this.unit(maxUnits - units);
        units += done;
        if (this.state !== 'running') break;
        if (performance.now() >= deadline) break;
      }
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    const ms = performance.now() - start;
    if (ms > this.progress.longestSliceMs) this.progress.longestSliceMs = ms;
    this.noteExtra();
  }

  /** One step of work; returns the keys/elements it wrote (at least 1, or 0 for a move). */
  private unit(maxUnits: number): number {
    const image = this.images[this.dbIndex]!;
    if (image.streams.length > 0) return this.writeStream(image.streams[0]!, image, maxUnits);
    if (image.pending.length > 0) {
      const p = image.pending.pop()!;
      this.pendingEstimate -= estimateBytes(p);
      this.writeKey(image, p.key, p.value, p.expireAt);
      return 1;
    }
    if (this.cursor < SLOT_COUNT) return this.walkSlot(image);
    this.nextImage();
    return 0;
  }

  /** Serialize the next non-empty slot of `image` (skipping empty ones is free). */
  private walkSlot(image: Image): number {
    const slots = image.detached ?? image.live?.slots;
    if (slots === undefined) {
      this.cursor = SLOT_COUNT;
      return 0;
    }
    let slot: Slot | undefined;
    while (this.cursor < SLOT_COUNT && ((slot = slots[this.cursor]) === undefined || slot.keys.size === 0)) this.cursor++;
    if (this.cursor === SLOT_COUNT) return 0;
    // The whole slot is taken now: from here on the hook ignores its keys.
    this.cursor++;
    const remembered = image.remembered;
    const expires = slot!.expires;
    let units = 0;
    for (const [key, value] of slot!.keys) {
      if (remembered.size > 0 && remembered.has(key)) continue;
      const expireAt = expires === null ? -1 : expires.get(key) ?? -1;
      if (typeof value !== 'string' && isBig(value, this.bigElements)) {
        const stream = new ValueStream(key, value, expireAt);
        image.streams.push(stream);
        // Only the live image's values can still change; detached (flushed) ones cannot.
        if (image.detached === null) this.liveStreams.set(value, stream);
      } else {
        this.writeKey(image, key, value, expireAt);
      }
      units++;
    }
    return units;
  }

  private writeKey(image: Image, key: string, value: Value, expireAt: number): void {
    this.select(image);
    this.writer.key(key, value, expireAt);
    this.progress.keysProcessed++;
  }

  private writeStream(stream: ValueStream, image: Image, maxUnits: number): number {
    const w = this.writer;
    if (!stream.headerWritten) {
      this.select(image);
      this.keyHeader(stream.key, stream.type, stream.expireAt);
      w.length(stream.count);
      stream.headerWritten = true;
    }
    const n = stream.writeSome(w, Math.min(maxUnits, ELEMENTS_PER_CHECK));
    if (n > 0) return n;
    image.streams.shift();
    if (this.liveStreams.get(stream.value) === stream) this.liveStreams.delete(stream.value);
    this.progress.keysProcessed++;
    return 1;
  }

  /** [EXPIRETIME_MS] type key: the start of a record whose value follows in pieces. */
  private keyHeader(key: string, type: number, expireAt: number): void {
    const sink = this.writer.sink;
    if (expireAt >= 0) {
      sink.byte(RDB_OPCODE_EXPIRETIME_MS);
      const at = sink.reserve(8);
      sink.buffer.writeBigInt64LE(BigInt(expireAt), at);
    }
    sink.byte(type);
    this.writer.string(key);
  }

  /** SELECTDB + RESIZEDB before an image's first record; empty images write nothing. */
  private select(image: Image): void {
    if (image.selected) return;
    image.selected = true;
    this.writer.selectDb(image.id);
    const live = image.live;
    this.writer.resizeDb(live === null ? image.pending.length : live.size, live === null ? 0 : live.volatileCount);
  }

  private nextImage(): void {
    const finished = this.images[this.dbIndex]!;
    finished.remembered.clear();
    finished.detached = null;
    if (finished.live !== null) this.imageOfLive[finished.live.id] = null;
    finished.live = null;
    this.dbIndex++;
    this.cursor = 0;
    if (this.dbIndex < this.images.length) return;
    this.writer.eof();
    this.state = 'written';
    this.keyspace.snapshotHook = null;
    this.sink.end().then(() => {
      this.state = 'done';
      this.resolveDone({ ...this.progress, durationMs: performance.now() - this.started });
    }, (err: Error) => this.fail(err));
  }

  cancel(reason = 'cancelled'): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.fail(new Error(reason));
  }

  private fail(err: Error): void {
    if (this.keyspace.snapshotHook === this) this.keyspace.snapshotHook = null;
    const wasRunning = this.state === 'running' || this.state === 'written';
    this.state = 'failed';
    this.liveStreams.clear();
    if (wasRunning) this.sink.abort();
    this.rejectDone(err);
  }
}
