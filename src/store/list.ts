/**
 * The list value: a ring buffer of latin1 strings (Redis 7.0's quicklist, which OBJECT
 * ENCODING always reports for a list in 7.0).
 *
 * Why a ring: pushes and pops at both ends are O(1) amortised (never Array.unshift, which
 * moves every element), and LINDEX/LSET are O(1) because element i sits at
 * (head + i) & mask. Capacity is a power of two; it doubles when full and halves when a
 * quarter full, so memory follows the length. Inserting or removing in the middle (LINSERT,
 * LREM, LTRIM) moves the shorter side, O(N) as in Redis, where finding the spot is O(N) too.
 *
 * Limit: one backing array holds at most about 2^27 elements in V8 (FixedArray::kMaxLength
 * on 64-bit); push refuses to grow beyond it rather than corrupt the list.
 *
 * Snapshots: a snapshot writing a big list across slices installs a ListHook, told before
 * each change in terms of positions, so it keeps only the elements it still needs that a
 * change removes or overwrites (persistence/snapshot/engine.ts). The hook costs every list
 * one field and every write one null test.
 */

import type { CollectionValue } from './value.js';

/** What a running snapshot learns before a list changes (positions before the change). */
export interface ListHook {
  /** One element is about to be added at the head. */
  beforePushHead(): void;
  /** The first `head` and the last `tail` elements are about to be removed (pops, LTRIM). */
  beforeRemoveEnds(head: number, tail: number): void;
  /** Element i is about to be overwritten (LSET). */
  beforeSet(i: number): void;
  /** Elements are about to move in the middle (LINSERT, LREM). */
  beforeReshape(): void;
}

const MIN_CAPACITY = 4;
/** V8's largest FixedArray on 64-bit, rounded down to a power of two. */
export const LIST_MAX_CAPACITY = 1 << 26;

export class ListValue implements CollectionValue {
  readonly type = 'list' as const;
  private items: (string | undefined)[];
  private head = 0;
  private len = 0;
  private mask: number;
  /** A running snapshot's copy-on-write hook, or null. */
  hook: ListHook | null = null;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.items = new Array(cap);
    this.mask = cap - 1;
  }

  static fromArray(items: readonly string[]): ListValue {
    const l = new ListValue(items.length);
    for (let i = 0; i < items.length; i++) l.items[i] = items[i];
    l.len = items.length;
    return l;
  }

  get length(): number {
    return this.len;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    return ListValue.fromArray(this.toArray());
  }

  /** Head to tail. */
  *values(): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.items[(this.head + i) & this.mask]!;
  }

  toArray(): string[] {
    return this.range(0, this.len - 1);
  }

  /**
   * Elements start..end inclusive (already normalised, 0 ≤ start ≤ end < length). Copied
   * with at most two slices, block copies about twice as fast as an element loop (a
   * snapshot copies a big list's unwritten part this way before LINSERT or LREM).
   */
  range(start: number, end: number): string[] {
    const n = end - start + 1;
    if (n <= 0) return [];
    const items = this.items as string[];
    const from = (this.head + start) & this.mask;
    const cap = this.mask + 1;
    if (from + n <= cap) return items.slice(from, from + n);
    return items.slice(from).concat(items.slice(0, from + n - cap));
  }

  /** Element at index 0..length-1. */
  at(i: number): string {
    return this.items[(this.head + i) & this.mask]!;
  }

  set(i: number, v: string): void {
    if (this.hook !== null) this.hook.beforeSet(i);
    this.items[(this.head + i) & this.mask] = v;
  }

  pushTail(v: string): void {
    if (this.len > this.mask) this.grow();
    this.items[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  pushHead(v: string): void {
    if (this.hook !== null) this.hook.beforePushHead();
    if (this.len > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = v;
    this.len++;
  }

  /** Remove and return the head; the list must not be empty. */
  popHead(): string {
    if (this.hook !== null) this.hook.beforeRemoveEnds(1, 0);
    const v = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Remove and return the tail; the list must not be empty. */
  popTail(): string {
    if (this.hook !== null) this.hook.beforeRemoveEnds(0, 1);
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.items[i]!;
    this.items[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Insert `v` so that it becomes element i (0 ≤ i ≤ length), moving the shorter side. */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushHead(v);
    if (i === this.len) return this.pushTail(v);
    if (this.hook !== null) this.hook.beforeReshape();
    if (this.len > this.mask) this.grow();
    const { items, mask } = this;
    if (i < this.len / 2) {
      this.head = (this.head - 1) & mask;
      for (let j = 0; j < i; j++) items[(this.head + j) & mask] = items[(this.head + j + 1) & mask];
    } else {
      for (let j = this.len; j > i; j--) items[(this.head + j) & mask] = items[(this.head + j - 1) & mask];
    }
    items[(this.head + i) & mask] = v;
    this.len++;
  }

  /**
   * Remove elements equal to `value`, at most `limit` of them (0: no limit), scanning from
   * the head, or from the tail when `fromTail` (LREM). One pass that compacts in place.
   * Returns how many were removed.
   */
  removeEqual(value: string, limit: number, fromTail: boolean): number {
    if (this.hook !== null) this.hook.beforeReshape();
    const { items, mask, head, len } = this;
    let removed = 0;
    if (!fromTail) {
      let w = 0;
      for (let r = 0; r < len; r++) {
        const v = items[(head + r) & mask]!;
        if ((limit === 0 || removed < limit) && v === value) removed++;
        else items[(head + w++) & mask] = v;
      }
      for (let k = w; k < len; k++) items[(head + k) & mask] = undefined;
    } else {
      let w = len - 1;
      for (let r = len - 1; r >= 0; r--) {
        const v = items[(head + r) & mask]!;
        if ((limit === 0 || removed < limit) && v === value) removed++;
        else items[(head + w--) & mask] = v;
      }
      for (let k = 0; k <= w; k++) items[(head + k) & mask] = undefined;
      this.head = (head + removed) & mask;
    }
    this.len = len - removed;
    this.maybeShrink();
    return removed;
  }

  /** Keep elements start..end inclusive (normalised, or start > end to empty the list). */
  trim(start: number, end: number): void {
    if (this.hook !== null) {
      if (start > end || start >= this.len) this.hook.beforeRemoveEnds(this.len, 0);
      else this.hook.beforeRemoveEnds(start, Math.max(0, this.len - 1 - end));
    }
    if (start > end || start >= this.len) {
      this.items = new Array(MIN_CAPACITY);
      this.mask = MIN_CAPACITY - 1;
      this.head = 0;
      this.len = 0;
      return;
    }
    for (let k = 0; k < start; k++) this.items[(this.head + k) & this.mask] = undefined;
    for (let k = end + 1; k < this.len; k++) this.items[(this.head + k) & this.mask] = undefined;
    this.head = (this.head + start) & this.mask;
    this.len = end - start + 1;
    this.maybeShrink();
  }

  private grow(): void {
    const cap = this.mask + 1;
    if (cap >= LIST_MAX_CAPACITY) throw new RangeError('list too long');
    this.resize(cap * 2);
  }

  private maybeShrink(): void {
    const cap = this.mask + 1;
    if (cap > MIN_CAPACITY && this.len < cap / 4) this.resize(Math.max(MIN_CAPACITY, cap / 2));
  }

  private resize(cap: number): void {
    const next: (string | undefined)[] = new Array(cap);
    for (let i = 0; i < this.len; i++) next[i] = this.items[(this.head + i) & this.mask];
    this.items = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}
