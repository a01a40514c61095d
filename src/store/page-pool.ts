/**
 * The page pool: blocks of 128, 256 and 512 bytes carved from 256 KiB slabs, where the key
 * tables keep their records (key-table.ts). One pool per process, like malloc: servers in
 * one process share it and never see each other's blocks.
 *
 * Why blocks rather than a Buffer per slot: every ArrayBuffer costs ~540 bytes of RSS beyond
 * its contents (the JS objects, V8's backing-store record, malloc's header), and a buffer
 * that grows by copying leaves freed blocks of every smaller size behind, which nobody
 * needs once every slot has outgrown them (measured on 1M keys: ~18 MB and ~12 MB). A table
 * grows by adding a block without copying anything: its first block is 128 bytes, its second
 * 256, the rest 512 (pageCapacity), so a slot holding a few keys costs little, and since
 * there are three sizes only, a freed block fits the next request of its size from any
 * table. A block is split from a larger one when its own size has none free.
 *
 * A block is named by its first 128-byte unit: slab << UNIT_BITS | unit within the slab. A
 * slab whose units are all free is dropped while others keep two slabs' worth free, so
 * memory freed by deletions goes back to the system; the free lists forget its blocks as
 * they are popped, or all at once before its number is used again. Blocks of a table the collector reclaimed come back through a
 * FinalizationRegistry.
 */

/** Bits of a record address that are its offset in a block (the largest block is 512). */
export const PAGE_SHIFT = 9;
const UNIT_SHIFT = 7;
/** Units per slab: 2048, so a slab is 256 KiB. */
const UNIT_BITS = 11;
const UNITS_PER_SLAB = 1 << UNIT_BITS;
/** The block sizes in units, by size class (a table's nth block has class min(n, 2)). */
const UNITS = [1, 2, 4];
const LARGEST = 2;

/** The slabs' bytes by slab number; undefined once dropped. */
const slabs: (Uint8Array | undefined)[] = [];
const freeUnitsInSlab: number[] = [];
const freeBlocks: number[][] = [[], [], []];
/** Free units in live slabs (the free lists may also hold blocks of dropped slabs). */
let freeUnits = 0;
const droppedSlabs: number[] = [];

/** Bytes a table's block number `local` holds: 128, 256, then 512. */
export function pageCapacity(local: number): number {
  return UNITS[local < LARGEST ? local : LARGEST]! << UNIT_SHIFT;
}

/** The byte offset of block `block` in its slab. */
export function pageOffset(block: number): number {
  return (block & (UNITS_PER_SLAB - 1)) << UNIT_SHIFT;
}

export function slabOf(block: number): Uint8Array {
  return slabs[block >>> UNIT_BITS]!;
}

/** A block for a table's block number `local`. */
export function allocPage(local: number): number {
  return allocBlock(local < LARGEST ? local : LARGEST);
}

/** Free `pages`, a table's blocks in order. */
export function freePages(pages: number[]): void {
  for (let local = 0; local < pages.length; local++) freeBlock(pages[local]!, local < LARGEST ? local : LARGEST);
}

function allocBlock(cls: number): number {
  const list = freeBlocks[cls]!;
  while (list.length > 0) {
    const block = list.pop()!;
    const slab = block >>> UNIT_BITS;
    if (slabs[slab] === undefined) continue; // dropped since it was freed
    freeUnitsInSlab[slab]! -= UNITS[cls]!;
    freeUnits -= UNITS[cls]!;
    return block;
  }
  if (cls < LARGEST) {
    // Split a larger block: keep the first half, free the second.
    const block = allocBlock(cls + 1);
    freeBlock(block + UNITS[cls]!, cls);
    return block;
  }
  let slab = slabs.length;
  if (droppedSlabs.length > 0) {
    // A dropped slab's number is used again, once no free list names its old blocks.
    for (const blocks of freeBlocks) forgetDropped(blocks);
    slab = droppedSlabs.pop()!;
  }
  slabs[slab] = new Uint8Array(UNITS_PER_SLAB << UNIT_SHIFT);
  freeUnitsInSlab[slab] = UNITS_PER_SLAB;
  freeUnits += UNITS_PER_SLAB;
  const first = slab << UNIT_BITS;
  for (let u = first + UNITS_PER_SLAB - UNITS[LARGEST]!; u > first; u -= UNITS[LARGEST]!) list.push(u);
  list.push(first);
  return allocBlock(LARGEST);
}

function freeBlock(block: number, cls: number): void {
  const slab = block >>> UNIT_BITS;
  freeBlocks[cls]!.push(block);
  freeUnits += UNITS[cls]!;
  freeUnitsInSlab[slab]! += UNITS[cls]!;
  if (freeUnitsInSlab[slab] === UNITS_PER_SLAB && freeUnits >= 3 * UNITS_PER_SLAB) {
    slabs[slab] = undefined;
    freeUnits -= UNITS_PER_SLAB;
    droppedSlabs.push(slab);
  }
}

function forgetDropped(blocks: number[]): void {
  let kept = 0;
  for (const block of blocks) if (slabs[block >>> UNIT_BITS] !== undefined) blocks[kept++] = block;
  blocks.length = kept;
}

const reclaim = new FinalizationRegistry<number[]>(freePages);

/** Free `pages` when `owner` is collected (unless forgetWhenCollected is called first). */
export function freeWhenCollected(owner: object, pages: number[]): void {
  reclaim.register(owner, pages, owner);
}

export function forgetWhenCollected(owner: object): void {
  reclaim.unregister(owner);
}
