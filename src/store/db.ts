/**
 * One logical database: the keyspace split into 16,384 hash-slot maps (design.md, "The
 * keyspace is partitioned into 16,384 slots"), each created on first use.
 *
 * This file is the one way in for every mutation (invariant 1). Each write method, before it
 * changes anything, hands the key to the snapshot hook so a running snapshot can keep the
 * value as of its instant T; after the change it signals WATCH and counts the change in
 * `keyspace.dirty`, which decides propagation and save points. A handler never mutates a
 * value it got from lookupRead; a value from lookupWrite may be changed in place, followed
 * by signalModified.
 *
 * Expiry deadlines (absolute ms) live in each slot's `expires` map, which stays null for a
 * slot with no volatile key so that a read of a non-volatile key costs one null test.
 *
 * A Slot is its keys and values, a KeyTable (key-table.ts: packed off the V8 heap, ~40
 * bytes a small key where a Map entry costs ~111), plus the deadlines. A lookup reads the
 * slot's index through the database's key directory, without touching the Slot unless the
 * database has deadlines or the value is a collection.
 */

import { SLOT_COUNT } from './crc16.js';
import { hashKey, keyHashSlot, lastTableHash } from './key-hash.js';
import { ABSENT, hasTable, KeyTable, lookupKey, newKeyDirectory, overwriteInPlace, TABLE_NEEDED } from './key-table.js';
import type { Keyspace } from './keyspace.js';
import type { Value } from './value.js';

export class Slot extends KeyTable {
  expires: Map<string, number> | null = null;
}

/** Set by WATCH; the write API marks it when a watched key is touched. */
export interface KeyWatcher {
  touched: boolean;
}

export class Db {
  readonly slots: (Slot | undefined)[] = new Array(SLOT_COUNT);
  /** Where each slot's index is (key-table.ts): lookups read it instead of the Slot. */
  private dir = newKeyDirectory();
  /** Number of keys. */
  size = 0;
  /** Number of keys with a deadline. */
  volatileCount = 0;
  /** Keys watched by clients in MULTI, or null when nobody watches anything here. */
  watched: Map<string, Set<KeyWatcher>> | null = null;
  /** Keys that blocked clients (BLPOP, BZPOPMIN…) wait on, or null. */
  blockingKeys: Set<string> | null = null;

  constructor(
    readonly id: number,
    private readonly keyspace: Keyspace,
  ) {}

  // ---------------------------------------------------------------- lookups

  /**
   * Look up `key` for a command that only reads it. Side effects, in order:
   *  1. a key past its deadline is deleted and the deletion propagated (keyspace.expireKey);
   *  2. keyspace_hits or keyspace_misses is counted.
   */
  lookupRead(key: string): Value | undefined {
    const v = this.lookup(key);
    if (v === undefined) this.keyspace.stats.misses++;
    else this.keyspace.stats.hits++;
    return v;
  }

  /**
   * Look up `key` for a command that may modify it. Side effects, in order:
   *  1. a key past its deadline is deleted and the deletion propagated;
   *  2. if a snapshot is running, the value as it is now (its value at snapshot time, since
   *     nothing changed it unseen) is handed to the snapshot engine;
   *  3. no hit/miss counting.
   * Only a value obtained here may be mutated in place; follow with signalModified.
   */
  lookupWrite(key: string): Value | undefined {
    const v = this.lookup(key);
    if (v !== undefined && this.keyspace.snapshotHook !== null) this.beforeChange(key);
    return v;
  }

