/**
 * The keyspace: the databases, the command clock, the change counter and the hooks through
 * which the rest of the server learns about changes without the store importing it.
 *
 * Hooks (set by the server, null when unused so the hot path pays one test):
 *  - snapshotHook: the forkless snapshot engine's copy-on-write hook, called before any key
 *    changes (persistence/snapshot implements it; design.md, "The forkless snapshot engine").
 *  - onExpired: a key was deleted because its deadline passed; the server propagates DEL,
 *    fires the `expired` keyspace event and counts expired_keys.
 *  - onKeyReady: a key some client is blocked on was created (BLPOP and friends).
 *
 * `now` is the command clock: the dispatcher sets it once per command, as Redis caches
 * mstime in call(), so one command sees one instant for all of its deadlines.
 */

import { SLOT_COUNT } from './crc16.js';
import { Db } from './db.js';

export interface SnapshotHook {
  /**
   * Called before `key` in `db` (in hash slot `slot`, with table hash `h`: key-hash.ts's,
   * which the store has computed with the slot) is changed, created or deleted.
   */
  beforeChange(db: Db, slot: number, key: string, h: number): void;
  /** Called before every key of `db` is removed at once (FLUSHDB, FLUSHALL). */
  beforeFlush(db: Db): void;
  /** Called before two databases exchange their contents (SWAPDB). */
  beforeSwap(a: Db, b: Db): void;
}

/**
 * Field-level copy-on-write for one big collection (a hashtable hash or set, a skiplist
 * zset) that a snapshot writes across slices: installed on the value with
 * setElementHook(), it is told before an element (hash field, set or zset member) is
 * added, changed or removed, and before a removal moves another element, so the snapshot
 * keeps only the pre-images of what changes (persistence/snapshot/engine.ts).
 */
export interface ElementHook {
  beforeElementChange(element: string): void;
}

export interface KeyspaceStats {
  hits: number;
  misses: number;
  expiredKeys: number;
}

export class Keyspace {
  readonly dbs: Db[];
  /** Command clock in ms since the epoch. */
  now = Date.now();
  /** Changes since the last successful save (Redis's server.dirty). */
  dirty = 0;
  readonly stats: KeyspaceStats = { hits: 0, misses: 0, expiredKeys: 0 };
  snapshotHook: SnapshotHook | null = null;
  onExpired: ((db: Db, key: string) => void) | null = null;
  onKeyReady: ((db: Db, key: string) => void) | null = null;

  constructor(databases: number) {
    this.dbs = [];
    for (let i = 0; i < databases; i++) this.dbs.push(new Db(i, this));
  }

  /** Delete a key whose deadline has passed and report it (lazy and active expiry). */
  expireKey(db: Db, key: string): void {
    db.removeExpired(key);
    this.stats.expiredKeys++;
    if (this.onExpired !== null) this.onExpired(db, key);
  }

  /**
   * Active expiry: visit the volatile keys slot by slot, round-robin over databases, and
   * expire those past their deadline, for at most `budgetMs` of wall time. The cursor
   * survives between calls, so a server with many volatile keys is swept in small slices
   * (invariant 6) and keys nobody reads still go.
   */
  activeExpireCycle(budgetMs: number): number {
    const deadline = performance.now() + budgetMs;
    let expired = 0;
    let visited = 0;
    // At most one full pass over every slot of every database per call.
    const total = this.dbs.length * SLOT_COUNT;
    while (visited < total) {
      const db = this.dbs[this.expireDb]!;
      if (db.volatileCount === 0) {
        visited += SLOT_COUNT - this.expireSlot;
        this.nextExpireDb();
        continue;
      }
      const slot = db.slots[this.expireSlot];
      if (slot !== undefined && slot.expires !== null) {
        this.now = Date.now();
        for (const [key, when] of slot.expires) {
          if (when <= this.now) {
            this.expireKey(db, key);
            expired++;
          }
        }
      }
      visited++;
      if (++this.expireSlot === SLOT_COUNT) this.nextExpireDb();
      if ((visited & 63) === 0 && performance.now() >= deadline) break;
    }
    return expired;
  }

  private expireDb = 0;
  private expireSlot = 0;

  private nextExpireDb(): void {
    this.expireSlot = 0;
    this.expireDb = (this.expireDb + 1) % this.dbs.length;
  }

  keyReady(db: Db, key: string): void {
    if (this.onKeyReady !== null) this.onKeyReady(db, key);
  }

  /** Remove every key of every database; returns how many there were. */
  flushAll(): number {
    let removed = 0;
    for (const db of this.dbs) removed += db.flush();
    return removed;
  }

  /** Exchange the contents of two databases (SWAPDB); watchers of both are touched. */
  swap(a: Db, b: Db): void {
    if (this.snapshotHook !== null) this.snapshotHook.beforeSwap(a, b);
    // Redis's touchAllWatchedKeysInDb: a watched key changes if it exists on either side.
    for (const [db, other] of [[a, b], [b, a]] as const) {
      if (db.watched === null) continue;
      for (const key of db.watched.keys()) if (db.has(key) || other.has(key)) db.touchWatched(key);
    }
    a.swapContents(b);
    // Clients blocked on a key that now exists may proceed; XREADGROUP on a stream swapped
    // away ends with an error (Redis's scanDatabaseForDeletedStreams).
    for (const db of [a, b]) {
      if (db.blockingKeys !== null) for (const key of db.blockingKeys) this.keyReady(db, key);
    }
  }
}
