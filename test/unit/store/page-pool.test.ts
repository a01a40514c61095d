/**
 * The page pool (src/store/page-pool.ts) under random allocation and freeing of blocks of
 * every size, a slab's and more included, across enough slabs that whole slabs are dropped
 * and their numbers reused: each live block is filled with its own tag, and every live
 * block must still hold its tag after each step, so two live blocks that overlapped, or a
 * block handed out twice (a stale free-list entry of a dropped slab), would fail.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allocBlock, bytesOf, freeBlock, SLAB_MASK } from '../../../src/store/page-pool.js';

interface Live {
  addr: number;
  bytes: number;
  tag: number;
}

function fill(b: Live): void {
  const at = b.addr & SLAB_MASK;
  bytesOf(b.addr).fill(b.tag, at, at + b.bytes);
}

/** Every block starts on a 128-byte unit and spans whole units, so one byte a unit finds any overlap. */
function holds(b: Live): boolean {
  const at = b.addr & SLAB_MASK;
  const bytes = bytesOf(b.addr);
  for (let i = at; i < at + b.bytes; i += 128) if (bytes[i] !== b.tag) return false;
  return true;
}

describe('page pool', () => {
  test('live blocks never overlap, through slab drops and reuse', () => {
    const size = fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 0, max: 6 }).map((c) => 128 << c) },
      { weight: 1, arbitrary: fc.constantFrom(256 * 1024, 300 * 1024) }, // a whole slab, a slab of its own
    );
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ alloc: fc.array(size, { minLength: 1, maxLength: 30 }) }) },
      { weight: 2, arbitrary: fc.record({ free: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 50, maxLength: 300 }), (ops) => {
        const live: Live[] = [];
        let tag = 0;
        for (const o of ops) {
          if ('alloc' in o) {
            for (const bytes of o.alloc) {
              const b = { addr: allocBlock(bytes), bytes, tag: (tag++ % 255) + 1 };
              fill(b);
              live.push(b);
            }
          } else if (live.length > 0) {
            const [gone] = live.splice(o.free % live.length, 1);
            freeBlock(gone!.addr, gone!.bytes);
          }
          for (const b of live) assert.ok(holds(b), `a live block lost its tag ${b.tag}`);
        }
        for (const b of live) freeBlock(b.addr, b.bytes);
      }),
      { numRuns: 40, endOnFailure: true }, // shrinking slabs of blocks is slow
    );
  });

  test('a dropped slab\'s number is used again only once no free list names its blocks', () => {
    // Fill slabs with the smallest blocks and free them all, so slabs are dropped while
    // the smallest size's free list still names their blocks; then take only 512-byte
    // blocks until new slabs are needed, then small blocks again: none may land inside a
    // live block.
    const small: Live[] = [];
    for (let i = 0; i < 6 * 2048; i++) small.push({ addr: allocBlock(128), bytes: 128, tag: 1 });
    for (const b of small) freeBlock(b.addr, b.bytes);
    const large: Live[] = [];
    for (let i = 0; i < 6 * 512; i++) {
      const b = { addr: allocBlock(512), bytes: 512, tag: 7 };
      fill(b);
      large.push(b);
    }
    const again: Live[] = [];
    for (let i = 0; i < 6 * 2048; i++) {
      const b = { addr: allocBlock(128), bytes: 128, tag: 9 };
      fill(b);
      again.push(b);
    }
    for (const b of large) assert.ok(holds(b), 'a small block was handed out inside a live one');
    for (const b of [...large, ...again]) freeBlock(b.addr, b.bytes);
  });
});
