/**
 * String commands against real Redis 7.0: every command with its errors and edge cases
 * (negative ranges, huge offsets, empty and binary values, int64 limits, long double
 * formatting), keyspace events, random command sequences compared reply by reply
 * (fast-check), the propagated effect of each write, and APPEND staying linear.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import type { Arg } from '../helpers/resp-client.js';

const BIN = Buffer.from([0, 1, 0xff, 0x80, 13, 10, 0x7f]).toString('latin1');

describe('string commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();


  /** TTL replies differ by the servers' clocks: compare their class only. */
  async function sameTtlClass(key: string): Promise<void> {
    const [v, r] = await suite.pair.both('PTTL', key);
    assert.equal(Math.sign(v as number), Math.sign(r as number), `PTTL ${key}`);
  }

  test('arity errors', async () => {
    for (const cmd of ['GET', 'GETEX', 'GETDEL', 'MGET', 'STRLEN', 'INCR', 'DECR']) await suite.pair.same(cmd);
    for (const cmd of ['SET', 'GETSET', 'SETNX', 'INCRBY', 'DECRBY', 'INCRBYFLOAT', 'APPEND', 'LCS', 'MSET', 'MSETNX']) {
      await suite.pair.same(cmd, 'k');
    }
    for (const cmd of ['SETEX', 'PSETEX', 'GETRANGE', 'SUBSTR', 'SETRANGE']) await suite.pair.same(cmd, 'k', '1');
    await suite.pair.sequence([['GETDEL', 'a', 'b'], ['INCR', 'a', 'b'], ['MSET', 'a', '1', 'b'], ['MSETNX', 'a', '1', 'b'],
      ['SETEX', 'a', '1', 'v', 'x'], ['GETRANGE', 'a', '0', '1', '2']]);
  });

  test('wrong type errors', async () => {
    await suite.pair.same('RPUSH', 'l', 'x');
    await suite.pair.sequence([
      ['GET', 'l'], ['SET', 'l', 'v', 'GET'], ['GETEX', 'l'], ['GETEX', 'l', 'EX', '10'], ['GETDEL', 'l'],
      ['GETSET', 'l', 'v'], ['INCR', 'l'], ['DECR', 'l'], ['INCRBY', 'l', '2'], ['DECRBY', 'l', '2'],
      ['INCRBYFLOAT', 'l', '1.5'], ['APPEND', 'l', 'x'], ['STRLEN', 'l'], ['GETRANGE', 'l', '0', '1'],
      ['SUBSTR', 'l', '0', '1'], ['SETRANGE', 'l', '0', 'x'], ['SETRANGE', 'l', '0', ''], ['LCS', 'l', 'x'],
      ['LCS', 'x', 'l'], ['MGET', 'l', 'nokey'], ['LRANGE', 'l', '0', '-1'],
    ]);
    assert.deepStrictEqual(suite.taken(), [['RPUSH', 'l', 'x']]);
  });

  test('SET options, SETNX, SETEX, PSETEX', async () => {
    await suite.pair.sequence([
      ['SET', 'k', 'v', 'nx', 'get'], ['SET', 'k', 'w', 'xx', 'GET'], ['SET', 'k', 'x', 'GET', 'GET'],
      ['SET', 'k', 'v', 'KEEPTTL', 'KEEPTTL'], ['SET', 'k', 'v', 'EX', '10', 'EX', '20'], ['SET', 'k', 'v', 'PX', '10', 'EX', '20'],
      ['SET', 'k', 'v', 'EXAT', '1'], ['GET', 'k'], ['SET', 'k', 'v', 'PXAT', '0'], ['SET', 'k', 'v', 'EX', '1.5'],
      ['SET', 'k', 'v', 'EX', '9223372036854776'], ['SET', 'k', 'v', 'EXAT', '9223372036854775'],
      ['SET', 'k', 'v', 'PX', '9223372036854775808'], ['SET', 'k', 'v', 'PERSIST'], ['SET', 'k', 'v', 'GET', 'NX', 'XX'],
      ['SETNX', 'n', '1'], ['SETNX', 'n', '2'], ['GET', 'n'],
      ['SETEX', 's', '0', 'v'], ['SETEX', 's', '-1', 'v'], ['SETEX', 's', 'x', 'v'], ['SETEX', 's', '100', 'v'], ['GET', 's'],
      ['PSETEX', 'p', '0', 'v'], ['PSETEX', 'p', '100000', 'v'], ['GET', 'p'], ['SETEX', 's', '9223372036854775807', 'v'],
      ['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'w', 'KEEPTTL'], ['GET', 'k'], ['SET', '', ''], ['GET', ''],
    ]);
    await sameTtlClass('k');
    await sameTtlClass('s');
    await suite.pair.same('SET', 'k', 'v2');
    await sameTtlClass('k');
  });

  test('GETEX options', async () => {
    await suite.pair.sequence([
      ['GETEX', 'nokey'], ['GETEX', 'nokey', 'EX', '10'], ['GETEX', 'nokey', 'EX', 'bad'], ['SET', 'k', 'v'],
      ['GETEX', 'k'], ['GETEX', 'k', 'EX', '0'], ['GETEX', 'k', 'EX', '-1'], ['GETEX', 'k', 'EX', 'x'], ['GETEX', 'k', 'PX'],
      ['GETEX', 'k', 'EX', '10', 'PX', '10'], ['GETEX', 'k', 'PERSIST', 'EX', '10'], ['GETEX', 'k', 'EX', '10', 'PERSIST'],
      ['GETEX', 'k', 'KEEPTTL'], ['GETEX', 'k', 'NX'], ['GETEX', 'k', 'GET'], ['GETEX', 'k', 'foo'],
      ['GETEX', 'k', 'EX', '100'], ['GETEX', 'k', 'PERSIST'], ['GETEX', 'k', 'PERSIST', 'PERSIST'], ['TTL', 'k'],
      ['GETEX', 'k', 'PX', '100000'], ['GETEX', 'k', 'EXAT', '99999999999'], ['GETEX', 'k', 'PXAT', '99999999999999'],
      ['GETEX', 'k', 'EX', '9223372036854775807'], ['GETEX', 'k', 'EXAT', '1'], ['EXISTS', 'k'],
      ['SET', 'k', 'v'], ['GETEX', 'k', 'PXAT', '1'], ['GET', 'k'], ['SET', 'k', BIN], ['GETEX', 'k', 'ex', '5'],
    ]);
    await sameTtlClass('k');
  });

  test('GETDEL, GETSET, MGET, MSET, MSETNX', async () => {
    await suite.pair.sequence([
      ['GETDEL', 'k'], ['SET', 'k', 'v'], ['GETDEL', 'k'], ['EXISTS', 'k'], ['GETSET', 'g', '1'], ['GETSET', 'g', '2'],
      ['SET', 'e', 'v', 'EX', '100'], ['GETSET', 'e', 'w'], ['TTL', 'e'],
      ['MSET', 'a', '1', 'b', '2', 'a', '3'], ['MGET', 'a', 'b', 'c', 'a'], ['RPUSH', 'l', 'x'], ['MGET', 'l', 'a'],
      ['MSETNX', 'x', '1', 'y', '2'], ['MSETNX', 'y', '3', 'z', '4'], ['MGET', 'x', 'y', 'z'], ['MSETNX', 'l', '1'],
      ['MSETNX', 'q', '1', 'q', '2'], ['GET', 'q'], ['MSET', BIN, BIN], ['MGET', BIN],
    ]);
  });

  test('INCR, DECR, INCRBY, DECRBY at the int64 limits', async () => {
    await suite.pair.sequence([
      ['INCR', 'n'], ['INCR', 'n'], ['DECR', 'n'], ['DECR', 'm'], ['INCRBY', 'n', '100'], ['DECRBY', 'n', '-100'],
      ['INCRBY', 'n', 'x'], ['INCRBY', 'n', '1.5'], ['INCRBY', 'n', ' 1'], ['INCRBY', 'n', '+1'], ['INCRBY', 'n', '01'],
      ['INCRBY', 'n', '-0'], ['INCRBY', 'n', '9223372036854775808'], ['DECRBY', 'n', '-9223372036854775808'],
      ['SET', 'big', '9223372036854775806'], ['INCR', 'big'], ['INCR', 'big'], ['GET', 'big'], ['DECRBY', 'big', '1'],
      ['INCRBY', 'big', '-9223372036854775807'], ['INCRBY', 'big', '-9223372036854775807'], ['DECR', 'big'],
      ['DECR', 'big'], ['GET', 'big'], ['SET', 'big', '-9223372036854775808'], ['DECR', 'big'], ['INCRBY', 'big', '-1'],
      ['INCRBY', 'big', '9223372036854775807'], ['INCR', 'big'], ['INCR', 'big'],
      ['SET', 'b2', '9007199254740991'], ['INCR', 'b2'], ['INCR', 'b2'], ['INCRBY', 'b2', '9007199254740993'],
      ['DECRBY', 'b2', '18014398509481990'], ['GET', 'b2'], ['SET', 'b3', '-9007199254740992'], ['DECR', 'b3'],
      ['SET', 's', 'abc'], ['INCR', 's'], ['SET', 's', ''], ['INCR', 's'], ['SET', 's', ' 1'], ['INCR', 's'],
      ['SET', 's', '1 '], ['INCR', 's'], ['SET', 's', '007'], ['INCR', 's'], ['SET', 's', '1.0'], ['INCR', 's'],
      ['SET', 's', '99999999999999999999'], ['INCR', 's'], ['SET', 's', '-0'], ['INCR', 's'], ['SET', 's', '+5'], ['INCR', 's'],
      ['SET', 'i', '12'], ['INCR', 'i'], ['OBJECT', 'ENCODING', 'i'], ['APPEND', 'i', '0'], ['INCR', 'i'],
    ]);
    await suite.pair.same('SET', 't', '5', 'EX', '100');
    await suite.pair.same('INCR', 't');
    await sameTtlClass('t');
  });

  test('INCRBYFLOAT: long double arithmetic and formatting', async () => {
    await suite.pair.sequence([
      ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '-0.3'],
      ['INCRBYFLOAT', 'f', '1e30'], ['INCRBYFLOAT', 'f', '-1e30'], ['INCRBYFLOAT', 'f', '1e-20'], ['INCRBYFLOAT', 'f', '-2e-20'],
      ['INCRBYFLOAT', 'f', '3.0e3'], ['INCRBYFLOAT', 'f', '1.23456789012345678901234'], ['INCRBYFLOAT', 'f', '.5'],
      ['INCRBYFLOAT', 'f', '5.'], ['INCRBYFLOAT', 'f', '+2'], ['INCRBYFLOAT', 'f', '0x1p-3'], ['INCRBYFLOAT', 'f', '1E2'],
      ['INCRBYFLOAT', 'f', 'inf'], ['INCRBYFLOAT', 'f', '-inf'], ['INCRBYFLOAT', 'f', 'nan'], ['INCRBYFLOAT', 'f', 'abc'],
      ['INCRBYFLOAT', 'f', ''], ['INCRBYFLOAT', 'f', ' 1'], ['INCRBYFLOAT', 'f', '1 '], ['INCRBYFLOAT', 'f', '1e'],
      ['INCRBYFLOAT', 'f', '1e-5000'], ['INCRBYFLOAT', 'f', '1e5000'], ['GET', 'f'],
      ['INCRBYFLOAT', 'g', '1e400'], ['INCRBYFLOAT', 'g', '1.18e4932'], ['SET', 'h', 'inf'], ['INCRBYFLOAT', 'h', '1'],
      ['SET', 'h', '9223372036854775807'], ['INCRBYFLOAT', 'h', '1'], ['INCRBYFLOAT', 'h', '0.5'],
      ['SET', 'h', 'x'], ['INCRBYFLOAT', 'h', '1'], ['SET', 'h', '10.50'], ['INCRBYFLOAT', 'h', '0'], ['GET', 'h'],
      ['INCRBYFLOAT', 'h', '-10.5'], ['INCRBYFLOAT', 'h', '-1e-30'],
    ]);
    await suite.pair.same('SET', 't', '1', 'EX', '100');
    await suite.pair.same('INCRBYFLOAT', 't', '1.5');
    await sameTtlClass('t');
  });

  test('INCRBYFLOAT matches Redis on random operands', async () => {
    const operand = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).map(String),
      fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 20 })).map(([n, d]) => (n / 10 ** d).toFixed(d)),
      fc.tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: -40, max: 40 })).map(([m, e]) => `${m}e${e}`),
      fc.constantFrom('0.1', '-0.1', '0.7', '1.1', '3.3', '1e-17', '123456789.987654321'),
    );
    await fc.assert(fc.asyncProperty(fc.array(operand, { minLength: 1, maxLength: 12 }), async (ops) => {
      await suite.pair.both('DEL', 'f');
      for (const op of ops) await suite.pair.same('INCRBYFLOAT', 'f', op);
    }), { numRuns: 60 });
  });

  test('APPEND, STRLEN, GETRANGE, SUBSTR', async () => {
    await suite.pair.sequence([
      ['APPEND', 'a', 'hello'], ['APPEND', 'a', ' world'], ['APPEND', 'a', ''], ['STRLEN', 'a'], ['STRLEN', 'none'],
      ['APPEND', 'e', ''], ['EXISTS', 'e'], ['STRLEN', 'e'], ['APPEND', 'b', BIN], ['APPEND', 'b', BIN], ['GET', 'b'],
      ['GETRANGE', 'a', '0', '4'], ['GETRANGE', 'a', '-5', '-1'], ['GETRANGE', 'a', '-1', '-5'], ['GETRANGE', 'a', '5', '2'],
      ['GETRANGE', 'a', '-100', '100'], ['GETRANGE', 'a', '0', '-1'], ['GETRANGE', 'a', '100', '200'],
      ['GETRANGE', 'a', '-1', '0'], ['GETRANGE', 'a', '0', '0'], ['GETRANGE', 'a', '-9223372036854775807', '-9223372036854775808'],
      ['GETRANGE', 'a', '-9223372036854775808', '9223372036854775807'], ['GETRANGE', 'a', '9223372036854775807', '0'],
      ['GETRANGE', 'a', 'x', '1'], ['GETRANGE', 'a', '1', '9223372036854775808'], ['GETRANGE', 'none', '0', '-1'],
      ['GETRANGE', 'none', 'x', '-1'], ['GETRANGE', 'e', '0', '-1'], ['GETRANGE', 'b', '1', '3'], ['SUBSTR', 'a', '1', '3'],
      ['SUBSTR', 'a', '-3', '-2'], ['SET', 'i', '12345'], ['GETRANGE', 'i', '1', '-2'], ['APPEND', 'i', '6'], ['GET', 'i'],
      ['STRLEN', 'i'], ['SET', 'x', '-1'], ['STRLEN', 'x'],
    ]);
    await suite.pair.same('SET', 't', 'v', 'EX', '100');
    await suite.pair.same('APPEND', 't', 'w');
    await sameTtlClass('t');
  });

  test('SETRANGE: padding, overwrite, limits', async () => {
    await suite.pair.sequence([
      ['SETRANGE', 'r', '0', 'hello'], ['SETRANGE', 'r', '10', 'x'], ['GET', 'r'], ['SETRANGE', 'r', '1', 'EL'],
      ['SETRANGE', 'r', '3', 'LOWORLD!'], ['GET', 'r'], ['SETRANGE', 'r', '0', ''], ['SETRANGE', 'r', '100', ''],
      ['STRLEN', 'r'], ['SETRANGE', 'n', '5', ''], ['EXISTS', 'n'], ['SETRANGE', 'n', '3', BIN], ['GET', 'n'],
      ['SETRANGE', 'r', '-1', 'x'], ['SETRANGE', 'r', 'x', 'y'], ['SETRANGE', 'r', '9223372036854775808', 'y'],
      ['SETRANGE', 'r', '536870911', 'xx'], ['SETRANGE', 'r', '536870912', 'x'], ['SETRANGE', 'r', '9223372036854775807', 'x'],
      ['SETRANGE', 'missing', '536870912', 'x'], ['SETRANGE', 'missing', '536870912', ''], ['EXISTS', 'missing'],
      ['SET', 'i', '1234'], ['SETRANGE', 'i', '1', '9'], ['GET', 'i'], ['INCR', 'i'],
      ['SETRANGE', 'r', '2', 'tail-past-the-end'], ['GET', 'r'],
    ]);
    await suite.pair.same('SET', 't', 'v', 'EX', '100');
    await suite.pair.same('SETRANGE', 't', '3', 'w');
    await sameTtlClass('t');
  });

  test('the 512 MB limit applies to APPEND and SETRANGE', async () => {
    const limit = ['CONFIG', 'SET', 'proto-max-bulk-len', String(1024 * 1024)];
    try {
      await suite.pair.same(...limit);
      const big = 'x'.repeat(600 * 1024);
      await suite.pair.sequence([
        ['SET', 'a', big], ['APPEND', 'a', big], ['STRLEN', 'a'], ['SETRANGE', 'a', String(1024 * 1024 - 1), 'x'],
        ['SETRANGE', 'a', String(1024 * 1024 - 1), 'xy'], ['STRLEN', 'a'],
      ]);
    } finally {
      await suite.pair.same('CONFIG', 'SET', 'proto-max-bulk-len', String(512 * 1024 * 1024));
    }
  });

  test('LCS with every option', async () => {
    await suite.pair.sequence([
      ['MSET', 'a', 'ohmytext', 'b', 'mynewtext', 'e', ''], ['LCS', 'a', 'b'], ['LCS', 'a', 'b', 'LEN'], ['LCS', 'a', 'b', 'IDX'],
      ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'], ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'], ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '-3'],
      ['LCS', 'a', 'b', 'LEN', 'IDX'], ['LCS', 'a', 'b', 'MINMATCHLEN'], ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'b', 'foo'], ['LCS', 'a', 'nokey'], ['LCS', 'nokey', 'nokey', 'IDX'], ['LCS', 'a', 'e', 'LEN'],
      ['LCS', 'a', 'a', 'IDX', 'WITHMATCHLEN'], ['MSET', 'x', 'ACCGGTCGAGTGCGCGGAAGCCGGCCGAA', 'y', 'GTCGTTCGGAATGCCGTTGCTCTGTAAA'],
      ['LCS', 'x', 'y'], ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'], ['LCS', 'y', 'x', 'idx', 'minmatchlen', '2'],
      ['MSET', 'p', BIN + 'abc' + BIN, 'q', 'zz' + BIN + 'zz'], ['LCS', 'p', 'q'], ['LCS', 'p', 'q', 'IDX'],
    ]);
  });

  test('LCS IDX is a map in RESP3', async () => {
    // HELLO itself differs (client ids): only the replies after it are compared.
    await suite.pair.both('HELLO', '3');
    try {
      await suite.pair.same('MSET', 'a', 'ohmytext', 'b', 'mynewtext');
      await suite.pair.same('LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN');
      await suite.pair.same('GET', 'nokey');
    } finally {
      await suite.pair.both('HELLO', '2');
    }
  });

  test('keyspace events', async () => {
    const events = await suite.pair.sameKeyspaceEvents([
      ['SET', 'k', 'v'], ['SET', 'k', 'v', 'EX', '100'], ['SET', 'k', 'v', 'NX'], ['SETNX', 'n', '1'], ['SETEX', 's', '10', 'v'],
      ['PSETEX', 'p', '1000', 'v'], ['GETEX', 'k', 'PX', '5000'], ['GETEX', 'k', 'PERSIST'], ['GETEX', 'k', 'PERSIST'],
      ['GETEX', 'k', 'EXAT', '1'], ['GETDEL', 's'], ['GETDEL', 's'], ['GETSET', 'g', '1'], ['MSET', 'a', '1', 'b', '2'],
      ['MSETNX', 'c', '1', 'd', '2'], ['MSETNX', 'c', '1'], ['INCR', 'n'], ['DECR', 'n'], ['INCRBY', 'n', '5'],
      ['DECRBY', 'n', '5'], ['INCRBYFLOAT', 'n', '1.5'], ['INCR', 'a', 'x'], ['APPEND', 'a', 'x'], ['SETRANGE', 'a', '0', 'y'],
      ['SETRANGE', 'a', '0', ''], ['INCR', 'a'], ['PING'],
    ]);
    assert.ok(events.length > 40, `saw ${events.length} events`);
  });

  test('propagated effects of every write', async () => {
    const pxat = (effect: string[] | undefined, key: string, value: string): void => {
      assert.ok(effect !== undefined);
      assert.deepStrictEqual(effect.slice(0, 4), ['SET', key, value, 'PXAT']);
      assert.ok(Number(effect[4]) > Date.now(), effect.join(' '));
    };
    const v = suite.pair.vellum;
    await v.call('SET', 'k', 'v');
    await v.call('set', 'k', 'w', 'KEEPTTL');
    await v.call('SET', 'k', 'x', 'GET', 'xx', 'get');
    await v.call('SET', 'k', 'y', 'NX');
    assert.deepStrictEqual(suite.taken(), [['SET', 'k', 'v'], ['set', 'k', 'w', 'KEEPTTL'], ['SET', 'k', 'x', 'xx']]);
    await v.call('SET', 'k', 'v', 'EX', '100', 'GET');
    pxat(suite.taken()[0], 'k', 'v');
    await v.call('SET', 'k', 'v', 'PXAT', '99999999999999');
    assert.deepStrictEqual(suite.taken(), [['SET', 'k', 'v', 'PXAT', '99999999999999']]);
    await v.call('SET', 'k', 'v', 'EXAT', '99999999999');
    assert.deepStrictEqual(suite.taken(), [['SET', 'k', 'v', 'PXAT', '99999999999000']]);
    await v.call('SETEX', 's', '100', 'v');
    pxat(suite.taken()[0], 's', 'v');
    await v.call('PSETEX', 'p', '100000', 'v');
    pxat(suite.taken()[0], 'p', 'v');
    await v.call('SETNX', 'n', '1');
    await v.call('SETNX', 'n', '2');
    assert.deepStrictEqual(suite.taken(), [['SETNX', 'n', '1']]);

    await v.call('GETEX', 'k');
    await v.call('GETEX', 'nokey', 'EX', '10');
    assert.deepStrictEqual(suite.taken(), []);
    await v.call('GETEX', 'k', 'EX', '100');
    const [ex] = suite.taken();
    assert.deepStrictEqual(ex!.slice(0, 2), ['PEXPIREAT', 'k']);
    assert.ok(Number(ex![2]) > Date.now());
    await v.call('GETEX', 'k', 'PXAT', '99999999999999');
    await v.call('GETEX', 'k', 'PERSIST');
    await v.call('GETEX', 'k', 'PERSIST');
    await v.call('GETEX', 'k', 'EXAT', '1');
    await v.call('GETDEL', 's');
    await v.call('GETDEL', 's');
    assert.deepStrictEqual(suite.taken(), [['PEXPIREAT', 'k', '99999999999999'], ['PERSIST', 'k'], ['DEL', 'k'], ['DEL', 's']]);

    await v.call('GETSET', 'g', '1');
    await v.call('MSET', 'a', '1', 'b', '2');
    await v.call('MSETNX', 'c', '1', 'd', '2');
    await v.call('MSETNX', 'c', '1');
    await v.call('INCR', 'a');
    await v.call('DECR', 'a');
    await v.call('INCRBY', 'a', '10');
    await v.call('DECRBY', 'a', '3');
    await v.call('INCRBY', 'g', 'x');
    await v.call('INCRBYFLOAT', 'a', '0.1');
    await v.call('INCRBYFLOAT', 'a', 'x');
    await v.call('APPEND', 'b', 'xyz');
    await v.call('SETRANGE', 'b', '1', 'Q');
    await v.call('SETRANGE', 'b', '1', '');
    await v.call('SETRANGE', 'nob', '1', '');
    await v.call('LCS', 'a', 'b');
    await v.call('MGET', 'a', 'b');
    assert.deepStrictEqual(suite.taken(), [
      ['SET', 'g', '1'], ['MSET', 'a', '1', 'b', '2'], ['MSETNX', 'c', '1', 'd', '2'], ['INCR', 'a'], ['DECR', 'a'],
      ['INCRBY', 'a', '10'], ['DECRBY', 'a', '3'], ['SET', 'a', '8.1', 'KEEPTTL'], ['APPEND', 'b', 'xyz'],
      ['SETRANGE', 'b', '1', 'Q'],
    ]);
    await v.call('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes');
    await v.call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
    try {
      await v.call('GETDEL', 'a');
      await v.call('GETEX', 'b', 'PXAT', '1');
      assert.deepStrictEqual(suite.taken().filter((e) => e[0] !== 'CONFIG'), [['UNLINK', 'a'], ['UNLINK', 'b']]);
    } finally {
      await v.call('CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no');
      await v.call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'no');
    }
  });

  test('random sequences of string commands match Redis', async () => {
    const key = fc.constantFrom('a', 'b', BIN);
    const value = fc.oneof(
      fc.constantFrom('', '0', '1', '-1', '10', '9223372036854775807', '-9223372036854775808', '1.5', 'abc', BIN),
      fc.string({ maxLength: 8 }),
    );
    const index = fc.oneof(fc.integer({ min: -12, max: 12 }).map(String), fc.constantFrom('9223372036854775807', 'x'));
    const offset = fc.oneof(fc.integer({ min: 0, max: 20 }).map(String), fc.constantFrom('-1', 'x'));
    const command: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
      fc.tuple(key, value, fc.constantFrom('NX', 'XX', 'GET', 'KEEPTTL')).map(([k, v, o]) => ['SET', k, v, o]),
      key.map((k) => ['GET', k]),
      key.map((k) => ['GETDEL', k]),
      fc.tuple(key, value).map(([k, v]) => ['GETSET', k, v]),
      fc.tuple(key, value).map(([k, v]) => ['SETNX', k, v]),
      fc.tuple(key, key, key).map(([a, b, c]) => ['MGET', a, b, c]),
      fc.tuple(key, value, key, value).map(([a, x, b, y]) => ['MSET', a, x, b, y]),
      fc.tuple(key, value, key, value).map(([a, x, b, y]) => ['MSETNX', a, x, b, y]),
      key.map((k) => ['INCR', k]),
      key.map((k) => ['DECR', k]),
      fc.tuple(key, value).map(([k, v]) => ['INCRBY', k, v]),
      fc.tuple(key, value).map(([k, v]) => ['DECRBY', k, v]),
      fc.tuple(key, value).map(([k, v]) => ['INCRBYFLOAT', k, v]),
      fc.tuple(key, value).map(([k, v]) => ['APPEND', k, v]),
      key.map((k) => ['STRLEN', k]),
      fc.tuple(key, index, index).map(([k, s, e]) => ['GETRANGE', k, s, e]),
      fc.tuple(key, offset, value).map(([k, o, v]) => ['SETRANGE', k, o, v]),
      fc.tuple(key, key, fc.constantFrom([], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '2'])).map(([a, b, o]) => ['LCS', a, b, ...o]),
      key.map((k) => ['RPUSH', k, 'x']),
    );
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (cmds) => {
      await suite.pair.flush();
      for (const cmd of cmds) await suite.pair.same(...cmd);
    }), { numRuns: 80 });
  });

  test('APPEND of many chunks is linear, not quadratic', async () => {
    // 20,000 appends of 1 KiB: copying the whole value on each call would move ~200 GB.
    const chunk = (i: number): string => String(i % 10).repeat(1024);
    const v = suite.pair.vellum;
    for (let batch = 0; batch < 20; batch++) {
      const cmds: Arg[][] = [];
      for (let i = batch * 1000; i < (batch + 1) * 1000; i++) cmds.push(['APPEND', 'big', chunk(i)]);
      const replies = await v.pipeline(cmds);
      assert.equal(replies[999], (batch + 1) * 1000 * 1024);
    }
    assert.equal(await v.call('STRLEN', 'big'), 20000 * 1024);
    // The whole content, read back in slices of 1000 chunks, so that the test client's own
    // buffering of one 20 MB reply does not dominate the run.
    const slice = 1000 * 1024;
    for (let piece = 0; piece < 20; piece++) {
      const got = (await v.call('GETRANGE', 'big', String(piece * slice), String((piece + 1) * slice - 1))) as string;
      let expected = '';
      for (let i = piece * 1000; i < (piece + 1) * 1000; i++) expected += chunk(i);
      assert.ok(got === expected, `slice ${piece} differs`);
    }
  });
});
