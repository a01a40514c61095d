/**
 * The sorted-set value (t_zset.c's object), in Redis 7.0's two encodings:
 *
 *  - listpack: while there are at most zset-max-listpack-entries members, none longer than
 *    zset-max-listpack-value bytes. Like Redis's listpack it is one flat buffer, here one
 *    latin1 string of entries in (score, member) order, each `varint(len) member
 *    char(scoreLen) scoreText`, the score as JS's shortest round-trip text (-0 becomes 0,
 *    as in Redis's listpack; the skiplist keeps -0).
 *    A small zset is then one object and one string, which is what keeps 100,000 small
 *    zsets near Redis's memory. Operations are O(n) over at most a few hundred entries,
 *    as Redis's are: a lookup walks the string, a change decodes, edits and re-encodes.
 *  - skiplist: a MemberIndex (member → dense position, chunked past V8's Map limit) with a
 *    parallel score column, plus a RankedList ordered by (score, member) for O(log n) rank
 *    and range operations. OBJECT ENCODING says "skiplist", as Redis does.
 *
 * Conversions follow Redis: listpack → skiplist when an insert passes a limit; back to
 * listpack only when a STORE command builds a result that fits (shrinkIfFits).
 * Everything rank-based is ascending; callers mirror ranks for REV forms.
 *
 * Snapshots: a snapshot writing a big zset across slices reads it with scanScores (member
 * index positions, top down) and installs an ElementHook on the index (member-index.ts),
 * which add() also calls before it moves an existing member to a new score.
 */

import { formatDouble } from '../util/numbers.js';
import type { CollectionValue } from './value.js';
import type { ElementHook } from './keyspace.js';
import { MemberIndex } from './member-index.js';
import { entryLowerBound, lexLowerBound, RankedList, scoreLowerBound } from './ranked-list.js';
import { flatten } from '../util/latin1.js';

export interface ZSetLimits {
  maxListpackEntries: number;
  maxListpackValue: number;
}

class BigZSet {
  readonly scores: number[] = [];
  readonly list = new RankedList();
  /**
   * The member score() looked up last and its index position: ZADD checks the score, then
   * adds, and add() reuses the lookup (on a big zset a cache miss) instead of repeating it.
   * Cleared by every change.
   */
  lookedUp: string | null = null;
  lookedUpPos = -1;
  constructor(readonly index: MemberIndex) {}
}

export class ZSetValue implements CollectionValue {
  /** The packed listpack, while the encoding is listpack. */
  private lp = '';
  private lpCount = 0;
  private big: BigZSet | null = null;

  get type(): 'zset' {
    return 'zset';
  }

  /** An empty zset, listpack-encoded unless `skiplist`. */
  static empty(skiplist = false, chunkLimit?: number): ZSetValue {
    const z = new ZSetValue();
    if (skiplist) z.big = new BigZSet(new MemberIndex(chunkLimit));
    return z;
  }

  /** Build from entries (a later duplicate member wins), choosing the encoding as Redis's loader would. */
  static fromEntries(entries: [string, number][], limits: ZSetLimits): ZSetValue {
    let fits = entries.length <= limits.maxListpackEntries;
    for (let i = 0; fits && i < entries.length; i++) fits = entries[i]![0].length <= limits.maxListpackValue;
    const z = ZSetValue.empty(!fits);
    const noLimit = { maxListpackEntries: Infinity, maxListpackValue: Infinity };
    for (const [m, s] of entries) z.add(m, s, noLimit);
    return z;
  }

  get size(): number {
    return this.big !== null ? this.big.list.size : this.lpCount;
  }

  encoding(): 'listpack' | 'skiplist' {
    return this.big !== null ? 'skiplist' : 'listpack';
  }

  /** Every entry ascending by (score, member). */
  *entries(): IterableIterator<[member: string, score: number]> {
    if (this.big !== null) {
      yield* this.big.list.entries();
      return;
    }
    const members: string[] = [];
    const scores: number[] = [];
    lpDecode(this.lp, members, scores);
    for (let i = 0; i < members.length; i++) yield [members[i]!, scores[i]!];
  }

  clone(): ZSetValue {
    const z = new ZSetValue();
    if (this.big === null) {
      z.lp = this.lp;
      z.lpCount = this.lpCount;
      return z;
    }
    z.big = new BigZSet(new MemberIndex());
    for (const [m, s] of this.big.list.entries()) z.bigInsert(m, s);
    return z;
  }

  /** The member's score, or undefined. */
  score(member: string): number | undefined {
    const big = this.big;
    if (big !== null) {
      const pos = big.index.indexOf(member);
      big.lookedUp = member;
      big.lookedUpPos = pos;
      return pos < 0 ? undefined : big.scores[pos];
    }
    return lpFind(this.lp, member);
  }

