/**
 * SetValue and its hash layer, MemberIndex: encodings and conversions as Redis picks them,
 * and the chunking that lifts V8's 2**24-entry Map limit, proved with a small injected
 * chunk limit.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SetValue } from '../../../src/store/set.js';
import { MemberIndex } from '../../../src/store/member-index.js';

const limits = { maxIntsetEntries: 4 };

describe('SetValue', () => {
  test('intset while every member is a canonical int64 and the count fits', () => {
    const s = SetValue.fromValues(['3', '-1', '9223372036854775807', '3'], limits);
    assert.equal(s.encoding(), 'intset');
    assert.equal(s.size, 3);
    assert.deepEqual([...s.values()], ['-1', '3', '9223372036854775807']);
    assert.ok(s.has('9223372036854775807'));
    assert.ok(!s.has('03'));
  });

  for (const bad of ['-0', '+1', '01', '9223372036854775808', ' 1', 'a']) {
    test(`"${bad}" converts to hashtable`, () => {
      const s = SetValue.fromValues(['1'], limits);
      s.add(bad, limits);
      assert.equal(s.encoding(), 'hashtable');
      assert.ok(s.has(bad) && s.has('1'));
    });
  }

  test('passing set-max-intset-entries converts, and never back', () => {
    const s = SetValue.fromValues(['1', '2', '3', '4'], limits);
    assert.equal(s.encoding(), 'intset');
    s.add('5', limits);
    assert.equal(s.encoding(), 'hashtable');
    s.remove('5');
    s.remove('4');
    assert.equal(s.encoding(), 'hashtable');
    assert.deepEqual([...s.values()].sort(), ['1', '2', '3']);
  });

  test('pop empties the set and returns each member once', () => {
    const s = SetValue.fromValues(['a', 'b', 'c', 'd'], limits);
    const seen = new Set<string>();
    while (s.size > 0) seen.add(s.pop());
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c', 'd']);
  });

  test('clone is independent', () => {
    const s = SetValue.fromValues(['a', 'b'], limits);
    const t = s.clone();
    t.add('c', limits);
    assert.equal(s.size, 2);
    assert.equal(t.size, 3);
  });
});

describe('MemberIndex chunking', () => {
  test('spreads members over chunks of the injected limit and finds them all', () => {
    const idx = new MemberIndex(3);
    for (let i = 0; i < 10; i++) idx.push('m' + i);
    assert.equal(idx.chunkCount, 4);
    for (let i = 0; i < 10; i++) assert.ok(idx.has('m' + i));
    assert.ok(!idx.has('m10'));
  });

  test('removal keeps positions dense and consistent across chunks', () => {
    const idx = new MemberIndex(3);
    for (let i = 0; i < 10; i++) idx.push('m' + i);
    for (const i of [0, 4, 9, 5]) assert.ok(idx.remove('m' + i) >= 0);
    assert.equal(idx.remove('m0'), -1);
    assert.equal(idx.size, 6);
    for (let p = 0; p < idx.size; p++) assert.equal(idx.indexOf(idx.members[p]!), p);
    // A chunk emptied entirely is dropped.
    for (const i of [6, 7, 8]) idx.remove('m' + i);
    assert.ok(idx.chunkCount <= 3);
    for (const m of idx.members) assert.ok(idx.has(m));
  });

  test('a hashtable set works across chunks', () => {
    const s = SetValue.emptyHashtable(2);
    for (let i = 0; i < 9; i++) s.add('x' + i, limits);
    assert.equal(s.size, 9);
    assert.ok(s.remove('x3'));
    assert.ok(!s.has('x3') && s.has('x8'));
  });

  test('scan returns every member present throughout, despite removals between steps', () => {
    const idx = new MemberIndex(4);
    for (let i = 0; i < 50; i++) idx.push('m' + i);
    const seen = new Set<string>();
    let cursor = 0;
    let step = 0;
    do {
      const out: string[] = [];
      cursor = idx.scan(cursor, 5, out);
      for (const m of out) seen.add(m);
      // Remove one member of those not in the "stable" half, and add a new one.
      idx.remove('m' + (25 + step));
      idx.push('new' + step);
      step++;
    } while (cursor !== 0);
    for (let i = 0; i < 25; i++) assert.ok(seen.has('m' + i), 'm' + i);
  });
});
