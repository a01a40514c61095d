/**
 * The RDB codec on bytes alone: CRC-64 and LZF vectors, listpack / intset / ziplist /
 * zipmap blobs from persistence-spec.md (verified on Redis 7.0.15), string and length
 * forms, legacy types, and random datasets written then read back equal (fast-check).
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc64 } from '../../../src/persistence/rdb/crc64.js';
import { lzfCompress, lzfDecompress } from '../../../src/persistence/rdb/lzf.js';
import { decodeListpack, encodeListpack } from '../../../src/persistence/rdb/listpack.js';
import { decodeIntset, encodeIntset } from '../../../src/persistence/rdb/intset.js';
import { parseRdb, RdbReader, type ValueBuilder } from '../../../src/persistence/rdb/reader.js';
import { dumpPayload, listpackScore } from '../../../src/persistence/rdb/writer.js';
import { RdbError } from '../../../src/persistence/rdb/errors.js';
import { writeSnapshot } from '../../../src/persistence/rdb-file.js';
import { StoreValueBuilder } from '../../../src/persistence/rdb/values.js';
import { Keyspace } from '../../../src/store/keyspace.js';
import type { Value } from '../../../src/store/value.js';
import { STREAM_ID_MIN, streamIdFromParts, type StreamImage, type StreamValue } from '../../../src/store/stream.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Decodes to plain data for comparison. */
const plain: ValueBuilder<unknown> = {
  string: (s) => s,
  list: (items) => ({ list: items }),
  set: (members) => ({ set: [...members].sort() }),
  hash: (pairs) => ({ hash: [...pairs].sort() }),
  zset: (entries) => ({ zset: entries }),
  stream: (image) => ({ stream: image }),
};

/** Wrap key records in a minimal version-10 file with a zero (unchecked) trailer. */
function file(records: Buffer): Buffer {
  return Buffer.concat([Buffer.from('REDIS0010'), records, Buffer.from([0xff]), Buffer.alloc(8)]);
}

function readAll(bytes: Buffer): Map<string, unknown> {
  const out = new Map<string, unknown>();
  parseRdb(new RdbReader(bytes), { builder: plain, key: (_db, k, v) => out.set(k, v) });
  return out;
}

describe('CRC-64/Jones', () => {
  it('matches the reference vectors', () => {
    assert.equal(crc64(Buffer.from('123456789')).toString(16), 'e9c6d914c4b8d9ca');
    assert.equal(crc64(Buffer.from('a')).toString(16), '5fb354025b277b14');
    assert.equal(crc64(Buffer.alloc(0)), 0n);
  });

  it('checks the smallest useful file from the spec', () => {
    const bytes = hex('524544495330303130fe00fb010000016b0176ff bfc684baad6ca103');
    const info = parseRdb(new RdbReader(bytes), { builder: plain, key: () => {} });
    assert.equal(info.checksum, 'ok');
    bytes[bytes.length - 1] ^= 1;
    assert.throws(() => parseRdb(new RdbReader(bytes), { builder: plain, key: () => {} }), /Wrong RDB checksum/);
  });

  it('the DUMP payload of "v" is the one Redis 7.0.15 produces', () => {
    assert.equal(dumpPayload('v').toString('hex'), '0001760a009108ceb219388ace');
  });
});

describe('LZF', () => {
  it('decodes Redis\'s stream for 30 x "a" and a stream referencing offset 0', () => {
    const out = Buffer.alloc(30);
    assert.equal(lzfDecompress(hex('016161e01100016161'), 0, 9, out), null);
    assert.equal(out.toString(), 'a'.repeat(30));
    const ten = Buffer.alloc(10);
    assert.equal(lzfDecompress(hex('0061e00000'), 0, 5, ten), null);
    assert.equal(ten.toString(), 'a'.repeat(10));
  });

  it('rejects bad streams instead of reading out of bounds', () => {
    assert.match(lzfDecompress(hex('20 00'), 0, 2, Buffer.alloc(5))!, /before the start/);
    assert.match(lzfDecompress(hex('05 61'), 0, 2, Buffer.alloc(6))!, /truncated/);
    assert.match(lzfDecompress(hex('00 61'), 0, 2, Buffer.alloc(2))!, /differs/);
  });

  it('round-trips random and repetitive inputs', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 40 }), (bytes, reps) => {
      const input = Buffer.concat([Buffer.from(bytes), Buffer.alloc(reps * 10, bytes[0] ?? 7)]);
      const out = Buffer.alloc(input.length + 64);
      const n = lzfCompress(input, out);
      if (input.length > 0) assert.ok(n > 0);
      if (n === 0) return;
      const back = Buffer.alloc(input.length);
      assert.equal(lzfDecompress(out, 0, n, back), null);
      assert.deepEqual(back, input);
    }), { numRuns: 200 });
  });
});

