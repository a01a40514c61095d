/**
 * The page pool: 512-byte pages carved from 256 KiB slabs, where the key tables keep their
 * records (key-table.ts). One pool per process, like malloc: servers in one process share
 * it and never see each other's pages.
 *
 * Why pages rather than a Buffer per slot: every ArrayBuffer costs ~540 bytes of RSS beyond
 * its contents (the JS objects, V8's backing-store record, malloc's header), and a buffer
 * that grows by copying leaves freed blocks of every smaller size behind, which nobody
 * needs once every slot has outgrown them (measured on 1M keys: ~18 MB and ~12 MB). Pages
 * are all one size, so a freed page fits the next request from any table, and a table
 * grows by adding a page without copying anything.
 *
 * A page is named by a number: slab << PAGE_BITS | page within the slab. A slab whose pages
 * are all free is dropped (the free list forgets its pages lazily, as they are popped), as
 * long as other free pages remain, so memory freed by deletions goes back to the system.
 * Pages of a table the collector reclaimed come back through a FinalizationRegistry.
 */

export const PAGE_SIZE = 512;
export const PAGE_SHIFT = 9;
/** Pages per slab: 512, so a slab is 256 KiB. */
const SLAB_SHIFT = 9;
const PAGES_PER_SLAB = 1 << SLAB_SHIFT;

/** The slabs' bytes by slab number; undefined once dropped. */
export const slabs: (Uint8Array | undefined)[] = [];
const freeInSlab: number[] = [];
const freePages: number[] = [];
/** Free pages in live slabs (freePages may also hold pages of dropped slabs). */
let freeCount = 0;
const droppedSlabs: number[] = [];

/** The byte offset of page `page` in its slab. */
export function pageOffset(page: number): number {
  return (page & (PAGES_PER_SLAB - 1)) << PAGE_SHIFT;
}

export function slabOf(page: number): Uint8Array {
  return slabs[page >>> SLAB_SHIFT]!;
}

export function allocPage(): number {
  while (freePages.length > 0) {
    const page = freePages.pop()!;
    const slab = page >>> SLAB_SHIFT;
    if (slabs[slab] === undefined) continue; // dropped since it was freed
    freeInSlab[slab]!--;
    freeCount--;
    return page;
  }
  // The free list is empty, so no entry of a dropped slab survives and its number can be
  // used again.
  const slab = droppedSlabs.length > 0 ? droppedSlabs.pop()! : slabs.length;
  slabs[slab] = new Uint8Array(PAGES_PER_SLAB * PAGE_SIZE);
  freeInSlab[slab] = PAGES_PER_SLAB - 1;
  freeCount += PAGES_PER_SLAB - 1;
  const first = slab << SLAB_SHIFT;
  for (let p = first + PAGES_PER_SLAB - 1; p > first; p--) freePages.push(p);
  return first;
}

export function freePage(page: number): void {
  const slab = page >>> SLAB_SHIFT;
  freePages.push(page);
  freeCount++;
  if (++freeInSlab[slab]! === PAGES_PER_SLAB && freeCount >= 2 * PAGES_PER_SLAB) {
    slabs[slab] = undefined;
    freeCount -= PAGES_PER_SLAB;
    droppedSlabs.push(slab);
  }
}

const reclaim = new FinalizationRegistry<number[]>((pages) => {
  for (const page of pages) freePage(page);
});

/** Give `pages` back to the pool when `owner` is collected; the owner changes the array in place. */
export function freeWhenCollected(owner: object, pages: number[]): void {
  reclaim.register(owner, pages);
}
