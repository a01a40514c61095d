/**
 * The stream RDB codec on bytes alone: the verified hexdump of persistence-spec.md §2.7
 * written and read byte for byte, the node listpack of §2.7's example, Redis's node cuts
 * (entry count, byte limit, SAMEFIELDS), u64 IDs at the edges of the range, type 15
 * derivations, random images through writer → reader (fast-check), and corruption cases
 * refused with their reason and offset.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RdbReader, parseRdb, type ValueBuilder } from '../../../src/persistence/rdb/reader.js';
import { RdbSink, RdbWriter, type WriterOptions } from '../../../src/persistence/rdb/writer.js';
import { decodeListpack, encodeListpack } from '../../../src/persistence/rdb/listpack.js';
import { encodeStreamNode, planStreamNodes } from '../../../src/persistence/rdb/stream.js';
import { RdbError } from '../../../src/persistence/rdb/errors.js';
import { formatStreamId, type StreamGroupImage, type StreamId, type StreamImage } from '../../../src/store/stream.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function id(ms: number | bigint, seq: number | bigint): StreamId {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(BigInt(ms), 0);
  b.writeBigUInt64BE(BigInt(seq), 8);
  return b.toString('latin1');
}

const images: ValueBuilder<StreamImage | null> = {
  string: () => null, list: () => null, set: () => null, hash: () => null, zset: () => null, stream: (image) => image,
};

/** The value bytes of a stream record (no type byte, no key). */
function encode(image: StreamImage, options: Partial<WriterOptions> = {}): Buffer {
  const parts: Buffer[] = [];
  const sink = new RdbSink((c) => parts.push(Buffer.from(c)));
  new RdbWriter(sink, options).stream(image);
  sink.flush();
  return Buffer.concat(parts);
}

function decode(bytes: Buffer, type = 19): StreamImage {
  return new RdbReader(bytes).value(type, images)!;
}

/** `body` as the value of key "st" in a minimal file, to see offsets as a loader reports them. */
function loadFile(body: Buffer, type = 19): StreamImage {
  const bytes = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([type, 2]), Buffer.from('st'), body, Buffer.from([0xff]), Buffer.alloc(8)]);
  let out: StreamImage | null = null;
  parseRdb(new RdbReader(bytes), { builder: images, key: (_db, _k, v) => { out = v; } });
  return out!;
}

// persistence-spec.md §2.7, verified on 7.0.15: XADD st 1-1 f v, XADD st 1-2 f w, XGROUP CREATE
// st g $, XGROUP CREATE st g0 0, XREADGROUP GROUP g0 alice COUNT 1 STREAMS st >.
const SPEC_BODY = hex(`01
  10 0000000000000001 0000000000000001
  28 280000000f00 0201 0001 0101 816602 0001  0201 0001 0001 817602 0401  0201 0001 0101 817702 0401 ff
  02 0102 0101 0000 02
  02
  0167 0102 81ffffffffffffffff 00 00
  026730 0101 01
    01 00000000000000010000000000000001 a604ca04a2010000 01
    01 05616c696365 a604ca04a2010000 01 00000000000000010000000000000001`);
const SPEC_TIME = Number(hex('a604ca04a2010000').readBigInt64LE(0));
const SPEC_IMAGE: StreamImage = {
  entries: [[id(1, 1), ['f', 'v']], [id(1, 2), ['f', 'w']]],
  lastId: id(1, 2),
  maxDeletedId: id(0, 0),
  entriesAdded: 2n,
  groups: [
    { name: 'g', lastId: id(1, 2), entriesRead: -1n, pending: [], consumers: [] },
    {
      name: 'g0', lastId: id(1, 1), entriesRead: 1n,
      pending: [{ id: id(1, 1), deliveryTime: SPEC_TIME, deliveryCount: 1, consumer: 'alice' }],
      consumers: [{ name: 'alice', seenTime: SPEC_TIME }],
    },
  ],
};

