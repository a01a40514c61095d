/**
 * The page pool: blocks of 128 bytes to 256 KiB, in powers of two, carved from 256 KiB
 * slabs, where the key tables keep their records and their indexes (key-table.ts). One pool
 * per process, like malloc: servers in one process share it and never see each other's
 * blocks.
 *
 * Why a pool rather than a Buffer per table: every ArrayBuffer costs ~540 bytes of RSS beyond
 * its contents (the JS objects, V8's backing-store record, malloc's header), and a buffer
 * that grows by copying leaves freed blocks of every smaller size behind, which nobody
 * needs once every slot has outgrown them (measured on 1M keys: ~18 MB and ~12 MB). Here a
 * table's records grow by adding a block without copying (128 bytes, then 256, then 512s:
 * recordPageBytes), and what an index leaves behind when it doubles is split for the
 * smaller blocks that records keep asking for: a block is split from a larger one when its
 * own size has none free (blocks are not merged again).
 *
 * A block is named by its address: slab << SLAB_SHIFT | offset, an int32, so the pool
 * addresses 2 GiB (8,192 slabs); an index larger than a slab gets a slab of its own. A slab
 * whose blocks are all free is dropped while others keep two slabs' worth free, so memory
 * freed by deletions goes back to the system; the free lists forget its blocks as they are
 * popped, or all at once before its number is used again. Blocks of a table the collector
 * reclaimed come back through a FinalizationRegistry.
 */

export const SLAB_SHIFT = 18;
const SLAB_BYTES = 1 << SLAB_SHIFT;
export const SLAB_MASK = SLAB_BYTES - 1;
const MAX_SLABS = 1 << (31 - SLAB_SHIFT);
const UNIT_SHIFT = 7;
const UNITS_PER_SLAB = SLAB_BYTES >>> UNIT_SHIFT;
/** Size classes: class c holds 128 << c bytes; the largest is a whole slab. */
const LARGEST = SLAB_SHIFT - UNIT_SHIFT;

const slabBytes: (Uint8Array | undefined)[] = [];
const slabWords: (Int32Array | undefined)[] = [];
const freeUnitsInSlab: number[] = [];
const freeLists: number[][] = Array.from({ length: LARGEST + 1 }, () => []);
/** Free units in live slabs (the free lists may also hold blocks of dropped slabs). */
let freeUnits = 0;
const droppedSlabs: number[] = [];

/** The bytes of the slab holding `addr`; the block starts at addr & SLAB_MASK. */
export function bytesOf(addr: number): Uint8Array {
  return slabBytes[addr >>> SLAB_SHIFT]!;
}

/** The slab holding `addr` as 32-bit words; the block starts at word (addr & SLAB_MASK) >>> 2. */
export function wordsOf(addr: number): Int32Array {
  return slabWords[addr >>> SLAB_SHIFT]!;
}

/** Bytes of a table's record page number `local`: 128, 256, then 512. */
export function recordPageBytes(local: number): number {
  return 128 << (local < 2 ? local : 2);
}

/** A block of at least `bytes` bytes (a power of two from 128 up, or any multiple of 4 past a slab). */
export function allocBlock(bytes: number): number {
  if (bytes > SLAB_BYTES) return newSlab(bytes) << SLAB_SHIFT;
  return allocClass(classOf(bytes));
}

/** Free a block allocBlock(bytes) gave. */
export function freeBlock(addr: number, bytes: number): void {
  const slab = addr >>> SLAB_SHIFT;
  if (bytes > SLAB_BYTES) return dropSlab(slab);
  const cls = classOf(bytes);
  freeLists[cls]!.push(addr);
  freeUnits += 1 << cls;
  freeUnitsInSlab[slab]! += 1 << cls;
  if (freeUnitsInSlab[slab] === UNITS_PER_SLAB && freeUnits >= 3 * UNITS_PER_SLAB) {
    freeUnits -= UNITS_PER_SLAB;
    dropSlab(slab);
  }
}

/** What a table holds in the pool, freed when the table is collected. */
export interface TableBlocks {
  /** Record pages in order (their sizes follow from their places: recordPageBytes). */
  pages: number[];
  /** The index block and its size. */
  index: number;
  indexBytes: number;
}

const reclaim = new FinalizationRegistry<TableBlocks>(freeTableBlocks);

/** Free `blocks` when `owner` is collected; the owner keeps `blocks` up to date. */
export function freeWhenCollected(owner: object, blocks: TableBlocks): void {
  reclaim.register(owner, blocks);
}

export function freeRecordPages(pages: number[]): void {
  for (let local = 0; local < pages.length; local++) freeBlock(pages[local]!, recordPageBytes(local));
}

function freeTableBlocks(blocks: TableBlocks): void {
  freeRecordPages(blocks.pages);
  freeBlock(blocks.index, blocks.indexBytes);
}

function classOf(bytes: number): number {
  let cls = 0;
  while (128 << cls < bytes) cls++;
  return cls;
}

function allocClass(cls: number): number {
  const list = freeLists[cls]!;
  while (list.length > 0) {
    const addr = list.pop()!;
    const slab = addr >>> SLAB_SHIFT;
    if (slabBytes[slab] === undefined) continue; // dropped since it was freed
    freeUnitsInSlab[slab]! -= 1 << cls;
    freeUnits -= 1 << cls;
    return addr;
  }
  if (cls === LARGEST) {
    const slab = newSlab(SLAB_BYTES);
    freeUnitsInSlab[slab] = 0;
    return slab << SLAB_SHIFT;
  }
  // Split a larger block: keep the first half, free the second.
  const addr = allocClass(cls + 1);
  freeBlock(addr + (128 << cls), 128 << cls);
  return addr;
}

function newSlab(bytes: number): number {
  let slab = slabBytes.length;
  if (droppedSlabs.length > 0) {
    // A dropped slab's number is used again, once no free list names its old blocks.
    for (const list of freeLists) forgetDropped(list);
    slab = droppedSlabs.pop()!;
  } else if (slab === MAX_SLABS) {
    throw new RangeError('out of memory: the key tables\' page pool is full (2 GiB)');
  }
  const buffer = new ArrayBuffer(bytes);
  slabBytes[slab] = new Uint8Array(buffer);
  slabWords[slab] = new Int32Array(buffer);
  return slab;
}

function dropSlab(slab: number): void {
  slabBytes[slab] = undefined;
  slabWords[slab] = undefined;
  droppedSlabs.push(slab);
}

function forgetDropped(list: number[]): void {
  let kept = 0;
  for (const addr of list) if (slabBytes[addr >>> SLAB_SHIFT] !== undefined) list[kept++] = addr;
  list.length = kept;
}