  /**
   * Insert `member` or move it to `score` (no change when the scores compare equal, so an
   * existing -0/0 keeps its sign, as in Redis). Returns true when the member is new.
   * Converts to skiplist when the insert passes a limit.
   */
  add(member: string, score: number, limits: ZSetLimits): boolean {
    if (this.big === null) {
      const members: string[] = [];
      const scores: number[] = [];
      lpDecode(this.lp, members, scores);
      const i = members.indexOf(member);
      if (i >= 0) {
        if (scores[i] === score) return false;
        members.splice(i, 1);
        scores.splice(i, 1);
      } else if (this.lpCount + 1 > limits.maxListpackEntries || member.length > limits.maxListpackValue) {
        this.convertToSkiplist(members, scores);
        this.bigInsert(member, score);
        return true;
      }
      const p = entryLowerBound(members, scores, score, member);
      members.splice(p, 0, member);
      scores.splice(p, 0, score);
      this.setListpack(members, scores);
      return i < 0;
    }
    const big = this.big;
    const pos = member === big.lookedUp ? big.lookedUpPos : big.index.indexOf(member);
    big.lookedUp = null;
    if (pos < 0) {
      this.bigInsert(member, score);
      return true;
    }
    const old = big.scores[pos]!;
    if (old !== score) {
      if (big.index.hook !== null) big.index.hook.beforeElementChange(member);
      // The stored string, not the caller's copy (a fresh argument): one copy of each
      // member in memory, and no young string stored into the long-lived leaves.
      const stored = big.index.members[pos]!;
      big.list.remove(old, stored);
      big.list.insert(score, stored);
      big.scores[pos] = score;
    }
    return false;
  }

  /** Remove `member`; false if absent. */
  remove(member: string): boolean {
    const big = this.big;
    if (big === null) {
      const members: string[] = [];
      const scores: number[] = [];
      lpDecode(this.lp, members, scores);
      const i = members.indexOf(member);
      if (i < 0) return false;
      members.splice(i, 1);
      scores.splice(i, 1);
      this.setListpack(members, scores);
      return true;
    }
    big.lookedUp = null;
    const pos = big.index.indexOf(member);
    if (pos < 0) return false;
    big.list.remove(big.scores[pos]!, member);
    this.bigDropFromIndex(member);
    return true;
  }

  /** Ascending 0-based rank, or -1 when absent. */
  rank(member: string): number {
    const big = this.big;
    if (big !== null) {
      const pos = big.index.indexOf(member);
      return pos < 0 ? -1 : big.list.rankOf(big.scores[pos]!, member);
    }
    const members: string[] = [];
    lpDecode(this.lp, members, null);
    return members.indexOf(member);
  }

  /** Number of entries with score < x (≤ x when orEqual). */
  countScoreBelow(x: number, orEqual: boolean): number {
    if (this.big !== null) return this.big.list.countScoreBelow(x, orEqual);
    const scores: number[] = [];
    lpDecode(this.lp, null, scores);
    return scoreLowerBound(scores, x, orEqual);
  }

  /** Number of entries with member < x (≤ x when orEqual), assuming equal scores. */
  countLexBelow(x: string, orEqual: boolean): number {
    if (this.big !== null) return this.big.list.countLexBelow(x, orEqual);
    const members: string[] = [];
    lpDecode(this.lp, members, null);
    return lexLowerBound(members, x, orEqual);
  }

  /** Append ascending ranks [start, end] (inclusive; clamped by the caller) to the columns. */
  range(start: number, end: number, members: string[], scores: number[]): void {
    if (start > end) return;
    if (this.big !== null) {
      this.big.list.slice(start, end, members, scores);
      return;
    }
    const allM: string[] = [];
    const allS: number[] = [];
    lpDecode(this.lp, allM, allS);
    for (let i = start; i <= end; i++) {
      members.push(allM[i]!);
      scores.push(allS[i]!);
    }
  }

  /** Remove ascending ranks [start, end] (inclusive, in range); returns how many. */
  removeRange(start: number, end: number): number {
    if (start > end) return 0;
    const big = this.big;
    if (big === null) {
      const members: string[] = [];
      const scores: number[] = [];
      lpDecode(this.lp, members, scores);
      members.splice(start, end - start + 1);
      scores.splice(start, end - start + 1);
      this.setListpack(members, scores);
      return end - start + 1;
    }
    big.lookedUp = null;
    const removed: string[] = [];
    big.list.removeRange(start, end, removed);
    for (const m of removed) this.bigDropFromIndex(m);
    return removed.length;
  }

  /** Append one uniformly random entry (the zset must not be empty). */
  random(members: string[], scores: number[]): void {
    const big = this.big;
    if (big !== null) {
      const pos = big.index.randomIndex();
      members.push(big.index.members[pos]!);
      scores.push(big.scores[pos]!);
      return;
    }
    const r = (Math.random() * this.lpCount) | 0;
    this.range(r, r, members, scores);
  }

