/**
 * KeyTable: one hash slot's keys and values, packed off the V8 heap.
 *
 * Why not a Map<string, Value>: a V8 Map entry with a 14-byte key and a 16-byte string value
 * costs ~111 bytes (a 32-byte key string, a 32-byte value string, the entry and its bucket),
 * where Redis keeps such a key in ~107. Here a small key and a small string value are bytes
 * in one record, and the index that finds it is an array of cells, both in blocks of the
 * page pool (page-pool.ts): ~32 bytes of record and ~16 of index for such a key. A lookup
 * goes from the database's key directory (where each slot's index is) to the index cell to
 * the record, where a Map goes to its table, an entry and a key string (measured: lookups
 * in a Map-based keyspace were ~70% cache misses). The pool addresses 2 GiB, so that much
 * of small keys and values per process; past it the process stops with the pool's error,
 * as Redis does when malloc fails (zmalloc's out-of-memory handler aborts).
 *
 *   record:        [klen u8][key bytes][vtag u8][value bytes | ref u32 LE], within one page
 *   vtag 0..64:    an inline string value of that many bytes
 *   vtag 255:      the value is refs[ref] (a collection, or a string too long or not latin1)
 *   index cell:    two int32 words: the key's hash, and the record's address + 1 (0: empty).
 *                  Linear probing; removal shifts the cluster back, so no tombstones. The
 *                  hash spares a probe the record of every other key it passes (a cache miss
 *                  each), and growing or shrinking the index never reads a record.
 *   record pages:  128 bytes, then 256, then 512s, added as records come (no copying)
 *
 * Keys longer than 255 bytes, or with a code unit above 0xff (never from the protocol, whose
 * strings are latin1), live in `others`, an ordinary Map: the rare case stays simple.
 *
 * The trade-offs: a small string value is materialized as a new V8 string on every read (a
 * young-generation allocation that dies at once); an overwrite that changes a value's length
 * leaves its old record dead, and the table rewrites its records onto fresh pages once dead
 * bytes outweigh live ones; iteration follows the index, not insertion order, and nothing
 * may change the table while forEach runs.
 */

import { latin1Of } from '../util/latin1.js';
import {
  allocBlock, bytesOf, freeBlock, freeRecordPages, freeWhenCollected, recordPageBytes, SLAB_MASK, wordsOf,
  type TableBlocks,
} from './page-pool.js';
import { SLOT_COUNT } from './crc16.js';
import type { Value } from './value.js';

/** Longest string value stored inline (Redis's embstr limit is 44; these stay small). */
const MAX_INLINE_VALUE = 64;
/** The longest key a record holds (its length is a byte); longer ones go to `others`. */
export const MAX_INLINE_KEY = 255;
const REF = 255;
/** Words per index cell, and the smallest index: 16 cells, one 128-byte block. */
const CELL_WORDS = 2;
const MIN_CELLS = 16;

/**
 * A database's key directory: per slot, the address of its table's index block and the
 * number of cells (0: no table). lookupKey reads a slot's index through it, so a lookup of
 * a small string value never touches the table object, which for a key not in cache is one
 * cache miss fewer (perf annotate, GET -P 16: ~8% of the server's samples).
 */
export function newKeyDirectory(): Int32Array {
  return new Int32Array(2 * SLOT_COUNT);
}

/** Whether `slot` has a table, read from the directory `dir`. */
export function hasTable(dir: Int32Array, slot: number): boolean {
  return dir[2 * slot + 1] !== 0;
}

/**
 * The value of `key` (table hash `h`, key-hash.ts's) in `slot`, whose table is
 * tables[slot], reading its index through `dir`.
 */
export function lookupKey(dir: Int32Array, tables: readonly (KeyTable | undefined)[], slot: number, key: string, h: number): Value | undefined {
  const cells = dir[2 * slot + 1]!;
  if (cells === 0) return undefined;
  if (h < 0) return tables[slot]!.get(key, h);
  const index = dir[2 * slot]!;
  const words = wordsOf(index);
  const base = (index & SLAB_MASK) >>> 2;
  const cell = findCell(words, base, cells - 1, key, h);
  if (cell < 0) return undefined;
  const addr = words[base + cell * CELL_WORDS + 1]! - 1;
  // tables[slot] only for a value held by reference: the slot array is 128 KiB, and its
  // element is one more cache miss for a small string (perf annotate, GET -P 16).
  return inlineValue(addr) ?? tables[slot]!.refValue(refOf(addr));
}