describe('stream records: the bytes Redis 7.0.15 writes', () => {
  it('writes the spec hexdump byte for byte (groups in name order whatever the image order)', () => {
    assert.deepEqual(encode(SPEC_IMAGE).toString('hex'), SPEC_BODY.toString('hex'));
    const shuffled = { ...SPEC_IMAGE, groups: [...SPEC_IMAGE.groups].reverse() };
    assert.deepEqual(encode(shuffled), SPEC_BODY);
  });

  it('reads the spec hexdump back to the same image', () => {
    assert.deepEqual(decode(SPEC_BODY), SPEC_IMAGE);
  });

  it('encodes a node as §2.7\'s example: master entry, SAMEFIELDS, integers as listpack ints', () => {
    const entries: [StreamId, string[]][] = [[id(1, 1), ['a', '1']], [id(1, 2), ['a', '2', 'b', '3']]];
    assert.deepEqual(decodeListpack(encodeStreamNode(entries, 0, 2)),
      ['2', '0', '1', 'a', '0', '2', '0', '0', '1', '4', '0', '0', '1', '2', 'a', '2', 'b', '3', '8']);
    // "1" is stored as a 7-bit int, "007" stays a string, as lpAppend does.
    const lp = encodeStreamNode([[id(5, 0), ['n', '1']], [id(5, 1), ['n', '007']]], 0, 2);
    assert.deepEqual(lp, encodeListpack(['2', '0', '1', 'n', '0', '2', '0', '0', '1', '4', '2', '0', '1', '007', '4']));
    assert.ok(lp.includes(hex('8330303704')));
  });

  it('an empty stream is zero nodes and first ID 0-0; entries_read -1 is 81 ff×8', () => {
    const empty: StreamImage = { entries: [], lastId: id(7, 3), maxDeletedId: id(7, 3), entriesAdded: 4n, groups: [] };
    assert.equal(encode(empty).toString('hex'), hex('00 00 07 03 00 00 07 03 04 00').toString('hex'));
    assert.deepEqual(decode(encode(empty)), empty);
  });
});

describe('stream nodes are cut where streamAppendItem cuts them', () => {
  const many = (n: number, fields: (i: number) => string[]) =>
    Array.from({ length: n }, (_, i): [StreamId, string[]] => [id(1000 + i, i % 3), fields(i)]);

  const cutStreamNodes = (entries: [StreamId, string[]][], limits: { maxBytes: number; maxEntries: number }) => {
    const plan = planStreamNodes(entries, limits);
    plan.starts.forEach((start, n) => assert.equal(encodeStreamNode(entries, start, plan.starts[n + 1] ?? entries.length).length, plan.bytes[n]));
    return plan.starts;
  };

  it('every stream-node-max-entries entries', () => {
    const entries = many(250, (i) => ['f', String(i)]);
    assert.deepEqual(cutStreamNodes(entries, { maxBytes: 4096, maxEntries: 100 }), [0, 100, 200]);
    assert.deepEqual(cutStreamNodes(entries, { maxBytes: 0, maxEntries: 0 }), [0]);
    assert.deepEqual(cutStreamNodes(entries, { maxBytes: 4096, maxEntries: 1 }).length, 250);
  });

  it('when the listpack bytes plus the entry\'s raw lengths reach stream-node-max-bytes', () => {
    const entries = many(40, (i) => ['field', 'x'.repeat(100 + i)]);
    const starts = cutStreamNodes(entries, { maxBytes: 1000, maxEntries: 100 });
    assert.ok(starts.length > 3);
    for (let n = 1; n < starts.length; n++) {
      const before = encodeStreamNode(entries, starts[n - 1]!, starts[n]!).length;
      const raw = entries[starts[n]!]![1].reduce((a, s) => a + s.length, 0);
      assert.ok(before + raw >= 1000, `node ${n - 1} closed early`);
      const shorter = encodeStreamNode(entries, starts[n - 1]!, starts[n]! - 1).length;
      const rawLast = entries[starts[n]! - 1]![1].reduce((a, s) => a + s.length, 0);
      assert.ok(shorter + rawLast < 1000, `node ${n - 1} closed late`);
    }
  });

  it('writes the node count then each node keyed by its first entry', () => {
    const entries = many(150, (i) => (i % 7 === 0 ? ['other', 'v'] : ['f', 'v']));
    const image: StreamImage = { entries, lastId: entries[149]![0], maxDeletedId: id(0, 0), entriesAdded: 150n, groups: [] };
    const back = decode(encode(image, { streamNodeMaxEntries: 100 }));
    assert.deepEqual(back, image);
    const bytes = encode(image, { compression: false, streamNodeMaxEntries: 100 });
    assert.equal(bytes[0], 2);
    assert.equal(bytes.subarray(2, 18).toString('latin1'), entries[0]![0]);
  });
});

