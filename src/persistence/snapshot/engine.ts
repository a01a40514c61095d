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
 *  - beforeChange(db, slot, key, h) for a key of an image not yet written, in a slot at or past
 *    the cursor, and not yet remembered: remember the key (the walk skips it) and keep its
 *    value and deadline as of now, which is T's since nothing changed it unseen. A missing
 *    key is remembered as absent (created after T). Strings are immutable JS strings, so
 *    the pre-image is the reference: O(1). A small collection is cloned (at most
 *    BIG_ELEMENTS elements); a big one becomes a stream at once, O(1) (see "Large
 *    collections"). Remembered keys are kept per slot and dropped as the walk passes the
 *    slot, so no set grows with the write load (a Set of a million keys rehashes all at
 *    once, for milliseconds).
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
 * Slices. The clock is read after every unit of work: one slot's keys, one pre-image, at
 * most ELEMENTS_PER_CHECK elements (or one list or stream node) of a ValueStream, or
 * SKIP_PER_UNIT empty slots; a slice ends once sliceMs is used. What a slice cannot bound:
 * a young-generation GC falling inside it (1–5 ms with a million keys) and, in a process's
 * first snapshot, code that V8 has not optimized yet (a few slices of 5–10 ms).
 *
 * Large collections. A collection above BIG_ELEMENTS (a list, stream, hashtable hash or
 * set, skiplist zset) is written as one key record across many slices: a ValueStream writes
 * the header with T's count, then elements a bounded number per step, so no slice and no
 * hook call is O(collection). Small collections and whole slots stay single units: a slot
 * of small keys, or a collection of at most BIG_ELEMENTS elements, is well under a slice.
 *  - Hash, set, zset: field-level copy-on-write, O(changed) instead of O(size). The stream
 *    installs an ElementHook (store/keyspace.ts) on the value, whether it was reached by the
 *    walk or by a first write to a key not yet walked; the store calls it before an element
 *    is added, changed, removed, or moved by another's removal. The stream reads the live
 *    value with its own resumable scan (hash buckets in reverse-binary order, set and zset
 *    index positions top down), skipping elements changed since it began; for each changed
 *    element it keeps its state at T: its value, "absent" (added since), or "written" (the
 *    scan had already taken it). Once the scan ends the hook is removed and the kept values
 *    go out. Why each unchanged element comes out exactly once: such an element never moves
 *    in a set or zset (moves are hooked), and a hash table does not shrink while watched
 *    (growing keeps dictScan's no-repeat guarantee). The stream checks that it wrote T's
 *    count and fails the snapshot otherwise, rather than write a corrupt record.
 *    The cost lands on writers: one null test per element write when no snapshot runs, a
 *    Map lookup per element write to a watched value, and a Map entry per changed element.
 *  - List: position-level copy-on-write through a ListHook (store/list.ts). The stream
 *    maps T's positions to live ones (pushes at the head shift them), saves an element it
 *    still needs before a pop, LTRIM or LSET removes or overwrites it, and copies what it
 *    has not written only before LINSERT or LREM (O(remaining) inside commands that are
 *    O(N) anyway; one block copy, ~5 ms per million elements). A first pass (in steps)
 *    finds where Redis's quicklist cuts the nodes, because QUICKLIST_2 wants the node count
 *    first; then nodes go out one per step.
 *  - Stream: entry-level copy-on-write through a StreamHook (store/stream.ts). Entries never
 *    change in place and new ones are only appended, so T's entries are the value's node
 *    objects at T, read up to the length the last of them had. The ValueStream copies the
 *    node array when it starts (O(nodes), a pointer per ~100 entries: trimming and XDEL
 *    splice the live array, while a node they drop whole keeps its entries) and is told
 *    before an entry is marked deleted (XDEL, exact XTRIM and XADD trims); it keeps the entry
 *    if it is one of T's (by position: after XSETID lowers the last ID, XADD may reuse a
 *    deleted ID) that the record does not hold yet. The counters (last ID, max deleted ID,
 *    entries added) and the consumer groups are copied when it starts, the groups whole:
 *    O(groups + pending entries + consumers). They are usually small, and a copy made at
 *    once needs no hook in the commands that change them (XREADGROUP, XACK, XCLAIM,
 *    XAUTOCLAIM, XGROUP, XSETID). The cost: ~40 ms per 100,000 pending entries (consumers
 *    that never XACK), in that step and again in the one that writes the record's tail.
 *    As for lists, a first pass in steps finds Redis's node cuts (StreamNodeCutter in
 *    rdb/stream.ts, the rule of the whole-record writer), since the record wants the node
 *    count first; then nodes go out, one per unit (bounded by stream-node-max-bytes and
 *    -entries), then the tail. Writers pay one null test per deleted entry when no snapshot
 *    runs; a watched stream a Map entry per entry of T deleted before the record holds it.
 *    Measured with a 1M-entry stream under XADD/XDEL/XACK: longest slice ~1 s → 4–13 ms,
 *    held copies 48 MB → 0.5 MB. A stream of at most BIG_ELEMENTS entries is one unit, with
 *    a clone() pre-image.
 * Watched values are the stream's only link: a key deleted, overwritten or renamed while
 * its value streams changes nothing the stream reads, and every in-place change of the
 * value, whatever key holds it then, passes through its hook.
 * The streamed zset goes in index order: Redis's loader accepts any order (it writes
 * highest score first only to speed its own load).
 *
 * Memory. Extra bytes held = pre-images not yet written (estimated from sizes), element
 * pre-images, list copies, stream node arrays, kept entries and group copies, and bytes
 * queued for the sink (which pushes back above its high-water mark); detached (flushed)
 * slots and stream nodes dropped from the live value are not counted. peakExtraBytes is
 * reported at the end.
 *
 * Invariants kept here: 1 (reads only; the store calls us), 5 (bytes only through
 * RdbWriter), 6 (slices). Not here: the temp-file protocol (file-sink.ts), BGSAVE's state
 * and INFO (bgsave.ts), the codec (rdb/writer.ts).
 */