  /** Existence check without statistics (EXISTS, the NX/XX conditions); expires lazily. */
  has(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /** The key's value with lazy expiry and no other side effect. */
  private lookup(key: string): Value | undefined {
    if (this.size === 0) return undefined;
    const slotIndex = hashKey(key);
    const v = lookupKey(this.dir, this.slots, slotIndex, key, lastTableHash);
    if (v === undefined) return undefined;
    if (this.volatileCount > 0) {
      const expires = this.slots[slotIndex]!.expires;
      const when = expires === null ? undefined : expires.get(key);
      if (when !== undefined && when <= this.keyspace.now) {
        this.keyspace.expireKey(this, key);
        return undefined;
      }
    }
    return v;
  }

  /** Absolute deadline in ms, or -1 when the key has none (or does not exist). */
  getExpire(key: string): number {
    const slot = this.slots[keyHashSlot(key)];
    if (slot === undefined || slot.expires === null) return -1;
    return slot.expires.get(key) ?? -1;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Redis's setKey: create or overwrite `key`. The deadline is removed unless keepTtl.
   * Side effects, in order: a key past its deadline is expired (and DEL propagated) first;
   * the snapshot hook sees the key; the value is stored; blocked clients are told (a new key
   * may serve them, an overwritten stream unblocks XREADGROUP); WATCH is signalled and one
   * change is counted.
   * One probe of the slot's index in the common case (no deadlines in the database), which
   * matters because SET is the hottest write and loading a file is a million of them.
   * Returns whether the key is new.
   */
  setKey(key: string, value: Value, keepTtl = false): boolean {
    const slotIndex = hashKey(key);
    const h = lastTableHash;
    // No volatile key in the database: no deadline to check or drop, and no Slot to read.
    const expires = this.volatileCount > 0 ? this.slots[slotIndex]?.expires ?? null : null;
    if (expires !== null) {
      const when = expires.get(key);
      if (when !== undefined && when <= this.keyspace.now) this.keyspace.expireKey(this, key);
    }
    if (this.keyspace.snapshotHook !== null) this.keyspace.snapshotHook.beforeChange(this, slotIndex, key, h);
    // An overwrite of a small string by one as long (SET on a counter, a fixed-size value)
    // goes through the key directory without touching the Slot either; otherwise the
    // directory's probe tells the Slot whether the key is new.
    let isNew: boolean;
    if (!hasTable(this.dir, slotIndex)) {
      this.createSlot(slotIndex).add(key, h, value);
      isNew = true;
    } else {
      const outcome = overwriteInPlace(this.dir, slotIndex, key, h, value);
      isNew = outcome === ABSENT;
      if (isNew) this.slots[slotIndex]!.add(key, h, value);
      else if (outcome === TABLE_NEEDED) isNew = this.slots[slotIndex]!.set(key, h, value);
    }
    if (isNew) {
      this.size++;
    } else if (!keepTtl && expires !== null && expires.delete(key)) {
      this.volatileCount--;
    }
    this.signalKeyAsReady(key);
    this.signalModified(key);
    return isNew;
  }

  /**
   * Delete `key`; false if it did not exist (a logically expired key still counts as
   * present here: callers look it up first). Snapshot hook, blocked clients told (a deleted
   * stream unblocks XREADGROUP), WATCH, one change.
   */
  delete(key: string): boolean {
    const slotIndex = hashKey(key);
    const h = lastTableHash;
    const slot = this.slots[slotIndex];
    if (slot === undefined) return false;
    // A running snapshot must see the key before it goes, so it is probed first; otherwise
    // the removal's own probe tells whether the key was there.
    const hook = this.keyspace.snapshotHook;
    if (hook !== null) {
      if (!slot.has(key, h)) return false;
      hook.beforeChange(this, slotIndex, key, h);
    }
    if (!this.removeFromSlot(slot, key, h)) return false;
    this.signalKeyAsReady(key);
    this.signalModified(key);
    return true;
  }

  /** Set the absolute deadline of an existing key. Snapshot hook, WATCH, one change. */
  setExpire(key: string, when: number): void {
    const slotIndex = hashKey(key);
    const h = lastTableHash;
    const slot = this.slots[slotIndex];
    if (slot === undefined || !slot.has(key, h)) throw new Error(`setExpire on missing key`);
    if (this.keyspace.snapshotHook !== null) this.keyspace.snapshotHook.beforeChange(this, slotIndex, key, h);
    if (slot.expires === null) slot.expires = new Map();
    const had = slot.expires.has(key);
    slot.expires.set(key, when);
    if (!had) this.volatileCount++;
    this.signalModified(key);
  }

  /** Remove the deadline (PERSIST); false if there was none. Hook, WATCH, one change. */
  removeExpire(key: string): boolean {
    const slotIndex = hashKey(key);
    const h = lastTableHash;
    const slot = this.slots[slotIndex];
    if (slot === undefined || slot.expires === null || !slot.expires.has(key)) return false;
    if (this.keyspace.snapshotHook !== null) this.keyspace.snapshotHook.beforeChange(this, slotIndex, key, h);
    slot.expires.delete(key);
    this.volatileCount--;
    this.signalModified(key);
    return true;
  }

  /**
   * Redis's signalKeyAsReady: queue `key` for the clients blocked on it, if any. The write
   * API calls it when a key is created, overwritten or deleted; a handler calls it after
   * adding to a value in place (XADD) or changing what blocked clients wait for (XGROUP
   * DESTROY).
   */
  signalKeyAsReady(key: string): void {
    if (this.blockingKeys !== null && this.blockingKeys.has(key)) this.keyspace.keyReady(this, key);
  }

  /**
   * Redis's signalModifiedKey plus the dirty counter: call after changing in place a value
   * obtained from lookupWrite. `changes` is what Redis adds to server.dirty.
   */
  signalModified(key: string, changes = 1): void {
    this.keyspace.dirty += changes;
    if (this.watched !== null) this.touchWatched(key);
  }

  /**
   * Remove every key; returns how many there were. The snapshot engine sees the whole
   * database before it goes; watchers of existing keys are touched.
   */
  flush(): number {
    const removed = this.size;
    if (this.keyspace.snapshotHook !== null) this.keyspace.snapshotHook.beforeFlush(this);
    if (this.blockingKeys !== null) for (const key of this.blockingKeys) if (this.has(key)) this.keyspace.keyReady(this, key);
    if (this.watched !== null) {
      for (const key of this.watched.keys()) if (this.has(key)) this.touchWatched(key);
    }
    this.slots.fill(undefined);
    // A fresh directory: tables a snapshot still holds never write into the new one.
    this.dir = newKeyDirectory();
    this.size = 0;
    this.volatileCount = 0;
    this.keyspace.dirty += removed;
    return removed;
  }

  /** SWAPDB's exchange of every key, deadline and count with `other` (Keyspace.swap signals). */
  swapContents(other: Db): void {
    const slots = this.slots.slice();
    for (let i = 0; i < SLOT_COUNT; i++) this.slots[i] = other.slots[i];
    for (let i = 0; i < SLOT_COUNT; i++) other.slots[i] = slots[i];
    const { dir, size, volatileCount } = this;
    // Each table keeps its directory entry current, so the directories go with the tables.
    this.dir = other.dir;
    other.dir = dir;
    this.size = other.size;
    this.volatileCount = other.volatileCount;
    other.size = size;
    other.volatileCount = volatileCount;
  }

  // ---------------------------------------------------------------- internals shared with Keyspace

  /**
   * Delete a key whose deadline passed, without a change count (Redis does not count
   * expirations in server.dirty). The snapshot hook and WATCH still see it.
   */
  removeExpired(key: string): void {
    const slotIndex = hashKey(key);
    const h = lastTableHash;
    const slot = this.slots[slotIndex]!;
    if (this.keyspace.snapshotHook !== null) this.keyspace.snapshotHook.beforeChange(this, slotIndex, key, h);
    this.removeFromSlot(slot, key, h);
    this.signalKeyAsReady(key);
    if (this.watched !== null) this.touchWatched(key);
  }

  touchWatched(key: string): void {
    const watchers = this.watched!.get(key);
    if (watchers !== undefined) for (const w of watchers) w.touched = true;
  }

  /** Remove `key` and its deadline; false if it was not there. */
  private removeFromSlot(slot: Slot, key: string, h: number): boolean {
    if (!slot.delete(key, h)) return false;
    this.size--;
    if (slot.expires !== null && slot.expires.delete(key)) this.volatileCount--;
    return true;
  }

  private createSlot(index: number): Slot {
    const slot = new Slot(this.dir, index);
    this.slots[index] = slot;
    return slot;
  }

  private beforeChange(key: string): void {
    const slotIndex = hashKey(key);
    this.keyspace.snapshotHook!.beforeChange(this, slotIndex, key, lastTableHash);
  }

  // ---------------------------------------------------------------- iteration and sampling

  /**
   * A random key that is not logically expired, or undefined for an empty database.
   * Picks a random non-empty slot, then a random key in it; expired picks are expired and
   * the draw repeated, as Redis's dbRandomKey does.
   */
  randomKey(): string | undefined {
    while (this.size > 0) {
      let slot: Slot | undefined;
      do slot = this.slots[(Math.random() * SLOT_COUNT) | 0];
      while (slot === undefined || slot.size === 0);
      const picked = slot.randomKey()!;
      if (this.has(picked)) return picked;
    }
    return undefined;
  }

  /**
   * The keys of whole slots from `cursor` on, at least `count` of them unless the end is
   * reached; the next cursor is the first slot not visited (0 when done). Keys past their
   * deadline are included: callers filter with `has`, which also expires them.
   */
  scanSlots(cursor: number, count: number, out: string[]): number {
    let i = cursor;
    const before = out.length;
    while (i < SLOT_COUNT && out.length - before < count) {
      const slot = this.slots[i++];
      if (slot !== undefined) slot.collectKeys(out);
    }
    return i >= SLOT_COUNT ? 0 : i;
  }
}
