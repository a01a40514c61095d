/**
 * ZSetValue in both encodings and RankedList: order by (score, member), ranks, bounds,
 * range removal, conversions, and the chunked index under a small injected limit.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ZSetValue } from '../../../src/store/zset.js';
import { RankedList } from '../../../src/store/ranked-list.js';

const small = { maxListpackEntries: 4, maxListpackValue: 8 };
const none = { maxListpackEntries: 0, maxListpackValue: 0 };

function model(entries: Map<string, number>): [string, number][] {
  return [...entries].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe('ZSetValue', () => {
  test('listpack keeps order, -0 and inf, and converts past the limits', () => {
    const z = ZSetValue.fromEntries([['b', 1], ['a', 1], ['c', -Infinity], ['d', -0]], small);
    assert.equal(z.encoding(), 'listpack');
    assert.deepEqual([...z.entries()], [['c', -Infinity], ['d', 0], ['a', 1], ['b', 1]]);
    // Redis's listpack keeps -0 as 0; a skiplist keeps the sign.
    assert.ok(Object.is(z.score('d'), 0));
    const sk = ZSetValue.empty(true);
    sk.add('d', -0, none);
    assert.ok(Object.is(sk.score('d'), -0));
    z.add('e', 2, small);
    assert.equal(z.encoding(), 'skiplist');
    const y = ZSetValue.fromEntries([['a-long-member', 1]], small);
    assert.equal(y.encoding(), 'skiplist');
  });

  test('shrinkIfFits converts a fitting skiplist back', () => {
    const z = ZSetValue.empty(true);
    z.add('a', 1, small);
    z.shrinkIfFits(small);
    assert.equal(z.encoding(), 'listpack');
    assert.equal(z.score('a'), 1);
  });

  for (const [name, limits] of [['listpack', { maxListpackEntries: 1000, maxListpackValue: 64 }], ['skiplist', none]] as const) {
    test(`${name}: random operations agree with a model`, () => {
      const members = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
      const scores = fc.constantFrom(-Infinity, -2.5, -1, 0, 0.1, 1, 3, Infinity);
      const op = fc.oneof(
        fc.tuple(fc.constant('add'), members, scores),
        fc.tuple(fc.constant('rem'), members, scores),
        fc.tuple(fc.constant('remrange'), fc.nat(8), fc.nat(8)),
      );
      fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const z = ZSetValue.empty(name === 'skiplist');
        const m = new Map<string, number>();
        for (const [kind, a, b] of ops) {
          if (kind === 'add') {
            assert.equal(z.add(a as string, b as number, limits), !m.has(a as string));
            m.set(a as string, b as number);
          } else if (kind === 'rem') {
            assert.equal(z.remove(a as string), m.delete(a as string));
          } else {
            const sorted = model(m);
            const lo = Math.min(a as number, sorted.length);
            const hi = Math.min(b as number, sorted.length - 1);
            const n = z.removeRange(lo, hi);
            assert.equal(n, Math.max(0, hi - lo + 1));
            for (let i = lo; i <= hi; i++) m.delete(sorted[i]![0]);
          }
          const sorted = model(m);
          assert.deepEqual([...z.entries()], sorted);
          assert.equal(z.size, m.size);
          for (let i = 0; i < sorted.length; i++) assert.equal(z.rank(sorted[i]![0]), i);
          for (const x of [-Infinity, -1, 0, 1, Infinity]) {
            assert.equal(z.countScoreBelow(x, false), sorted.filter(([, s]) => s < x).length);
            assert.equal(z.countScoreBelow(x, true), sorted.filter(([, s]) => s <= x).length);
          }
        }
      }), { numRuns: 100 });
    });
  }
});

describe('ZSetValue skiplist over many leaves', () => {
  test('score-then-add (ZADD\'s sequence) and removals agree with a model across leaf splits and merges', () => {
    // 600 members: a few dozen leaves, so inserts, moves and removals cross leaf boundaries and
    // the leaf-end columns must follow. score() before add() is what ZADD does (add reuses
    // that lookup); a removal in between must not let it reuse a stale position.
    const member = fc.nat(599).map((i) => `m${i}`);
    const score = fc.integer({ min: -50, max: 50 });
    const op = fc.oneof(
      fc.tuple(fc.constant('zadd'), member, score),
      fc.tuple(fc.constant('peek-then-rem-then-add'), member, score, fc.option(member)),
      fc.tuple(fc.constant('rem'), member, score),
      fc.tuple(fc.constant('remrange'), fc.nat(700), fc.nat(60), fc.option(member), score),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), fc.nat(599), (ops, fill) => {
      const z = ZSetValue.empty(true);
      const m = new Map<string, number>();
      for (let i = 0; i <= fill; i++) {
        z.add(`m${i}`, i % 13, none);
        m.set(`m${i}`, i % 13);
      }
      for (const [kind, a, b, c, d] of ops) {
        if (kind === 'zadd') {
          assert.equal(z.score(a as string), m.get(a as string));
          assert.equal(z.add(a as string, b as number, none), !m.has(a as string));
          m.set(a as string, b as number);
        } else if (kind === 'peek-then-rem-then-add') {
          // The member itself, or another (its removal may move the last member into its hole).
          const victim = (c as string | null) ?? (a as string);
          z.score(a as string);
          assert.equal(z.remove(victim), m.delete(victim));
          assert.equal(z.add(a as string, b as number, none), !m.has(a as string));
          m.set(a as string, b as number);
        } else if (kind === 'rem') {
          z.score(a as string);
          assert.equal(z.remove(a as string), m.delete(a as string));
        } else {
          // ZADD's lookup of a member (one the removal takes, unless given), then the add.
          const sorted = model(m);
          const lo = Math.min(a as number, Math.max(0, sorted.length - 1));
          const hi = Math.min(lo + (b as number), sorted.length - 1);
          const looked = (c as string | null) ?? sorted[lo]?.[0] ?? 'm0';
          z.score(looked);
          assert.equal(z.removeRange(lo, hi), Math.max(0, hi - lo + 1));
          for (let i = lo; i <= hi; i++) m.delete(sorted[i]![0]);
          assert.equal(z.add(looked, d as number, none), !m.has(looked));
          m.set(looked, d as number);
        }
      }
      const sorted = model(m);
      assert.deepEqual([...z.entries()], sorted);
      for (let i = 0; i < sorted.length; i += 7) assert.equal(z.rank(sorted[i]![0]), i);
      for (const [k, v] of m) assert.equal(z.score(k), v);
      for (const x of [-51, -10, 0, 3, 50]) {
        assert.equal(z.countScoreBelow(x, false), sorted.filter(([, sc]) => sc < x).length);
        assert.equal(z.countScoreBelow(x, true), sorted.filter(([, sc]) => sc <= x).length);
      }
    }), { numRuns: 60 });
  });
});

describe('RankedList', () => {
  test('lex counts over many leaves of equal scores', () => {
    const list = new RankedList();
    const members = Array.from({ length: 1000 }, (_, i) => `k${String((i * 7919) % 1000).padStart(4, '0')}`);
    for (const m of members) list.insert(0, m);
    const sorted = [...members].sort();
    for (let i = 0; i < 1000; i += 37) {
      assert.equal(list.countLexBelow(sorted[i]!, false), i);
      assert.equal(list.countLexBelow(sorted[i]!, true), i + 1);
      assert.equal(list.countLexBelow(sorted[i]! + '\0', false), i + 1);
    }
    assert.equal(list.countLexBelow('z', false), 1000);
    assert.equal(list.countLexBelow('', false), 0);
    // Removing every leaf's last entry moves each leaf end.
    const removed: string[] = [];
    list.removeRange(500, 999, removed);
    assert.deepEqual(removed, sorted.slice(500));
    assert.equal(list.countLexBelow('z', false), 500);
    assert.equal(list.countLexBelow(sorted[499]!, true), 500);
  });

  test('splits leaves and keeps ranks right over thousands of entries', () => {
    const list = new RankedList();
    const n = 5000;
    for (let i = 0; i < n; i++) list.insert((i * 7919) % n, 'm' + i);
    assert.ok(list.leafCount > 1);
    const members: string[] = [];
    const scores: number[] = [];
    list.slice(0, n - 1, members, scores);
    for (let i = 1; i < n; i++) assert.ok(scores[i - 1]! <= scores[i]!);
    for (let r = 0; r < n; r += 97) assert.equal(list.rankOf(scores[r]!, members[r]!), r);
    const removed: string[] = [];
    list.removeRange(100, 3999, removed);
    assert.equal(removed.length, 3900);
    assert.equal(list.size, n - 3900);
    assert.equal(list.rankOf(scores[4000]!, members[4000]!), 100);
    assert.equal(list.countScoreBelow(scores[4000]!, false), 100);
  });
});
