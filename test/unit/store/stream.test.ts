/**
 * The stream store: IDs (parse, format, order, successor), the node layout and listpack
 * sizes that approximate trimming depends on, deletion and trimming, iteration in both
 * directions, the read-counter rules, images and clones, the rax node count, and IdMap
 * against a sorted model (fast-check).
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ENTRIES_READ_INVALID, formatStreamId, parsedStreamId, parseStreamId, STREAM_ID_MAX, STREAM_ID_MIN, streamIdDecr,
  streamIdFromParts, streamIdIncr, streamIdMs, streamIdSeq, streamIdWithAutoSeq, StreamIterator, streamNextId,
  StreamValue, type StreamImage, type StreamNodeLimits,
} from '../../../src/store/stream.js';
import { IdMap } from '../../../src/store/stream-idmap.js';
import { lpInt64WordsBytes, lpStringBytes } from '../../../src/store/stream-listpack.js';

const id = (s: string) => parseStreamId(s, true, false)!;
const defaults: StreamNodeLimits = { maxBytes: 4096, maxEntries: 100 };

function ids(s: StreamValue, start = STREAM_ID_MIN, end = STREAM_ID_MAX, rev = false): string[] {
  const it = new StreamIterator(s, start, end, rev);
  const out: string[] = [];
  while (it.next()) out.push(formatStreamId(it.id));
  return out;
}

function streamOf(n: number, limits = defaults): StreamValue {
  const s = new StreamValue();
  for (let i = 1; i <= n; i++) s.append(id(`${i}-0`), ['f', String(i)], limits);
  return s;
}

describe('stream IDs', () => {
  test('parts, words and decimal round-trip over the whole u64 range', () => {
    for (const [ms, seq] of [[0n, 0n], [1n, 2n], [2n ** 53n + 1n, 7n], [2n ** 64n - 1n, 2n ** 64n - 1n], [1526919030474n, 55n]]) {
      const x = streamIdFromParts(ms!, seq!);
      assert.equal(x.length, 16);
      assert.equal(streamIdMs(x), ms);
      assert.equal(streamIdSeq(x), seq);
      assert.equal(formatStreamId(x), `${ms}-${seq}`);
      assert.equal(parseStreamId(`${ms}-${seq}`, true, false), x);
    }
  });

  test('string order is ID order', () => {
    const u64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 300n }));
    fc.assert(fc.property(u64, u64, u64, u64, (a, b, c, d) => {
      const x = streamIdFromParts(a, b);
      const y = streamIdFromParts(c, d);
      const cmp = a !== c ? (a < c ? -1 : 1) : b !== d ? (b < d ? -1 : 1) : 0;
      assert.equal(x < y ? -1 : x > y ? 1 : 0, cmp);
    }));
  });

  test('parse: -, +, missing seq, ms-*, string2ull forms, refusals', () => {
    assert.equal(parseStreamId('-', false, false), STREAM_ID_MIN);
    assert.equal(parseStreamId('+', false, false), STREAM_ID_MAX);
    assert.equal(parseStreamId('-', true, false), null);
    assert.equal(formatStreamId(parseStreamId('5', false, true)!), '5-18446744073709551615');
    assert.equal(formatStreamId(parseStreamId('5', false, false)!), '5-0');
    assert.equal(formatStreamId(parseStreamId('5-*', true, false, true)!), '5-0');
    assert.equal(parsedStreamId.seqGiven, false);
    assert.equal(parseStreamId('5-*', true, false), null);
    assert.equal(formatStreamId(id('007-+3')), '7-3');
    assert.equal(formatStreamId(id(' 8-0')), '8-0');
    assert.equal(formatStreamId(id('9--01')), '9-18446744073709551615');
    assert.equal(formatStreamId(id('9-5\0garbage')), '9-5');
    for (const bad of ['', 'x', '1-x', '1-2-3', '9--1', '18446744073709551616', '1-', '-1', '1 -0', 'x'.repeat(128)]) {
      assert.equal(parseStreamId(bad, true, false), null, JSON.stringify(bad));
    }
  });

  test('successor, predecessor, next generated ID, ms-* sequence', () => {
    assert.equal(formatStreamId(streamIdIncr(id('1-18446744073709551615'))!), '2-0');
    assert.equal(streamIdIncr(STREAM_ID_MAX), null);
    assert.equal(formatStreamId(streamIdDecr(id('2-0'))!), '1-18446744073709551615');
    assert.equal(streamIdDecr(STREAM_ID_MIN), null);
    assert.equal(formatStreamId(streamNextId(id('5-3'), 9)!), '9-0');
    assert.equal(formatStreamId(streamNextId(id('9-3'), 9)!), '9-4');
    assert.equal(formatStreamId(streamNextId(id('99-3'), 9)!), '99-4');
    assert.equal(formatStreamId(streamIdWithAutoSeq(id('5-3'), id('5-0'))!), '5-4');
    assert.equal(formatStreamId(streamIdWithAutoSeq(id('4-3'), id('5-0'))!), '5-0');
    assert.equal(streamIdWithAutoSeq(id('5-18446744073709551615'), id('5-0')), null);
  });
});

describe('listpack sizes', () => {
  test('strings that read as int64 take integer forms', () => {
    assert.equal(lpStringBytes('0'), 2);
    assert.equal(lpStringBytes('127'), 2);
    assert.equal(lpStringBytes('128'), 3);
    assert.equal(lpStringBytes('-4096'), 3);
    assert.equal(lpStringBytes('32767'), 4);
    assert.equal(lpStringBytes('8388607'), 5);
    assert.equal(lpStringBytes('2147483648'), 10);
    assert.equal(lpStringBytes('9223372036854775807'), 10);
    assert.equal(lpStringBytes('9223372036854775808'), 21);
    assert.equal(lpStringBytes('007'), 5);
    assert.equal(lpStringBytes('x'.repeat(63)), 65);
    assert.equal(lpStringBytes('x'.repeat(64)), 67);
    assert.equal(lpStringBytes('x'.repeat(200)), 204);
    assert.equal(lpStringBytes('x'.repeat(5000)), 5007);
  });

  test('int64 deltas from two words, negative ones included', () => {
    assert.equal(lpInt64WordsBytes(0, 5), 2);
    assert.equal(lpInt64WordsBytes(-1, 0xffffffff), 3); // -1
    assert.equal(lpInt64WordsBytes(-1, 0x80000000), 6); // INT32_MIN
    assert.equal(lpInt64WordsBytes(1, 0), 10);
  });
});

describe('StreamValue', () => {
  test('a node closes at max entries (live and deleted) or max bytes', () => {
    const s = streamOf(10, { maxBytes: 4096, maxEntries: 4 });
    assert.deepEqual(s.nodes.map((n) => n.ids.length), [4, 4, 2]);
    const t = new StreamValue();
    // Master entry: 7 + count 2 + deleted 2 + numfields 2 + 'f' 3 + terminator 2 = 18;
    // a same-fields entry: flags 2, two deltas 2+2, value 2, lp-count 2 = 10.
    t.append(id('1-0'), ['f', '1'], { maxBytes: 40, maxEntries: 0 });
    assert.equal(t.nodes[0]!.bytes, 28);
    t.append(id('1-1'), ['f', '2'], { maxBytes: 40, maxEntries: 0 });
    assert.equal(t.nodes[0]!.bytes, 38);
    // 38 + 2 bytes of strings reaches 40: a new node.
    t.append(id('1-2'), ['f', '3'], { maxBytes: 40, maxEntries: 0 });
    assert.equal(t.nodes.length, 2);
  });

  test('XDEL keeps tombstones until a node empties; first and max-deleted IDs follow', () => {
    const s = streamOf(6, { maxBytes: 4096, maxEntries: 3 });
    assert.equal(s.deleteEntries([id('2-0'), id('2-0'), id('9-0')]), 1);
    assert.equal(s.nodes.length, 2);
    assert.equal(s.deleteEntries([id('1-0'), id('3-0')]), 2);
    assert.equal(s.nodes.length, 1);
    assert.equal(formatStreamId(s.firstId), '4-0');
    assert.equal(formatStreamId(s.maxDeletedId), '3-0');
    assert.deepEqual(ids(s), ['4-0', '5-0', '6-0']);
    s.deleteEntries([id('4-0'), id('5-0'), id('6-0')]);
    assert.equal(s.length, 0);
    assert.equal(s.firstId, STREAM_ID_MIN);
    assert.equal(s.nodes.length, 0);
  });

  test('trim: whole nodes, then entries inside one unless approximate; LIMIT counts whole nodes', () => {
    const limits = { maxBytes: 4096, maxEntries: 3 };
    let s = streamOf(10, limits);
    assert.equal(s.trim(true, 5, STREAM_ID_MIN, true, 0), 3);
    assert.equal(s.length, 7);
    assert.equal(s.trim(true, 5, STREAM_ID_MIN, false, 0), 2);
    assert.deepEqual(ids(s), ['6-0', '7-0', '8-0', '9-0', '10-0']);
    assert.equal(formatStreamId(s.edgeId(true, false)), '4-0'); // a tombstone
    s = streamOf(10, limits);
    assert.equal(s.trim(true, 0, STREAM_ID_MIN, true, 5), 3);
    s = streamOf(10, limits);
    assert.equal(s.trim(false, 0, id('5-0'), false, 0), 4);
    assert.equal(formatStreamId(s.firstId), '5-0');
    assert.equal(s.trim(false, 0, id('99-0'), true, 0), 6);
    assert.equal(s.firstId, STREAM_ID_MIN);
    assert.equal(s.edgeId(true, false), STREAM_ID_MAX);
  });

  test('iteration forward and backward over ranges, across nodes and tombstones', () => {
    const s = streamOf(10, { maxBytes: 4096, maxEntries: 3 });
    s.deleteEntries([id('4-0'), id('7-0')]);
    assert.deepEqual(ids(s, id('3-0'), id('8-0')), ['3-0', '5-0', '6-0', '8-0']);
    assert.deepEqual(ids(s, id('3-0'), id('8-0'), true), ['8-0', '6-0', '5-0', '3-0']);
    assert.deepEqual(ids(s, id('4-0'), id('4-0')), []);
    assert.deepEqual(ids(s, id('0-5'), id('1-0'), true), ['1-0']);
    assert.deepEqual(ids(s, id('11-0'), STREAM_ID_MAX), []);
    assert.deepEqual(ids(s, STREAM_ID_MIN, id('0-9'), true), []);
    assert.equal(s.get(id('4-0')), null);
    assert.deepEqual(s.get(id('5-0')), ['f', '5']);
  });

  test('read counters: estimateDistance and lag as Redis 7.0 computes them', () => {
    const s = streamOf(5);
    const g = s.createGroup('g', STREAM_ID_MIN, ENTRIES_READ_INVALID)!;
    assert.equal(s.estimateDistance(id('5-0')), 5n);
    assert.equal(s.estimateDistance(id('1-0')), 1n);
    assert.equal(s.estimateDistance(id('0-1')), 0n);
    assert.equal(s.estimateDistance(id('3-0')), ENTRIES_READ_INVALID);
    assert.equal(s.estimateDistance(id('6-0')), ENTRIES_READ_INVALID);
    assert.equal(s.lag(g), 5n);
    s.deleteEntries([id('3-0')]);
    // A tombstone past the first entry makes every ID but the last one unknowable.
    assert.equal(s.lag(g), null);
    assert.equal(s.estimateDistance(id('5-0')), 5n);
    g.lastId = id('2-0');
    assert.equal(s.lag(g), null);
    g.entriesRead = 2n;
    assert.equal(s.rangeHasTombstones(g.lastId), true);
    assert.equal(s.lag(g), null);
    g.lastId = id('4-0');
    g.entriesRead = 4n;
    assert.equal(s.lag(g), 1n);
  });

  test('image round trip, clone independence, group and PEL structure', () => {
    const s = streamOf(7, { maxBytes: 4096, maxEntries: 2 });
    s.deleteEntries([id('3-0')]);
    const g = s.createGroup('g', id('5-0'), 5n)!;
    const alice = g.createConsumer('alice', 1000)!;
    g.createConsumer('bob', 2000);
    const image: StreamImage = {
      entries: [[id('1-0'), ['a', '1']], [id('2-0'), ['b', '2']]],
      lastId: id('9-0'),
      maxDeletedId: id('8-0'),
      entriesAdded: 12n,
      groups: [{
        name: 'g', lastId: id('2-0'), entriesRead: ENTRIES_READ_INVALID,
        pending: [{ id: id('1-0'), deliveryTime: 5, deliveryCount: 2, consumer: 'x' }],
        consumers: [{ name: 'x', seenTime: 6 }, { name: 'y', seenTime: 7 }],
      }],
    };
    const loaded = StreamValue.fromImage(structuredClone(image));
    assert.deepEqual(loaded.toImage(), image);
    assert.equal(formatStreamId(loaded.firstId), '1-0');
    assert.throws(() => StreamValue.fromImage({ ...image, groups: [{ ...image.groups[0]!, consumers: [] }] }));

    const nack = { deliveryTime: 1, deliveryCount: 1, consumer: alice };
    g.pel.set(id('4-0'), nack as never);
    alice.pel.set(id('4-0'), nack as never);
    const copy = s.clone();
    assert.deepEqual(copy.toImage(), s.toImage());
    copy.deleteEntries([id('4-0')]);
    copy.group('g')!.ack(id('4-0'));
    copy.group('g')!.lastId = id('7-0');
    assert.equal(s.length, 6);
    assert.equal(g.pel.size, 1);
    assert.equal(alice.pel.size, 1);
    assert.equal(formatStreamId(g.lastId), '5-0');
    assert.deepEqual(s.sortedGroups().map((x) => x.name), ['g']);
    assert.deepEqual(g.sortedConsumers().map((x) => x.name), ['alice', 'bob']);
    g.deleteConsumer(alice);
    assert.equal(g.pel.size, 0);
  });

  test('radix-tree-nodes of a compressed trie over the node keys', () => {
    assert.equal(new StreamValue().radixTreeNodes(), 1);
    assert.equal(streamOf(1).radixTreeNodes(), 2);
    // Two keys parting in the last byte of ms: prefix, branch, and a compressed tail + end each.
    const s = streamOf(2, { maxBytes: 4096, maxEntries: 1 });
    assert.equal(s.radixTreeNodes(), 6);
    s.append(id('3-0'), ['f', 'v'], { maxBytes: 4096, maxEntries: 1 });
    assert.equal(s.radixTreeNodes(), 8);
    s.deleteEntries([id('2-0')]);
    assert.equal(s.radixTreeNodes(), 6);
  });
});

describe('IdMap', () => {
  test('matches a sorted model under random inserts, deletes and ranges', () => {
    const key = fc.integer({ min: 0, max: 2000 }).map((n) => streamIdFromParts(BigInt(n), 0n));
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), key),
      fc.tuple(fc.constant('del' as const), key),
      fc.tuple(fc.constant('range' as const), key, key, fc.integer({ min: 0, max: 50 })),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
      const m = new IdMap<number>();
      const model = new Map<string, number>();
      let n = 0;
      for (const o of ops) {
        if (o[0] === 'set') {
          m.set(o[1], n);
          model.set(o[1], n++);
        } else if (o[0] === 'del') {
          assert.equal(m.delete(o[1]), model.delete(o[1]));
        } else {
          const out: string[] = [];
          m.range(o[1], o[2], o[3], out);
          const want = [...model.keys()].sort().filter((k) => k >= o[1] && k <= o[2]).slice(0, o[3]);
          assert.deepEqual(out, want);
        }
      }
      const sorted = [...model.keys()].sort();
      assert.deepEqual([...m.entries()].map(([k]) => k), sorted);
      assert.equal(m.first(), sorted[0]);
      assert.equal(m.last(), sorted[sorted.length - 1]);
      assert.equal(m.size, model.size);
    }), { numRuns: 60 });
  });
});