import { SLOT_COUNT } from '../../store/crc16.js';
import type { Db, Slot } from '../../store/db.js';
import type { ElementHook, Keyspace, SnapshotHook } from '../../store/keyspace.js';
import type { CollectionValue, Value } from '../../store/value.js';
import type { HashValue } from '../../store/hash.js';
import type { ListHook, ListValue } from '../../store/list.js';
import type { SetValue } from '../../store/set.js';
import type { ZSetValue } from '../../store/zset.js';
import {
  STREAM_ID_MIN, StreamValue, type StreamHook, type StreamId, type StreamNode, type StreamNodeLimits,
} from '../../store/stream.js';
import { QuicklistCutter, RdbSink, RdbWriter, rdbTypeOf } from '../rdb/writer.js';
import { StreamNodeCutter, writeStreamNode, writeStreamTail, type StreamMeta } from '../rdb/stream.js';
import {
  RDB_OPCODE_EXPIRETIME_MS, RDB_TYPE_HASH, RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_SET, RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_ZSET_2,
} from '../rdb/constants.js';
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
/** Past this many elements a collection is streamed: a slot of smaller ones stays one unit. */
export const BIG_ELEMENTS = 512;
/** Elements of a streamed collection written between two clock reads. */
const ELEMENTS_PER_CHECK = 64;
/** Empty slots skipped between two clock reads. */
const SKIP_PER_UNIT = 1024;
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
  /** Keys changed (or created) since T, per slot (see the header): the walk skips them. */
  private remembered: (Set<string> | undefined)[] | null = null;
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

  /** Remember `key` of `slot`; false if it already was. */
  remember(slot: number, key: string): boolean {
    const all = (this.remembered ??= new Array<Set<string> | undefined>(SLOT_COUNT));
    const set = all[slot];
    if (set === undefined) {
      all[slot] = new Set([key]);
      return true;
    }
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }

  /** The remembered keys of `slot`, forgotten now (the walk takes the slot). */
  takeRemembered(slot: number): Set<string> | undefined {
    const all = this.remembered;
    if (all === null) return undefined;
    const set = all[slot];
    all[slot] = undefined;
    return set;
  }

  /** The image is written: forget everything it held. */
  clear(): void {
    this.remembered = null;
    this.detached = null;
  }
}