describe('listpack and intset', () => {
  it('encodes integers and strings exactly as Redis 7.0.15', () => {
    const items = ['127', '128', '4095', '4096', '-4096', '-4097', '32767', '32768', '8388607', '8388608',
      '2147483647', '2147483648', '-9223372036854775808', '007'];
    const expected = hex(`4d0000000e00 7f01 c08002 cfff02 f1001003 d00002 f1ffef03 f1ff7f03 f2008000 04
      f2ffff7f04 f30000800005 f3ffffff7f05 f4000000800000000009 f4000000000000008009 8330303704 ff`);
    assert.deepEqual(encodeListpack(items), expected);
    assert.deepEqual(decodeListpack(expected), items);
    assert.deepEqual(encodeListpack(['a', '1', '-1', '300']), hex('120000000400 816102 0101 dfff02 c12c02 ff'));
    const s200 = 'x'.repeat(200);
    const s5000 = 'y'.repeat(5000);
    assert.deepEqual(decodeListpack(encodeListpack([s200, s5000])), [s200, s5000]);
    assert.deepEqual(encodeListpack([s200]).subarray(6, 8), hex('e0c8'));
    assert.deepEqual(encodeListpack([s5000]).subarray(6, 11), hex('f088130000'));
    assert.deepEqual(encodeListpack([s5000]).subarray(-3, -1), hex('278d'));
  });

  it('refuses malformed listpacks', () => {
    const good = encodeListpack(['a', 'bb']);
    const bad = Buffer.from(good);
    bad[8] = 5; // backlen of "a"
    assert.throws(() => decodeListpack(bad), /backlen/);
    assert.throws(() => decodeListpack(good.subarray(0, good.length - 1)), /header says/);
    const count = Buffer.from(good);
    count[4] = 3;
    assert.throws(() => decodeListpack(count), /elements/);
    assert.throws(() => decodeListpack(encodeListpack(['a']), true), /odd/);
  });

  it('intsets match the spec and reject disorder', () => {
    assert.deepEqual(encodeIntset(['3', '1', '2']), hex('02000000 03000000 0100 0200 0300'));
    assert.deepEqual(encodeIntset(['1', '2', '70000']), hex('04000000 03000000 01000000 02000000 70110100'));
    assert.deepEqual(decodeIntset(encodeIntset(['-9223372036854775808', '5'])), ['-9223372036854775808', '5']);
    assert.throws(() => decodeIntset(hex('02000000 02000000 0200 0100')), /ascending/);
    assert.throws(() => decodeIntset(hex('03000000 01000000 010000')), /encoding/);
  });

  it('zset listpack scores are formatted as Redis\'s d2string', () => {
    assert.deepEqual([1, 2.5, 0.1, 1e20, Infinity, -Infinity, -3, 2 ** 62, 2 ** 63].map(listpackScore),
      ['1', '2.5', '0.10000000000000001', '1e+20', 'inf', '-inf', '-3', '4611686018427387904', '9.2233720368547758e+18']);
  });
});

