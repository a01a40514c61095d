/**
 * ListValue against a plain array model: random operations (fast-check) must leave the ring
 * and the array equal, across growth, shrinking and wrap-around of the head.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ListValue } from '../../../src/store/list.js';

type Op =
  | { op: 'pushHead' | 'pushTail'; v: string }
  | { op: 'popHead' | 'popTail' }
  | { op: 'set' | 'insertAt'; i: number; v: string }
  | { op: 'removeEqual'; v: string; limit: number; fromTail: boolean }
  | { op: 'trim'; a: number; b: number };

const val = fc.constantFrom('a', 'b', 'c');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const), v: val }),
  fc.record({ op: fc.constantFrom('pushHead' as const, 'pushTail' as const), v: val }),
  fc.record({ op: fc.constantFrom('popHead' as const, 'popTail' as const) }),
  fc.record({ op: fc.constantFrom('set' as const, 'insertAt' as const), i: fc.nat(40), v: val }),
  fc.record({ op: fc.constant('removeEqual' as const), v: val, limit: fc.nat(3), fromTail: fc.boolean() }),
  fc.record({ op: fc.constant('trim' as const), a: fc.nat(20), b: fc.nat(40) }),
);

test('ListValue behaves like an array under random operations', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
    const l = new ListValue();
    let m: string[] = [];
    for (const o of ops) {
      switch (o.op) {
        case 'pushHead': l.pushHead(o.v); m.unshift(o.v); break;
        case 'pushTail': l.pushTail(o.v); m.push(o.v); break;
        case 'popHead': if (m.length) assert.equal(l.popHead(), m.shift()); break;
        case 'popTail': if (m.length) assert.equal(l.popTail(), m.pop()); break;
        case 'set': if (o.i < m.length) { l.set(o.i, o.v); m[o.i] = o.v; } break;
        case 'insertAt': if (o.i <= m.length) { l.insertAt(o.i, o.v); m.splice(o.i, 0, o.v); } break;
        case 'removeEqual': {
          let removed = 0;
          const idx = m.map((_, i) => i);
          if (o.fromTail) idx.reverse();
          const drop = new Set<number>();
          for (const i of idx) if (m[i] === o.v && (o.limit === 0 || removed < o.limit)) { drop.add(i); removed++; }
          assert.equal(l.removeEqual(o.v, o.limit, o.fromTail), removed);
          m = m.filter((_, i) => !drop.has(i));
          break;
        }
        case 'trim': {
          if (o.a <= o.b && o.a < m.length) { const end = Math.min(o.b, m.length - 1); l.trim(o.a, end); m = m.slice(o.a, end + 1); }
          else { l.trim(1, 0); m = []; }
          break;
        }
      }
      assert.equal(l.length, m.length);
    }
    assert.deepEqual([...l.values()], m);
    assert.deepEqual(l.toArray(), m);
    for (let i = 0; i < m.length; i++) assert.equal(l.at(i), m[i]);
    assert.deepEqual([...l.clone().values()], m);
  }), { numRuns: 300 });
});

test('fromArray, encoding, and a long list round trip', () => {
  const items = Array.from({ length: 10000 }, (_, i) => `e${i}`);
  const l = ListValue.fromArray(items);
  assert.equal(l.encoding(), 'quicklist');
  assert.equal(l.type, 'list');
  for (let i = 0; i < 5000; i++) l.popHead();
  for (let i = 0; i < 5000; i++) l.pushHead(`h${i}`);
  assert.equal(l.length, 10000);
  assert.equal(l.at(0), 'h4999');
  assert.equal(l.at(9999), 'e9999');
  assert.deepEqual(l.range(4998, 5001), ['h1', 'h0', 'e5000', 'e5001']);
});