/** The value of the record at `addr`, whose table is `owner`. */
function recordValue(addr: number, owner: KeyTable): Value {
  return inlineValue(addr) ?? owner.refValue(refOf(addr));
}

/** The string the record at `addr` holds inline, or undefined when it holds a reference (refOf). */
function inlineValue(addr: number): string | undefined {
  const bytes = bytesOf(addr);
  const at = addr & SLAB_MASK;
  const v = at + 1 + bytes[at]!;
  const tag = bytes[v]!;
  return tag === REF ? undefined : latin1Of(bytes, v + 1, v + 1 + tag);
}

/** The reference the record at `addr` holds (its tag is REF). */
function refOf(addr: number): number {
  const bytes = bytesOf(addr);
  const at = addr & SLAB_MASK;
  return readU32(bytes, at + 2 + bytes[at]!);
}

/** overwriteInPlace's outcomes. */
export const OVERWRITTEN = 0;
export const ABSENT = 1;
export const TABLE_NEEDED = 2;

/**
 * Overwrite the value of `key` (table hash `h`) in `slot` (which has a table) with
 * `value` where it lies, reading the slot's index through `dir`, when the key holds an
 * inline string as long as `value` (OVERWRITTEN). Otherwise nothing changes: the key is
 * ABSENT (KeyTable.add), or the table must see to it (TABLE_NEEDED: KeyTable.set; a key
 * kept in `others` too).
 */
export function overwriteInPlace(dir: Int32Array, slot: number, key: string, h: number, value: Value): number {
  if (h < 0) return TABLE_NEEDED;
  const index = dir[2 * slot]!;
  const words = wordsOf(index);
  const base = (index & SLAB_MASK) >>> 2;
  const cell = findCell(words, base, dir[2 * slot + 1]! - 1, key, h);
  if (cell < 0) return ABSENT;
  const addr = words[base + cell * CELL_WORDS + 1]! - 1;
  const inPlace = typeof value === 'string' && writeInlineInPlace(addr, key.length, value);
  return inPlace ? OVERWRITTEN : TABLE_NEEDED;
}

/** Write `value` over the inline value of the record at `addr` (key of `klen` bytes) if it is as long. */
function writeInlineInPlace(addr: number, klen: number, value: string): boolean {
  const bytes = bytesOf(addr);
  const v = (addr & SLAB_MASK) + 1 + klen;
  if (bytes[v] !== value.length || value.length > MAX_INLINE_VALUE || !isLatin1(value)) return false;
  writeLatin1(bytes, v + 1, value);
  return true;
}

/** The index cell holding `key` (hash `h`) in the index of mask + 1 cells at words[base], or -1. */
function findCell(words: Int32Array, base: number, mask: number, key: string, h: number): number {
  const n = key.length;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const e = words[base + i * CELL_WORDS + 1]!;
    if (e === 0) return -1;
    if (words[base + i * CELL_WORDS] !== h) continue;
    const bytes = bytesOf(e - 1);
    const at = (e - 1) & SLAB_MASK;
    if (bytes[at] === n && keyEquals(bytes, at + 1, key, n)) return i;
  }
}

export class KeyTable {
  /** Number of keys. */
  size = 0;
  /** Records in the index (size minus the keys in `others`). */
  private count = 0;
  /** The index: mask + 1 cells from words[base], in the pool block blocks.index. */
  private words: Int32Array;
  private base: number;
  private mask = MIN_CELLS - 1;
  /** The table's blocks, kept current for the pool, which frees them with the table. */
  private readonly blocks: TableBlocks;
  /** Where the next record goes, and the end of the page it goes in (addresses). */
  private next = 0;
  private limit = 0;
  private liveBytes = 0;
  private deadBytes = 0;
  /** Values kept by reference, in refs[0, refsUsed); freed entries are in freeRefs. */
  private refs: (Value | undefined)[] | null = null;
  private refsUsed = 0;
  private freeRefs: number[] | null = null;
  private others: Map<string, Value> | null = null;