describe('u64 IDs and deltas', () => {
  const MAX = 2n ** 64n - 1n;

  it('keeps IDs exact across the whole range, deltas wrapping as Redis\'s uint64 subtraction', () => {
    const entries: [StreamId, string[]][] = [
      [id(2n ** 53n + 1n, 5), ['f', 'a']],
      [id(2n ** 53n + 2n, 0), ['f', 'b']],         // seq delta -5
      [id(2n ** 63n, MAX - 1n), ['f', 'c']],       // ms delta past int64: stored negative
      [id(MAX, 0), ['g', 'd']],
      [id(MAX, MAX), ['g', 'e']],
    ];
    const image: StreamImage = { entries, lastId: id(MAX, MAX), maxDeletedId: id(MAX, 7), entriesAdded: MAX, groups: [
      { name: 'g', lastId: id(MAX, MAX), entriesRead: 2n ** 63n - 1n, pending: [], consumers: [] },
    ] };
    for (const maxEntries of [0, 1, 2]) assert.deepEqual(decode(encode(image, { streamNodeMaxEntries: maxEntries })), image);
    assert.equal(formatStreamId(id(MAX, 2n ** 53n + 1n)), '18446744073709551615-9007199254740993');
  });
});

describe('type 15 (Redis 5-6) derives what 7.0\'s loader derives', () => {
  it('max deleted 0-0, entries added = length, entries read estimated per group', () => {
    // Two entries 1-1, 1-2; groups at 0-0 (before the first), 1-1 (the first), 1-2 (the last), 9-9 (past it).
    const body = Buffer.concat([hex(`01 10 0000000000000001 0000000000000001
      28 280000000f00 0201 0001 0101 816602 0001  0201 0001 0001 817602 0401  0201 0001 0101 817702 0401 ff
      02 0102 04`), Buffer.from([1, 0x61, 0, 0, 0, 0]), Buffer.from([1, 0x62, 1, 1, 0, 0]),
    Buffer.from([1, 0x63, 1, 2, 0, 0]), Buffer.from([1, 0x64, 9, 9, 0, 0])]);
    const image = loadFile(body, 15);
    assert.equal(image.entries.length, 2);
    assert.equal(image.entriesAdded, 2n);
    assert.equal(image.maxDeletedId, id(0, 0));
    assert.deepEqual(image.groups.map((g) => [g.name, g.entriesRead]), [['a', 0n], ['b', 1n], ['c', 2n], ['d', -1n]]);
  });

  it('deleted entries are skipped and counted apart', () => {
    // Master count 1, deleted 1: entry 1-1 flagged deleted (flags 3 = DELETED|SAMEFIELDS).
    const lp = encodeListpack(['1', '1', '1', 'f', '0', '3', '0', '0', 'v', '4', '2', '0', '1', 'w', '4']);
    const body = Buffer.concat([Buffer.from([1, 16]), Buffer.from(id(1, 1), 'latin1'), Buffer.from([lp.length]), lp,
      hex('01 0102 0101 0101 02 00')]);
    const image = loadFile(body);
    assert.deepEqual(image.entries, [[id(1, 2), ['f', 'w']]]);
    assert.equal(image.maxDeletedId, id(1, 1));
  });
});