/** A key record written across slices, one bounded step at a time. */
interface ValueStream {
  /** The whole record is written. */
  readonly finished: boolean;
  /** Bytes held only for the snapshot (copies, pre-images of elements). */
  readonly extraBytes: number;
  /** Write (or prepare) about `max` elements; returns the work done, ≥ 1 until finished. */
  step(w: RdbWriter, max: number): number;
  /** The snapshot ends early: stop watching the value. */
  release(): void;
}

/** What the engine needs of a big hashtable hash, hashtable set or skiplist zset. */
interface BigCollection extends CollectionValue {
  readonly size: number;
  setElementHook(hook: ElementHook | null): void;
  scanned(element: string, cursor: number): boolean;
}

/** Pre-image markers: added since T (write nothing), or already in the image when first changed. */
const ABSENT = Symbol('absent at T');
const WRITTEN = Symbol('written before it changed');
type ElementPreImage = string | number | true | typeof ABSENT | typeof WRITTEN;

/**
 * A big hash, set or zset written from its live object with field-level copy-on-write
 * (see "Large collections" above). Phase 1 scans the live value (its own resumable scan:
 * hash buckets in reverse-binary order, set and zset index positions top down), skipping
 * elements changed since the stream began; phase 2 writes those elements' values at T.
 * Elements are flat in `buf`: member (set), field value (hash), member score (zset).
 */
class CollectionStream implements ValueStream, ElementHook {
  /** Elements changed since the stream began, by their state at T. */
  private readonly changed = new Map<string, ElementPreImage>();
  private cursor = 0;
  private scanDone = false;
  private buf: (string | number)[] = [];
  private pos = 0;
  private rest: Iterator<[string, ElementPreImage]> | null = null;
  private written = 0;
  private headerWritten = false;
  private readonly type: number;
  private readonly count: number;
  finished = false;

  constructor(
    readonly key: string,
    readonly value: BigCollection,
    readonly expireAt: number,
  ) {
    this.type = rdbTypeOf(value);
    this.count = value.size;
    value.setElementHook(this);
  }

  /** The store is about to change `element`: keep its state at T unless the image has it. */
  beforeElementChange(element: string): void {
    const changed = this.changed;
    if (changed.has(element)) return;
    const now = this.current(element);
    changed.set(element, now === undefined ? ABSENT : this.scanDone || this.value.scanned(element, this.cursor) ? WRITTEN : now);
  }

  get extraBytes(): number {
    return this.changed.size * ENTRY_OVERHEAD + (this.buf.length - this.pos) * PTR;
  }

  step(w: RdbWriter, max: number): number {
    if (!this.headerWritten) {
      writeKeyHeader(w, this.key, this.type, this.expireAt);
      w.length(this.count);
      this.headerWritten = true;
    }
    const type = this.type;
    let work = 0;
    while (work < max && !this.finished) {
      if (this.pos === this.buf.length) {
        work += this.fill(max - work);
        continue;
      }
      const buf = this.buf;
      w.string(buf[this.pos++] as string);
      if (type === RDB_TYPE_HASH) w.string(buf[this.pos++] as string);
      else if (type === RDB_TYPE_ZSET_2) w.double(buf[this.pos++] as number);
      this.written++;
      work++;
    }
    return Math.max(work, 1);
  }

  release(): void {
    if (!this.finished && this.rest === null) this.value.setElementHook(null);
  }

  /** The element's current state: its value, true (set member), or undefined if absent. */
  private current(element: string): string | number | true | undefined {
    switch (this.type) {
      case RDB_TYPE_HASH: return (this.value as unknown as HashValue).get(element);
      case RDB_TYPE_SET: return (this.value as unknown as SetValue).has(element) ? true : undefined;
      default: return (this.value as unknown as ZSetValue).score(element);
    }
  }

