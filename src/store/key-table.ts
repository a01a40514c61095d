/**
 * KeyTable: one hash slot's keys and values, packed off the V8 heap.
 *
 * Why not a Map<string, Value>: a V8 Map entry with a 14-byte key and a 16-byte string value
 * costs ~111 bytes (a 32-byte key string, a 32-byte value string, the entry and its bucket),
 * where Redis keeps such a key in ~107. Here a small key and a small string value are bytes
 * in one record, on pages of the page pool (page-pool.ts: the table's first page holds 128
 * bytes, its second 256, the rest 512), found through an open-addressing index: ~32 bytes of
 * record and ~16 of index for such a key, and a lookup touches the index and one record
 * where a Map touches a bucket, an entry and two strings.
 *
 *   record:        [klen u8][key bytes][vtag u8][value bytes | ref u32 LE], never across pages
 *   vtag 0..64:    an inline string value of that many bytes
 *   vtag 255:      the value is refs[ref] (a collection, or a string too long or not latin1)
 *   address:       local page number << PAGE_SHIFT | offset in the page (pages[] holds the
 *                  pool's block numbers), so a table can grow to 2 GiB of records
 *   index[i]:      record address + 1, or 0 for an empty cell (linear probing; removal shifts
 *                  the cluster back, so there are no tombstones). A JS array of small
 *                  integers: on the V8 heap, where the collector compacts it as it grows.
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
import { allocPage, forgetWhenCollected, freePages, freeWhenCollected, PAGE_SHIFT, pageCapacity, pageOffset, slabOf } from './page-pool.js';
import type { Value } from './value.js';

/** Longest string value stored inline (Redis's embstr limit is 44; these stay small). */
const MAX_INLINE_VALUE = 64;
const MAX_INLINE_KEY = 255;
const REF = 255;
const MIN_INDEX = 8;
const OFFSET_MASK = (1 << PAGE_SHIFT) - 1;
const MAX_PAGES = 2 ** (31 - PAGE_SHIFT);
const NO_PAGES: number[] = [];

/**
 * The index hash of a latin1 key (FNV-1a with a finalizer, so the low bits the index masks
 * are mixed), or -1 when the key belongs in `others`.
 */
export function keyTableHash(key: string): number {
  const n = key.length;
  if (n > MAX_INLINE_KEY) return -1;
  let h = 0x811c9dc5;
  let wide = 0;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    wide |= c;
    h = Math.imul(h ^ c, 0x01000193);
  }
  if (wide > 0xff) return -1;
  return finish(h);
}

function hashBytes(a: Uint8Array, start: number, n: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + n; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  return finish(h);
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & 0x7fffffff;
}

export class KeyTable {
  /** Number of keys. */
  size = 0;
  private index: number[] = newIndex(MIN_INDEX);
  /** Records in the index (size minus the keys in `others`). */
  private count = 0;
  /** The pool's block numbers, by local page number. */
  private pages: number[] = NO_PAGES;
  /** Where the next record goes in the last page, and that page's size. */
  private tail = 0;
  private capacity = 0;
  private liveBytes = 0;
  private deadBytes = 0;
  /** Values kept by reference, in refs[0, refsUsed); freed entries are in freeRefs. */
  private refs: (Value | undefined)[] | null = null;
  private refsUsed = 0;
  private freeRefs: number[] | null = null;
  private others: Map<string, Value> | null = null;

  get(key: string): Value | undefined {
    const h = keyTableHash(key);
    if (h < 0) return this.others === null ? undefined : this.others.get(key);
    const cell = this.find(key, h);
    return cell < 0 ? undefined : this.valueAt(this.index[cell]! - 1);
  }

  has(key: string): boolean {
    const h = keyTableHash(key);
    if (h < 0) return this.others !== null && this.others.has(key);
    return this.find(key, h) >= 0;
  }

  /** Store `value` under `key`; returns whether the key is new. */
  set(key: string, value: Value): boolean {
    const h = keyTableHash(key);
    if (h < 0) return this.setOther(key, value);
    const cell = this.find(key, h);
    if (cell >= 0) {
      this.replace(cell, key, value);
      return false;
    }
    if ((this.count + 1) * 4 > this.index.length * 3) this.resizeIndex(this.index.length * 2);
    const mask = this.index.length - 1;
    let i = h & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = this.append(key, value) + 1;
    this.count++;
    this.size++;
    return true;
  }

