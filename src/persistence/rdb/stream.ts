/**
 * Streams in RDB (Redis 7.0.15 rdb.c stream parts, t_stream.c streamAppendItem and
 * streamValidateListpackIntegrity): the codec between a StreamImage and the records of
 * type 19 (STREAM_LISTPACKS_2, what 7.0 writes) and 15 (STREAM_LISTPACKS, Redis 5–6).
 *
 * Record: node count; per node a 16-byte key (the master ID, u64 BE ms then seq — the very
 * bytes of a StreamId) and a listpack; the live count; last ID; [first ID, max deleted ID,
 * entries added: type 19 only]; the groups, each with its name, last delivered ID,
 * [entries read: 19 only], its PEL (raw 16-byte IDs, LE delivery times, counts) and its
 * consumers (name, LE seen time, the raw IDs they own). persistence-spec.md §2.7.
 *
 * A node's listpack: the master entry `count deleted n field_1..field_n 0`, then per entry
 * `flags ms-delta seq-delta [n fields… when not SAMEFIELDS] values… lp-count`, deltas taken
 * against the master ID modulo 2^64 and stored as signed int64, as Redis's uint64 subtraction
 * does. IDs stay 16-char strings; the delta arithmetic works on 32-bit words so that no
 * BigInt is made per entry unless a delta leaves the double-exact range.
 *
 * Writing cuts the live entries into nodes exactly as streamAppendItem would when they are
 * added in order: a new node when the current one's listpack bytes plus the raw lengths of
 * the entry's fields and values reach stream-node-max-bytes, or it holds
 * stream-node-max-entries entries; the master entry takes the node's first entry's fields;
 * SAMEFIELDS when an entry's fields equal the master's; values go through the listpack
 * encoder, which turns canonical integers into listpack ints as lpAppend does. A stream that
 * never lost an entry thus gets Redis's bytes. Deleted entries are not kept by Vellum, so a
 * stream with XDEL history is written compacted (no tombstones), which Redis loads the same.
 * The cut is StreamNodeCutter, fed one entry at a time, and the record can be written in
 * pieces (writeStreamNode, writeStreamTail): the snapshot engine plans a big stream's nodes
 * and writes them across slices by the same rules.
 *
 * Reading validates what Redis's deep sanitisation does and what an image needs besides:
 * node keys of 16 bytes, ascending, listpacks well formed and non-empty, the master entry's
 * shape, each entry's lp-count, IDs strictly ascending across nodes and never below their
 * node's master nor above the last ID, each node's live and deleted counts, the total live
 * count, group and consumer names unique, every consumer's IDs present in its group's PEL
 * and every PEL entry owned by exactly one consumer. Deleted entries are skipped. A type 15
 * record gets what 7.0's loader derives: max deleted ID 0-0, entries added = length, each
 * group's entries read estimated as streamEstimateDistanceFromFirstEverEntry does.
 * The first ID a type 19 record carries is not kept: an image derives it from its entries.
 */

import {
  formatStreamId, STREAM_ID_MIN, STREAM_LISTPACK_MAX_SIZE, streamIdFromParts, streamIdFromWords,
  type StreamConsumerImage, type StreamGroupImage, type StreamId, type StreamImage, type StreamNodeLimits,
  type StreamPendingImage,
} from '../../store/stream.js';
import type { RdbReader } from './reader.js';
import type { RdbWriter } from './writer.js';
import { ListpackCursor, lpWriteElement, lpWriteHeader, lpWriteInt } from './listpack.js';
import { LP_EMPTY_BYTES, lpIntBytes, lpStringBytes } from '../../store/stream-listpack.js';
import { BlobError, corrupt } from './errors.js';
import { latin1Of } from '../../util/latin1.js';
import { parseLongLong } from '../../util/numbers.js';

/** A listpack's header: where its first element starts. */
const LP_HDR_BYTES = 6;

/** Entry flags (t_stream.c). */
const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

// ---------------------------------------------------------------- IDs as 32-bit words

const TWO32 = 4294967296;