describe('random images through writer and reader', () => {
  const bytes = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((n) => String.fromCharCode(n)), maxLength: 40 });
  const value = fc.oneof(bytes, fc.integer({ min: -100000, max: 100000 }).map(String),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.constant('x'.repeat(300)));
  const u64 = fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  const time = fc.integer({ min: -1e15, max: 1e15 });

  const image: fc.Arbitrary<StreamImage> = fc.record({
    ids: fc.uniqueArray(fc.tuple(u64, u64), { maxLength: 60, selector: ([a, b]) => `${a}-${b}` }),
    fieldSets: fc.array(fc.uniqueArray(bytes, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
    values: fc.array(value, { minLength: 1, maxLength: 16 }),
    extra: fc.tuple(u64, u64, u64, u64, u64),
    groups: fc.uniqueArray(fc.record({
      name: bytes, last: fc.tuple(u64, u64), read: fc.oneof(fc.constant(-1n), u64.map((v) => BigInt.asIntN(64, v))),
      consumers: fc.uniqueArray(fc.record({ name: bytes, seen: time }), { maxLength: 4, selector: (c) => c.name }),
      pel: fc.uniqueArray(fc.record({ at: fc.tuple(u64, u64), time, count: fc.nat(), owner: fc.nat() }),
        { maxLength: 8, selector: (p) => `${p.at[0]}-${p.at[1]}` }),
    }), { maxLength: 3, selector: (g) => g.name }),
  }).map(({ ids, fieldSets, values, extra, groups }) => {
    const sorted = ids.map(([a, b]) => id(a, b)).sort();
    const entries = sorted.map((sid, i): [StreamId, string[]] => {
      const fields = fieldSets[i % fieldSets.length]!;
      const fv: string[] = [];
      fields.forEach((f, j) => fv.push(f, values[(i + j) % values.length]!));
      return [sid, fv];
    });
    const top = entries.length > 0 ? entries[entries.length - 1]![0] : id(0, 0);
    const candidate = id(extra[0], extra[1]);
    return {
      entries,
      lastId: candidate > top ? candidate : top,
      maxDeletedId: id(extra[2], extra[3]),
      entriesAdded: extra[4],
      groups: groups.map((g): StreamGroupImage => {
        const consumers = g.consumers.map((c) => ({ name: c.name, seenTime: c.seen }));
        const pending = consumers.length === 0 ? [] : g.pel
          .map((p) => ({ id: id(p.at[0], p.at[1]), deliveryTime: p.time, deliveryCount: p.count, consumer: consumers[p.owner % consumers.length]!.name }))
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        return { name: g.name, lastId: id(g.last[0], g.last[1]), entriesRead: g.read, pending, consumers };
      }),
    };
  });

  /** What the writer normalises: groups and consumers in name order. */
  const normal = (im: StreamImage): StreamImage => ({
    ...im,
    groups: [...im.groups].sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((g) => ({ ...g, consumers: [...g.consumers].sort((a, b) => (a.name < b.name ? -1 : 1)) })),
  });

  it('come back equal under any node limits and compression', () => {
    fc.assert(fc.property(image, fc.integer({ min: 0, max: 5 }), fc.constantFrom(0, 60, 200, 4096), fc.boolean(),
      (im, maxEntries, maxBytes, compression) => {
        assert.deepEqual(decode(encode(im, { streamNodeMaxEntries: maxEntries, streamNodeMaxBytes: maxBytes, compression })), normal(im));
      }), { numRuns: 300 });
  });
});

