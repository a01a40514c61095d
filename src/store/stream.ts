/**
 * Streams (Redis's t_stream.c): entries keyed by a 128-bit ID, consumer groups with their
 * pending entries lists, and the image both persistence formats read and write.
 *
 * IDs are 16-byte latin1 strings, ms then seq, each an unsigned 64-bit big-endian number —
 * the very key Redis's radix tree uses — so that plain string comparison is ID order and
 * the full u64 range of both parts is exact without a BigInt per entry.
 *
 * Entries live in nodes laid out as Redis lays out its radix tree of listpacks (a new node
 * when the tail holds stream-node-max-entries entries or its listpack would reach
 * stream-node-max-bytes), because approximate trimming removes whole nodes only: XLEN
 * after `XADD … MAXLEN ~ n` matches Redis only if the nodes do. Deleted entries stay in
 * their node as tombstones until the node empties, as in Redis. The radix tree itself is
 * not kept: XINFO STREAM's radix-tree-nodes is computed from the node keys (raxNodeCount).
 *
 * Counters that Redis keeps as 64-bit integers and that users may set (entries-added,
 * entries-read) are bigints; they change once per command or delivered entry.
 *
 * Snapshots: a snapshot writing a big stream across slices keeps the node objects as they
 * were at its start and installs a StreamHook, told before an entry becomes a tombstone,
 * the one in-place change that loses an entry it may still need (persistence/snapshot/
 * engine.ts). Every stream pays one field, every deletion one null test.
 */

import type { CollectionValue } from './value.js';
import { IdMap, idLowerBound } from './stream-idmap.js';
import { LP_EMPTY_BYTES, lpInt64WordsBytes, lpIntBytes, lpStringBytes } from './stream-listpack.js';

/** A stream entry ID: 16 latin1 chars, ms (u64 BE) then seq (u64 BE). */
export type StreamId = string;

/**
 * What a running snapshot learns before a stream changes in place. Appends land past the
 * entries it reads and whole nodes dropped from the stream keep their entries, so the one
 * change it must see first is a live entry of a node marked deleted.
 */
export interface StreamHook {
  /** Entry i of `node`, live, is about to be marked deleted (XDEL, exact trims). */
  beforeEntryDelete(node: StreamNode, i: number): void;
}

/** One pending entry of a group: delivered to `consumer`, not yet acknowledged. */
export interface StreamPendingImage {
  id: StreamId;
  /** Last delivery, ms since the epoch. */
  deliveryTime: number;
  deliveryCount: number;
  consumer: string;
}

export interface StreamConsumerImage {
  name: string;
  /** Last time the consumer was seen (read or claimed), ms since the epoch. */
  seenTime: number;
}

export interface StreamGroupImage {
  name: string;
  lastId: StreamId;
  /** Entries read by the group; -1n when unknown (Redis's SCG_INVALID_ENTRIES_READ). */
  entriesRead: bigint;
  /** Ascending by id. */
  pending: StreamPendingImage[];
  /** Every consumer, including those with nothing pending. */
  consumers: StreamConsumerImage[];
}

/**
 * A stream as RDB (type 19) and the AOF rewrite see it: live entries only, in ascending ID
 * order, each with its field/value list [f1, v1, f2, v2, …], plus the metadata that
 * outlives deleted entries. Entry arrays are never changed in place once added.
 */
export interface StreamImage {
  entries: [StreamId, string[]][];
  lastId: StreamId;
  maxDeletedId: StreamId;
  entriesAdded: bigint;
  groups: StreamGroupImage[];
}

// ---------------------------------------------------------------- IDs

/** 0-0: the smallest ID, and "none" for the last, first and max-deleted IDs. */
export const STREAM_ID_MIN: StreamId = '\0'.repeat(16);
/** 18446744073709551615-18446744073709551615. */
export const STREAM_ID_MAX: StreamId = '\xff'.repeat(16);

const TWO_32 = 0x100000000;
const U32_MAX = 0xffffffff;

/** The 32-bit big-endian word of `id` starting at char `at` (0, 4, 8 or 12). */
function word(id: StreamId, at: number): number {
  return ((id.charCodeAt(at) << 24) | (id.charCodeAt(at + 1) << 16) | (id.charCodeAt(at + 2) << 8) | id.charCodeAt(at + 3)) >>> 0;
}

