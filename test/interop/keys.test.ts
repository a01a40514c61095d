/**
 * Differential tests of the generic keyspace commands (keys.ts) against real Redis 7.0:
 * replies and error texts reply for reply, plus the propagation stream of every write
 * command and a bounded fast-check run of random command sequences.
 */

import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { type Arg, ErrorReply, type Reply } from '../helpers/resp-client.js';
import type { Server } from '../../src/index.js';

/** A deadline far enough ahead that nothing expires during a test, deterministic for both. */
const FAR_MS = Date.now() + 30 * 24 * 3600 * 1000;
const BIN = Buffer.from([0x00, 0x80, 0xff, 0x7b, 0xe9, 0x7d]).toString('latin1');

describe('generic keyspace commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();
  let server: Server;
  before(() => { server = suite.pair.vellumServer.server!; });
  beforeEach(async () => { await suite.pair.same('SELECT', 0); });

  /** Run on both, assert equal replies and exactly `expected` propagated by Vellum. */
  async function propagates(args: Arg[], expected: string[][], db = 0): Promise<Reply> {
    suite.effects.length = 0;
    const r = await suite.pair.same(...args);
    assert.deepStrictEqual(suite.effects, expected.map((argv) => ({ db, argv })), `effects of ${args.join(' ')}`);
    return r;
  }

  test('arity errors', async () => {
    for (const cmd of ['DEL', 'UNLINK', 'EXISTS', 'TOUCH', 'TYPE', 'RENAME', 'RENAMENX', 'MOVE', 'COPY', 'SWAPDB', 'KEYS', 'SCAN', 'OBJECT']) {
      await suite.pair.same(cmd);
    }
    await suite.pair.same('TYPE', 'a', 'b');
    await suite.pair.same('RENAME', 'a');
    await suite.pair.same('MOVE', 'a', '1', '2');
    await suite.pair.same('DBSIZE', 'x');
    await suite.pair.same('RANDOMKEY', 'x');
    await suite.pair.same('SWAPDB', '0');
    await suite.pair.same('KEYS', 'a', 'b');
  });

  test('DEL, UNLINK, EXISTS, TOUCH, TYPE', async () => {
    await suite.pair.sequence([
      ['SET', 'a', '1'], ['SET', 'b', '2'], ['RPUSH', 'l', 'x'], ['SET', BIN, 'v'],
      ['EXISTS', 'a', 'a', 'nope', 'b', BIN], ['TOUCH', 'a', 'nope', 'l'],
      ['TYPE', 'a'], ['TYPE', 'l'], ['TYPE', 'nope'], ['TYPE', BIN],
      ['DEL', 'a', 'a', 'nope'], ['EXISTS', 'a'], ['UNLINK', 'b', 'l', 'x'], ['DEL', BIN], ['DBSIZE'],
    ]);
    await suite.pair.same('SET', 'k', 'v');
    await propagates(['DEL', 'k', 'missing'], [['DEL', 'k', 'missing']]);
    await propagates(['DEL', 'k', 'missing'], []);
    await suite.pair.same('SET', 'k', 'v');
    await propagates(['unlink', 'k'], [['unlink', 'k']]);
    await propagates(['EXISTS', 'k'], []);
  });

  test('RENAME and RENAMENX keep the TTL, handle self-rename and missing keys', async () => {
    await suite.pair.sequence([
      ['RENAME', 'nope', 'x'], ['RENAMENX', 'nope', 'x'], ['RENAME', 'nope', 'nope'], ['RENAMENX', 'nope', 'nope'],
      ['SET', 'a', 'v'], ['PEXPIREAT', 'a', FAR_MS], ['RENAME', 'a', 'a'], ['RENAMENX', 'a', 'a'], ['PEXPIRETIME', 'a'],
      ['RENAME', 'a', 'b'], ['EXISTS', 'a'], ['GET', 'b'], ['PEXPIRETIME', 'b'],
      ['SET', 'c', 'other'], ['RENAMENX', 'b', 'c'], ['GET', 'c'], ['GET', 'b'],
      ['RENAME', 'b', 'c'], ['GET', 'c'], ['PEXPIRETIME', 'c'], ['EXISTS', 'b'],
      ['SET', 'd', 'x'], ['RENAME', 'd', 'c'], ['PEXPIRETIME', 'c'], ['RENAMENX', 'c', BIN], ['GET', BIN],
      ['RPUSH', 'l', '1', '2'], ['RENAME', 'l', 'm'], ['LRANGE', 'm', '0', '-1'], ['TYPE', 'l'],
    ]);
    await suite.pair.same('SET', 's', 'v');
    await propagates(['RENAME', 's', 't'], [['RENAME', 's', 't']]);
    await propagates(['RENAME', 's', 't'], []);
    await propagates(['RENAMENX', 't', 't'], []);
    await suite.pair.same('SET', 'u', 'v');
    await propagates(['RENAMENX', 't', 'u'], []);
    await propagates(['RENAMENX', 't', 'w'], [['RENAMENX', 't', 'w']]);
  });

  test('MOVE keeps the TTL and refuses the same database', async () => {
    await suite.pair.sequence([
      ['MOVE', 'k', '1'], ['SET', 'k', 'v'], ['MOVE', 'k', '0'], ['MOVE', 'k', '16'], ['MOVE', 'k', '-1'],
      ['MOVE', 'k', 'x'], ['MOVE', 'k', '4294967296'], ['MOVE', 'k', '-2147483649'], ['MOVE', 'k', '99999999999999999999'], ['PEXPIREAT', 'k', FAR_MS], ['MOVE', 'k', '2'],
      ['EXISTS', 'k'], ['SELECT', 2], ['GET', 'k'], ['PEXPIRETIME', 'k'], ['SET', 'j', 'here'], ['SELECT', 0],
      ['SET', 'j', 'there'], ['MOVE', 'j', '2'], ['GET', 'j'], ['SELECT', 2], ['GET', 'j'], ['MOVE', 'k', '0'],
      ['SELECT', 0], ['PEXPIRETIME', 'k'],
    ]);
    await propagates(['MOVE', 'k', '3'], [['MOVE', 'k', '3']]);
    await propagates(['MOVE', 'k', '3'], []);
  });

  test('COPY with DB and REPLACE, keeping the TTL; a copied list is independent', async () => {
    await suite.pair.sequence([
      ['COPY', 'a', 'b'], ['SET', 'a', 'v'], ['COPY', 'a', 'a'], ['COPY', 'a', 'a', 'DB', '0'], ['COPY', 'a', 'a', 'DB', '1'],
      ['SELECT', 1], ['GET', 'a'], ['SELECT', 0], ['COPY', 'a', 'b', 'DB'], ['COPY', 'a', 'b', 'DB', 'x'],
      ['COPY', 'a', 'b', 'DB', '99'], ['COPY', 'a', 'b', 'FOO'], ['COPY', 'a', 'b', 'REPLACE', 'REPLACE'],
      ['PEXPIREAT', 'a', FAR_MS], ['SET', 'c', 'old'], ['COPY', 'a', 'c'], ['COPY', 'a', 'c', 'replace'], ['GET', 'c'],
      ['PEXPIRETIME', 'c'], ['COPY', 'a', 'd', 'db', '2', 'replace'], ['SELECT', 2], ['PEXPIRETIME', 'd'], ['SELECT', 0],
      ['RPUSH', 'l', '1', '2'], ['COPY', 'l', 'l2'], ['RPUSH', 'l2', '3'], ['LPOP', 'l'],
      ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l2', '0', '-1'], ['OBJECT', 'ENCODING', 'l2'],
    ]);
    await propagates(['COPY', 'a', 'e', 'DB', '3'], [['COPY', 'a', 'e', 'DB', '3']]);
    await propagates(['COPY', 'a', 'e', 'DB', '3'], []);
  });

  test('SWAPDB errors and effect', async () => {
    await suite.pair.sequence([
      ['SWAPDB', 'x', '0'], ['SWAPDB', '0', 'y'], ['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'],
      ['SWAPDB', '99999999999', '0'], ['SET', 'a', 'v'], ['SWAPDB', '0', '1'], ['EXISTS', 'a'], ['SELECT', 1],
      ['GET', 'a'], ['SWAPDB', '1', '1'], ['GET', 'a'], ['SELECT', 0],
    ]);
    await propagates(['SWAPDB', '1', '0'], [['SWAPDB', '1', '0']]);
    await propagates(['SWAPDB', '2', '2'], [['SWAPDB', '2', '2']]);
    await suite.pair.same('GET', 'a');
  });

  test('FLUSHDB and FLUSHALL options, propagated even when empty', async () => {
    await suite.pair.sequence([
      ['SET', 'a', '1'], ['SELECT', 1], ['SET', 'b', '2'], ['FLUSHDB', 'FOO'], ['FLUSHDB', 'ASYNC', 'SYNC'],
      ['FLUSHDB', 'sync'], ['DBSIZE'], ['SELECT', 0], ['DBSIZE'], ['FLUSHALL', 'bar'], ['FLUSHALL', 'async'], ['DBSIZE'],
    ]);
    await propagates(['FLUSHDB'], [['FLUSHDB']]);
    await propagates(['FLUSHALL', 'SYNC'], [['FLUSHALL', 'SYNC']]);
    await propagates(['FLUSHDB', 'x'], []);
  });

  test('KEYS patterns; expired keys are skipped without being deleted', async () => {
    await suite.pair.sequence([['MSET', 'one', '1', 'two', '2', 'three', '3', 'fo*', '4', BIN, '5', 'h{x}llo', '6']]);
    for (const p of ['*', 'o*', '*o', 't??', 't[wh]*', 't[^w]*', 'fo\\*', 'fo*', '*[a-i]*', BIN, '\x00*', '*\xff*', 'nomatch', '']) {
      await suite.pair.sameUnordered('KEYS', p);
    }
    // Hold active expiry so only KEYS could reclaim the key (it must not).
    const cycle = server.keyspace.activeExpireCycle;
    server.keyspace.activeExpireCycle = () => 0;
    try {
      await suite.pair.same('SET', 'gone', 'v', 'PX', 1);
      await new Promise((r) => setTimeout(r, 5));
      suite.effects.length = 0;
      await suite.pair.sameUnordered('KEYS', '*');
      await suite.pair.vellum.call('KEYS', 'g*');
      assert.deepStrictEqual(suite.effects, []);
      assert.equal(await suite.pair.vellum.call('DBSIZE'), 7);
    } finally {
      server.keyspace.activeExpireCycle = cycle;
    }
  });

  test('SCAN errors', async () => {
    await suite.pair.sequence([
      ['SCAN', 'x'], ['SCAN', ' 0'], ['SCAN', '0 '], ['SCAN', '1.5'], ['SCAN', '18446744073709551616'],
      ['SCAN', '0', 'COUNT'], ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'x'],
      ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'TYPE'], ['SCAN', '0', 'FOO', 'bar'], ['SCAN', '0', 'COUNT', '10', 'x'],
      ['SCAN', '0'], ['SCAN', ''],
    ]);
  });

  /** Every key of a full SCAN iteration; asserts no key comes twice and counts calls. */
  async function fullScan(send: (...a: Arg[]) => Promise<Reply>, extra: Arg[]): Promise<string[]> {
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = (await send('SCAN', cursor, ...extra)) as [string, string[]];
      cursor = next;
      seen.push(...keys);
      assert.ok(++calls < 20000, 'scan terminates');
    } while (cursor !== '0');
    assert.equal(new Set(seen).size, seen.length, 'no key returned twice');
    return seen.sort();
  }

  test('SCAN iterates every key once, with MATCH, COUNT and TYPE as filters', async () => {
    const mset: Arg[] = ['MSET'];
    for (let i = 0; i < 500; i++) mset.push(`key:${i}`, String(i));
    await suite.pair.same(...mset);
    await suite.pair.same('RPUSH', 'list:1', 'a');
    await suite.pair.same('RPUSH', 'list:2', 'a');
    await suite.pair.same('SET', BIN, 'bin');
    const v = (...a: Arg[]) => suite.pair.vellum.call(...a);
    const r = (...a: Arg[]) => suite.pair.redis.call(...a);
    for (const extra of [[], ['COUNT', '1'], ['COUNT', '1000'], ['MATCH', 'key:1*'], ['MATCH', '*'],
      ['TYPE', 'list'], ['TYPE', 'STRING', 'MATCH', 'key:4?', 'COUNT', '3'], ['TYPE', 'hash'], ['TYPE', 'bogus']] as Arg[][]) {
      assert.deepStrictEqual(await fullScan(v, extra), await fullScan(r, extra), `SCAN ${extra.join(' ')}`);
    }
  });

  test('SCAN returns every key present for the whole scan while keys are added', async () => {
    const v = suite.pair.vellum;
    for (let i = 0; i < 300; i++) await v.call('SET', `old:${i}`, 'x');
    const seen = new Set<string>();
    let cursor = '0';
    let added = 0;
    do {
      const [next, keys] = (await v.call('SCAN', cursor, 'COUNT', '5')) as [string, string[]];
      for (const k of keys) {
        assert.ok(!seen.has(k), `${k} returned twice`);
        seen.add(k);
      }
      for (let i = 0; i < 3; i++) await v.call('SET', `new:${added++}`, 'y');
      cursor = next;
    } while (cursor !== '0');
    for (let i = 0; i < 300; i++) assert.ok(seen.has(`old:${i}`), `old:${i} missed`);
  });

  test('SCAN deletes logically expired keys it meets and propagates their DELs unwrapped', async () => {
    const cycle = server.keyspace.activeExpireCycle;
    server.keyspace.activeExpireCycle = () => 0;
    try {
      await suite.pair.same('SET', 'e1', 'v', 'PX', 1);
      await suite.pair.same('SET', 'e2', 'v', 'PX', 1);
      await suite.pair.same('SET', 'live', 'v');
      await new Promise((r) => setTimeout(r, 5));
      suite.effects.length = 0;
      const [, keys] = (await suite.pair.vellum.call('SCAN', '0', 'COUNT', '100000')) as [string, string[]];
      assert.deepStrictEqual(keys, ['live']);
      assert.deepStrictEqual(suite.effects.map((e) => e.argv).sort(), [['DEL', 'e1'], ['DEL', 'e2']]);
      assert.equal(await suite.pair.vellum.call('DBSIZE'), 1);
    } finally {
      server.keyspace.activeExpireCycle = cycle;
    }
  });

  test('RANDOMKEY and DBSIZE', async () => {
    await suite.pair.sequence([['RANDOMKEY'], ['DBSIZE'], ['SET', BIN, 'v'], ['RANDOMKEY'], ['DBSIZE'], ['SELECT', 1], ['RANDOMKEY']]);
    await suite.pair.same('SELECT', 0);
    await suite.pair.same('MSET', 'a', '1', 'b', '2', 'c', '3');
    const picks = new Set<Reply>();
    for (let i = 0; i < 60; i++) picks.add(await suite.pair.vellum.call('RANDOMKEY'));
    assert.deepStrictEqual([...picks].sort(), ['a', 'b', 'c', BIN].sort());
  });

  test('OBJECT ENCODING, REFCOUNT, HELP and errors', async () => {
    await suite.pair.sequence([
      ['SET', 'i', '123'], ['SET', 'big', '99999'], ['SET', 's', 'hello'], ['SET', 'r', 'x'.repeat(45)], ['SET', 'e', 'x'.repeat(44)],
      ['SET', 'neg', '-5'], ['SET', 'z', '007'], ['SET', 'max', '9223372036854775807'], ['SET', 'over', '9223372036854775808'],
      ['RPUSH', 'l', 'a'],
      ['OBJECT', 'ENCODING', 'i'], ['OBJECT', 'encoding', 'big'], ['OBJECT', 'ENCODING', 's'], ['OBJECT', 'ENCODING', 'r'],
      ['OBJECT', 'ENCODING', 'e'], ['OBJECT', 'ENCODING', 'neg'], ['OBJECT', 'ENCODING', 'z'], ['OBJECT', 'ENCODING', 'max'],
      ['OBJECT', 'ENCODING', 'over'], ['OBJECT', 'ENCODING', 'l'], ['OBJECT', 'ENCODING', 'nope'],
      ['OBJECT', 'REFCOUNT', 'i'], ['OBJECT', 'REFCOUNT', 'big'], ['OBJECT', 'REFCOUNT', 's'], ['OBJECT', 'REFCOUNT', 'neg'],
      ['OBJECT', 'REFCOUNT', 'l'], ['OBJECT', 'REFCOUNT', 'nope'], ['SET', 'i', '9999'], ['OBJECT', 'REFCOUNT', 'i'],
      ['SET', 'i', '0'], ['OBJECT', 'REFCOUNT', 'i'], ['SET', 'i', '10000'], ['OBJECT', 'REFCOUNT', 'i'],
      ['OBJECT', 'HELP'], ['object', 'help'], ['OBJECT', 'HELP', 'x'], ['OBJECT', 'FOO'], ['OBJECT', 'FOO', 'k'],
      ['OBJECT', 'ENCODING'], ['OBJECT', 'ENCODING', 'a', 'b'],
      ['OBJECT', 'FREQ', 's'], ['OBJECT', 'FREQ', 'nope'], ['OBJECT', 'IDLETIME', 'nope'],
    ]);
    await suite.pair.same('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    try {
      await suite.pair.same('OBJECT', 'IDLETIME', 's');
    } finally {
      await suite.pair.same('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  test('OBJECT IDLETIME and FREQ say honestly that Vellum does not track them', async () => {
    await suite.pair.same('SET', 's', 'v');
    assert.deepStrictEqual(await suite.pair.vellum.call('OBJECT', 'IDLETIME', 's'),
      new ErrorReply('ERR idle time not tracked: Vellum keeps no per-key access clock'));
    await suite.pair.vellum.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu');
    try {
      assert.deepStrictEqual(await suite.pair.vellum.call('OBJECT', 'FREQ', 's'),
        new ErrorReply('ERR access frequency not tracked: Vellum keeps no per-key LFU counter'));
    } finally {
      await suite.pair.vellum.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  test('random sequences of keyspace commands match Redis', async () => {
    const key = fc.constantFrom('a', 'b', 'c', BIN);
    const db = fc.constantFrom('0', '1', '2');
    const farMs = fc.integer({ min: 0, max: 1000 }).map((d) => String(FAR_MS + d * 1000));
    const farS = fc.integer({ min: 0, max: 1000 }).map((d) => String(Math.floor(FAR_MS / 1000) + d));
    const flag = fc.constantFrom([], ['NX'], ['XX'], ['GT'], ['LT'], ['nx', 'xx'], ['GT', 'LT']);
    const command: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(key, fc.constantFrom('1', '2', 'hello')).map(([k, v]) => ['SET', k, v]),
      fc.tuple(key, farMs).map(([k, t]) => ['SET', k, 'v', 'PXAT', t]),
      fc.tuple(key, fc.constantFrom('x', 'y')).map(([k, v]) => ['RPUSH', k, v]),
      fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['DEL', ...ks]),
      fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['UNLINK', ...ks]),
      fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ['EXISTS', ...ks]),
      key.map((k) => ['TYPE', k]),
      fc.tuple(key, key).map(([a, b]) => ['RENAME', a, b]),
      fc.tuple(key, key).map(([a, b]) => ['RENAMENX', a, b]),
      fc.tuple(key, db).map(([k, d]) => ['MOVE', k, d]),
      fc.tuple(key, key, fc.option(db), fc.boolean()).map(([a, b, d, r]) =>
        ['COPY', a, b, ...(d === null ? [] : ['DB', d]), ...(r ? ['REPLACE'] : [])]),
      fc.tuple(db, db).map(([a, b]) => ['SWAPDB', a, b]),
      db.map((d) => ['SELECT', d]),
      fc.tuple(key, farMs, flag).map(([k, t, f]) => ['PEXPIREAT', k, t, ...f]),
      fc.tuple(key, farS, flag).map(([k, t, f]) => ['EXPIREAT', k, t, ...f]),
      fc.tuple(key, fc.constantFrom('-1', '0', '1'), flag).map(([k, t, f]) => ['EXPIREAT', k, t, ...f]),
      fc.tuple(key, fc.constantFrom('-5', '0'), flag).map(([k, t, f]) => ['EXPIRE', k, t, ...f]),
      key.map((k) => ['PERSIST', k]),
      key.map((k) => ['PEXPIRETIME', k]),
      key.map((k) => ['EXPIRETIME', k]),
      key.map((k) => ['TTL', k]),
      key.map((k) => ['GET', k]),
      key.map((k) => ['LRANGE', k, '0', '-1']),
      key.map((k) => ['OBJECT', 'ENCODING', k]),
      fc.constant(['DBSIZE'] as string[]),
      fc.constant(['KEYS', '*'] as string[]),
      fc.constant(['FLUSHDB'] as string[]),
    );
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (cmds) => {
      await suite.pair.flush();
      await suite.pair.same('SELECT', 0);
      for (const cmd of cmds) {
        if (cmd[0] === 'KEYS') {
          await suite.pair.sameUnordered(...cmd);
        } else if (cmd[0] === 'TTL') {
          // Only the class is deterministic: the two servers' clocks differ by a few ms.
          const [v, r] = await suite.pair.both(...cmd);
          assert.equal(Math.sign(v as number), Math.sign(r as number), cmd.join(' '));
        } else {
          await suite.pair.same(...cmd);
        }
      }
    }), { numRuns: 60 });
  });
});