  /**
   * Refill buf with up to `max` elements: one scan step of the live value (phase 1), then
   * the pre-images of changed elements (phase 2); finishes when none is left. Returns the
   * elements examined (at least 1), the measure of work for the slice.
   */
  private fill(max: number): number {
    const buf = this.buf;
    buf.length = 0;
    this.pos = 0;
    if (!this.scanDone) return Math.max(1, this.scan(max));
    if (this.rest === null) {
      // Every unchanged element is written: from now on a change cannot touch the image.
      this.value.setElementHook(null);
      this.rest = this.changed.entries();
    }
    let n = 0;
    while (n < max) {
      const r = this.rest.next();
      if (r.done === true) break;
      n++;
      const [element, pre] = r.value;
      if (pre === ABSENT || pre === WRITTEN) continue;
      buf.push(element);
      if (pre !== true) buf.push(pre);
    }
    if (n < max && buf.length === 0) this.finish();
    return Math.max(1, n);
  }

  /** One scan step of the live value, dropping elements changed since the stream began; returns those read. */
  private scan(max: number): number {
    const buf = this.buf;
    let next: number;
    if (this.type === RDB_TYPE_ZSET_2) next = (this.value as unknown as ZSetValue).scanScores(this.cursor, max, buf);
    else next = (this.value as unknown as HashValue | SetValue).scan(this.cursor, max, buf as string[]);
    const stride = this.type === RDB_TYPE_SET ? 1 : 2;
    const read = buf.length / stride;
    if (this.changed.size > 0) {
      let keep = 0;
      for (let i = 0; i < buf.length; i += stride) {
        if (this.changed.has(buf[i] as string)) continue;
        buf[keep++] = buf[i]!;
        if (stride === 2) buf[keep++] = buf[i + 1]!;
      }
      buf.length = keep;
    }
    this.cursor = next;
    if (next === 0) this.scanDone = true;
    return read;
  }

  private finish(): void {
    this.finished = true;
    this.changed.clear();
    this.rest = null;
    if (this.written !== this.count) {
      throw new Error(`snapshot of ${this.key}: wrote ${this.written} elements, ${this.count} at T`);
    }
  }
}

/**
 * A big list: a first pass (in steps) finds where Redis's quicklist cuts its nodes, since
 * QUICKLIST_2 wants the node count before the nodes; then nodes go out one by one, read
 * from the live list with position-level copy-on-write (see "Large collections" above).
 *
 * Positions. T's elements still in the list are T-indexes [first, end), found at live
 * indexes from `lo` on: pushes at the head shift them, pops and LTRIM eat them from either
 * end. An element the stream still needs (T-index ≥ off) is saved before a change removes
 * or overwrites it. LINSERT and LREM may move anything: the elements not yet written are
 * then copied (detach), which is O(remaining) inside a command that is O(N) anyway.
 */
class ListStream implements ValueStream, ListHook {
  private readonly count: number;
  private readonly cutter: QuicklistCutter;
  private readonly nodeSizes: number[] = [];
  private planned = 0;
  private nodeStart = 0;
  /** Next node to write and its first T-index: elements below `off` are written. */
  private node = 0;
  private off = 0;
  private first = 0;
  private end: number;
  private lo = 0;
  /** T's elements removed or overwritten since the stream began, by T-index. */
  private readonly saved = new Map<number, string>();
  /** After detach(): elements copyBase.. as they were at T. */
  private copy: string[] | null = null;
  private copyBase = 0;
  finished = false;

  constructor(
    readonly key: string,
    readonly value: ListValue,
    readonly expireAt: number,
    fill: number,
  ) {
    this.count = this.end = value.length;
    this.cutter = new QuicklistCutter(fill);
    value.hook = this;
  }

  beforePushHead(): void {
    this.lo++;
  }