describe('RDB reader: every string form and legacy type', () => {
  it('reads the string encodings of spec §1.4', () => {
    const m = readAll(file(hex(`00016b0176 00026e38c0fe 00036e3136c1e803 00036e3332c26079feff
      000362696700b3132333435363738393031 00026c7ac3091e016161e01100016161 00c07b0178`.replace('00b3', '0b3'))));
    assert.equal(m.get('k'), 'v');
    assert.equal(m.get('n8'), '-2');
    assert.equal(m.get('n16'), '1000');
    assert.equal(m.get('n32'), '-100000');
    assert.equal(m.get('big'), '12345678901');
    assert.equal(m.get('lz'), 'a'.repeat(30));
    assert.equal(m.get('123'), 'x');
  });

  it('accepts non-minimal lengths', () => {
    const m = readAll(file(hex('00 810000000000000001 6b 8000000002 7676')));
    assert.equal(m.get('k'), 'vv');
  });

  it('reads ziplist, zipmap, quicklist v1, legacy zset and plain list records', () => {
    const zl = hex('20000000 18000000 0500 000161 03f6 02c02c01 04f090eefe 050568656c6c6f ff');
    const zm = Buffer.concat([Buffer.from([2, 3]), Buffer.from('foo'), Buffer.from([3, 0]), Buffer.from('bar'),
      Buffer.from([5]), Buffer.from('hello'), Buffer.from([5, 0]), Buffer.from('world'), Buffer.from([0xff])]);
    const records = Buffer.concat([
      Buffer.from([10, 2]), Buffer.from('zl'), Buffer.from([zl.length]), zl,
      Buffer.from([9, 2]), Buffer.from('zm'), Buffer.from([zm.length]), zm,
      Buffer.from([14, 2]), Buffer.from('ql'), Buffer.from([2, zl.length]), zl, Buffer.from([zl.length]), zl,
      hex('03 027a73 02 0161 03312e35 0162 fe'),
      hex('01 026c6c 02 0178 c001'),
      hex('fd 00943577 00 0165 0178'),
    ]);
    const m = readAll(file(records));
    assert.deepEqual(m.get('zl'), { list: ['a', '5', '300', '-70000', 'hello'] });
    assert.deepEqual(m.get('zm'), { hash: [['foo', 'bar'], ['hello', 'world']] });
    assert.deepEqual((m.get('ql') as { list: string[] }).list.length, 10);
    assert.deepEqual(m.get('zs'), { zset: [['a', 1.5], ['b', Infinity]] });
    assert.deepEqual(m.get('ll'), { list: ['x', '1'] });
    assert.equal(m.get('e'), 'x');
  });

  it('legacy EXPIRETIME is in seconds', () => {
    let at = 0;
    parseRdb(new RdbReader(file(hex('fd 00943577 00 0165 0178'))), { builder: plain, key: (_d, _k, _v, e) => { at = e; } });
    assert.equal(at, 2000000000 * 1000);
  });

  it('distinguishes corruption from truncation, with offsets', () => {
    const good = file(hex('00016b0176'));
    const cut = good.subarray(0, 12);
    assert.throws(() => readAll(cut), (e: RdbError) => e.kind === 'truncated' && e.offset === 12);
    const unknown = file(hex('08016b0176'));
    assert.throws(() => readAll(unknown), (e: RdbError) => e.kind === 'corrupt' && e.offset === 9 && /Unknown RDB encoding type 8/.test(e.message));
    assert.throws(() => readAll(Buffer.from('REDIS0011\xff', 'latin1')), /Can't handle RDB format version 0011/);
    assert.throws(() => readAll(Buffer.from('RODIS0010\xff', 'latin1')), /Wrong signature/);
    assert.throws(() => readAll(file(hex('07 0173 01'))), (e: RdbError) => e.kind === 'unsupported' && /no matching module type/.test(e.message));
    assert.throws(() => readAll(Buffer.concat([Buffer.from('REDIS0010'), hex('13 0173')])),
      (e: RdbError) => e.kind === 'truncated' && /stream node count/.test(e.message));
    assert.throws(() => readAll(file(hex('02 0173 02 0161 0161'))), /Duplicate set members/);
  });
});

describe('round trip: random datasets written then read back are equal', () => {
  const str = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((n) => String.fromCharCode(n)), maxLength: 90 });
  const intStr = fc.oneof(fc.integer({ min: -100000, max: 100000 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map(String);
  const elem = fc.oneof(str, intStr);
  const score = fc.oneof(fc.double({ noNaN: true }), fc.integer().map(Number), fc.constant(Infinity));
  const value = fc.oneof(
    elem.map((s) => ({ t: 'string' as const, s })),
    fc.array(elem, { minLength: 1, maxLength: 40 }).map((items) => ({ t: 'list' as const, items })),
    fc.uniqueArray(elem, { minLength: 1, maxLength: 30 }).map((members) => ({ t: 'set' as const, members })),
    fc.uniqueArray(fc.tuple(str, elem), { minLength: 1, maxLength: 30, selector: (p) => p[0] }).map((pairs) => ({ t: 'hash' as const, pairs })),
    fc.uniqueArray(fc.tuple(str, score), { minLength: 1, maxLength: 30, selector: (p) => p[0] }).map((entries) => ({ t: 'zset' as const, entries })),
    fc.tuple(fc.uniqueArray(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 30 }), fc.array(fc.tuple(str, elem), { minLength: 1, maxLength: 3 }),
      fc.boolean()).map(([seqs, fv, group]) => ({ t: 'stream' as const, image: streamImage(seqs, fv.flat(), group) })),
  );

  /** Entries 1-seq ascending with these fields; a group with one pending entry when asked. */
  function streamImage(seqs: bigint[], fv: string[], group: boolean): StreamImage {
    const entries = [...seqs].sort((a, b) => (a < b ? -1 : 1)).map((q): [string, string[]] => [streamIdFromParts(1n, q), fv]);
    const lastId = entries.length > 0 ? entries[entries.length - 1]![0] : streamIdFromParts(0n, 5n);
    const groups = !group ? [] : [{
      name: 'g', lastId, entriesRead: -1n, consumers: [{ name: 'c', seenTime: 3e12 }, { name: 'idle', seenTime: 1 }],
      pending: entries.slice(0, 1).map(([id]) => ({ id, deliveryTime: 2e12, deliveryCount: 2, consumer: 'c' })),
    }];
    return { entries, lastId, maxDeletedId: STREAM_ID_MIN, entriesAdded: BigInt(entries.length), groups };
  }
  const dataset = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), str, value, fc.option(fc.integer({ min: 2e12, max: 3e12 }))), { maxLength: 25 });

  function describe(ks: Keyspace): unknown[] {
    const out: unknown[] = [];
    for (const db of ks.dbs) {
      for (const slot of db.slots) {
        if (slot === undefined) continue;
        slot.forEach((k, v) => out.push([db.id, k, canonical(v), db.getExpire(k)]));
      }
    }
    return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  function canonical(v: Value): unknown {
    if (typeof v === 'string') return v;
    const any = v as unknown as { type: string; values?: () => Iterable<string>; entries?: () => Iterable<unknown> };
    if (v.type === 'list') return [...any.values!()];
    if (v.type === 'set') return [...any.values!()].sort();
    if (v.type === 'hash') return [...(any.entries!() as Iterable<[string, string]>)].map((p) => p.join('\0')).sort();
    if (v.type === 'stream') { // as JSON-able data: the sort stringifies
      const im = (v as StreamValue).toImage();
      return { ...im, entriesAdded: String(im.entriesAdded), groups: im.groups.map((g) => ({ ...g, entriesRead: String(g.entriesRead) })) };
    }
    return [...(any.entries!() as Iterable<[string, number]>)].map(([m, s]) => [m, Object.is(s, -0) ? 0 : s]);
  }

  for (const [label, small] of [['default thresholds', false], ['tiny thresholds', true]] as const) {
    it(`with ${label}`, () => {
      const builder = small ? new StoreValueBuilder({ maxIntsetEntries: 3 }, { maxListpackEntries: 3, maxListpackValue: 8 }, { maxListpackEntries: 3, maxListpackValue: 8 })
        : new StoreValueBuilder({ maxIntsetEntries: 512 }, { maxListpackEntries: 512, maxListpackValue: 64 }, { maxListpackEntries: 128, maxListpackValue: 64 });
      fc.assert(fc.property(dataset, fc.boolean(), fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0), (records, compression, fill) => {
        const ks = new Keyspace(4);
        for (const [dbId, key, v, exp] of records) {
          const db = ks.dbs[dbId]!;
          if (db.has(key)) continue;
          const built = v.t === 'string' ? v.s : v.t === 'list' ? builder.list(v.items) : v.t === 'set' ? builder.set(v.members)
            : v.t === 'hash' ? builder.hash(v.pairs) : v.t === 'zset' ? builder.zset(v.entries) : builder.stream(v.image);
          db.setKey(key, built);
          if (exp !== null) db.setExpire(key, exp);
        }
        const chunks: Buffer[] = [];
        writeSnapshot(ks, (c) => chunks.push(Buffer.from(c)), { compression, listMaxListpackSize: fill, checksum: true, aofBase: false, now: Date.now() });
        const bytes = Buffer.concat(chunks);
        const back = new Keyspace(4);
        const info = parseRdb(new RdbReader(bytes), {
          builder,
          key: (db, k, v, e) => {
            back.dbs[db]!.setKey(k, v!);
            if (e >= 0) back.dbs[db]!.setExpire(k, e);
          },
        });
        assert.equal(info.checksum, 'ok');
        assert.deepEqual(describe(back), describe(ks));
      }), { numRuns: 150 });
    });
  }
});
