/**
 * Hostile RDB input: random bit flips, truncations and splices of a valid file never
 * crash or hang the loader. Each case either loads (possible only when the checksum is
 * zeroed and the change happens to stay well-formed) or fails with an RdbError that says
 * corruption, truncation or unsupported content and carries an offset inside the file.
 * The check tool answers the same way on disk. The sample holds every type, a stream with
 * consumer groups among them.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseRdb, RdbReader, loadDumpValue } from '../../src/persistence/rdb/reader.js';
import { RdbError } from '../../src/persistence/rdb/errors.js';
import { writeSnapshot } from '../../src/persistence/rdb-file.js';
import { StoreValueBuilder } from '../../src/persistence/rdb/values.js';
import { dumpPayload } from '../../src/persistence/rdb/writer.js';
import { Keyspace } from '../../src/store/keyspace.js';
import { streamIdFromParts, type StreamImage } from '../../src/store/stream.js';

const builder = new StoreValueBuilder({ maxIntsetEntries: 512 }, { maxListpackEntries: 512, maxListpackValue: 64 },
  { maxListpackEntries: 128, maxListpackValue: 64 });

function sampleFile(checksum: boolean): Buffer {
  const ks = new Keyspace(4);
  const db = ks.dbs[0]!;
  db.setKey('s', 'hello');
  db.setKey('n', '12345');
  db.setKey('lz', 'abc'.repeat(30));
  db.setKey('l', builder.list(['a', '1', '-1', '300', 'x'.repeat(100)]));
  db.setKey('si', builder.set(['1', '2', '70000']));
  db.setKey('ss', builder.set(['a', 'b']));
  db.setKey('h', builder.hash([['f', 'v'], ['n', '7']]));
  db.setKey('hb', builder.hash([['f', 'v'.repeat(100)]]));
  db.setKey('z', builder.zset([['a', 1], ['b', 2.5]]));
  db.setKey('zb', builder.zset([['m'.repeat(70), 1.5]]));
  db.setKey('st', builder.stream(sampleStream()));
  db.setExpire('s', 4e12);
  ks.dbs[2]!.setKey('k2', 'v2');
  const chunks: Buffer[] = [];
  writeSnapshot(ks, (c) => chunks.push(Buffer.from(c)), { compression: true, listMaxListpackSize: -2, checksum, aofBase: false, now: 0 });
  return Buffer.concat(chunks);
}

/** Three nodes at the default limits: the 5000-byte value passes stream-node-max-bytes. */
function sampleStream(): StreamImage {
  const id = (ms: bigint, seq: bigint) => streamIdFromParts(ms, seq);
  const entries: [string, string[]][] = [[id(1n, 1n), ['f', 'v']], [id(1n, 2n), ['f', '77', 'g', 'x']],
    [id(2n ** 40n, 0n), ['f', 'z'.repeat(5000)]], [id(2n ** 40n, 1n), ['f', '-3']]];
  return {
    entries, lastId: id(2n ** 40n, 9n), maxDeletedId: id(1n, 3n), entriesAdded: 7n,
    groups: [
      { name: 'g', lastId: id(1n, 2n), entriesRead: -1n, consumers: [{ name: 'a', seenTime: 1e12 }, { name: 'b', seenTime: 2e12 }],
        pending: [{ id: id(1n, 1n), deliveryTime: 1e12, deliveryCount: 1, consumer: 'b' }, { id: id(1n, 2n), deliveryTime: 2e12, deliveryCount: 4, consumer: 'a' }] },
      { name: 'h', lastId: id(0n, 0n), entriesRead: 0n, consumers: [], pending: [] },
    ],
  };
}

function load(bytes: Buffer): void {
  const seen = new Set<string>();
  parseRdb(new RdbReader(bytes), {
    builder,
    key: (db, key) => {
      if (seen.has(`${db}:${key}`)) throw new RdbError('corrupt', 'duplicate key', 0);
      seen.add(`${db}:${key}`);
    },
  });
}