  beforeRemoveEnds(head: number, tail: number): void {
    // Live positions before the change: T's remaining elements sit at [lo, lo + end - first);
    // [0, head) and [length - tail, length) are about to go.
    const { lo, first, end } = this;
    const cut = this.value.length - tail;
    const newFirst = head > lo ? Math.min(end, first + head - lo) : first;
    const newEnd = cut < lo + end - first ? Math.max(newFirst, first + cut - lo) : end;
    for (let t = first; t < newFirst; t++) this.save(t);
    for (let t = newEnd; t < end; t++) this.save(t);
    this.first = newFirst;
    this.end = newEnd;
    this.lo = Math.max(0, lo - head);
  }

  beforeSet(i: number): void {
    const t = this.first + i - this.lo;
    if (t >= this.first && t < this.end) this.save(t);
  }

  beforeReshape(): void {
    this.detach();
  }

  get extraBytes(): number {
    return this.saved.size * ENTRY_OVERHEAD + (this.copy === null ? 0 : (this.copyBase + this.copy.length - this.off) * PTR);
  }

  step(w: RdbWriter, max: number): number {
    if (this.planned < this.count) {
      const end = Math.min(this.count, this.planned + max);
      for (let i = this.planned; i < end; i++) {
        if (this.cutter.startsNode(this.at(i)) && i > 0) {
          this.nodeSizes.push(i - this.nodeStart);
          this.nodeStart = i;
        }
      }
      const n = end - this.planned;
      this.planned = end;
      if (end < this.count) return n;
      this.nodeSizes.push(end - this.nodeStart);
      writeKeyHeader(w, this.key, RDB_TYPE_LIST_QUICKLIST_2, this.expireAt);
      w.length(this.nodeSizes.length);
      return n;
    }
    let work = 0;
    while (work < max && this.node < this.nodeSizes.length) {
      const size = this.nodeSizes[this.node++]!;
      const items: string[] = new Array(size);
      for (let i = 0; i < size; i++) items[i] = this.at(this.off + i);
      w.listNode(items);
      if (this.saved.size > 0) for (let i = 0; i < size; i++) this.saved.delete(this.off + i);
      this.off += size;
      work += size;
    }
    if (this.node === this.nodeSizes.length) {
      this.finished = true;
      this.release();
    }
    return Math.max(work, 1);
  }

  release(): void {
    if (this.value.hook === this) this.value.hook = null;
    this.copy = null;
    this.saved.clear();
  }

  /** Copy the elements not yet written and stop watching the list. */
  private detach(): void {
    const from = this.off;
    if (this.saved.size === 0 && this.first <= from && this.end === this.count) {
      this.copy = this.value.range(this.lo + from - this.first, this.lo + this.count - 1 - this.first);
    } else {
      const copy: string[] = new Array(this.count - from);
      for (let t = from; t < this.count; t++) copy[t - from] = this.at(t);
      this.copy = copy;
    }
    this.copyBase = from;
    this.saved.clear();
    this.value.hook = null;
  }

  private save(t: number): void {
    if (t >= this.off && !this.saved.has(t)) this.saved.set(t, this.value.at(this.lo + t - this.first));
  }

  /** T's element t (t ≥ off). */
  private at(t: number): string {
    if (this.copy !== null) return this.copy[t - this.copyBase]!;
    if (this.saved.size > 0) {
      const s = this.saved.get(t);
      if (s !== undefined) return s;
    }
    return this.value.at(this.lo + t - this.first);
  }
}

/**
 * A big stream (see "Large collections" above). The stream at T is its node objects at T,
 * read up to the length the last of them had: a copy of the node array (O(nodes), about
 * one pointer per hundred entries) taken when the stream starts, since the live array
 * loses nodes to trimming and XDEL. The StreamHook keeps each entry of T that is marked
 * deleted before the record holds it. A first pass (in steps) cuts T's live entries into
 * nodes as streamAppendItem would (the record wants the node count first); then nodes go
 * out, then the tail with the counters and groups copied at the start.
 */
