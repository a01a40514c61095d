/**
 * Hash commands against real Redis 7.0: every command with its errors, encodings and their
 * conversion thresholds, RESP3 shapes, HSCAN, random sequences compared reply by reply, and
 * the propagated effect of each write.
 */

import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { type Arg, type Reply, RespMap } from '../helpers/resp-client.js';

describe('hash commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();
  beforeEach(async () => {
    await suite.pair.both('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
    await suite.pair.both('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  });

  test('set, get, delete and reads (listpack order is insertion order)', async () => {
    await suite.pair.sequence([
      ['HSET', 'h', 'a', '1', 'b', '2'], ['HSET', 'h', 'a', '10', 'c', '3'], ['HSET', 'h', 'a'], ['HSET', 'h', 'a', '1', 'b'],
      ['HMSET', 'h', 'd', '4'], ['HMSET', 'h', 'd'], ['HSETNX', 'h', 'a', 'x'], ['HSETNX', 'h', 'e', '5'],
      ['HGET', 'h', 'a'], ['HGET', 'h', 'zz'], ['HGET', 'noh', 'a'], ['HMGET', 'h', 'a', 'zz', 'e'], ['HMGET', 'noh', 'a'],
      ['HLEN', 'h'], ['HLEN', 'noh'], ['HSTRLEN', 'h', 'a'], ['HSTRLEN', 'h', 'zz'], ['HSTRLEN', 'noh', 'a'],
      ['HEXISTS', 'h', 'a'], ['HEXISTS', 'h', 'zz'], ['HEXISTS', 'noh', 'a'],
      ['HKEYS', 'h'], ['HVALS', 'h'], ['HGETALL', 'h'], ['HKEYS', 'noh'], ['HGETALL', 'noh'],
      ['HDEL', 'h', 'a', 'a', 'zz'], ['HDEL', 'noh', 'a'], ['HGETALL', 'h'],
      ['HDEL', 'h', 'b', 'c', 'd', 'e', 'f'], ['EXISTS', 'h'], ['HDEL', 'h'],
    ]);
  });

  test('HINCRBY and HINCRBYFLOAT', async () => {
    await suite.pair.sequence([
      ['HINCRBY', 'h', 'n', '5'], ['HINCRBY', 'h', 'n', '-7'], ['HINCRBY', 'h', 'n', 'x'], ['HINCRBY', 'h', 'n', '1.5'],
      ['HSET', 'h', 's', 'abc', 'big', '9223372036854775807', 'f', '1.5'], ['HINCRBY', 'h', 's', '1'],
      ['HINCRBY', 'h', 'big', '1'], ['HINCRBY', 'h', 'big', '-1'], ['HINCRBY', 'h', 'f', '1'],
      ['HINCRBY', 'h', 'n', '-9223372036854775808'], ['HINCRBY', 'h', 'n', '-9223372036854775808'],
      ['HINCRBYFLOAT', 'h', 'x', '0.1'], ['HINCRBYFLOAT', 'h', 'x', '0.2'], ['HINCRBYFLOAT', 'h', 'x', '1e3'],
      ['HINCRBYFLOAT', 'h', 'x', 'abc'], ['HINCRBYFLOAT', 'h', 'x', 'inf'], ['HINCRBYFLOAT', 'h', 's', '1'],
      ['HINCRBYFLOAT', 'h', 'n', '2.5'], ['HINCRBYFLOAT', 'h', 'y', '-0'], ['HINCRBYFLOAT', 'h2', 'y', '3.0e2'],
      ['HGETALL', 'h'], ['HGETALL', 'h2'],
    ]);
  });

  test('wrong type, arity and OBJECT ENCODING thresholds', async () => {
    await suite.pair.same('SET', 's', 'x');
    for (const cmd of [['HSET', 's', 'a', 'b'], ['HSETNX', 's', 'a', 'b'], ['HGET', 's', 'a'], ['HMGET', 's', 'a'],
      ['HDEL', 's', 'a'], ['HLEN', 's'], ['HSTRLEN', 's', 'a'], ['HEXISTS', 's', 'a'], ['HKEYS', 's'], ['HVALS', 's'],
      ['HGETALL', 's'], ['HINCRBY', 's', 'a', '1'], ['HINCRBYFLOAT', 's', 'a', '1'], ['HRANDFIELD', 's'],
      ['HRANDFIELD', 's', '2'], ['HSCAN', 's', '0'], ['HGET', 's'], ['HSTRLEN', 's', 'a', 'b']]) {
      await suite.pair.same(...cmd);
    }
    await suite.pair.same('HSET', 'h', 'f', 'v');
    await suite.pair.same('OBJECT', 'ENCODING', 'h');
    await suite.pair.same('HSET', 'h', 'long', 'x'.repeat(65));
    await suite.pair.same('OBJECT', 'ENCODING', 'h');
    for (let i = 0; i < 128; i++) await suite.pair.same('HSET', 'e', `f${i}`, 'v');
    await suite.pair.same('OBJECT', 'ENCODING', 'e');
    await suite.pair.same('HSET', 'e', 'one-more', 'v');
    await suite.pair.same('OBJECT', 'ENCODING', 'e');
    await suite.pair.same('HINCRBYFLOAT', 'g', 'x'.repeat(65), '1');
    await suite.pair.same('OBJECT', 'ENCODING', 'g');
    await suite.pair.same('HSET', 'k', 'x'.repeat(64), 'y'.repeat(64));
    await suite.pair.same('OBJECT', 'ENCODING', 'k');
    await suite.pair.sameUnordered('HGETALL', 'e');
  });

  test('HRANDFIELD shapes in RESP2 and RESP3', async () => {
    await suite.pair.same('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    await suite.pair.same('HRANDFIELD', 'noh');
    await suite.pair.same('HRANDFIELD', 'noh', '3');
    await suite.pair.same('HRANDFIELD', 'h', '0');
    await suite.pair.same('HRANDFIELD', 'h', '10');
    await suite.pair.same('HRANDFIELD', 'h', '3', 'WITHVALUES');
    await suite.pair.same('HRANDFIELD', 'h', 'x');
    await suite.pair.same('HRANDFIELD', 'h', '1', 'FOO');
    await suite.pair.same('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x');
    await suite.pair.same('HRANDFIELD', 'h', '-9223372036854775808');
    await suite.pair.same('HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES');
    await suite.pair.same('HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES');
    for (const proto of ['2', '3']) {
      await suite.pair.both('HELLO', proto);
      for (const args of [['-5'], ['-5', 'WITHVALUES'], ['2'], ['2', 'WITHVALUES'], ['1', 'WITHVALUES']]) {
        const [v, r] = await suite.pair.both('HRANDFIELD', 'h', ...args);
        assert.deepEqual(shape(v), shape(r), `RESP${proto} HRANDFIELD h ${args.join(' ')}`);
        for (const f of fieldsOf(v)) assert.ok(['a', 'b', 'c', '1', '2', '3'].includes(f), f);
      }
      const [one] = await suite.pair.both('HRANDFIELD', 'h');
      assert.ok(['a', 'b', 'c'].includes(one as string));
      await suite.pair.same('HGETALL', 'h');
      await suite.pair.same('HGETALL', 'noh');
    }
    await suite.pair.both('HELLO', '2');
    // Distinct fields when count is positive, from a big (hashtable) hash too.
    for (let i = 0; i < 300; i++) await suite.pair.vellum.call('HSET', 'big', `f${i}`, `${i}`);
    for (const n of [5, 150, 299]) {
      const fields = (await suite.pair.vellum.call('HRANDFIELD', 'big', String(n))) as string[];
      assert.equal(new Set(fields).size, n);
    }
  });

  test('HSCAN: a listpack in one call, a hashtable with a cursor that sees every field', async () => {
    await suite.pair.same('HSET', 'h', 'a', '1', 'b', '2', 'ab', '3');
    await suite.pair.same('HSCAN', 'h', '0');
    await suite.pair.same('HSCAN', 'h', '0', 'MATCH', 'a*');
    await suite.pair.same('HSCAN', 'h', '0', 'COUNT', '1');
    await suite.pair.same('HSCAN', 'noh', '0');
    await suite.pair.same('HSCAN', 'noh', '0', 'COUNT', '0');
    await suite.pair.same('HSCAN', 'noh', 'x');
    for (const bad of [['x'], ['-1'], ['0', 'COUNT', '0'], ['0', 'COUNT', 'x'], ['0', 'FOO', 'x'], ['0', 'MATCH'],
      ['18446744073709551616'], [' 1']]) {
      await suite.pair.same('HSCAN', 'h', ...bad);
    }
    const v = suite.pair.vellum;
    for (let i = 0; i < 1000; i++) await v.call('HSET', 'big', `f${i}`, `v${i}`);
    // Fields present throughout are returned even while the table grows and shrinks.
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, items] = (await v.call('HSCAN', 'big', cursor, 'COUNT', '20')) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
      cursor = next;
      calls++;
      if (calls === 5) for (let i = 0; i < 3000; i++) await v.call('HSET', 'big', `g${i}`, 'x');
      if (calls === 20) for (let i = 0; i < 3000; i++) await v.call('HDEL', 'big', `g${i}`);
    } while (cursor !== '0');
    for (let i = 0; i < 1000; i++) assert.ok(seen.has(`f${i}`), `f${i} missing`);
    assert.ok(calls > 10, `a big hash scans in several calls (${calls})`);
  });

  test('each write propagates what Redis 7.0 logs', async () => {
    const cases: [Arg[], string[][]][] = [
      [['HSET', 'h', 'a', '1'], [['HSET', 'h', 'a', '1']]],
      [['HMSET', 'h', 'b', '2'], [['HMSET', 'h', 'b', '2']]],
      [['HSETNX', 'h', 'a', '9'], []],
      [['HSETNX', 'h', 'c', '3'], [['HSETNX', 'h', 'c', '3']]],
      [['HDEL', 'h', 'zz'], []],
      [['HDEL', 'h', 'c'], [['HDEL', 'h', 'c']]],
      [['HINCRBY', 'h', 'a', '5'], [['HINCRBY', 'h', 'a', '5']]],
      [['HINCRBY', 'h', 'b', 'x'], []],
      [['HINCRBYFLOAT', 'h', 'f', '0.1'], [['HSET', 'h', 'f', '0.1']]],
      [['HINCRBYFLOAT', 'h', 'f', '0.2'], [['HSET', 'h', 'f', '0.3']]],
      [['HINCRBYFLOAT', 'h', 'f', '1e1'], [['HSET', 'h', 'f', '10.3']]],
    ];
    for (const [cmd, expected] of cases) {
      suite.effects.length = 0;
      await suite.pair.same(...cmd);
      assert.deepEqual(suite.effects.map((e) => e.argv), expected, cmd.join(' '));
    }
  });

  test('random command sequences give the same replies', async () => {
    await suite.pair.both('CONFIG', 'SET', 'hash-max-listpack-entries', '4');
    await suite.pair.both('CONFIG', 'SET', 'hash-max-listpack-value', '8');
    const key = fc.constantFrom('h1', 'h2', 'str');
    const field = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'long-field-name');
    const val = fc.constantFrom('1', '-2', '0.5', 'x', '', 'a-rather-long-value');
    const cmd: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(fc.constantFrom('HSET', 'HMSET'), key, fc.array(fc.tuple(field, val), { minLength: 1, maxLength: 3 }))
        .map(([c, k, pairs]) => [c, k, ...pairs.flat()]),
      fc.tuple(fc.constantFrom('HSETNX'), key, field, val).map((a) => [...a]),
      fc.tuple(fc.constantFrom('HGET', 'HSTRLEN', 'HEXISTS'), key, field).map((a) => [...a]),
      fc.tuple(fc.constantFrom('HMGET', 'HDEL'), key, fc.array(field, { minLength: 1, maxLength: 3 })).map(([c, k, fs]) => [c, k, ...fs]),
      fc.tuple(fc.constantFrom('HLEN', 'HKEYS', 'HVALS', 'HGETALL'), key).map((a) => [...a]),
      fc.tuple(fc.constantFrom('HINCRBY'), key, field, fc.constantFrom('1', '-3', 'x', '9223372036854775807')).map((a) => [...a]),
      fc.tuple(fc.constantFrom('HINCRBYFLOAT'), key, field, fc.constantFrom('0.1', '-1.5', '1e2', 'x')).map((a) => [...a]),
      fc.tuple(fc.constantFrom('OBJECT'), key).map(([, k]) => ['OBJECT', 'ENCODING', k]),
      fc.constant<string[]>(['SET', 'str', 'x']),
    );
    let runs = 0;
    await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 30 }), async (cmds) => {
      await suite.pair.flush();
      for (const c of cmds) {
        // A converted (hashtable) hash iterates in an order of its own in each server.
        if (c[0] === 'HKEYS' || c[0] === 'HVALS' || c[0] === 'HGETALL') await suite.pair.sameUnordered(...c);
        else await suite.pair.same(...c);
      }
      runs++;
    }), { numRuns: 60 });
    assert.equal(runs, 60);
  });
});

function shape(r: Reply): unknown {
  if (Array.isArray(r)) return ['array', r.length, Array.isArray(r[0]) ? shape(r[0]) : typeof r[0]];
  if (r instanceof RespMap) return ['map', r.entries.length];
  return typeof r;
}

function fieldsOf(r: Reply): string[] {
  if (!Array.isArray(r)) return [];
  if (Array.isArray(r[0])) return (r as string[][]).map((p) => p[0]);
  return r as string[];
}
