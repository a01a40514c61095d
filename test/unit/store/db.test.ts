/**
 * Unit tests of the store's iteration and expiry (src/store/db.ts, keyspace.ts) without a
 * server: scanSlots' whole-slot cursor, randomKey's sampling, lazy expiry in lookups and
 * the active expiry cycle with its onExpired hook.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyspace } from '../../../src/store/keyspace.js';
import { SLOT_COUNT } from '../../../src/store/crc16.js';
import { keyHashSlot } from '../../../src/store/key-hash.js';
import type { Db } from '../../../src/store/db.js';

function keyspaceWith(n: number, prefix = 'k'): Keyspace {
  const ks = new Keyspace(2);
  for (let i = 0; i < n; i++) ks.dbs[0]!.setKey(`${prefix}${i}`, 'v');
  return ks;
}

describe('Db.scanSlots', () => {
  test('returns whole slots in slot order and every key exactly once', () => {
    const ks = keyspaceWith(1000);
    const db = ks.dbs[0]!;
    const seen: string[] = [];
    let cursor = 0;
    let calls = 0;
    do {
      const out: string[] = [];
      const next = db.scanSlots(cursor, 7, out);
      assert.ok(out.length >= 7 || next === 0, 'at least count keys unless at the end');
      // Every key of each visited slot is in this batch: no slot is split between calls.
      const slots = new Set(out.map(keyHashSlot));
      for (const s of slots) {
        assert.ok(s >= cursor && (next === 0 || s < next), 'slot within [cursor, next)');
        assert.equal(out.filter((k) => keyHashSlot(k) === s).length, db.slots[s]!.size);
      }
      seen.push(...out);
      cursor = next;
      calls++;
    } while (cursor !== 0);
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000);
    assert.ok(calls > 1);
  });

  test('an empty database ends at once; a cursor past the last key ends with nothing', () => {
    const ks = new Keyspace(1);
    const out: string[] = [];
    assert.equal(ks.dbs[0]!.scanSlots(0, 10, out), 0);
    assert.deepStrictEqual(out, []);
    const full = keyspaceWith(3);
    assert.equal(full.dbs[0]!.scanSlots(SLOT_COUNT - 1, 10, out), 0);
  });
});

describe('Db.randomKey', () => {
  test('undefined when empty; only live keys; every key eventually', () => {
    const ks = keyspaceWith(5);
    const db = ks.dbs[0]!;
    assert.equal(ks.dbs[1]!.randomKey(), undefined);
    ks.now = Date.now();
    db.setExpire('k0', ks.now - 1);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(db.randomKey()!);
    assert.deepStrictEqual([...seen].sort(), ['k1', 'k2', 'k3', 'k4']);
    assert.equal(db.size, 4, 'the expired pick was reclaimed');
  });
});

describe('expiry', () => {
  test('lookups expire lazily and report through onExpired', () => {
    const ks = keyspaceWith(2);
    const expired: string[] = [];
    ks.onExpired = (db, key) => expired.push(`${db.id}:${key}`);
    const db = ks.dbs[0]!;
    ks.now = 1000;
    db.setExpire('k0', 1000);
    db.setExpire('k1', 1001);
    assert.equal(db.lookupRead('k0'), undefined);
    assert.equal(db.lookupRead('k1'), 'v');
    assert.equal(db.getExpire('k1'), 1001);
    assert.deepStrictEqual(expired, ['0:k0']);
    assert.equal(ks.stats.expiredKeys, 1);
    assert.equal(db.volatileCount, 1);
  });

  test('activeExpireCycle removes unread expired keys in every database, and only those', () => {
    const ks = keyspaceWith(300);
    ks.dbs[1]!.setKey('other', 'v');
    const expired: string[] = [];
    ks.onExpired = (db, key) => expired.push(`${db.id}:${key}`);
    const past = Date.now() - 10;
    for (let i = 0; i < 100; i++) ks.dbs[0]!.setExpire(`k${i}`, past);
    ks.dbs[0]!.setExpire('k299', Date.now() + 3_600_000);
    ks.dbs[1]!.setExpire('other', past);
    let total = 0;
    for (let i = 0; i < 10 && total < 101; i++) total += ks.activeExpireCycle(50);
    assert.equal(total, 101);
    assert.equal(ks.dbs[0]!.size, 200);
    assert.equal(ks.dbs[1]!.size, 0);
    assert.equal(ks.dbs[0]!.volatileCount, 1);
    assert.equal(expired.length, 101);
    assert.ok(expired.includes('1:other'));
    assert.equal(ks.dbs[0]!.getExpire('k299') > Date.now(), true);
  });

  test('activeExpireCycle does not count expirations as changes', () => {
    const ks = keyspaceWith(10);
    for (let i = 0; i < 10; i++) ks.dbs[0]!.setExpire(`k${i}`, Date.now() - 1);
    const dirty = ks.dirty;
    ks.activeExpireCycle(50);
    assert.equal(ks.dirty, dirty);
    assert.equal(ks.dbs[0]!.size, 0);
  });
});

describe('lookups after the slot maps change hands', () => {
  test('SWAPDB and FLUSHDB: lookups, writes and lazy expiry follow the keys', () => {
    const ks = new Keyspace(3);
    const [a, b, empty] = ks.dbs as [Db, Db, Db];
    ks.now = 1000;
    for (let i = 0; i < 200; i++) a.setKey(`a${i}`, `va${i}`);
    b.setKey('b0', 'vb0');
    b.setExpire('b0', 2000);
    ks.swap(a, b);
    assert.equal(a.lookupRead('b0'), 'vb0');
    assert.equal(a.lookupRead('a1'), undefined);
    assert.equal(b.lookupRead('a1'), 'va1');
    assert.equal(b.lookupRead('b0'), undefined);
    // The volatile key moved with its deadline: it expires where it now lives.
    ks.now = 2000;
    assert.equal(a.lookupRead('b0'), undefined);
    assert.equal(a.size, 0);
    // Writes land where lookups look, in both databases and in one never written before.
    a.setKey('n', 'x');
    b.setKey('a1', 'y');
    ks.swap(a, empty);
    assert.equal(empty.lookupRead('n'), 'x');
    assert.equal(a.lookupRead('n'), undefined);
    a.setKey('n', 'z');
    assert.equal(a.lookupRead('n'), 'z');
    assert.equal(b.lookupRead('a1'), 'y');
    assert.equal(b.flush(), 200);
    assert.equal(b.lookupRead('a1'), undefined);
    b.setKey('a1', 'again');
    assert.equal(b.lookupRead('a1'), 'again');
    assert.equal(b.size, 1);
  });

  test('overwriting drops the deadline (unless keepTtl) once any key of the database is volatile', () => {
    const ks = new Keyspace(1);
    const db = ks.dbs[0]!;
    ks.now = 1000;
    db.setKey('plain', '1');
    db.setKey('plain', '2');
    assert.equal(db.getExpire('plain'), -1);
    db.setKey('t', 'v');
    db.setExpire('t', 5000);
    db.setKey('t', 'kept', true);
    assert.equal(db.getExpire('t'), 5000);
    assert.equal(db.volatileCount, 1);
    db.setKey('t', 'dropped');
    assert.equal(db.getExpire('t'), -1);
    assert.equal(db.volatileCount, 0);
    // A key past its deadline is expired before setKey writes it: the new key has none.
    db.setExpire('t', 1000);
    assert.equal(db.setKey('t', 'fresh', true), true);
    assert.equal(db.getExpire('t'), -1);
    assert.equal(db.lookupRead('t'), 'fresh');
  });
});
