/**
 * The set value (t_set.c's object), in Redis 7.0's two encodings:
 *
 *  - intset: every member is a canonical integer (string2ll: no '+', no leading zero, no
 *    "-0", fits int64) and there are at most set-max-intset-entries of them. Kept as one
 *    sorted JS array of numbers, with a bigint only for a value beyond 2**53 (JS compares
 *    number and bigint exactly); small integers sit unboxed in the array, 8 bytes each.
 *    Members come out in ascending order, as Redis's intset gives them.
 *  - hashtable: a MemberIndex (dense array + chunked position map), which gives O(1)
 *    random members for SPOP/SRANDMEMBER and a SSCAN cursor with Redis's guarantee.
 *
 * Conversion goes one way, intset → hashtable, exactly when Redis converts (a non-integer
 * member, or the count passing the limit), so OBJECT ENCODING answers as Redis does.
 */

import { parseLongLong } from '../util/numbers.js';
import type { CollectionValue } from './value.js';
import type { ElementHook } from './keyspace.js';
import { MemberIndex } from './member-index.js';

export interface SetLimits {
  maxIntsetEntries: number;
}

type Int = number | bigint;

export class SetValue implements CollectionValue {
  readonly type = 'set';
  /** Sorted integers while the encoding is intset, else null. */
  private ints: Int[] | null;
  private dict: MemberIndex | null;

  private constructor(ints: Int[] | null, dict: MemberIndex | null) {
    this.ints = ints;
    this.dict = dict;
  }

  /** An empty set in the encoding Redis's setTypeCreate picks for its first member. */
  static forFirstMember(member: string): SetValue {
    return parseLongLong(member) !== null ? SetValue.emptyIntset() : SetValue.emptyHashtable();
  }

  /** An empty intset (SINTERSTORE and SUNIONSTORE start their destination so). */
  static emptyIntset(): SetValue {
    return new SetValue([], null);
  }

  static emptyHashtable(chunkLimit?: number): SetValue {
    return new SetValue(null, new MemberIndex(chunkLimit));
  }

  /** Build from members (duplicates ignored), choosing the encoding as Redis would. */
  static fromValues(members: string[], limits: SetLimits): SetValue {
    const s = members.length > 0 ? SetValue.forFirstMember(members[0]!) : SetValue.emptyIntset();
    for (const m of members) s.add(m, limits);
    return s;
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : this.dict!.size;
  }

  encoding(): 'intset' | 'hashtable' {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  /** Members: ascending for an intset, insertion-dependent for a hashtable. */
  *values(): IterableIterator<string> {
    if (this.ints !== null) for (const n of this.ints) yield String(n);
    else yield* this.dict!.members;
  }

  /** The members as an array (SMEMBERS, SINTER...). */
  toArray(): string[] {
    return this.ints !== null ? this.ints.map(String) : this.dict!.members.slice();
  }

  clone(): SetValue {
    if (this.ints !== null) return new SetValue(this.ints.slice(), null);
    const s = SetValue.emptyHashtable();
    for (const m of this.dict!.members) s.dict!.push(m);
    return s;
  }

  has(member: string): boolean {
    if (this.ints === null) return this.dict!.has(member);
    const n = parseLongLong(member);
    return n !== null && intIndex(this.ints, n) >= 0;
  }

  /** Add `member`; false if it was already there. May convert intset → hashtable. */
  add(member: string, limits: SetLimits): boolean {
    const ints = this.ints;
    if (ints !== null) {
      const n = parseLongLong(member);
      if (n !== null) {
        const i = intIndex(ints, n);
        if (i >= 0) return false;
        ints.splice(~i, 0, n);
        if (ints.length > limits.maxIntsetEntries) this.convertToHashtable();
        return true;
      }
      this.convertToHashtable();
    }
    const dict = this.dict!;
    if (dict.has(member)) return false;
    dict.push(member);
    return true;
  }

  /** Remove `member`; false if absent. */
  remove(member: string): boolean {
    const ints = this.ints;
    if (ints === null) return this.dict!.remove(member) >= 0;
    const n = parseLongLong(member);
    if (n === null) return false;
    const i = intIndex(ints, n);
    if (i < 0) return false;
    ints.splice(i, 1);
    return true;
  }

  /** A uniformly random member; the set must not be empty. */
  random(): string {
    if (this.ints !== null) return String(this.ints[(Math.random() * this.ints.length) | 0]!);
    const dict = this.dict!;
    return dict.members[dict.randomIndex()]!;
  }

  /** Remove and return a uniformly random member; the set must not be empty. */
  pop(): string {
    const m = this.random();
    this.remove(m);
    return m;
  }

  /**
   * One SSCAN step. An intset is returned whole with cursor 0, as Redis does for its
   * compact encodings; a hashtable follows MemberIndex.scan.
   */
  scan(cursor: number, count: number, out: string[]): number {
    if (this.ints !== null) {
      for (const n of this.ints) out.push(String(n));
      return 0;
    }
    return this.dict!.scan(cursor, count, out);
  }

  /** Install or remove a snapshot's element-level hook (hashtable encoding only; member-index.ts). */
  setElementHook(hook: ElementHook | null): void {
    this.dict!.hook = hook;
  }

  /** Whether a snapshot's scan() that has reached `cursor` has returned `member`. */
  scanned(member: string, cursor: number): boolean {
    return this.dict!.scanned(member, cursor);
  }

  private convertToHashtable(): void {
    const dict = new MemberIndex();
    for (const n of this.ints!) dict.push(String(n));
    this.ints = null;
    this.dict = dict;
  }
}

/** Binary search: the index of n, or ~insertionPoint. */
function intIndex(ints: Int[], n: Int): number {
  let lo = 0;
  let hi = ints.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ints[mid]!;
    if (v < n) lo = mid + 1;
    else if (v > n) hi = mid - 1;
    else return mid;
  }
  return ~lo;
}