  /** `dir` and `slot`: the key directory entry this table keeps current (a table alone has its own). */
  constructor(
    private readonly dir: Int32Array = new Int32Array(2),
    private readonly slot = 0,
  ) {
    const index = newIndex(MIN_CELLS);
    this.words = wordsOf(index);
    this.base = (index & SLAB_MASK) >>> 2;
    this.blocks = { pages: NO_PAGES, index, indexBytes: MIN_CELLS * CELL_WORDS * 4 };
    this.publishIndex();
    freeWhenCollected(this, this.blocks);
  }

  // Every method taking a key takes its table hash `h` too (key-hash.ts's hashKey), which
  // the database has computed with the key's slot.

  get(key: string, h: number): Value | undefined {
    if (h < 0) return this.others === null ? undefined : this.others.get(key);
    const cell = findCell(this.words, this.base, this.mask, key, h);
    return cell < 0 ? undefined : recordValue(this.addrAt(cell), this);
  }

  /** The value a record holds by reference (recordValue). */
  refValue(ref: number): Value {
    return this.refs![ref]!;
  }

  has(key: string, h: number): boolean {
    if (h < 0) return this.others !== null && this.others.has(key);
    return this.find(key, h) >= 0;
  }

  /** Store `value` under `key`; returns whether the key is new. */
  set(key: string, h: number, value: Value): boolean {
    if (h < 0) return this.setOther(key, value);
    const cell = this.find(key, h);
    if (cell < 0) {
      this.insert(key, h, value);
      return true;
    }
    this.replace(cell, key, value);
    return false;
  }

  /** Store `value` under `key`, which the caller knows is not in the table. */
  add(key: string, h: number, value: Value): void {
    if (h < 0) this.setOther(key, value);
    else this.insert(key, h, value);
  }

  /** Remove `key`; returns whether it was there. */
  delete(key: string, h: number): boolean {
    if (h < 0) {
      if (this.others === null || !this.others.delete(key)) return false;
      this.size--;
      return true;
    }
    const cell = this.find(key, h);
    if (cell < 0) return false;
    this.release(this.addrAt(cell));
    this.removeCell(cell);
    this.count--;
    this.size--;
    if (this.count * 8 < this.mask + 1 && this.mask + 1 > MIN_CELLS) this.resizeIndex((this.mask + 1) / 2);
    this.compactIfMostlyDead();
    return true;
  }

  /** Call fn for each key and value. fn must not change the table. */
  forEach(fn: (key: string, value: Value) => void): void {
    for (let i = 0; i <= this.mask; i++) {
      const e = this.entryAt(i);
      if (e !== 0) fn(this.keyAt(e - 1), recordValue(e - 1, this));
    }
    if (this.others !== null) for (const [key, value] of this.others) fn(key, value);
  }

  /** Append every key to `out`. */
  collectKeys(out: string[]): void {
    for (let i = 0; i <= this.mask; i++) {
      const e = this.entryAt(i);
      if (e !== 0) out.push(this.keyAt(e - 1));
    }
    if (this.others !== null) for (const key of this.others.keys()) out.push(key);
  }

  /** A uniformly random key, or undefined when empty. */
  randomKey(): string | undefined {
    if (this.size === 0) return undefined;
    const others = this.others === null ? 0 : this.others.size;
    let n = Math.floor(Math.random() * this.size);
    if (n < others) {
      for (const key of this.others!.keys()) if (n-- === 0) return key;
    }
    // The index is at least an eighth full unless it is the smallest, so a few dozen draws
    // at most find a key.
    for (;;) {
      const e = this.entryAt(Math.floor(Math.random() * (this.mask + 1)));
      if (e !== 0) return this.keyAt(e - 1);
    }
  }

  // ---------------------------------------------------------------- internals

  private insert(key: string, h: number, value: Value): void {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.resizeIndex((this.mask + 1) * 2);
    let i = h & this.mask;
    while (this.entryAt(i) !== 0) i = (i + 1) & this.mask;
    this.setCell(i, h, this.append(key, value) + 1);
    this.count++;
    this.size++;
  }

  private find(key: string, h: number): number {
    return findCell(this.words, this.base, this.mask, key, h);
  }