/** The ID whose ms is msHi·2³² + msLo and seq seqHi·2³² + seqLo (unsigned 32-bit words). */
export function streamIdFromWords(msHi: number, msLo: number, seqHi: number, seqLo: number): StreamId {
  return String.fromCharCode(
    msHi >>> 24, (msHi >>> 16) & 255, (msHi >>> 8) & 255, msHi & 255,
    msLo >>> 24, (msLo >>> 16) & 255, (msLo >>> 8) & 255, msLo & 255,
    seqHi >>> 24, (seqHi >>> 16) & 255, (seqHi >>> 8) & 255, seqHi & 255,
    seqLo >>> 24, (seqLo >>> 16) & 255, (seqLo >>> 8) & 255, seqLo & 255,
  );
}

export function streamIdFromParts(ms: bigint, seq: bigint): StreamId {
  return streamIdFromWords(
    Number((ms >> 32n) & 0xffffffffn), Number(ms & 0xffffffffn),
    Number((seq >> 32n) & 0xffffffffn), Number(seq & 0xffffffffn),
  );
}

export function streamIdMs(id: StreamId): bigint {
  return (BigInt(word(id, 0)) << 32n) | BigInt(word(id, 4));
}

export function streamIdSeq(id: StreamId): bigint {
  return (BigInt(word(id, 8)) << 32n) | BigInt(word(id, 12));
}