class StreamStream implements ValueStream, StreamHook {
  /** The value's nodes at T; the write pass drops those it has passed. */
  private readonly nodes: (StreamNode | null)[];
  /** The last node at T and its length then: entries appended since lie beyond it. */
  private readonly tail: StreamNode | null;
  private readonly tailLength: number;
  private readonly count: number;
  private readonly meta: StreamMeta;
  private readonly metaBytes: number;
  /** Entries of T marked deleted since the stream began and not yet written, by ID (unique among T's). */
  private readonly saved = new Map<StreamId, string[]>();
  private readonly cutter: StreamNodeCutter;
  private readonly nodeSizes: number[] = [];
  private readonly nodeBytes: number[] = [];
  private readonly plan: EntryCursor;
  private readonly out: EntryCursor;
  private planned = 0;
  private nodeStart = 0;
  private firstId = STREAM_ID_MIN;
  private node = 0;
  /** The last ID in the record; '' (below every ID) before the first. */
  private writtenThrough: StreamId = '';
  finished = false;

  constructor(
    readonly key: string,
    readonly value: StreamValue,
    readonly expireAt: number,
    limits: StreamNodeLimits,
  ) {
    const nodes = (this.nodes = value.nodes.slice());
    this.tail = nodes.length === 0 ? null : nodes[nodes.length - 1]!;
    this.tailLength = this.tail === null ? 0 : this.tail.ids.length;
    this.count = value.length;
    this.meta = streamMetaOf(value);
    let pending = 0;
    for (const g of this.meta.groups) pending += g.pending.length + g.consumers.length + 1;
    this.metaBytes = pending * ENTRY_OVERHEAD;
    this.cutter = new StreamNodeCutter(limits);
    this.plan = new EntryCursor(nodes, this.tailLength, this.saved, false);
    this.out = new EntryCursor(nodes, this.tailLength, this.saved, true);
    value.hook = this;
  }

  beforeEntryDelete(node: StreamNode, i: number): void {
    const id = node.ids[i]!;
    // Entries of T up to writtenThrough are in the record.
    if (id > this.writtenThrough && this.wasAtT(node, i)) this.saved.set(id, node.entries[i]!);
  }

  /**
   * Whether entry i of `node` is one of T's, not one added since: by position, since IDs
   * may repeat (XSETID may lower the last ID to the top entry, and XADD reuse deleted IDs).
   * Nodes below the write cursor are gone from the copy, but all their entries are written.
   */
  private wasAtT(node: StreamNode, i: number): boolean {
    if (node === this.tail) return i < this.tailLength;
    const nodes = this.nodes;
    let lo = this.out.node;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid]!.masterId < node.masterId) lo = mid + 1;
      else hi = mid;
    }
    return nodes[lo] === node;
  }

  get extraBytes(): number {
    return this.saved.size * ENTRY_OVERHEAD + this.nodes.length * PTR + this.metaBytes;
  }

  step(w: RdbWriter, max: number): number {
    if (this.planned < this.count) return this.planStep(w, max);
    let work = 0;
    const sizes = this.nodeSizes;
    while (work < max && this.node < sizes.length) {
      const size = sizes[this.node]!;
      const entries: [StreamId, string[]][] = new Array(size);
      for (let i = 0; i < size; i++) {
        if (!this.out.next()) throw this.mismatch();
        entries[i] = [this.out.id, this.out.fields];
      }
      writeStreamNode(w, entries, 0, size, this.nodeBytes[this.node++]!);
      this.writtenThrough = entries[size - 1]![0];
      work += size;
    }
    if (this.node === sizes.length) {
      writeStreamTail(w, this.count, this.firstId, this.meta);
      this.finished = true;
      this.release();
    }
    return Math.max(work, 1);
  }

  /** Cut up to `max` more entries into nodes; once all are, write the header and node count. */
  private planStep(w: RdbWriter, max: number): number {
    const plan = this.plan;
    let n = 0;
    while (n < max && this.planned < this.count) {
      if (!plan.next()) throw this.mismatch();
      if (this.cutter.add(plan.id, plan.fields)) {
        if (this.planned === 0) this.firstId = plan.id;
        else {
          this.nodeSizes.push(this.planned - this.nodeStart);
          this.nodeBytes.push(this.cutter.closedBytes);
        }
        this.nodeStart = this.planned;
      }
      this.planned++;
      n++;
    }
    if (this.planned < this.count) return n;
    if (plan.next()) throw this.mismatch();
    this.nodeSizes.push(this.planned - this.nodeStart);
    this.nodeBytes.push(this.cutter.openBytes);
    writeKeyHeader(w, this.key, RDB_TYPE_STREAM_LISTPACKS_2, this.expireAt);
    w.length(this.nodeSizes.length);
    return Math.max(n, 1);
  }

  release(): void {
    if (this.value.hook === this) this.value.hook = null;
    this.saved.clear();
  }

  /** The entries read are not T's count: fail the snapshot rather than write a corrupt record. */
  private mismatch(): Error {
    return new Error(`snapshot of ${this.key}: the stream's entries at T do not add up to its length ${this.count}`);
  }
}