  /** Remove `key`; returns whether it was there. */
  delete(key: string): boolean {
    const h = keyTableHash(key);
    if (h < 0) {
      if (this.others === null || !this.others.delete(key)) return false;
      this.size--;
      return true;
    }
    const cell = this.find(key, h);
    if (cell < 0) return false;
    this.release(this.index[cell]! - 1);
    this.removeCell(cell);
    this.count--;
    this.size--;
    if (this.count * 8 < this.index.length && this.index.length > MIN_INDEX) this.resizeIndex(this.index.length / 2);
    this.compactIfMostlyDead();
    return true;
  }

  /** Call fn for each key and value. fn must not change the table. */
  forEach(fn: (key: string, value: Value) => void): void {
    const { index, pages } = this;
    for (let i = 0; i < index.length; i++) {
      const e = index[i]!;
      if (e === 0) continue;
      const page = pages[(e - 1) >>> PAGE_SHIFT]!;
      const at = pageOffset(page) + ((e - 1) & OFFSET_MASK);
      const slab = slabOf(page);
      fn(latin1Of(slab, at + 1, at + 1 + slab[at]!), this.valueAt(e - 1));
    }
    if (this.others !== null) for (const [key, value] of this.others) fn(key, value);
  }

  /** Append every key to `out`. */
  collectKeys(out: string[]): void {
    const index = this.index;
    for (let i = 0; i < index.length; i++) if (index[i] !== 0) out.push(this.keyAt(index[i]! - 1));
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
    // The index is at least an eighth full (removals shrink it), so a few draws find a key.
    const index = this.index;
    for (;;) {
      const e = index[Math.floor(Math.random() * index.length)]!;
      if (e !== 0) return this.keyAt(e - 1);
    }
  }

  // ---------------------------------------------------------------- internals

  /** The index cell holding `key` (hash `h`), or -1. */
  private find(key: string, h: number): number {
    const { index, pages } = this;
    const mask = index.length - 1;
    const n = key.length;
    let i = h & mask;
    for (;;) {
      const e = index[i]!;
      if (e === 0) return -1;
      const page = pages[(e - 1) >>> PAGE_SHIFT]!;
      const at = pageOffset(page) + ((e - 1) & OFFSET_MASK);
      const slab = slabOf(page);
      if (slab[at] === n && keyEquals(slab, at + 1, key, n)) return i;
      i = (i + 1) & mask;
    }
  }

  private keyAt(addr: number): string {
    const page = this.pages[addr >>> PAGE_SHIFT]!;
    const at = pageOffset(page) + (addr & OFFSET_MASK);
    const slab = slabOf(page);
    return latin1Of(slab, at + 1, at + 1 + slab[at]!);
  }

  private valueAt(addr: number): Value {
    const page = this.pages[addr >>> PAGE_SHIFT]!;
    const slab = slabOf(page);
    const at = pageOffset(page) + (addr & OFFSET_MASK);
    const v = at + 1 + slab[at]!;
    const tag = slab[v]!;
    if (tag === REF) return this.refs![readU32(slab, v + 1)]!;
    return latin1Of(slab, v + 1, v + 1 + tag);
  }

  /** Overwrite the value of `key`'s record in `cell`: in place when its size is unchanged. */
  private replace(cell: number, key: string, value: Value): void {
    const addr = this.index[cell]! - 1;
    const page = this.pages[addr >>> PAGE_SHIFT]!;
    const slab = slabOf(page);
    const v = pageOffset(page) + (addr & OFFSET_MASK) + 1 + key.length;
    const tag = slab[v]!;
    if (tag === REF) {
      if (!isInline(value)) {
        this.refs![readU32(slab, v + 1)] = value;
        return;
      }
    } else if (typeof value === 'string' && value.length === tag && isLatin1(value)) {
      writeLatin1(slab, v + 1, value);
      return;
    }
    this.release(addr);
    this.index[cell] = this.append(key, value) + 1;
    this.compactIfMostlyDead();
  }

  /** Write a record after the last one (on a new page when it does not fit); its address. */
  private append(key: string, value: Value): number {
    const inline = isInline(value);
    const bytes = 2 + key.length + (inline ? (value as string).length : 4);
    while (this.tail + bytes > this.capacity) this.addPage();
    const local = this.pages.length - 1;
    const page = this.pages[local]!;
    const slab = slabOf(page);
    const at = pageOffset(page) + this.tail;
    slab[at] = key.length;
    writeLatin1(slab, at + 1, key);
    const v = at + 1 + key.length;
    if (inline) {
      slab[v] = (value as string).length;
      writeLatin1(slab, v + 1, value as string);
    } else {
      slab[v] = REF;
      writeU32(slab, v + 1, this.addRef(value));
    }
    const addr = (local << PAGE_SHIFT) | this.tail;
    this.tail += bytes;
    this.liveBytes += bytes;
    return addr;
  }