/** Decimal of the u64 hi·2³² + lo; exact in a double below 2⁵³, the common case. */
function formatU64(hi: number, lo: number): string {
  return hi < 0x200000 ? String(hi * TWO_32 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** "ms-seq", as Redis replies and propagates IDs. */
export function formatStreamId(id: StreamId): string {
  return `${formatU64(word(id, 0), word(id, 4))}-${formatU64(word(id, 8), word(id, 12))}`;
}

/** The next ID as one 128-bit number (seq overflows into ms); null past the maximum (streamIncrID). */
export function streamIdIncr(id: StreamId): StreamId | null {
  const msHi = word(id, 0);
  const msLo = word(id, 4);
  const seqHi = word(id, 8);
  const seqLo = word(id, 12);
  if (seqLo !== U32_MAX) return streamIdFromWords(msHi, msLo, seqHi, seqLo + 1);
  if (seqHi !== U32_MAX) return streamIdFromWords(msHi, msLo, seqHi + 1, 0);
  if (msLo !== U32_MAX) return streamIdFromWords(msHi, msLo + 1, 0, 0);
  if (msHi !== U32_MAX) return streamIdFromWords(msHi + 1, 0, 0, 0);
  return null;
}

/** The previous ID; null below 0-0 (streamDecrID). */
export function streamIdDecr(id: StreamId): StreamId | null {
  const msHi = word(id, 0);
  const msLo = word(id, 4);
  const seqHi = word(id, 8);
  const seqLo = word(id, 12);
  if (seqLo !== 0) return streamIdFromWords(msHi, msLo, seqHi, seqLo - 1);
  if (seqHi !== 0) return streamIdFromWords(msHi, msLo, seqHi - 1, U32_MAX);
  if (msLo !== 0) return streamIdFromWords(msHi, msLo - 1, U32_MAX, U32_MAX);
  if (msHi !== 0) return streamIdFromWords(msHi - 1, U32_MAX, U32_MAX, U32_MAX);
  return null;
}

/**
 * The ID XADD * generates (streamNextID): `now` with seq 0 when it is past the last ID's
 * ms, else the last ID plus one (null when that would pass the maximum).
 */
export function streamNextId(last: StreamId, now: number): StreamId | null {
  const hi = Math.floor(now / TWO_32);
  const lo = now >>> 0;
  const lastHi = word(last, 0);
  if (hi > lastHi || (hi === lastHi && lo > word(last, 4))) return streamIdFromWords(hi, lo, 0, 0);
  return streamIdIncr(last);
}

/**
 * The ID XADD ms-* uses (`msId` carries the ms, seq 0): the last ID plus one when it has the
 * same ms (null when its seq is exhausted), else msId itself.
 */
export function streamIdWithAutoSeq(last: StreamId, msId: StreamId): StreamId | null {
  if (word(last, 0) !== word(msId, 0) || word(last, 4) !== word(msId, 4)) return msId;
  if (word(last, 8) === U32_MAX && word(last, 12) === U32_MAX) return null;
  return streamIdIncr(last);
}

/** Set by parseStreamId: false when the ID had the `ms-*` form. */
export const parsedStreamId = { seqGiven: true };

// parseU64 leaves the high word here and returns the low one, so parsing allocates nothing.
let u64Hi = 0;

/**
 * Redis's streamGenericParseIDOrReply without the reply: "-" and "+" (refused when strict),
 * "ms" (seq 0, or the maximum when missingSeqMax), "ms-seq", and "ms-*" when allowAutoSeq
 * (parsedStreamId.seqGiven is then false; seq is 0). Null when invalid.
 * The C string ends at its first NUL, and so does the parse here.
 */
export function parseStreamId(arg: string, strict: boolean, missingSeqMax: boolean, allowAutoSeq = false): StreamId | null {
  if (arg.length > 127) return null;
  const nul = arg.indexOf('\0');
  const s = nul < 0 ? arg : arg.slice(0, nul);
  parsedStreamId.seqGiven = true;
  if (s === '-' || s === '+') {
    if (strict) return null;
    return s === '-' ? STREAM_ID_MIN : STREAM_ID_MAX;
  }
  const dash = s.indexOf('-');
  const msLo = parseU64(dash < 0 ? s : s.slice(0, dash));
  if (msLo < 0) return null;
  const msHi = u64Hi;
  if (dash < 0) return missingSeqMax ? streamIdFromWords(msHi, msLo, U32_MAX, U32_MAX) : streamIdFromWords(msHi, msLo, 0, 0);
  if (allowAutoSeq && dash === s.length - 2 && s.charCodeAt(dash + 1) === 0x2a /* '*' */) {
    parsedStreamId.seqGiven = false;
    return streamIdFromWords(msHi, msLo, 0, 0);
  }
  const seqLo = parseU64(s.slice(dash + 1));
  if (seqLo < 0) return null;
  return streamIdFromWords(msHi, msLo, u64Hi, seqLo);
}

/**
 * Redis's string2ull: a canonical int64 (string2ll) is taken as is and refused when
 * negative; anything else goes to strtoull, which skips leading blanks, takes a sign and
 * leading zeros, wraps a negated value modulo 2⁶⁴ and refuses overflow or trailing bytes.
 * Returns the low 32-bit word and sets u64Hi, or -1 when invalid.
 */
function parseU64(s: string): number {
  const len = s.length;
  // Fast path: up to 15 plain digits fit a double exactly (the usual ms and seq).
  if (len > 0 && len <= 15) {
    let n = 0;
    let i = 0;
    for (; i < len; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === len) {
      u64Hi = Math.floor(n / TWO_32);
      return n >>> 0;
    }
  }
  const canonical = /^-?[1-9][0-9]*$|^0$/.test(s) && s.length <= 20;
  let v: bigint;
  if (canonical && s.charCodeAt(0) === 0x2d) {
    const ll = BigInt(s);
    if (ll >= -(1n << 63n)) return -1; // string2ll accepted a negative: refused
    // Below INT64_MIN string2ll fails; strtoull then wraps it.
    v = ll;
  } else {
    const m = /^[\t\n\v\f\r ]*([+-]?)([0-9]+)$/.exec(s);
    if (m === null) return -1;
    v = BigInt(m[2]!);
    if (m[1] === '-') v = -v;
  }
  const mag = v < 0n ? -v : v;
  if (mag > 0xffffffffffffffffn) return -1;
  const u = BigInt.asUintN(64, v);
  u64Hi = Number(u >> 32n);
  return Number(u & 0xffffffffn);
}

// ---------------------------------------------------------------- nodes

/** Redis's stream-node-max-bytes and stream-node-max-entries (0 = no limit). */
export interface StreamNodeLimits {
  maxBytes: number;
  maxEntries: number;
}

export const STREAM_NODE_DEFAULTS: StreamNodeLimits = { maxBytes: 4096, maxEntries: 100 };

/** STREAM_LISTPACK_MAX_SIZE: the cap on a node, and on the strings of one entry. */
export const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

/** Flags of an entry in Redis's listpack: both forms take one byte, so one size. */
const FLAGS_BYTES = lpIntBytes(0);

/**
 * One radix-tree node of Redis's stream: the entries appended while it was the tail, in
 * ID order, deleted ones kept as tombstones (entries[i] === null) until the whole node
 * goes. `bytes` is the size of the listpack Redis would hold for it.
 */
export class StreamNode {
  ids: StreamId[] = [];
  /** [field, value, …] per entry; null once deleted. */
  entries: (string[] | null)[] = [];
  live = 0;
  deleted = 0;
  bytes: number;

  /** `master` is the first entry's field/value list: its fields are the master entry's. */
  constructor(readonly masterId: StreamId, readonly master: readonly string[]) {
    let bytes = LP_EMPTY_BYTES + lpIntBytes(0) /* deleted */ + lpIntBytes(master.length >>> 1) + lpIntBytes(0) /* terminator */;
    for (let i = 0; i < master.length; i += 2) bytes += lpStringBytes(master[i]!);
    this.bytes = bytes + lpIntBytes(0); // the live count, 0 until the first entry is added
  }

  get lastId(): StreamId {
    return this.ids[this.ids.length - 1]!;
  }

  /** Append an entry, counting the bytes Redis's listpack grows by. */
  add(id: StreamId, fv: string[]): void {
    const master = this.master;
    const n = fv.length >>> 1;
    let same = fv.length === master.length;
    for (let i = 0; same && i < fv.length; i += 2) same = fv[i] === master[i];
    let bytes = FLAGS_BYTES + deltaBytes(id, this.masterId, 0) + deltaBytes(id, this.masterId, 8);
    if (same) {
      for (let i = 1; i < fv.length; i += 2) bytes += lpStringBytes(fv[i]!);
      bytes += lpIntBytes(n + 3);
    } else {
      for (let i = 0; i < fv.length; i++) bytes += lpStringBytes(fv[i]!);
      bytes += lpIntBytes(n) + lpIntBytes(2 * n + 4);
    }
    this.bytes += bytes + lpIntBytes(this.live + 1) - lpIntBytes(this.live);
    this.live++;
    this.ids.push(id);
    this.entries.push(fv);
  }

  /** Mark entry i deleted (its flags keep their size; the master counts change). */
  markDeleted(i: number): void {
    this.entries[i] = null;
    this.bytes += lpIntBytes(this.live - 1) - lpIntBytes(this.live) + lpIntBytes(this.deleted + 1) - lpIntBytes(this.deleted);
    this.live--;
    this.deleted++;
  }

  clone(): StreamNode {
    const n = new StreamNode(this.masterId, this.master);
    n.ids = this.ids.slice();
    n.entries = this.entries.slice();
    n.live = this.live;
    n.deleted = this.deleted;
    n.bytes = this.bytes;
    return n;
  }
}

/**
 * Listpack bytes of the int64 `id - master` in the ms (at = 0) or seq (at = 8) half,
 * computed on 32-bit words as C's wrapping uint64 subtraction read as int64.
 */
function deltaBytes(id: StreamId, master: StreamId, at: number): number {
  let hi = word(id, at) - word(master, at);
  let lo = word(id, at + 4) - word(master, at + 4);
  if (lo < 0) {
    lo += TWO_32;
    hi--;
  }
  return lpInt64WordsBytes(hi | 0, lo);
}

// ---------------------------------------------------------------- consumer groups

/** SCG_INVALID_ENTRIES_READ: a group's or an ID's read counter is unknown. */
export const ENTRIES_READ_INVALID = -1n;

/** A pending entry (Redis's streamNACK), shared by the group's PEL and its consumer's. */
export class StreamNack {
  constructor(
    public deliveryTime: number,
    public deliveryCount: number,
    /** Null only for a moment inside XCLAIM FORCE. */
    public consumer: StreamConsumer | null,
  ) {}
}

export class StreamConsumer {
  readonly pel = new IdMap<StreamNack>();
  constructor(
    readonly name: string,
    public seenTime: number,
  ) {}
}

export class StreamGroup {
  readonly pel = new IdMap<StreamNack>();
  readonly consumers = new Map<string, StreamConsumer>();
  constructor(
    readonly name: string,
    public lastId: StreamId,
    /** ENTRIES_READ_INVALID when unknown. */
    public entriesRead: bigint,
  ) {}

  /** A new consumer, or null when the name is taken (streamCreateConsumer). */
  createConsumer(name: string, now: number): StreamConsumer | null {
    if (this.consumers.has(name)) return null;
    const consumer = new StreamConsumer(name, now);
    this.consumers.set(name, consumer);
    return consumer;
  }

  /** Remove a consumer and its pending entries from the group (streamDelConsumer). */
  deleteConsumer(consumer: StreamConsumer): void {
    for (const [id] of consumer.pel.entries()) this.pel.delete(id);
    this.consumers.delete(consumer.name);
  }

  /** Acknowledge: drop the entry from both PELs; false when it was not pending. */
  ack(id: StreamId): boolean {
    const nack = this.pel.get(id);
    if (nack === undefined) return false;
    this.pel.delete(id);
    nack.consumer!.pel.delete(id);
    return true;
  }

  /** Consumers in name order (Redis's rax order: bytes, which latin1 strings compare as). */
  sortedConsumers(): StreamConsumer[] {
    return [...this.consumers.values()].sort(byName);
  }

  clone(): StreamGroup {
    const g = new StreamGroup(this.name, this.lastId, this.entriesRead);
    const copies = new Map<StreamConsumer, StreamConsumer>();
    for (const c of this.consumers.values()) {
      const copy = new StreamConsumer(c.name, c.seenTime);
      copies.set(c, copy);
      g.consumers.set(c.name, copy);
    }
    for (const [id, nack] of this.pel.entries()) {
      const owner = copies.get(nack.consumer!)!;
      const copy = new StreamNack(nack.deliveryTime, nack.deliveryCount, owner);
      g.pel.set(id, copy);
      owner.pel.set(id, copy);
    }
    return g;
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

// ---------------------------------------------------------------- the stream

/**
 * The stream value. Nodes are kept in an array in ID order; trimming removes from its
 * head, XADD appends to its tail node (or a new one), so both are O(1) amortised, and an
 * ID is found by binary search over node master IDs, then inside the node.
 */
export class StreamValue implements CollectionValue {
  readonly type = 'stream' as const;
  nodes: StreamNode[] = [];
  private len = 0;
  lastId: StreamId = STREAM_ID_MIN;
  /** The first live entry's ID, 0-0 when empty (Redis keeps it as recorded-first-entry-id). */
  firstId: StreamId = STREAM_ID_MIN;
  maxDeletedId: StreamId = STREAM_ID_MIN;
  entriesAdded = 0n;
  /** Created on first use, as Redis does. */
  groups: Map<string, StreamGroup> | null = null;
  /** raxNodeCount of the nodes, or -1 after they changed. */
  private raxNodes = -1;
  /** A running snapshot's copy-on-write hook, or null. */
  hook: StreamHook | null = null;

  /** Live entries (XLEN). */
  get length(): number {
    return this.len;
  }

  encoding(): string {
    return 'stream';
  }

  /** XINFO STREAM's radix-tree-nodes, recomputed only after the node list changed. */
  radixTreeNodes(): number {
    if (this.raxNodes < 0) this.raxNodes = raxNodeCount(this.nodes);
    return this.raxNodes;
  }

  clone(): StreamValue {
    const s = new StreamValue();
    for (const node of this.nodes) s.nodes.push(node.clone());
    s.len = this.len;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      s.groups = new Map();
      for (const [name, g] of this.groups) s.groups.set(name, g.clone());
    }
    return s;
  }

  /**
   * Build a stream from its image, taking ownership of its arrays. Entries are laid out in
   * nodes as XADDs under `limits` would lay them (the image does not keep Redis's node
   * boundaries). Throws when a pending entry names a consumer the group does not list.
   */
  static fromImage(image: StreamImage, limits: StreamNodeLimits = STREAM_NODE_DEFAULTS): StreamValue {
    const s = new StreamValue();
    for (const [id, fv] of image.entries) s.place(id, fv, limits);
    s.firstId = image.entries.length > 0 ? image.entries[0]![0] : STREAM_ID_MIN;
    s.lastId = image.lastId;
    s.maxDeletedId = image.maxDeletedId;
    s.entriesAdded = image.entriesAdded;
    for (const gi of image.groups) {
      const g = s.createGroup(gi.name, gi.lastId, gi.entriesRead)!;
      for (const ci of gi.consumers) g.createConsumer(ci.name, ci.seenTime);
      for (const p of gi.pending) {
        const owner = g.consumers.get(p.consumer);
        if (owner === undefined) throw new Error(`stream group '${gi.name}': pending entry of unknown consumer '${p.consumer}'`);
        const nack = new StreamNack(p.deliveryTime, p.deliveryCount, owner);
        g.pel.set(p.id, nack);
        owner.pel.set(p.id, nack);
      }
    }
    return s;
  }

  /** The stream as persistence sees it; entry field arrays are shared (never mutated). */
  toImage(): StreamImage {
    const entries: [StreamId, string[]][] = [];
    for (const node of this.nodes) {
      for (let i = 0; i < node.ids.length; i++) {
        const fv = node.entries[i] as string[] | null;
        if (fv !== null) entries.push([node.ids[i]!, fv]);
      }
    }
    return { entries, lastId: this.lastId, maxDeletedId: this.maxDeletedId, entriesAdded: this.entriesAdded, groups: this.groupImages() };
  }

  /** The consumer groups as images, in name order: O(groups + pending entries + consumers). */
  groupImages(): StreamGroupImage[] {
    const groups: StreamGroupImage[] = [];
    for (const g of this.sortedGroups()) {
      const pending: StreamPendingImage[] = [];
      for (const [id, nack] of g.pel.entries()) {
        pending.push({ id, deliveryTime: nack.deliveryTime, deliveryCount: nack.deliveryCount, consumer: nack.consumer!.name });
      }
      const consumers: StreamConsumerImage[] = g.sortedConsumers().map((c) => ({ name: c.name, seenTime: c.seenTime }));
      groups.push({ name: g.name, lastId: g.lastId, entriesRead: g.entriesRead, pending, consumers });
    }
    return groups;
  }

  // -------------------------------------------------------------- entries

  /**
   * Append an entry whose ID is above lastId (the caller checked), as streamAppendItem:
   * the tail node takes it unless it already holds maxEntries entries (live and deleted)
   * or its listpack plus the new strings would reach maxBytes.
   */
  append(id: StreamId, fv: string[], limits: StreamNodeLimits): void {
    this.place(id, fv, limits);
    this.entriesAdded++;
    this.lastId = id;
    if (this.len === 1) this.firstId = id;
  }

  private place(id: StreamId, fv: string[], limits: StreamNodeLimits): void {
    let tail: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (tail !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE) maxBytes = STREAM_LISTPACK_MAX_SIZE;
      let strings = 0;
      for (let i = 0; i < fv.length; i++) strings += fv[i]!.length;
      if (tail.bytes + strings >= maxBytes || (limits.maxEntries !== 0 && tail.live + tail.deleted >= limits.maxEntries)) {
        tail = undefined;
      }
    }
    if (tail === undefined) {
      tail = new StreamNode(id, fv);
      this.nodes.push(tail);
      this.raxNodes = -1;
    }
    tail.add(id, fv);
    this.len++;
  }

  /** Index of the node that holds `id` or would: the last whose master ID is ≤ id, else 0. */
  nodeFor(id: StreamId): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid]!.masterId <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : lo - 1;
  }

  /** The live entry's field/value list, or null (streamEntryExists plus its fields). */
  get(id: StreamId): string[] | null {
    const node = this.nodes[this.nodeFor(id)];
    if (node === undefined) return null;
    const i = idLowerBound(node.ids, id);
    return node.ids[i] === id ? (node.entries[i] as string[] | null) : null;
  }

  /**
   * XDEL: mark the entries deleted, free nodes left with no live entry, and keep the
   * first and max-deleted IDs as Redis does. Returns how many were deleted.
   */
  deleteEntries(ids: readonly StreamId[]): number {
    let deleted = 0;
    let firstDeleted = false;
    for (const id of ids) {
      const ni = this.nodeFor(id);
      const node = this.nodes[ni];
      if (node === undefined) continue;
      const i = idLowerBound(node.ids, id);
      if (node.ids[i] !== id || node.entries[i] === null) continue;
      if (node.live === 1) {
        this.nodes.splice(ni, 1);
        this.raxNodes = -1;
      } else {
        if (this.hook !== null) this.hook.beforeEntryDelete(node, i);
        node.markDeleted(i);
      }
      this.len--;
      if (id === this.firstId) firstDeleted = true;
      if (id > this.maxDeletedId) this.maxDeletedId = id;
      deleted++;
    }
    if (deleted > 0) {
      if (this.len === 0) this.firstId = STREAM_ID_MIN;
      else if (firstDeleted) this.firstId = this.edgeId(true, true);
    }
    return deleted;
  }

  /**
   * streamTrim: remove entries from the head while the stream is longer than maxlen (by
   * MAXLEN) or they are below minid (by MINID). Whole nodes go first; with `approx` only
   * whole nodes; else the entries of the first node that cannot go whole are marked
   * deleted. `limit` (0 = none) caps the entries removed, counted by whole nodes.
   * Returns how many entries were removed.
   */
  trim(byMaxlen: boolean, maxlen: number, minid: StreamId, approx: boolean, limit: number): number {
    let deleted = 0;
    let removeNodes = 0;
    const nodes = this.nodes;
    while (removeNodes < nodes.length) {
      if (byMaxlen && this.len <= maxlen) break;
      const node = nodes[removeNodes]!;
      const entries = node.live;
      if (limit !== 0 && deleted + entries > limit) break;
      if (byMaxlen ? this.len - entries >= maxlen : node.lastId < minid) {
        removeNodes++;
        this.len -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      for (let i = 0; i < node.ids.length; i++) {
        if (byMaxlen ? this.len <= maxlen : node.ids[i]! >= minid) break;
        if (node.entries[i] !== null) {
          if (this.hook !== null) this.hook.beforeEntryDelete(node, i);
          node.markDeleted(i);
          this.len--;
          deleted++;
        }
      }
      break;
    }
    if (removeNodes > 0) {
      nodes.splice(0, removeNodes);
      this.raxNodes = -1;
    }
    if (this.len === 0) this.firstId = STREAM_ID_MIN;
    else if (deleted > 0) this.firstId = this.edgeId(true, true);
    return deleted;
  }

  /**
   * streamGetEdgeID: the first or last entry's ID, tombstones included unless skipped;
   * when there is none, the maximum ID for the first edge and 0-0 for the last.
   */
  edgeId(first: boolean, skipTombstones: boolean): StreamId {
    const it = new StreamIterator(this, STREAM_ID_MIN, STREAM_ID_MAX, !first, skipTombstones);
    return it.next() ? it.id : first ? STREAM_ID_MAX : STREAM_ID_MIN;
  }

  // -------------------------------------------------------------- read counters and lag

  /**
   * streamRangeHasTombstones: whether a deleted entry may lie in [start, end] (end = the
   * maximum when omitted); the caller has checked that start is below lastId.
   */
  rangeHasTombstones(start: StreamId, end: StreamId = STREAM_ID_MAX): boolean {
    if (this.len === 0 || this.maxDeletedId === STREAM_ID_MIN) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /**
   * streamEstimateDistanceFromFirstEverEntry: the logical read counter of `id`, or
   * ENTRIES_READ_INVALID when it cannot be known (fragmentation, or an ID in the middle
   * or in the future).
   */
  estimateDistance(id: StreamId): bigint {
    if (this.entriesAdded === 0n) return 0n;
    if (this.len === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_INVALID;
    if (this.maxDeletedId === STREAM_ID_MIN || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - BigInt(this.len);
      if (id === this.firstId) return this.entriesAdded - BigInt(this.len) + 1n;
    }
    return ENTRIES_READ_INVALID;
  }

  /**
   * streamReplyWithCGLag: entries not yet delivered to the group, or null when unknown;
   * computed as Redis does, in signed 64-bit arithmetic.
   */
  lag(g: StreamGroup): bigint | null {
    if (this.entriesAdded === 0n) return 0n;
    let read = g.entriesRead;
    if (read === ENTRIES_READ_INVALID || this.rangeHasTombstones(g.lastId)) {
      read = this.estimateDistance(g.lastId);
      if (read === ENTRIES_READ_INVALID) return null;
    }
    return BigInt.asIntN(64, BigInt.asIntN(64, this.entriesAdded) - read);
  }

  // -------------------------------------------------------------- groups

  /** A new group, or null when the name is taken (streamCreateCG). */
  createGroup(name: string, lastId: StreamId, entriesRead: bigint): StreamGroup | null {
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(name)) return null;
    const g = new StreamGroup(name, lastId, entriesRead);
    this.groups.set(name, g);
    return g;
  }

  group(name: string): StreamGroup | undefined {
    return this.groups === null ? undefined : this.groups.get(name);
  }

  /** Groups in name order (Redis's rax order). */
  sortedGroups(): StreamGroup[] {
    return this.groups === null ? [] : [...this.groups.values()].sort(byName);
  }
}

/**
 * The node count of a rax holding the nodes' master IDs, laid out as a compressed trie: a
 * compressed node for each run of single-child bytes, a branching node where keys part,
 * an empty node where each key ends. That is the shape Redis's rax keeps (it matched on
 * every history the tests tried, removals included), though not one the rax promises.
 */
function raxNodeCount(keys: readonly StreamNode[]): number {
  return keys.length === 0 ? 1 : raxCompressed(keys, 0, keys.length, 0);
}

/** Nodes below depth d for keys[lo, hi): a compressed node over their common bytes, if any. */
function raxCompressed(keys: readonly StreamNode[], lo: number, hi: number, d: number): number {
  const a = keys[lo]!.masterId;
  const b = keys[hi - 1]!.masterId;
  let e = d;
  while (e < 16 && a.charCodeAt(e) === b.charCodeAt(e)) e++;
  return (e > d ? 1 : 0) + raxBranch(keys, lo, hi, e);
}

/** A key's end (depth 16) or a branching node with a child per distinct byte at depth d. */
function raxBranch(keys: readonly StreamNode[], lo: number, hi: number, d: number): number {
  if (d === 16) return 1;
  let n = 1;
  for (let i = lo; i < hi;) {
    const ch = keys[i]!.masterId.charCodeAt(d);
    let j = i + 1;
    while (j < hi && keys[j]!.masterId.charCodeAt(d) === ch) j++;
    n += raxCompressed(keys, i, j, d + 1);
    i = j;
  }
  return n;
}

/**
 * Walks the entries with IDs in [start, end], forward or backward (Redis's
 * streamIterator); next() sets `id` and `fields`. The stream must not change meanwhile.
 */
export class StreamIterator {
  id: StreamId = STREAM_ID_MIN;
  fields: string[] = [];
  private ni: number;
  private ei: number;

  constructor(
    private readonly s: StreamValue,
    private readonly start: StreamId,
    private readonly end: StreamId,
    private readonly rev = false,
    private readonly skipTombstones = true,
  ) {
    const nodes = s.nodes;
    if (nodes.length === 0) {
      this.ni = this.ei = -1;
      return;
    }
    if (!rev) {
      this.ni = s.nodeFor(start);
      this.ei = idLowerBound(nodes[this.ni]!.ids, start);
    } else {
      this.ni = s.nodeFor(end);
      const ids = nodes[this.ni]!.ids;
      let i = idLowerBound(ids, end);
      if (ids[i] === end) i++;
      this.ei = i - 1; // the last entry ≤ end

    }
  }

  next(): boolean {
    const nodes = this.s.nodes;
    if (this.ni < 0) return false;
    if (!this.rev) {
      while (this.ni < nodes.length) {
        const node = nodes[this.ni]!;
        while (this.ei < node.ids.length) {
          const i = this.ei++;
          const fv = node.entries[i] as string[] | null;
          if (fv === null && this.skipTombstones) continue;
          const id = node.ids[i]!;
          if (id > this.end) return this.stop();
          this.id = id;
          this.fields = fv ?? EMPTY;
          return true;
        }
        this.ni++;
        this.ei = 0;
      }
    } else {
      while (this.ni >= 0) {
        const node = nodes[this.ni]!;
        while (this.ei >= 0) {
          const i = this.ei--;
          const fv = node.entries[i] as string[] | null;
          if (fv === null && this.skipTombstones) continue;
          const id = node.ids[i]!;
          if (id < this.start) return this.stop();
          this.id = id;
          this.fields = fv ?? EMPTY;
          return true;
        }
        if (--this.ni >= 0) this.ei = nodes[this.ni]!.ids.length - 1;
      }
    }
    return this.stop();
  }

  private stop(): false {
    this.ni = -1;
    return false;
  }
}

const EMPTY: string[] = [];