/** T's live entries of a StreamStream, in ID order: next() sets `id` and `fields`. */
class EntryCursor {
  id: StreamId = STREAM_ID_MIN;
  fields: string[] = [];
  /** The node being read: those before it are read (and dropped by the write pass). */
  node = 0;
  private i = 0;

  constructor(
    private readonly nodes: (StreamNode | null)[],
    /** The last node's length at T: entries appended since lie beyond it. */
    private readonly tailLength: number,
    private readonly saved: Map<StreamId, string[]>,
    /** The write pass: forget nodes and saved entries once read. */
    private readonly drop: boolean,
  ) {}

  next(): boolean {
    const nodes = this.nodes;
    while (this.node < nodes.length) {
      const node = nodes[this.node]!;
      const end = this.node === nodes.length - 1 ? this.tailLength : node.ids.length;
      while (this.i < end) {
        const i = this.i++;
        const id = node.ids[i]!;
        let fields: string[] | null | undefined = node.entries[i];
        if (fields === null) {
          fields = this.saved.get(id);
          if (fields === undefined) continue; // already a tombstone at T
          if (this.drop) this.saved.delete(id);
        }
        this.id = id;
        this.fields = fields;
        return true;
      }
      if (this.drop) nodes[this.node] = null;
      this.node++;
      this.i = 0;
    }
    return false;
  }
}

/**
 * The counters and groups as they are now. Groups are copied whole, O(groups + pending
 * entries + consumers): they are usually small, and copying them when the stream starts
 * spares a hook in every group-changing command (see "Large collections").
 */
function streamMetaOf(s: StreamValue): StreamMeta {
  return { lastId: s.lastId, maxDeletedId: s.maxDeletedId, entriesAdded: s.entriesAdded, groups: s.groupImages() };
}

/** [EXPIRETIME_MS] type key: the start of a record whose value follows in pieces. */
function writeKeyHeader(w: RdbWriter, key: string, type: number, expireAt: number): void {
  const sink = w.sink;
  if (expireAt >= 0) {
    sink.byte(RDB_OPCODE_EXPIRETIME_MS);
    const at = sink.reserve(8);
    sink.buffer.writeBigInt64LE(BigInt(expireAt), at);
  }
  sink.byte(type);
  w.string(key);
}

/** Lists, streams, hashtable hashes and sets and skiplist zsets past the threshold are streamed. */
function isBig(v: CollectionValue, threshold: number): boolean {
  if (v.type === 'list' || v.type === 'stream') return (v as ListValue | StreamValue).length > threshold;
  const enc = v.encoding();
  if (enc !== 'hashtable' && enc !== 'skiplist') return false;
  return (v as unknown as { size: number }).size > threshold;
}

