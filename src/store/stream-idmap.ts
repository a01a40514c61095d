/**
 * IdMap: a map from stream IDs to values that also iterates in ID order, for the pending
 * entries lists of consumer groups and consumers (Redis keeps each in a radix tree).
 *
 * A Map answers lookups in O(1); the order lives beside it as a list of sorted chunks of
 * at most CHUNK_MAX IDs. Deliveries append (IDs grow), which touches only the last chunk;
 * an insert or delete elsewhere (XCLAIM of an old entry, XACK) shifts one chunk and, when
 * a chunk splits or empties, the chunk list — O(log n + CHUNK_MAX + n / CHUNK_MAX), which
 * stays small for the PEL sizes that occur. IDs are 16-char latin1 strings, so string
 * comparison is ID order.
 */

import type { StreamId } from './stream.js';

const CHUNK_MAX = 256;

/** First index in `ids` whose ID is ≥ id. */
export function idLowerBound(ids: readonly StreamId[], id: StreamId): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class IdMap<V> {
  private readonly map = new Map<StreamId, V>();
  private readonly chunks: StreamId[][] = [];

  get size(): number {
    return this.map.size;
  }

  get(id: StreamId): V | undefined {
    return this.map.get(id);
  }

  has(id: StreamId): boolean {
    return this.map.has(id);
  }

  /** Insert or replace. */
  set(id: StreamId, value: V): void {
    const before = this.map.size;
    this.map.set(id, value);
    if (this.map.size === before) return;
    const chunks = this.chunks;
    const last = chunks[chunks.length - 1];
    if (last === undefined) {
      chunks.push([id]);
      return;
    }
    if (last[last.length - 1]! < id) {
      if (last.length < CHUNK_MAX) last.push(id);
      else chunks.push([id]);
      return;
    }
    const ci = this.chunkFor(id);
    const chunk = chunks[ci]!;
    chunk.splice(idLowerBound(chunk, id), 0, id);
    if (chunk.length > CHUNK_MAX) chunks.splice(ci + 1, 0, chunk.splice(CHUNK_MAX >>> 1));
  }

  delete(id: StreamId): boolean {
    if (!this.map.delete(id)) return false;
    const ci = this.chunkFor(id);
    const chunk = this.chunks[ci]!;
    chunk.splice(idLowerBound(chunk, id), 1);
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  first(): StreamId | undefined {
    return this.chunks[0]?.[0];
  }

  last(): StreamId | undefined {
    const chunk = this.chunks[this.chunks.length - 1];
    return chunk === undefined ? undefined : chunk[chunk.length - 1];
  }

  /**
   * Append to `out` the IDs in [start, end], ascending, at most `count` of them; returns
   * how many were appended. The caller may change the map after, not during.
   */
  range(start: StreamId, end: StreamId, count: number, out: StreamId[]): number {
    const chunks = this.chunks;
    let n = 0;
    const firstChunk = this.chunkFor(start);
    for (let ci = firstChunk; ci < chunks.length; ci++) {
      const chunk = chunks[ci]!;
      for (let i = ci === firstChunk ? idLowerBound(chunk, start) : 0; i < chunk.length; i++) {
        const id = chunk[i]!;
        if (id > end || n >= count) return n;
        out.push(id);
        n++;
      }
    }
    return n;
  }

  /** Ascending [id, value] pairs. */
  *entries(): IterableIterator<[StreamId, V]> {
    for (const chunk of this.chunks) for (const id of chunk) yield [id, this.map.get(id)!];
  }

  /** The chunk that holds id or would: the first whose last ID is ≥ id, else the last. */
  private chunkFor(id: StreamId): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = chunks[mid]!;
      if (c[c.length - 1]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