  /**
   * One ZSCAN step, pushing member and score text pairs. A listpack is returned whole with
   * cursor 0, as Redis does; a skiplist follows MemberIndex.scan.
   */
  scan(cursor: number, count: number, out: string[]): number {
    const big = this.big;
    if (big === null) {
      for (const [m, s] of this.entries()) out.push(m, formatDouble(s));
      return 0;
    }
    const entries: (string | number)[] = [];
    const next = this.scanScores(cursor, count, entries);
    for (let i = 0; i < entries.length; i += 2) out.push(entries[i] as string, formatDouble(entries[i + 1] as number));
    return next;
  }

  /**
   * A skiplist's scan step with numeric scores: pushes member, score pairs from the member
   * index's positions, top down (MemberIndex.scan's cursor); 0 when done.
   */
  scanScores(cursor: number, count: number, out: (string | number)[]): number {
    const { index, scores } = this.big!;
    const members = index.members;
    let p = cursor === 0 || cursor > members.length ? members.length : cursor;
    for (let taken = 0; p > 0 && taken < count; taken++) {
      p--;
      out.push(members[p]!, scores[p]!);
    }
    return p;
  }

  /** Install or remove a snapshot's element-level hook (skiplist encoding only). */
  setElementHook(hook: ElementHook | null): void {
    this.big!.index.hook = hook;
  }

  /** Whether a snapshot's scanScores() that has reached `cursor` has returned `member`. */
  scanned(member: string, cursor: number): boolean {
    return this.big!.index.scanned(member, cursor);
  }

  /** Redis's zsetConvertToListpackIfNeeded, for a freshly built STORE result. */
  shrinkIfFits(limits: ZSetLimits): void {
    const big = this.big;
    if (big === null || big.list.size > limits.maxListpackEntries) return;
    for (const m of big.index.members) if (m.length > limits.maxListpackValue) return;
    const members: string[] = [];
    const scores: number[] = [];
    big.list.slice(0, big.list.size - 1, members, scores);
    this.big = null;
    this.setListpack(members, scores);
  }

  private setListpack(members: string[], scores: number[]): void {
    this.lp = lpEncode(members, scores);
    this.lpCount = members.length;
  }

  private convertToSkiplist(members: string[], scores: number[]): void {
    this.big = new BigZSet(new MemberIndex());
    this.lp = '';
    this.lpCount = 0;
    for (let i = 0; i < members.length; i++) this.bigInsert(members[i]!, scores[i]!);
  }

  private bigInsert(member: string, score: number): void {
    const big = this.big!;
    big.index.push(member);
    big.scores.push(score);
    big.list.insert(score, member);
  }

  /** Remove from the index and keep the score column parallel to it. */
  private bigDropFromIndex(member: string): void {
    const big = this.big!;
    const pos = big.index.remove(member);
    const last = big.scores.pop()!;
    if (pos < big.scores.length) big.scores[pos] = last;
  }
}

// ---------------------------------------------------------------- the packed listpack

function lpEncode(members: readonly string[], scores: readonly number[]): string {
  let s = '';
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    let n = m.length;
    while (n >= 0x80) {
      s += String.fromCharCode((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    const t = String(scores[i]!); // -0 prints "0": Redis's listpack also keeps -0 as 0
    s += String.fromCharCode(n) + m + String.fromCharCode(t.length) + t;
  }
  return flatten(s);
}

/** Where the entry after the last lpLength read begins (module state: no allocation). */
let lpAfter = 0;

/** The little-endian base-128 length at `pos` of a packed listpack; sets lpAfter past it. */
function lpLength(lp: string, pos: number): number {
  let len = 0;
  let shift = 0;
  let c: number;
  do {
    c = lp.charCodeAt(pos++);
    len += (c & 0x7f) * 2 ** shift;
    shift += 7;
  } while (c & 0x80);
  lpAfter = pos;
  return len;
}

/** Decode into the given columns (either may be null when not wanted). */
function lpDecode(lp: string, members: string[] | null, scores: number[] | null): void {
  let pos = 0;
  while (pos < lp.length) {
    const len = lpLength(lp, pos);
    pos = lpAfter;
    if (members !== null) members.push(lp.slice(pos, pos + len));
    pos += len;
    const tlen = lp.charCodeAt(pos++);
    if (scores !== null) scores.push(Number(lp.slice(pos, pos + tlen)));
    pos += tlen;
  }
}

/** The score of `member` in a packed listpack, or undefined; allocates nothing on a miss. */
function lpFind(lp: string, member: string): number | undefined {
  let pos = 0;
  while (pos < lp.length) {
    const len = lpLength(lp, pos);
    pos = lpAfter;
    const hit = len === member.length && lp.startsWith(member, pos);
    pos += len;
    const tlen = lp.charCodeAt(pos++);
    if (hit) return Number(lp.slice(pos, pos + tlen));
    pos += tlen;
  }
  return undefined;
}