  /** The record address + 1 in `cell`, 0 when it is empty. */
  private entryAt(cell: number): number {
    return this.words[this.base + cell * CELL_WORDS + 1]!;
  }

  /** The record address in `cell`, which is not empty. */
  private addrAt(cell: number): number {
    return this.entryAt(cell) - 1;
  }

  private setCell(cell: number, h: number, entry: number): void {
    this.words[this.base + cell * CELL_WORDS] = h;
    this.words[this.base + cell * CELL_WORDS + 1] = entry;
  }

  private publishIndex(): void {
    this.dir[2 * this.slot] = this.blocks.index;
    this.dir[2 * this.slot + 1] = this.mask + 1;
  }

  private keyAt(addr: number): string {
    const bytes = bytesOf(addr);
    const at = addr & SLAB_MASK;
    return latin1Of(bytes, at + 1, at + 1 + bytes[at]!);
  }

  /** Overwrite the value of `key`'s record in `cell`: in place when its size is unchanged. */
  private replace(cell: number, key: string, value: Value): void {
    const addr = this.addrAt(cell);
    const bytes = bytesOf(addr);
    const v = (addr & SLAB_MASK) + 1 + key.length;
    if (bytes[v] === REF && !isInline(value)) {
      this.refs![readU32(bytes, v + 1)] = value;
      return;
    }
    if (typeof value === 'string' && writeInlineInPlace(addr, key.length, value)) return;
    this.release(addr);
    this.words[this.base + cell * CELL_WORDS + 1] = this.append(key, value) + 1;
    this.compactIfMostlyDead();
  }

  /** Write a record after the last one (on a new page when it does not fit); its address. */
  private append(key: string, value: Value): number {
    const inline = isInline(value);
    const size = 2 + key.length + (inline ? (value as string).length : 4);
    while (this.next + size > this.limit) this.addPage();
    const addr = this.next;
    const bytes = bytesOf(addr);
    const at = addr & SLAB_MASK;
    bytes[at] = key.length;
    writeLatin1(bytes, at + 1, key);
    const v = at + 1 + key.length;
    if (inline) {
      bytes[v] = (value as string).length;
      writeLatin1(bytes, v + 1, value as string);
    } else {
      bytes[v] = REF;
      writeU32(bytes, v + 1, this.addRef(value));
    }
    this.next += size;
    this.liveBytes += size;
    return addr;
  }

  private addPage(): void {
    const pages = this.blocks.pages;
    const local = pages.length;
    const page = allocBlock(recordPageBytes(local));
    // Exactly as long as needed while small (push would give a one-page table room for 17).
    if (local < 8) this.blocks.pages = pages.concat(page);
    else pages.push(page);
    this.next = page;
    this.limit = page + recordPageBytes(local);
  }

  /** The record at `addr` dies: count its bytes and free its ref. */
  private release(addr: number): void {
    const bytes = bytesOf(addr);
    const at = addr & SLAB_MASK;
    const v = at + 1 + bytes[at]!;
    if (bytes[v] === REF) {
      const ref = readU32(bytes, v + 1);
      this.refs![ref] = undefined;
      (this.freeRefs ??= []).push(ref);
    }
    const size = recordSize(bytes, at);
    this.liveBytes -= size;
    this.deadBytes += size;
  }

  private addRef(value: Value): number {
    if (this.freeRefs !== null && this.freeRefs.length > 0) {
      const ref = this.freeRefs.pop()!;
      this.refs![ref] = value;
      return ref;
    }
    let refs = this.refs;
    if (refs === null || this.refsUsed === refs.length) {
      // Grown by doubling from 4 (push would give a small array room for 17).
      const grown = new Array<Value | undefined>(refs === null ? 4 : refs.length * 2);
      for (let i = 0; i < this.refsUsed; i++) grown[i] = refs![i];
      this.refs = refs = grown;
    }
    refs[this.refsUsed] = value;
    return this.refsUsed++;
  }