/** Word `i` of an ID: 0 ms high, 1 ms low, 2 seq high, 3 seq low. */
function word(id: StreamId, i: number): number {
  const p = i * 4;
  return id.charCodeAt(p) * 16777216 + ((id.charCodeAt(p + 1) << 16) | (id.charCodeAt(p + 2) << 8) | id.charCodeAt(p + 3));
}

/** The u64 of two words, as a number while exact. */
function u64(hi: number, lo: number): number | bigint {
  return hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

function wordsOfU64(v: bigint): [number, number] {
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}

/** (a - b) mod 2^64 read as an int64, as Redis's uint64 subtraction stored in a listpack. */
function deltaOf(aHi: number, aLo: number, bHi: number, bLo: number): number | bigint {
  let lo = aLo - bLo;
  let hi = aHi - bHi;
  if (lo < 0) {
    lo += TWO32;
    hi--;
  }
  hi |= 0; // the high word modulo 2^32, signed: the int64's sign
  if (hi >= -0x200000 && hi < 0x200000) return hi * TWO32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Listpack bytes of an integer element; past the double-exact range it is an int64. */
function intBytes(v: number | bigint): number {
  return typeof v === 'number' ? lpIntBytes(v) : 10;
}

/** Result words of addDelta (module scratch: no array per entry). */
let sumHi = 0;
let sumLo = 0;

/** (hi, lo) + d modulo 2^64, into sumHi/sumLo. */
function addDelta(hi: number, lo: number, d: number | bigint): void {
  let dHi: number;
  let dLo: number;
  if (typeof d === 'number') {
    dHi = Math.floor(d / TWO32);
    dLo = d - dHi * TWO32;
  } else {
    [dHi, dLo] = wordsOfU64(BigInt.asUintN(64, d));
  }
  let l = lo + dLo;
  let h = hi + dHi;
  if (l >= TWO32) {
    l -= TWO32;
    h++;
  }
  sumHi = h >>> 0; // modulo 2^32
  sumLo = l;
}

// ---------------------------------------------------------------- writing

/** Node boundaries and sizes, from planStreamNodes. */
export interface StreamNodePlan {
  /** Index of each node's first entry. */
  starts: number[];
  /** Bytes of each node's listpack. */
  bytes: number[];
}

/**
 * Where streamAppendItem starts new nodes when entries are added in order, and the size of
 * each node's listpack: fed one entry at a time, so that a caller may stop and resume
 * (planStreamNodes for a whole image; the snapshot engine across slices). Sizes are
 * computed, nothing is encoded.
 */
export class StreamNodeCutter {
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  /** The open node's master fields and ID words; null before the first entry. */
  private master: readonly string[] | null = null;
  private readonly mw = [0, 0, 0, 0];
  /** Bytes of the open node's listpack but for its count element. */
  private bytes = 0;
  private count = 0;
  /** After add() returned true for a later entry: the bytes of the node it closed. */
  closedBytes = 0;

  constructor(limits: StreamNodeLimits) {
    this.maxBytes = limits.maxBytes === 0 || limits.maxBytes > STREAM_LISTPACK_MAX_SIZE ? STREAM_LISTPACK_MAX_SIZE : limits.maxBytes;
    this.maxEntries = limits.maxEntries;
  }

  /** Account for the next entry; true when it starts a node (always for the first). */
  add(id: StreamId, fv: readonly string[]): boolean {
    let starts = this.master === null;
    if (!starts) {
      let raw = 0;
      for (let j = 0; j < fv.length; j++) raw += fv[j]!.length;
      if (this.bytes + lpIntBytes(this.count) + raw >= this.maxBytes || (this.maxEntries > 0 && this.count >= this.maxEntries)) {
        this.closedBytes = this.openBytes;
        starts = true;
      }
    }
    if (starts) {
      this.master = fv;
      for (let k = 0; k < 4; k++) this.mw[k] = word(id, k);
      this.bytes = LP_EMPTY_BYTES + masterBytes(fv);
      this.count = 0;
    }
    this.bytes += entryBytes(this.master!, this.mw, id, fv);
    this.count++;
    return starts;
  }

  /** Bytes of the open node's listpack as it stands. */
  get openBytes(): number {
    return this.bytes + lpIntBytes(this.count);
  }
}

/** Where streamAppendItem would start new nodes for these entries added in order, and each node's size. */
export function planStreamNodes(entries: readonly [StreamId, string[]][], limits: StreamNodeLimits): StreamNodePlan {
  const plan: StreamNodePlan = { starts: [], bytes: [] };
  const cutter = new StreamNodeCutter(limits);
  for (let i = 0; i < entries.length; i++) {
    const [id, fv] = entries[i]!;
    if (!cutter.add(id, fv)) continue;
    if (i > 0) plan.bytes.push(cutter.closedBytes);
    plan.starts.push(i);
  }
  if (entries.length > 0) plan.bytes.push(cutter.openBytes);
  return plan;
}

/** The master entry's bytes but for its count: deleted (0), field count, fields, 0. */
function masterBytes(fv: readonly string[]): number {
  let b = lpIntBytes(0) + lpIntBytes(fv.length / 2) + lpIntBytes(0);
  for (let j = 0; j < fv.length; j += 2) b += lpStringBytes(fv[j]!);
  return b;
}

function sameFields(master: readonly string[], fv: readonly string[]): boolean {
  if (master.length !== fv.length) return false;
  for (let j = 0; j < fv.length; j += 2) if (master[j] !== fv[j]) return false;
  return true;
}

/** Bytes of one entry against its node's master fields and ID words (as encodeStreamNode writes it). */
function entryBytes(mfv: readonly string[], mw: readonly number[], id: StreamId, fv: readonly string[]): number {
  const n = fv.length / 2;
  let b = lpIntBytes(FLAG_SAMEFIELDS) + intBytes(deltaOf(word(id, 0), word(id, 1), mw[0]!, mw[1]!))
    + intBytes(deltaOf(word(id, 2), word(id, 3), mw[2]!, mw[3]!));
  if (sameFields(mfv, fv)) {
    for (let j = 1; j < fv.length; j += 2) b += lpStringBytes(fv[j]!);
    return b + lpIntBytes(n + 3);
  }
  for (let j = 0; j < fv.length; j++) b += lpStringBytes(fv[j]!);
  return b + lpIntBytes(n) + lpIntBytes(2 * n + 4);
}

/**
 * The listpack of node [start, end) of `entries`: the master entry
 * `count 0 n field_1..field_n 0`, then per entry `flags ms-delta seq-delta [n fields…]
 * values… lp-count`. `bytes` is its size, when planStreamNodes has it.
 */
export function encodeStreamNode(entries: readonly [StreamId, string[]][], start: number, end: number, bytes = -1): Buffer {
  const master = entries[start]!;
  const mfv = master[1];
  const nf = mfv.length / 2;
  const m = master[0];
  const mHi = word(m, 0);
  const mLo = word(m, 1);
  const sHi = word(m, 2);
  const sLo = word(m, 3);
  if (bytes < 0) {
    bytes = LP_EMPTY_BYTES + masterBytes(mfv) + lpIntBytes(end - start);
    const mw = [mHi, mLo, sHi, sLo];
    for (let i = start; i < end; i++) bytes += entryBytes(mfv, mw, entries[i]![0], entries[i]![1]);
  }
  const out = Buffer.allocUnsafe(bytes);
  let count = 4 + nf;
  let p = lpWriteHeader(out, bytes, 0);
  p = lpWriteInt(out, p, end - start);
  p = lpWriteInt(out, p, 0);
  p = lpWriteInt(out, p, nf);
  for (let j = 0; j < mfv.length; j += 2) p = lpWriteElement(out, p, mfv[j]!);
  p = lpWriteInt(out, p, 0);
  for (let i = start; i < end; i++) {
    const [id, fv] = entries[i]!;
    const n = fv.length / 2;
    const same = sameFields(mfv, fv);
    p = lpWriteInt(out, p, same ? FLAG_SAMEFIELDS : 0);
    p = lpWriteInt(out, p, deltaOf(word(id, 0), word(id, 1), mHi, mLo));
    p = lpWriteInt(out, p, deltaOf(word(id, 2), word(id, 3), sHi, sLo));
    if (same) {
      for (let j = 1; j < fv.length; j += 2) p = lpWriteElement(out, p, fv[j]!);
      p = lpWriteInt(out, p, n + 3);
      count += n + 4;
    } else {
      p = lpWriteInt(out, p, n);
      for (let j = 0; j < fv.length; j++) p = lpWriteElement(out, p, fv[j]!);
      p = lpWriteInt(out, p, 2 * n + 4);
      count += 2 * n + 5;
    }
  }
  out[p++] = 0xff;
  if (p !== bytes) throw new Error(`stream node of ${p} bytes, planned ${bytes}`);
  lpWriteHeader(out, bytes, count);
  return out;
}

/** Write `id`'s two parts as RDB lengths. */
function writeId(w: RdbWriter, id: StreamId): void {
  w.length(u64(word(id, 0), word(id, 1)));
  w.length(u64(word(id, 2), word(id, 3)));
}

/** An 8-byte LE signed millisecond time (rdbSaveMillisecondTime), without a BigInt. */
function writeMs(w: RdbWriter, t: number): void {
  const at = w.sink.reserve(8);
  const hi = Math.floor(t / TWO32);
  w.sink.buffer.writeUInt32LE(t - hi * TWO32, at);
  w.sink.buffer.writeInt32LE(hi, at + 4);
}

/** Each consumer's pending entries, ascending (the group PEL is). */
export function pendingByConsumer(g: StreamGroupImage): Map<string, StreamPendingImage[]> {
  const owned = new Map<string, StreamPendingImage[]>();
  for (const p of g.pending) {
    const mine = owned.get(p.consumer);
    if (mine === undefined) owned.set(p.consumer, [p]);
    else mine.push(p);
  }
  return owned;
}

/** Groups or consumers in name order: Redis's rax order (bytes, a prefix first). */
export function sortedByName<T extends { name: string }>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A stream's counters and groups: its image but for the entries. */
export type StreamMeta = Omit<StreamImage, 'entries'>;

/** The body of a type 19 record, in Redis's order (groups and consumers by name, as its rax). */
export function writeStreamImage(w: RdbWriter, image: StreamImage, limits: StreamNodeLimits): void {
  const entries = image.entries;
  const { starts, bytes } = planStreamNodes(entries, limits);
  w.length(starts.length);
  for (let n = 0; n < starts.length; n++) {
    writeStreamNode(w, entries, starts[n]!, n + 1 < starts.length ? starts[n + 1]! : entries.length, bytes[n]!);
  }
  writeStreamTail(w, entries.length, entries.length > 0 ? entries[0]![0] : STREAM_ID_MIN, image);
}

/** One node of the record: its master ID as the key, then the listpack of entries [start, end). */
export function writeStreamNode(w: RdbWriter, entries: readonly [StreamId, string[]][], start: number, end: number, bytes: number): void {
  w.string(entries[start]![0]);
  w.blob(encodeStreamNode(entries, start, end, bytes));
}

/**
 * What follows the nodes: the live count, the last, first and max deleted IDs, entries
 * added, then the groups with their PELs and consumers.
 */
export function writeStreamTail(w: RdbWriter, length: number, firstId: StreamId, meta: StreamMeta): void {
  w.length(length);
  writeId(w, meta.lastId);
  writeId(w, firstId);
  writeId(w, meta.maxDeletedId);
  w.length(BigInt.asUintN(64, meta.entriesAdded));
  const groups = sortedByName(meta.groups);
  w.length(groups.length);
  for (const g of groups) {
    w.string(g.name);
    writeId(w, g.lastId);
    w.length(BigInt.asUintN(64, g.entriesRead));
    w.length(g.pending.length);
    for (const p of g.pending) {
      w.sink.latin1(p.id);
      writeMs(w, p.deliveryTime);
      w.length(p.deliveryCount);
    }
    const owned = pendingByConsumer(g);
    const consumers = sortedByName(g.consumers);
    w.length(consumers.length);
    for (const c of consumers) {
      w.string(c.name);
      writeMs(w, c.seenTime);
      const mine = owned.get(c.name);
      w.length(mine === undefined ? 0 : mine.length);
      if (mine !== undefined) for (const p of mine) w.sink.latin1(p.id);
    }
  }
}

// ---------------------------------------------------------------- reading

/** The next element as lpGetIntegerIfValid reads it: an integer, or a string that is one. */
function nextInt(c: ListpackCursor, what: string): number | bigint {
  if (!c.next()) throw new BlobError(`the listpack ends before ${what}`, c.at);
  const v = c.str === null ? c.int : parseLongLong(c.str);
  if (v === null) throw new BlobError(`${what} is not an integer`, c.at);
  return v;
}

function nextCount(c: ListpackCursor, what: string): number {
  const v = nextInt(c, what);
  if (typeof v !== 'number' || v < 0) throw new BlobError(`${what} is not a valid count`, c.at);
  return v;
}

function nextString(c: ListpackCursor, what: string): string {
  if (!c.next()) throw new BlobError(`the listpack ends before ${what}`, c.at);
  return c.string();
}

/**
 * Decode one node's entries into `out` (live ones only), checking its shape; `prev` is the
 * last ID seen before the node (every ID must be above it). Returns the node's last ID.
 * BlobError `at` is the byte offset in the listpack.
 */
function decodeNode(master: StreamId, lp: Uint8Array, prev: StreamId, out: [StreamId, string[]][]): StreamId {
  const c = new ListpackCursor(lp);
  if (lp.length === LP_EMPTY_BYTES) throw new BlobError('Empty listpack inside stream', 0);
  const live = nextCount(c, 'the master entry count');
  const deleted = nextCount(c, 'the master deleted count');
  const nf = nextCount(c, 'the master field count');
  const masterFields: string[] = new Array(nf);
  for (let j = 0; j < nf; j++) masterFields[j] = nextString(c, 'a master field');
  if (nextInt(c, 'the master entry terminator') !== 0) throw new BlobError('the master entry does not end with 0', c.at);
  const mHi = word(master, 0);
  const mLo = word(master, 1);
  const sHi = word(master, 2);
  const sLo = word(master, 3);
  let last = prev;
  let liveSeen = 0;
  for (let e = 0; e < live + deleted; e++) {
    const flags = nextInt(c, 'an entry\'s flags');
    const first = c.at;
    const msDelta = nextInt(c, 'an entry\'s ms delta');
    const seqDelta = nextInt(c, 'an entry\'s seq delta');
    if (typeof flags !== 'number') throw new BlobError('an entry\'s flags are out of range', first);
    const same = (flags & FLAG_SAMEFIELDS) !== 0;
    const fields = same ? nf : nextCount(c, 'an entry\'s field count');
    const fv: string[] = new Array(2 * fields);
    if (same) {
      for (let j = 0; j < fields; j++) {
        fv[2 * j] = masterFields[j]!;
        fv[2 * j + 1] = nextString(c, 'an entry value');
      }
    } else {
      for (let j = 0; j < 2 * fields; j++) fv[j] = nextString(c, 'an entry field or value');
    }
    const lpCount = nextInt(c, 'an entry\'s lp-count');
    const expected = same ? fields + 3 : 2 * fields + 4;
    if (lpCount !== expected) throw new BlobError(`an entry's lp-count is ${lpCount}, expected ${expected}`, c.at);
    addDelta(mHi, mLo, msDelta);
    const idHi = sumHi;
    const idLo = sumLo;
    addDelta(sHi, sLo, seqDelta);
    const id = streamIdFromWords(idHi, idLo, sumHi, sumLo);
    if (id < master) throw new BlobError(`entry ${formatStreamId(id)} is below its node's master ID ${formatStreamId(master)}`, first);
    if (id <= last) throw new BlobError(`entry ${formatStreamId(id)} does not follow ${formatStreamId(last)}`, first);
    last = id;
    if ((flags & FLAG_DELETED) !== 0) continue;
    if (fields === 0) throw new BlobError(`entry ${formatStreamId(id)} has no fields`, first);
    out.push([id, fv]);
    liveSeen++;
  }
  if (c.next()) throw new BlobError('elements after the last entry', c.at);
  if (liveSeen !== live) throw new BlobError(`the master entry counts ${live} live entries, the node holds ${liveSeen}`, LP_HDR_BYTES);
  return last;
}

/** Two u64 lengths: an ID. */
function readId(r: RdbReader, what: string): StreamId {
  const ms = r.lengthU64(`${what} (ms)`);
  return streamIdFromParts(ms, r.lengthU64(`${what} (seq)`));
}

/** Redis's streamEstimateDistanceFromFirstEverEntry for a type 15 record (no tombstone info). */
function estimateEntriesRead(entries: [StreamId, string[]][], lastId: StreamId, id: StreamId): bigint {
  const n = entries.length;
  if (n === 0) return 0n;
  if (id === lastId) return BigInt(n);
  if (id > lastId) return -1n;
  const first = entries[0]![0];
  if (id < first) return 0n;
  if (id === first) return 1n;
  return -1n;
}

/**
 * The body of a type 15 or 19 record (`v2`), as an image. Throws RdbError (corruption at
 * the offset of the part that is wrong, truncation where the bytes ran out).
 */
export function readStreamImage(r: RdbReader, v2: boolean): StreamImage {
  const nodes = new StreamNodeReader(r);
  const entries: [StreamId, string[]][] = [];
  while (nodes.next(entries));
  const meta = readStreamMeta(r, v2, nodes, (lastId, id) => estimateEntriesRead(entries, lastId, id));
  return { entries, ...meta };
}

/**
 * A stream record's nodes read one at a time (RdbElementVisitor takes a big stream a node
 * at a time this way), each checked against the ones before it.
 */
export class StreamNodeReader {
  /** Live entries read so far. */
  live = 0;
  /** The last entry ID read, live or deleted ('' before any). */
  last = '';
  /** The last live entry ID ('' before any). */
  lastLive = '';
  private left: number;
  private prevKey = '';

  constructor(private readonly r: RdbReader) {
    this.left = r.length('a stream node count');
  }

  /** Read the next node's live entries into `out`; false (nothing read) after the last node. */
  next(out: [StreamId, string[]][]): boolean {
    if (this.left === 0) return false;
    this.left--;
    const r = this.r;
    const keyAt = r.offset;
    const key = r.string('a stream node key');
    if (key.length !== 16) throw corrupt(`Stream node key entry is not the size of a stream ID (${key.length} bytes)`, keyAt);
    if (key === this.prevKey) throw corrupt('Listpack re-added with existing key', keyAt);
    if (key <= this.last) throw corrupt(`Stream node ${formatStreamId(key)} does not follow entry ${formatStreamId(this.last)}`, keyAt);
    this.prevKey = key;
    const lpAt = r.offset;
    const blob = r.blob('a stream listpack');
    const before = out.length;
    try {
      this.last = decodeNode(key, blob, this.last, out);
    } catch (err) {
      if (err instanceof BlobError) {
        const where = err.message.startsWith('Empty') ? err.message : `Stream listpack integrity check failed: ${err.message} (blob byte ${err.at})`;
        throw corrupt(where, lpAt);
      }
      throw err;
    }
    this.live += out.length - before;
    if (out.length > before) this.lastLive = out[out.length - 1]![0];
    return true;
  }
}

/**
 * What follows a stream record's nodes (read through `nodes`): length, IDs, counters and
 * groups. `estimate` gives a type 15 group's entries-read (Redis's estimate from the
 * entries; type 19 stores it).
 */
export function readStreamMeta(r: RdbReader, v2: boolean, nodes: StreamNodeReader, estimate: (lastId: StreamId, id: StreamId) => bigint): StreamMeta {
  const lengthAt = r.offset;
  const length = r.length('a stream length');
  if (length !== nodes.live) {
    throw corrupt(`Stream length ${length} inconsistent with the ${nodes.live} live entries of its nodes`, lengthAt);
  }
  const lastAt = r.offset;
  const lastId = readId(r, 'a stream last ID');
  if (nodes.live > 0 && nodes.lastLive > lastId) {
    throw corrupt(`Stream last ID ${formatStreamId(lastId)} is below its entry ${formatStreamId(nodes.lastLive)}`, lastAt);
  }
  let maxDeletedId = STREAM_ID_MIN;
  let entriesAdded = BigInt(length);
  if (v2) {
    readId(r, 'a stream first ID');
    maxDeletedId = readId(r, 'a stream max deleted ID');
    entriesAdded = r.lengthU64('a stream entries-added counter');
  }
  const groupCount = r.length('a stream group count');
  const groups: StreamGroupImage[] = [];
  const groupNames = new Set<string>();
  for (let g = 0; g < groupCount; g++) {
    const nameAt = r.offset;
    const name = r.string('a consumer group name');
    if (groupNames.has(name)) throw corrupt(`Duplicated consumer group name ${name}`, nameAt);
    groupNames.add(name);
    const groupLast = readId(r, 'a consumer group last ID');
    const entriesRead = v2 ? BigInt.asIntN(64, r.lengthU64('a consumer group entries-read counter'))
      : estimate(lastId, groupLast);
    groups.push(readGroup(r, name, groupLast, entriesRead));
  }
  return { lastId, maxDeletedId, entriesAdded, groups };
}

/** A group's PEL and consumers, checked against each other. */
function readGroup(r: RdbReader, name: string, lastId: StreamId, entriesRead: bigint): StreamGroupImage {
  const pelCount = r.length('a stream PEL size');
  const pending: StreamPendingImage[] = [];
  const byId = new Map<StreamId, StreamPendingImage>();
  let sorted = true;
  for (let i = 0; i < pelCount; i++) {
    const at = r.offset;
    const id = latin1Of(r.bytes(16, 'a stream PEL ID'), 0, 16);
    const deliveryTime = Number(r.int64LE('a stream PEL delivery time'));
    const deliveryCount = r.length('a stream PEL delivery count');
    if (byId.has(id)) throw corrupt('Duplicated global PEL entry loading stream consumer group', at);
    const p: StreamPendingImage = { id, deliveryTime, deliveryCount, consumer: '' };
    if (pending.length > 0 && id < pending[pending.length - 1]!.id) sorted = false;
    byId.set(id, p);
    pending.push(p);
  }
  if (!sorted) pending.sort((a, b) => (a.id < b.id ? -1 : 1));
  const owned = new Set<StreamId>();
  const consumerCount = r.length('a stream consumer count');
  const consumers: StreamConsumerImage[] = [];
  const names = new Set<string>();
  for (let c = 0; c < consumerCount; c++) {
    const nameAt = r.offset;
    const cname = r.string('a stream consumer name');
    if (names.has(cname)) throw corrupt('Duplicate stream consumer detected.', nameAt);
    names.add(cname);
    const seenTime = Number(r.int64LE('a stream consumer seen time'));
    consumers.push({ name: cname, seenTime });
    const n = r.length('a stream consumer PEL size');
    const mine = new Set<StreamId>();
    for (let i = 0; i < n; i++) {
      const at = r.offset;
      const id = latin1Of(r.bytes(16, 'a stream consumer PEL ID'), 0, 16);
      const p = byId.get(id);
      if (p === undefined) throw corrupt(`Consumer entry not found in group global PEL (${formatStreamId(id)} of consumer ${cname} in group ${name})`, at);
      if (mine.has(id)) throw corrupt('Duplicated consumer PEL entry loading a stream consumer group', at);
      if (owned.has(id)) throw corrupt(`Stream CG PEL entry ${formatStreamId(id)} owned by two consumers (group ${name})`, at);
      mine.add(id);
      owned.add(id);
      p.consumer = cname;
    }
  }
  if (owned.size !== pending.length) {
    const orphan = pending.find((p) => !owned.has(p.id))!;
    throw corrupt(`Stream CG PEL entry without consumer (${formatStreamId(orphan.id)} in group ${name})`, r.offset);
  }
  return { name, lastId, entriesRead, pending, consumers };
}
