/**
 * KeyTable (src/store/key-table.ts) against a Map model: random sets (through the table,
 * or in place through the key directory as the database does), overwrites and deletes
 * over keys and values of every kind it stores differently (inline, by reference, long or
 * wide keys in `others`), checking lookups (the table's and the directory's), size,
 * iteration and sampling after each step, so index growth and shrinking, back-shifting
 * removal, in-place overwrites and page compaction all run against the model.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ABSENT, KeyTable, lookupKey, newKeyDirectory, OVERWRITTEN, overwriteInPlace, TABLE_NEEDED,
} from '../../../src/store/key-table.js';
import { hashKey, lastTableHash } from '../../../src/store/key-hash.js';
import type { CollectionValue, Value } from '../../../src/store/value.js';

/** A key's table hash, as the database takes it with the key's slot. */
function keyTableHash(key: string): number {
  hashKey(key);
  return lastTableHash;
}

const collection = (tag: number): CollectionValue =>
  ({ type: 'set', encoding: () => 'intset', clone: () => collection(tag), tag }) as CollectionValue;

const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map((i) => `key:${i}`) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((i) => 'L'.repeat(250 + i * 3)) }, // 250..259 bytes
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((i) => `wide\u0100${i}`) },
);

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: 0, max: 3 }).map((i) => 'v'.repeat(i * 4)),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 70 }),
  fc.integer({ min: 60, max: 70 }).map((n) => 'x'.repeat(n)), // around the inline limit
  fc.constant('wide value \u2603'),
  fc.integer({ min: 0, max: 9 }).map(collection),
);

type Op = { op: 'set'; key: string; value: Value; direct: boolean } | { op: 'delete'; key: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), key: keyArb, value: valueArb, direct: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
);

function check(table: KeyTable, dir: Int32Array, model: Map<string, Value>): void {
  assert.equal(table.size, model.size);
  for (const [k, v] of model) {
    assert.equal(table.get(k, keyTableHash(k)), v, `get ${JSON.stringify(k)}`);
    assert.equal(lookupKey(dir, [table], 0, k, keyTableHash(k)), v, `lookupKey ${JSON.stringify(k)}`);
    assert.ok(table.has(k, keyTableHash(k)));
  }
  const seen = new Map<string, Value>();
  table.forEach((k, v) => {
    assert.ok(!seen.has(k), `forEach repeats ${JSON.stringify(k)}`);
    seen.set(k, v);
  });
  assert.deepEqual(seen, model);
  const keys: string[] = [];
  table.collectKeys(keys);
  assert.deepEqual(keys.sort(), [...model.keys()].sort());
  if (model.size > 0) assert.ok(model.has(table.randomKey()!));
  else assert.equal(table.randomKey(), undefined);
}

describe('KeyTable', () => {
  test('behaves as a Map under random sets, overwrites and deletes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const dir = newKeyDirectory();
        const table = new KeyTable(dir, 0);
        const model = new Map<string, Value>();
        for (const o of ops) {
          if (o.op === 'set') {
            // The database's way: the directory's probe first, then the table as it says.
            const h = keyTableHash(o.key);
            const outcome = o.direct ? overwriteInPlace(dir, 0, o.key, h, o.value) : TABLE_NEEDED;
            if (outcome === OVERWRITTEN) {
              assert.ok(model.has(o.key));
            } else if (outcome === ABSENT) {
              assert.ok(!model.has(o.key));
              table.add(o.key, h, o.value);
            } else {
              assert.equal(table.set(o.key, keyTableHash(o.key), o.value), !model.has(o.key));
            }
            model.set(o.key, o.value);
          } else {
            assert.equal(table.delete(o.key, keyTableHash(o.key)), model.delete(o.key));
            assert.equal(table.get(o.key, keyTableHash(o.key)), undefined);
            assert.equal(lookupKey(dir, [table], 0, o.key, keyTableHash(o.key)), undefined);
          }
          check(table, dir, model);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('holds many keys and works again after all are removed (index and pages shrunk)', () => {
    // 150,000 keys need an index of 262,144 cells: 2 MiB, more than a slab, so a slab of
    // its own (what one hash slot full of keys sharing a {tag} gets).
    const table = new KeyTable();
    const n = 150_000;
    const key = (i: number): string => `key:${i}`;
    const get = (k: string): Value | undefined => table.get(k, keyTableHash(k));
    const del = (k: string): boolean => table.delete(k, keyTableHash(k));
    for (let i = 0; i < n; i++) assert.ok(table.set(key(i), keyTableHash(key(i)), `value:${i}`));
    for (let i = 0; i < n; i += 2) assert.ok(del(key(i)));
    for (let i = 0; i < n; i++) assert.equal(get(key(i)), i % 2 === 0 ? undefined : `value:${i}`);
    for (let i = 1; i < n; i += 2) assert.ok(del(key(i)));
    assert.equal(table.size, 0);
    assert.ok(table.set('again', keyTableHash('again'), 'yes'));
    assert.equal(get('again'), 'yes');
  });
});