  /**
   * Once dead records outweigh live ones (and fill at least a small page), copy the live
   * ones onto fresh pages and free the old: amortized O(1) per byte that died.
   */
  private compactIfMostlyDead(): void {
    if (this.deadBytes <= this.liveBytes || this.deadBytes < recordPageBytes(0)) return;
    const old = this.blocks.pages;
    this.blocks.pages = NO_PAGES;
    this.next = this.limit = 0;
    this.liveBytes = this.deadBytes = 0;
    for (let i = 0; i <= this.mask; i++) {
      const e = this.entryAt(i);
      if (e === 0) continue;
      const from = bytesOf(e - 1);
      const at = (e - 1) & SLAB_MASK;
      const size = recordSize(from, at);
      while (this.next + size > this.limit) this.addPage();
      const to = bytesOf(this.next);
      const dest = this.next & SLAB_MASK;
      for (let j = 0; j < size; j++) to[dest + j] = from[at + j]!;
      this.words[this.base + i * CELL_WORDS + 1] = this.next + 1;
      this.next += size;
      this.liveBytes += size;
    }
    freeRecordPages(old);
  }

  private hashOf(cell: number): number {
    return this.words[this.base + cell * CELL_WORDS]!;
  }

  private resizeIndex(cells: number): void {
    const { words: oldWords, base: oldBase, mask: oldMask } = this;
    const index = newIndex(cells);
    const words = wordsOf(index);
    const base = (index & SLAB_MASK) >>> 2;
    const mask = cells - 1;
    for (let j = 0; j <= oldMask; j++) {
      const e = oldWords[oldBase + j * CELL_WORDS + 1]!;
      if (e === 0) continue;
      const h = oldWords[oldBase + j * CELL_WORDS]!;
      let i = h & mask;
      while (words[base + i * CELL_WORDS + 1] !== 0) i = (i + 1) & mask;
      words[base + i * CELL_WORDS] = h;
      words[base + i * CELL_WORDS + 1] = e;
    }
    freeBlock(this.blocks.index, this.blocks.indexBytes);
    this.blocks.index = index;
    this.blocks.indexBytes = cells * CELL_WORDS * 4;
    this.words = words;
    this.base = base;
    this.mask = mask;
    this.publishIndex();
  }

  /** Empty `cell` and shift back the records of its cluster that probed past it. */
  private removeCell(cell: number): void {
    const mask = this.mask;
    let hole = cell;
    for (let i = (cell + 1) & mask; ; i = (i + 1) & mask) {
      const e = this.entryAt(i);
      if (e === 0) break;
      const h = this.hashOf(i);
      const home = h & mask;
      // The record may move into the hole unless its home lies cyclically in (hole, i].
      const stays = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (!stays) {
        this.setCell(hole, h, e);
        hole = i;
      }
    }
    this.setCell(hole, 0, 0);
  }

  private setOther(key: string, value: Value): boolean {
    const others = (this.others ??= new Map());
    const before = others.size;
    others.set(key, value);
    if (others.size === before) return false;
    this.size++;
    return true;
  }
}

const NO_PAGES: number[] = [];

/** A zeroed index block of `cells` cells; its address. */
function newIndex(cells: number): number {
  const index = allocBlock(cells * CELL_WORDS * 4);
  const base = (index & SLAB_MASK) >>> 2;
  wordsOf(index).fill(0, base, base + cells * CELL_WORDS);
  return index;
}

/** Bytes of the record at `at`. */
function recordSize(bytes: Uint8Array, at: number): number {
  const v = at + 1 + bytes[at]!;
  return (bytes[v] === REF ? v + 5 : v + 1 + bytes[v]!) - at;
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function isInline(value: Value): boolean {
  return typeof value === 'string' && value.length <= MAX_INLINE_VALUE && isLatin1(value);
}

/** Compared from the end: keys that share a slot's probe run often share a prefix (key:000…). */
function keyEquals(bytes: Uint8Array, start: number, key: string, n: number): boolean {
  for (let i = n - 1; i >= 0; i--) if (bytes[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

function writeLatin1(bytes: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i);
}

function readU32(a: Uint8Array, at: number): number {
  return a[at]! | (a[at + 1]! << 8) | (a[at + 2]! << 16) | (a[at + 3]! << 24);
}

function writeU32(a: Uint8Array, at: number, n: number): void {
  a[at] = n & 0xff;
  a[at + 1] = (n >>> 8) & 0xff;
  a[at + 2] = (n >>> 16) & 0xff;
  a[at + 3] = n >>> 24;
}
