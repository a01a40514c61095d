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

describe('RankedList', () => {
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
