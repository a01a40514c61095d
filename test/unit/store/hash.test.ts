/**
 * HashValue and its chunking layer. The hashtable is split into many small Maps so that no
 * V8 Map nears its 16,777,216-entry limit: with a tiny injected bucket target the same code
 * paths that a 17M-field hash would take (many buckets, doubling, halving, scanning across
 * resizes) run on a few thousand fields.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HashTable, HashValue } from '../../../src/store/hash.js';

const limits = { maxListpackEntries: 8, maxListpackValue: 16 };

test('the chunked table spreads fields over many bounded Maps', () => {
  const t = new HashTable(2);
  const n = 20000;
  for (let i = 0; i < n; i++) assert.equal(t.set(`f${i}`, `v${i}`), true);
  assert.equal(t.set('f1', 'again'), false);
  assert.equal(t.size, n);
  assert.ok(t.buckets.length >= n / 2, `buckets: ${t.buckets.length}`);
  const largest = Math.max(...t.buckets.map((b) => b.size));
  assert.ok(largest <= 32, `largest bucket ${largest}`);
  assert.equal(t.get('f1'), 'again');
  assert.equal(t.get(`f${n - 1}`), `v${n - 1}`);
  assert.equal([...t.entries()].length, n);
  for (let i = 0; i < n - 10; i++) assert.equal(t.delete(`f${i}`), true);
  assert.equal(t.delete('f0'), false);
  assert.equal(t.size, 10);
  assert.ok(t.buckets.length < 64, `shrunk to ${t.buckets.length}`);
  for (let i = n - 10; i < n; i++) assert.equal(t.has(`f${i}`), true);
});

test('scan returns every field present throughout, across growth and shrinking', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 30 }), fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 40 }),
    (initial, count, churn) => {
      const t = new HashTable(2);
      for (let i = 0; i < initial; i++) t.set(`k${i}`, '');
      const seen = new Set<string>();
      let cursor = 0;
      let step = 0;
      do {
        const out: string[] = [];
        cursor = t.scan(cursor, count, out);
        for (let i = 0; i < out.length; i += 2) seen.add(out[i]);
        const delta = churn[step++] ?? 0; // churn for a while, then let the scan finish
        // Churn only with fields that were never in the initial set.
        if (delta > 0) for (let i = 0; i < delta; i++) t.set(`x${step}-${i}`, '');
        else for (const [f] of [...t.entries()].filter(([f]) => f.startsWith('x')).slice(0, -delta)) t.delete(f);
      } while (cursor !== 0);
      for (let i = 0; i < initial; i++) assert.ok(seen.has(`k${i}`), `k${i}`);
    }), { numRuns: 100 });
});

test('listpack: insertion order, long entries, conversion by count and by length', () => {
  const h = new HashValue();
  assert.equal(h.encoding(), 'listpack');
  assert.equal(h.set('a', '1', limits), true);
  assert.equal(h.set('b', '2', limits), true);
  assert.equal(h.set('a', '3', limits), false);
  assert.deepEqual([...h.entries()], [['a', '3'], ['b', '2']]);
  assert.equal(h.delete('a'), true);
  assert.equal(h.delete('a'), false);
  assert.equal(h.size, 1);
  // A field of 200 bytes needs a two-byte length: exercise it with limits that allow it.
  const long = 'x'.repeat(200);
  const big = { maxListpackEntries: 8, maxListpackValue: 100000 };
  const g = new HashValue();
  g.set(long, long + long, big);
  g.set('k', '\u00ff\u0000\u0080', big);
  assert.equal(g.get(long), long + long);
  assert.equal(g.get('k'), '\u00ff\u0000\u0080');
  assert.equal(g.encoding(), 'listpack');
  g.set('y'.repeat(20000), 'z', big);
  assert.equal(g.get('y'.repeat(20000)), 'z');
  for (let i = 0; i < 8; i++) h.set(`f${i}`, 'v', limits);
  assert.equal(h.encoding(), 'hashtable');
  assert.equal(h.size, 9);
  const j = new HashValue();
  j.set('f', 'x'.repeat(17), limits);
  assert.equal(j.encoding(), 'hashtable');
  const c = h.clone();
  c.set('new', 'v', limits);
  assert.equal(h.has('new'), false);
  assert.equal(c.size, 10);
});

test('fromEntries picks the encoding by the limits', () => {
  assert.equal(HashValue.fromEntries([['a', '1'], ['b', '2']], limits).encoding(), 'listpack');
  assert.equal(HashValue.fromEntries([['a', 'x'.repeat(17)]], limits).encoding(), 'hashtable');
  const many = Array.from({ length: 9 }, (_, i): [string, string] => [`f${i}`, 'v']);
  const h = HashValue.fromEntries(many, limits);
  assert.equal(h.encoding(), 'hashtable');
  assert.equal(h.size, 9);
  assert.deepEqual([...HashValue.fromEntries([['a', '1'], ['b', '2']], limits).entries()], [['a', '1'], ['b', '2']]);
});

test('random operations agree with a Map model in both encodings', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'), fc.string({ maxLength: 20 }))),
    (ops) => {
      const h = new HashValue();
      const m = new Map<string, string>();
      for (const [del, f, v] of ops) {
        if (del) assert.equal(h.delete(f), m.delete(f));
        else { assert.equal(h.set(f, v, limits), !m.has(f)); m.set(f, v); }
        assert.equal(h.size, m.size);
      }
      for (const [f, v] of m) assert.equal(h.get(f), v);
      assert.deepEqual(new Map(h.entries()), m);
      if (m.size > 0) assert.ok(m.has(h.random()[0]));
    }), { numRuns: 300 });
});
