/**
 * MemberIndex: the hash-table part of big sets and sorted sets (Redis's dict), as a dense
 * array of members plus a member → position map.
 *
 * Why dense: SPOP, SRANDMEMBER and ZRANDMEMBER need a uniformly random member in O(1),
 * which a JS Map or Set cannot give (it only iterates). Removal swaps the last member into
 * the hole, so positions stay dense; `remove` returns the hole so a caller keeping a
 * parallel column (the zset's scores) moves its entry the same way.
 *
 * Why chunked: a V8 Map holds at most 2**24 entries. The position map is a list of Maps
 * each filled up to `chunkLimit` (injectable, so tests prove the layer with a small
 * limit); a member lives in exactly one chunk. Below the limit there is one chunk and a
 * lookup is one Map.get.
 *
 * SSCAN/ZSCAN cursor: positions are visited from the top down. A cursor p means
 * "positions [0, p) not yet returned". Removal moves the last member into a hole: into the
 * unvisited part it only repeats a member (allowed), into the visited part it changes
 * nothing unvisited; additions land at the top (visited), and may be missed, which SCAN
 * allows for members not present throughout. So every member present for the whole scan
 * is returned, Redis's guarantee.
 *
 * Snapshots: a snapshot writing a big set or zset across slices installs an ElementHook
 * (keyspace.ts), told before a member is added or removed and before a removal moves the
 * last member into the hole. So a member nobody touched keeps its position, and the
 * snapshot's top-down scan returns each such member exactly once.
 */

import type { ElementHook } from './keyspace.js';

/** 2**24 is V8's hard limit; stay clear of it. */
export const DEFAULT_CHUNK_LIMIT = 8_000_000;

export class MemberIndex {
  readonly members: string[] = [];
  private readonly chunks: Map<string, number>[] = [new Map()];
  /** A running snapshot's element-level copy-on-write; null otherwise (one test per write). */
  hook: ElementHook | null = null;

  constructor(private readonly chunkLimit = DEFAULT_CHUNK_LIMIT) {}

  get size(): number {
    return this.members.length;
  }

  /** Number of hash-map chunks (tests of the chunking layer). */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Position of `member`, or -1. */
  indexOf(member: string): number {
    const chunks = this.chunks;
    const first = chunks[0]!.get(member);
    if (first !== undefined) return first;
    for (let i = 1; i < chunks.length; i++) {
      const pos = chunks[i]!.get(member);
      if (pos !== undefined) return pos;
    }
    return -1;
  }

  has(member: string): boolean {
    return this.indexOf(member) >= 0;
  }

  /** Append a member known to be absent; returns its position. */
  push(member: string): number {
    if (this.hook !== null) this.hook.beforeElementChange(member);
    const pos = this.members.length;
    this.members.push(member);
    let last = this.chunks[this.chunks.length - 1]!;
    if (last.size >= this.chunkLimit) this.chunks.push((last = new Map()));
    last.set(member, pos);
    return pos;
  }

  /**
   * Remove `member`; returns the position it had (now holding the former last member,
   * unless it was the last) or -1 when absent.
   */
  remove(member: string): number {
    const chunks = this.chunks;
    let chunk: Map<string, number> | undefined;
    let pos = -1;
    for (let i = 0; i < chunks.length; i++) {
      const p = chunks[i]!.get(member);
      if (p !== undefined) {
        chunk = chunks[i];
        pos = p;
        break;
      }
    }
    if (chunk === undefined) return -1;
    const members = this.members;
    const lastPos = members.length - 1;
    if (this.hook !== null) {
      this.hook.beforeElementChange(member);
      if (pos !== lastPos) this.hook.beforeElementChange(members[lastPos]!);
    }
    chunk.delete(member);
    const moved = members.pop()!;
    if (pos !== lastPos) {
      members[pos] = moved;
      this.setPosition(moved, pos);
    }
    // Drop emptied chunks (never the first) so lookups of absent members stay cheap.
    if (chunk.size === 0 && chunks.length > 1) chunks.splice(chunks.indexOf(chunk), 1);
    return pos;
  }

  private setPosition(member: string, pos: number): void {
    for (const chunk of this.chunks) {
      if (chunk.has(member)) {
        chunk.set(member, pos);
        return;
      }
    }
  }

  /** Whether a scan that has reached `cursor` has returned `member` (see the file comment). */
  scanned(member: string, cursor: number): boolean {
    return cursor !== 0 && this.indexOf(member) >= cursor;
  }

  /** A uniformly random position; the index must not be empty. */
  randomIndex(): number {
    return (Math.random() * this.members.length) | 0;
  }

  /**
   * One SSCAN step: push members from the cursor's part down until `count` are taken;
   * returns the next cursor (0 when done). See the file comment for the guarantee.
   */
  scan(cursor: number, count: number, out: string[]): number {
    const members = this.members;
    let p = cursor === 0 || cursor > members.length ? members.length : cursor;
    for (let taken = 0; p > 0 && taken < count; taken++) out.push(members[--p]!);
    return p;
  }
}