describe('corrupt stream records are refused with the reason and the offset', () => {
  const fails = (body: Buffer, pattern: RegExp, kind: RdbError['kind'] = 'corrupt'): RdbError => {
    let caught: unknown;
    try {
      loadFile(body);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof RdbError, `expected an RdbError, got ${String(caught)}`);
    assert.equal(caught.kind, kind, caught.message);
    assert.match(caught.message, pattern);
    assert.ok(caught.offset >= 13 && caught.offset <= 13 + body.length, `offset ${caught.offset}`);
    return caught;
  };
  /** The body starts at file offset 13; SPEC_BODY's listpack at body offset 18 (file offset 31). */
  const withNode = (items: string[]) => {
    const lp = encodeListpack(items);
    return Buffer.concat([SPEC_BODY.subarray(0, 18), Buffer.from([lp.length]), lp, SPEC_BODY.subarray(18 + 1 + 40)]);
  };

  it('a node key that is not 16 bytes', () => {
    const body = Buffer.concat([Buffer.from([1, 15]), SPEC_BODY.subarray(3)]);
    const err = fails(body, /Stream node key entry is not the size of a stream ID \(15 bytes\)/);
    assert.equal(err.offset, 14);
  });

  it('a bad lp-count, a bad master entry, a wrong live count, a malformed listpack', () => {
    assert.deepEqual(withNode(['2', '0', '1', 'f', '0', '2', '0', '0', 'v', '4', '2', '0', '1', 'w', '4']), SPEC_BODY);
    const err = fails(withNode(['2', '0', '1', 'f', '0', '2', '0', '0', 'v', '4', '2', '0', '1', 'w', '5']),
      /Stream listpack integrity check failed: an entry's lp-count is 5, expected 4/);
    assert.equal(err.offset, 31);
    fails(withNode(['2', '0', '1', 'f', '1', '2', '0', '0', 'v', '4', '2', '0', '1', 'w', '4']), /master entry does not end with 0/);
    fails(withNode(['3', '0', '1', 'f', '0', '2', '0', '0', 'v', '4', '2', '0', '1', 'w', '4']), /integrity check failed/);
    fails(withNode(['2', '0', '1', 'f', '0', '2', '0', '0', 'v', '4', '2', '0', '1', 'w', '4', '9']), /elements after the last entry/);
    fails(withNode(['1', '1', '1', 'f', '0', '2', '0', '0', 'v', '4', '2', '0', '1', 'w', '4']), /counts 1 live entries, the node holds 2/);
    fails(withNode([]), /Empty listpack inside stream/);
    const bad = Buffer.from(SPEC_BODY);
    bad[26] = 0x7f; // the backlen of the master's count element
    fails(bad, /Stream listpack integrity check failed: listpack backlen/);
  });

  it('IDs out of order, below the master, or past the last ID', () => {
    fails(withNode(['2', '0', '1', 'f', '0', '2', '0', '1', 'v', '4', '2', '0', '0', 'w', '4']), /entry 1-1 does not follow 1-2/);
    fails(withNode(['2', '0', '1', 'f', '0', '2', '0', '-1', 'v', '4', '2', '0', '1', 'w', '4']), /below its node's master ID/);
    const past = Buffer.from(SPEC_BODY);
    past[61] = 0x01; // last ID 1-2 → 1-1
    fails(past, /Stream last ID 1-1 is below its entry 1-2/);
    const lengths = Buffer.from(SPEC_BODY);
    lengths[59] = 3;
    fails(lengths, /Stream length 3 inconsistent with the 2 live entries/);
  });

  it('a consumer PEL ID missing from the group PEL, a PEL entry with two owners or none', () => {
    const missing = Buffer.from(SPEC_BODY);
    missing[missing.length - 1] = 2; // alice's PEL: 1-2, not in g0's PEL
    const err = fails(missing, /Consumer entry not found in group global PEL \(1-2 of consumer alice in group g0\)/);
    assert.equal(err.offset, 13 + SPEC_BODY.length - 16);
    const noOwner = Buffer.concat([SPEC_BODY.subarray(0, SPEC_BODY.length - 17), Buffer.from([0])]);
    fails(noOwner, /Stream CG PEL entry without consumer \(1-1 in group g0\)/);
    const alice = SPEC_BODY.subarray(SPEC_BODY.length - 31);
    const two = Buffer.concat([SPEC_BODY.subarray(0, SPEC_BODY.length - 32), Buffer.from([2]), alice, Buffer.from([3]), Buffer.from('bob'), alice.subarray(6)]);
    fails(two, /Stream CG PEL entry 1-1 owned by two consumers \(group g0\)/);
    const dupConsumer = Buffer.concat([SPEC_BODY.subarray(0, SPEC_BODY.length - 32), Buffer.from([2]), alice, alice]);
    fails(dupConsumer, /Duplicate stream consumer detected/);
  });

  it('duplicate group names and PEL entries', () => {
    const g = hex('0167 0102 81ffffffffffffffff 00 00');
    const start = SPEC_BODY.indexOf(g);
    const dup = Buffer.concat([SPEC_BODY.subarray(0, start - 1), Buffer.from([2]), g, g]);
    fails(dup, /Duplicated consumer group name g/);
  });

  it('truncation anywhere is a short read, never a crash', () => {
    for (let n = 0; n < SPEC_BODY.length; n++) {
      const cut = Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([19, 2]), Buffer.from('st'), SPEC_BODY.subarray(0, n)]);
      assert.throws(() => parseRdb(new RdbReader(cut), { builder: images, key: () => {} }),
        (e: RdbError) => e instanceof RdbError && e.kind === 'truncated' && e.offset <= cut.length, `cut at ${n}`);
    }
  });
});