function estimateBytes(p: PreImage): number {
  const v = p.value;
  const base = p.key.length + STRING_OVERHEAD + ENTRY_OVERHEAD;
  if (typeof v === 'string') return base + v.length + STRING_OVERHEAD;
  const n = v.type === 'list' || v.type === 'stream' ? (v as unknown as { length: number }).length : (v as unknown as { size: number }).size;
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

  beforeChange(db: Db, slot: number, key: string, h: number): void {
    const image = this.imageOfLive[db.id];
    if (image === null || image === undefined) return;
    if (image.id < this.dbIndex || (image.id === this.dbIndex && slot < this.cursor)) return;
    if (!image.remember(slot, key)) return;
    const s = db.slots[slot];
    const value = s?.get(key, h);
    if (value === undefined) return; // created after T
    const expireAt = s!.expires?.get(key) ?? -1;
    if (typeof value === 'string') {
      this.addPreImage(image, { key, value, expireAt });
      return;
    }
    const t0 = performance.now();
    if (isBig(value, this.bigElements)) {
      image.streams.push(this.streamOf(key, value, expireAt));
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

  private streamOf(key: string, value: CollectionValue, expireAt: number): ValueStream {
    const options = this.writer.options;
    if (value.type === 'list') return new ListStream(key, value as ListValue, expireAt, options.listMaxListpackSize);
    if (value.type === 'stream') {
      const limits = { maxBytes: options.streamNodeMaxBytes, maxEntries: options.streamNodeMaxEntries };
      return new StreamStream(key, value as StreamValue, expireAt, limits);
    }
    return new CollectionStream(key, value as unknown as BigCollection, expireAt);
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

  /** Recount the extra bytes: pre-images, streams' copies and element pre-images, the sink's queue. */
  private noteExtra(): void {
    let copied = 0;
    for (let i = this.dbIndex; i < this.images.length; i++) for (const s of this.images[i]!.streams) copied += s.extraBytes;
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

  /**
   * Serialize the next non-empty slot of `image`. Skipping empty slots is cheap but not
   * free (a hole in the slot array costs a prototype lookup: 16,384 of them, ~4 ms cold),
   * so at most SKIP_PER_UNIT are skipped per unit, and an empty database is not walked.
   */
  private walkSlot(image: Image): number {
    const slots = image.detached ?? (image.live !== null && image.live.size > 0 ? image.live.slots : undefined);
    if (slots === undefined) {
      this.cursor = SLOT_COUNT;
      return 0;
    }
    let slot: Slot | undefined;
    const stop = Math.min(SLOT_COUNT, this.cursor + SKIP_PER_UNIT);
    while (this.cursor < stop && ((slot = slots[this.cursor]) === undefined || slot.size === 0)) this.cursor++;
    if (this.cursor === stop) return 0;
    // The whole slot is taken now: from here on the hook ignores its keys.
    const remembered = image.takeRemembered(this.cursor++);
    const expires = slot!.expires;
    let units = 0;
    slot!.forEach((key, value) => {
      if (remembered !== undefined && remembered.has(key)) return;
      const expireAt = expires === null ? -1 : expires.get(key) ?? -1;
      if (typeof value !== 'string' && isBig(value, this.bigElements)) {
        image.streams.push(this.streamOf(key, value, expireAt));
      } else {
        this.writeKey(image, key, value, expireAt);
      }
      units++;
    });
    return units;
  }

  private writeKey(image: Image, key: string, value: Value, expireAt: number): void {
    this.select(image);
    this.writer.key(key, value, expireAt);
    this.progress.keysProcessed++;
  }

  private writeStream(stream: ValueStream, image: Image, maxUnits: number): number {
    this.select(image);
    const n = stream.step(this.writer, Math.min(maxUnits, ELEMENTS_PER_CHECK));
    if (!stream.finished) return n;
    image.streams.shift();
    this.progress.keysProcessed++;
    return n;
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
    finished.clear();
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
    for (const image of this.images) for (const stream of image.streams) stream.release();
    if (wasRunning) this.sink.abort();
    this.rejectDone(err);
  }
}
