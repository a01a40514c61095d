/**
 * The page pool (src/store/page-pool.ts) under random allocation and freeing of blocks of
 * every size, across enough slabs that whole slabs are dropped and their numbers reused:
 * each live block is filled with its own tag, and every live block must still hold its
 * tag after each step, so two live blocks that overlapped, or a block handed out twice
 * (a stale free-list entry of a dropped slab), would fail.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allocPage, freePages, pageCapacity, pageOffset, slabOf } from '../../../src/store/page-pool.js';

interface Live {
  /** A table's blocks in order, as freePages expects them. */
  pages: number[];
  tag: number;
}

function fill(pages: number[], tag: number): void {
  for (let local = 0; local < pages.length; local++) {
    slabOf(pages[local]!).fill(tag, pageOffset(pages[local]!), pageOffset(pages[local]!) + pageCapacity(local));
  }
}

function holds(pages: number[], tag: number): boolean {
  for (let local = 0; local < pages.length; local++) {
    const slab = slabOf(pages[local]!);
    const at = pageOffset(pages[local]!);
    for (let i = 0; i < pageCapacity(local); i++) if (slab[at + i] !== tag) return false;
  }
  return true;
}

describe('page pool', () => {
  test('live blocks never overlap, through slab drops and reuse', () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ alloc: fc.integer({ min: 1, max: 40 }) }) },
      { weight: 2, arbitrary: fc.record({ free: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 50, maxLength: 400 }), (ops) => {
        const live: Live[] = [];
        let nextTag = 1;
        for (const o of ops) {
          if ('alloc' in o) {
            const pages: number[] = [];
            for (let local = 0; local < o.alloc; local++) pages.push(allocPage(local));
            const tag = nextTag++ % 255 || 1;
            fill(pages, tag);
            live.push({ pages, tag });
          } else if (live.length > 0) {
            const [gone] = live.splice(o.free % live.length, 1);
            freePages(gone!.pages);
          }
          for (const l of live) assert.ok(holds(l.pages, l.tag), `a live block lost its tag ${l.tag}`);
        }
        for (const l of live) freePages(l.pages);
      }),
      { numRuns: 60 },
    );
  });

  test('a dropped slab\'s number is used again only once no free list names its blocks', () => {
    // Fill slabs with one-block tables (the smallest size) and free them all, so slabs are
    // dropped while the smallest size's free list still names their blocks; then take only
    // 512-byte blocks (as a table's third page) until new slabs are needed, then small
    // blocks again: none may land inside a live block.
    const small: number[][] = [];
    for (let i = 0; i < 6 * 2048; i++) small.push([allocPage(0)]);
    for (const pages of small) freePages(pages);
    const large: number[] = [];
    for (let i = 0; i < 6 * 512; i++) large.push(allocPage(2));
    const whole = (block: number) => [pageOffset(block), pageOffset(block) + pageCapacity(2)] as const;
    for (const block of large) slabOf(block).fill(7, ...whole(block));
    const again: number[][] = [];
    for (let i = 0; i < 6 * 2048; i++) {
      const pages = [allocPage(0)];
      fill(pages, 9);
      again.push(pages);
    }
    for (const block of large) {
      assert.ok(slabOf(block).subarray(...whole(block)).every((b) => b === 7), 'a small block was handed out inside a live one');
    }
    for (const pages of again) freePages(pages);
    // The large blocks stay allocated: the pool frees blocks as a table's pages, in order.
  });
});