  private addPage(): void {
    // Addresses are int32: local page << PAGE_SHIFT | offset.
    if (this.pages.length === MAX_PAGES) throw new RangeError('a hash slot holds at most 2 GiB of small keys');
    const local = this.pages.length;
    const block = allocPage(local);
    // Exactly as long as needed while small; then grown in place, which the registration
    // with the pool sees (a table of many pages is big enough not to mind push's room).
    if (local < 8) this.setPages(this.pages.concat(block));
    else this.pages.push(block);
    this.capacity = pageCapacity(local);
    this.tail = 0;
  }

  /** The record at `addr` dies: count its bytes and free its ref. */
  private release(addr: number): void {
    const page = this.pages[addr >>> PAGE_SHIFT]!;
    const slab = slabOf(page);
    const at = pageOffset(page) + (addr & OFFSET_MASK);
    const v = at + 1 + slab[at]!;
    let bytes = v + 1 - at;
    if (slab[v] === REF) {
      const ref = readU32(slab, v + 1);
      this.refs![ref] = undefined;
      (this.freeRefs ??= []).push(ref);
      bytes += 4;
    } else {
      bytes += slab[v]!;
    }
    this.liveBytes -= bytes;
    this.deadBytes += bytes;
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
   * The pages are registered with the pool, which frees them when the table is collected.
   * A small table's array is replaced rather than grown: push would give it room for 17.
   */
  private setPages(pages: number[]): void {
    if (this.pages !== NO_PAGES) forgetWhenCollected(this);
    this.pages = pages;
    if (pages.length > 0) freeWhenCollected(this, pages);
  }

  /**
   * Once dead records outweigh live ones (and fill at least a page), copy the live ones
   * onto fresh pages and free the old: amortized O(1) per byte that died.
   */
  private compactIfMostlyDead(): void {
    if (this.deadBytes <= this.liveBytes || this.deadBytes < pageCapacity(0)) return;
    const old = this.pages;
    this.setPages(NO_PAGES);
    const { index } = this;
    this.tail = 0;
    this.capacity = 0;
    this.liveBytes = 0;
    this.deadBytes = 0;
    for (let i = 0; i < index.length; i++) {
      const e = index[i]!;
      if (e === 0) continue;
      const page = old[(e - 1) >>> PAGE_SHIFT]!;
      const from = slabOf(page);
      const at = pageOffset(page) + ((e - 1) & OFFSET_MASK);
      const v = at + 1 + from[at]!;
      const bytes = (from[v] === REF ? v + 5 : v + 1 + from[v]!) - at;
      while (this.tail + bytes > this.capacity) this.addPage();
      const local = this.pages.length - 1;
      const to = this.pages[local]!;
      const slab = slabOf(to);
      const dest = pageOffset(to) + this.tail;
      for (let j = 0; j < bytes; j++) slab[dest + j] = from[at + j]!;
      index[i] = ((local << PAGE_SHIFT) | this.tail) + 1;
      this.tail += bytes;
      this.liveBytes += bytes;
    }
    freePages(old);
  }

  private hashAt(e: number): number {
    const page = this.pages[(e - 1) >>> PAGE_SHIFT]!;
    const slab = slabOf(page);
    const at = pageOffset(page) + ((e - 1) & OFFSET_MASK);
    return hashBytes(slab, at + 1, slab[at]!);
  }

  private resizeIndex(capacity: number): void {
    const old = this.index;
    const index = newIndex(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j++) {
      const e = old[j]!;
      if (e === 0) continue;
      let i = this.hashAt(e) & mask;
      while (index[i] !== 0) i = (i + 1) & mask;
      index[i] = e;
    }
    this.index = index;
  }

  /** Empty `cell` and shift back the records of its cluster that probed past it. */
  private removeCell(cell: number): void {
    const index = this.index;
    const mask = index.length - 1;
    let hole = cell;
    let i = cell;
    for (;;) {
      i = (i + 1) & mask;
      const e = index[i]!;
      if (e === 0) break;
      const home = this.hashAt(e) & mask;
      // The record may move into the hole unless its home lies cyclically in (hole, i].
      const stays = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (!stays) {
        index[hole] = e;
        hole = i;
      }
    }
    index[hole] = 0;
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

/** An index of `capacity` empty cells, as a packed array of small integers. */
function newIndex(capacity: number): number[] {
  return new Array<number>(capacity).fill(0);
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function isInline(value: Value): boolean {
  return typeof value === 'string' && value.length <= MAX_INLINE_VALUE && isLatin1(value);
}

function keyEquals(slab: Uint8Array, start: number, key: string, n: number): boolean {
  for (let i = 0; i < n; i++) if (slab[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

function writeLatin1(slab: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) slab[at + i] = s.charCodeAt(i);
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