/** Run one mutated input: it loads, or fails with a well-formed RdbError; quickly. */
function survive(bytes: Buffer): 'loaded' | 'error' {
  const start = performance.now();
  try {
    load(bytes);
    return 'loaded';
  } catch (err) {
    assert.ok(err instanceof RdbError, `not an RdbError: ${(err as Error).stack}`);
    assert.ok(err.offset >= 0 && err.offset <= bytes.length, `offset ${err.offset} outside ${bytes.length}`);
    assert.ok(['corrupt', 'truncated', 'unsupported'].includes(err.kind));
    return 'error';
  } finally {
    assert.ok(performance.now() - start < 2000, 'took too long');
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), len: fc.integer({ min: 0, max: 40 }), insert: fc.uint8Array({ maxLength: 40 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(base: Buffer, m: Mutation, keepTrailer: boolean): Buffer {
  const body = keepTrailer ? base.length - 8 : base.length;
  const at = 9 + (m.at % Math.max(1, body - 9));
  if (m.kind === 'truncate') return base.subarray(0, m.at % base.length);
  if (m.kind === 'flip') {
    const out = Buffer.from(base);
    for (let i = 0; i < m.count; i++) out[Math.min(out.length - 1, at + i)]! ^= 1 << m.bit;
    return out;
  }
  return Buffer.concat([base.subarray(0, at), Buffer.from(m.insert), base.subarray(Math.min(base.length, at + m.len))]);
}

describe('RDB loader under random corruption', () => {
  it('with checksums, every change is refused with a clear error', () => {
    const base = sampleFile(true);
    load(base);
    fc.assert(fc.property(mutation, (m) => {
      const bytes = mutate(base, m, false);
      if (bytes.equals(base)) return;
      assert.equal(survive(bytes), 'error');
    }), { numRuns: 400 });
  });

  it('with a zeroed checksum, structure validation alone never crashes or hangs', () => {
    const base = sampleFile(false);
    load(base);
    let errors = 0;
    fc.assert(fc.property(mutation, (m) => {
      if (survive(mutate(base, m, true)) === 'error') errors++;
    }), { numRuns: 1500 });
    assert.ok(errors > 0);
  });

  it('DUMP payload values under corruption fail cleanly', () => {
    const payloads = [dumpPayload(builder.hash([['f', 'v'], ['g', 'w']])), dumpPayload(builder.list(['a', 'b', '3'])),
      dumpPayload(builder.set(['1', '2'])), dumpPayload(builder.zset([['a', 1]])), dumpPayload('x'.repeat(50)),
      dumpPayload(builder.stream(sampleStream()), { compression: false })];
    fc.assert(fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 }), (which, at, bit) => {
      const p = Buffer.from(payloads[which % payloads.length]!);
      p[at % (p.length - 10)]! ^= 1 << bit;
      try {
        loadDumpValue(p, builder);
      } catch (err) {
        assert.ok(err instanceof RdbError, `not an RdbError: ${(err as Error).stack}`);
      }
    }), { numRuns: 500 });
  });
});

describe('vellum-check-rdb', () => {
  const cli = join(process.cwd(), 'dist/src/cli/vellum-check-rdb.js');
  it('accepts a good file and reports a bad one with its offset and exit status 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vellum-check-'));
    try {
      const good = join(dir, 'good.rdb');
      writeFileSync(good, sampleFile(true));
      const ok = spawnSync(process.execPath, [cli, good], { encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /Checksum OK/);
      assert.match(ok.stdout, /RDB looks OK!/);
      assert.match(ok.stdout, /\[info\] 12 keys read/);
      const bad = join(dir, 'bad.rdb');
      writeFileSync(bad, sampleFile(true).subarray(0, 60));
      const ko = spawnSync(process.execPath, [cli, bad], { encoding: 'utf8' });
      assert.equal(ko.status, 1);
      assert.match(ko.stdout, /RDB ERROR DETECTED/);
      assert.match(ko.stdout, /\[offset \d+\] Unexpected EOF/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
