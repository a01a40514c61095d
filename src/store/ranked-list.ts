/**
 * RankedList: the ordered part of a big sorted set (Redis's skiplist with spans), kept as
 * a list of sorted leaves (parallel member and score arrays of at most LEAF_MAX entries)
 * plus a Fenwick tree over the leaf sizes.
 *
 * Trade-offs against a skiplist of node objects: one entry costs two array slots (about
 * 16 bytes) instead of a node with a pointer array per level; finding a position is a
 * binary search over leaf ends and then inside a leaf, both over contiguous arrays. Rank
 * queries (ZRANK, range by rank) are O(log n) through the Fenwick tree. An insert or delete
 * shifts at most LEAF_MAX entries; a leaf split or an emptied leaf also shifts the leaf
 * list and drops the Fenwick tree, which is rebuilt in O(n / LEAF_MAX) when next needed
 * (amortised over the LEAF_MAX / 2 inserts between splits).
 *
 * Order is Redis's: by score, then by member bytes (latin1 strings compare as memcmp).
 * -0 and 0 are equal scores, as in C.
 */

const LEAF_MAX = 512;

interface Leaf {
  members: string[];
  scores: number[];
}

/** First index in [0, n) whose (score, member) is ≥ (score, member). */
export function entryLowerBound(members: readonly string[], scores: readonly number[], score: number, member: string): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = scores[mid]!;
    if (s < score || (s === score && members[mid]! < member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of leading scores < x, or ≤ x when orEqual. */
export function scoreLowerBound(scores: readonly number[], x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = scores[mid]!;
    if (s < x || (orEqual && s === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of leading members < x, or ≤ x when orEqual (meaningful when scores are equal). */
export function lexLowerBound(members: readonly string[], x: string, orEqual: boolean): number {
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = members[mid]!;
    if (m < x || (orEqual && m === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RankedList {
  private leaves: Leaf[] = [];
  /** Fenwick tree over leaf sizes (1-based), or null after a structural change. */
  private tree: Int32Array | null = null;
  size = 0;

  /** Insert an entry known to be absent. */
  insert(score: number, member: string): void {
    const leaves = this.leaves;
    this.size++;
    if (leaves.length === 0) {
      leaves.push({ members: [member], scores: [score] });
      this.tree = null;
      return;
    }
    const li = this.leafFor(score, member);
    const leaf = leaves[li]!;
    const p = entryLowerBound(leaf.members, leaf.scores, score, member);
    leaf.members.splice(p, 0, member);
    leaf.scores.splice(p, 0, score);
    if (leaf.members.length > LEAF_MAX) {
      const half = leaf.members.length >>> 1;
      leaves.splice(li + 1, 0, { members: leaf.members.splice(half), scores: leaf.scores.splice(half) });
      this.tree = null;
    } else {
      this.treeAdd(li, 1);
    }
  }

  /** Remove an entry; false if absent. */
  remove(score: number, member: string): boolean {
    if (this.size === 0) return false;
    const li = this.leafFor(score, member);
    const leaf = this.leaves[li]!;
    const p = entryLowerBound(leaf.members, leaf.scores, score, member);
    if (p >= leaf.members.length || leaf.members[p] !== member) return false;
    this.removeAt(li, p, 1);
    return true;
  }

  /** 0-based ascending rank of an entry known to be present. */
  rankOf(score: number, member: string): number {
    const li = this.leafFor(score, member);
    const leaf = this.leaves[li]!;
    return this.prefix(li) + entryLowerBound(leaf.members, leaf.scores, score, member);
  }

  /** Number of entries with score < x (≤ x when orEqual). */
  countScoreBelow(x: number, orEqual: boolean): number {
    const leaves = this.leaves;
    let lo = 0;
    let hi = leaves.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = leaves[mid]!.scores;
      const last = s[s.length - 1]!;
      if (last < x || (orEqual && last === x)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === leaves.length) return this.size;
    return this.prefix(lo) + scoreLowerBound(leaves[lo]!.scores, x, orEqual);
  }

  /** Number of entries with member < x (≤ x when orEqual), as if all scores were equal. */
  countLexBelow(x: string, orEqual: boolean): number {
    const leaves = this.leaves;
    let lo = 0;
    let hi = leaves.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = leaves[mid]!.members;
      const last = m[m.length - 1]!;
      if (last < x || (orEqual && last === x)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === leaves.length) return this.size;
    return this.prefix(lo) + lexLowerBound(leaves[lo]!.members, x, orEqual);
  }

  /** Append ranks [start, end] (inclusive, ascending, in range) to the output columns. */
  slice(start: number, end: number, members: string[], scores: number[]): void {
    if (start > end) return;
    let [li, off] = this.locate(start);
    let left = end - start + 1;
    while (left > 0) {
      const leaf = this.leaves[li++]!;
      const take = Math.min(left, leaf.members.length - off);
      for (let i = off; i < off + take; i++) {
        members.push(leaf.members[i]!);
        scores.push(leaf.scores[i]!);
      }
      left -= take;
      off = 0;
    }
  }

  /** Remove ranks [start, end] (inclusive, in range), appending the removed members. */
  removeRange(start: number, end: number, removed: string[]): void {
    let left = end - start + 1;
    while (left > 0) {
      const [li, off] = this.locate(start);
      const leaf = this.leaves[li]!;
      const take = Math.min(left, leaf.members.length - off);
      for (let i = off; i < off + take; i++) removed.push(leaf.members[i]!);
      this.removeAt(li, off, take);
      left -= take;
    }
  }

  /** Every entry in order. */
  *entries(): IterableIterator<[string, number]> {
    for (const leaf of this.leaves) {
      for (let i = 0; i < leaf.members.length; i++) yield [leaf.members[i]!, leaf.scores[i]!];
    }
  }

  /** Number of leaves (tests). */
  get leafCount(): number {
    return this.leaves.length;
  }

  private removeAt(li: number, p: number, n: number): void {
    const leaf = this.leaves[li]!;
    leaf.members.splice(p, n);
    leaf.scores.splice(p, n);
    this.size -= n;
    if (leaf.members.length === 0) {
      this.leaves.splice(li, 1);
      this.tree = null;
    } else {
      this.treeAdd(li, -n);
    }
  }

  /** The leaf an entry belongs in: the first whose last entry is ≥ it, else the last. */
  private leafFor(score: number, member: string): number {
    const leaves = this.leaves;
    let lo = 0;
    let hi = leaves.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const leaf = leaves[mid]!;
      const last = leaf.members.length - 1;
      const s = leaf.scores[last]!;
      if (s < score || (s === score && leaf.members[last]! < member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** [leaf index, offset] of a rank in [0, size). */
  private locate(rank: number): [number, number] {
    const tree = this.fenwick();
    let pos = 0;
    let rem = rank;
    for (let step = highestBit(this.leaves.length); step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.leaves.length && tree[next]! <= rem) {
        pos = next;
        rem -= tree[next]!;
      }
    }
    return [pos, rem];
  }

  /** Total size of leaves [0, li). */
  private prefix(li: number): number {
    const tree = this.fenwick();
    let sum = 0;
    for (let i = li; i > 0; i -= i & -i) sum += tree[i]!;
    return sum;
  }

  private treeAdd(li: number, delta: number): void {
    const tree = this.tree;
    if (tree === null) return;
    for (let i = li + 1; i < tree.length; i += i & -i) tree[i] += delta;
  }

  private fenwick(): Int32Array {
    if (this.tree !== null) return this.tree;
    const n = this.leaves.length;
    const tree = new Int32Array(n + 1);
    for (let i = 1; i <= n; i++) {
      tree[i] += this.leaves[i - 1]!.members.length;
      const parent = i + (i & -i);
      if (parent <= n) tree[parent] += tree[i]!;
    }
    return (this.tree = tree);
  }
}

function highestBit(n: number): number {
  return n === 0 ? 0 : 1 << (31 - Math.clz32(n));
}
