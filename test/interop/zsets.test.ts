/**
 * Sorted-set commands against real Redis 7.0: replies in RESP2 and RESP3, errors,
 * encodings, random sequences with fast-check, and the propagated effects.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import type { Arg } from '../helpers/resp-client.js';

describe('sorted-set commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();

  test('ZADD options, replies and errors', async () => {
    await suite.pair.sequence([
      ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZADD', 'z', 'NX', '5', 'a', '3', 'c'], ['ZADD', 'z', 'XX', 'CH', '5', 'a', '9', 'd'],
      ['ZADD', 'z', 'GT', 'CH', '1', 'a', '10', 'b'], ['ZADD', 'z', 'LT', 'CH', '1', 'a', '20', 'b'],
      ['ZADD', 'z', 'INCR', '2.5', 'a'], ['ZADD', 'z', 'INCR', 'NX', '1', 'a'], ['ZADD', 'z', 'XX', 'INCR', '1', 'nope'],
      ['ZADD', 'z', 'GT', 'INCR', '-1', 'a'], ['ZADD', 'z', 'INCR', '0', 'a'], ['ZADD', 'z', '-0', 'm0'], ['ZSCORE', 'z', 'm0'],
      ['ZADD', 'z', 'inf', 'i'], ['ZADD', 'z', 'INCR', '-inf', 'i'], ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
      ['ZADD', 'z', 'NX', 'XX', '1', 'a'], ['ZADD', 'z', 'NX', 'GT', '1', 'a'], ['ZADD', 'z', 'GT', 'LT', '1', 'a'],
      ['ZADD', 'z', '1'], ['ZADD', 'z', '1', 'a', '2'], ['ZADD', 'z', 'x', 'a'], ['ZADD', 'z', 'nan', 'a'], ['ZADD', 'z', ' 1', 'a'],
      ['ZADD', 'nokey', 'XX', '1', 'a'], ['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'], ['EXISTS', 'nokey'],
      ['ZADD', 'z', '1.5e3', 'e', '0.1', 'f', '-1e-20', 'g'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZINCRBY', 'z', '1', 'f'], ['ZINCRBY', 'z', 'x', 'f'], ['ZINCRBY', 'z', 'inf', 'i'], ['ZINCRBY', 'z', '-inf', 'i'],
      ['ZINCRBY', 'new', '3', 'm'], ['ZCARD', 'z'], ['ZCARD', 'nokey'],
      ['SET', 'str', 'v'], ['ZADD', 'str', '1', 'a'], ['ZINCRBY', 'str', '1', 'a'], ['ZSCORE', 'str', 'a'], ['ZCARD', 'str'],
      ['ZREM', 'z', 'a', 'nope', 'b'], ['ZREM', 'str', 'a'], ['ZREM', 'nokey', 'a'], ['ZREM', 'new', 'm'], ['EXISTS', 'new'],
      ['ZSCORE', 'z', 'nope'], ['ZSCORE', 'nokey', 'a'], ['ZMSCORE', 'z', 'e', 'nope', 'f'], ['ZMSCORE', 'nokey', 'a'],
      ['ZRANK', 'z', 'e'], ['ZREVRANK', 'z', 'e'], ['ZRANK', 'z', 'nope'], ['ZRANK', 'nokey', 'a'],
    ]);
  });

  test('encodings follow the listpack limits', async () => {
    await suite.pair.same('CONFIG', 'SET', 'zset-max-listpack-entries', '3');
    await suite.pair.same('CONFIG', 'SET', 'zset-max-listpack-value', '5');
    await suite.pair.sequence([
      ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'], ['OBJECT', 'ENCODING', 'a'], ['ZADD', 'a', '4', 'w'], ['OBJECT', 'ENCODING', 'a'],
      ['ZADD', 'b', '1', 'longmember'], ['OBJECT', 'ENCODING', 'b'], ['ZADD', 'c', '1', 'x'], ['ZADD', 'c', '1', 'toolong'],
      ['OBJECT', 'ENCODING', 'c'], ['ZUNIONSTORE', 'd', '1', 'c'], ['OBJECT', 'ENCODING', 'd'], ['ZREM', 'c', 'toolong'],
      ['ZUNIONSTORE', 'd', '1', 'c'], ['OBJECT', 'ENCODING', 'd'], ['ZRANGESTORE', 'e', 'a', '0', '1'], ['OBJECT', 'ENCODING', 'e'],
      ['ZRANGESTORE', 'e', 'a', '0', '-1'], ['OBJECT', 'ENCODING', 'e'],
    ]);
    await suite.pair.same('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await suite.pair.same('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  });

  for (const resp of ['2', '3']) {
    test(`ranges by rank, score and lex (RESP${resp})`, async () => {
      await suite.pair.same('HELLO', resp).catch(() => undefined);
      await suite.pair.same('ZADD', 'z', '-inf', 'n', '1', 'a', '1', 'b', '2.5', 'c', '3', 'd', '3', 'e', 'inf', 'p');
      await suite.pair.same('ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e');
      const ranges: Arg[][] = [];
      for (const [a, b] of [['0', '-1'], ['1', '3'], ['-3', '-1'], ['5', '2'], ['-100', '100'], ['10', '20'], ['x', '1']]) {
        ranges.push(['ZRANGE', 'z', a, b], ['ZRANGE', 'z', a, b, 'WITHSCORES'], ['ZREVRANGE', 'z', a, b, 'WITHSCORES'], ['ZRANGE', 'z', a, b, 'REV']);
      }
      for (const [a, b] of [['-inf', '+inf'], ['1', '3'], ['(1', '3'], ['1', '(3'], ['(1', '(1'], ['3', '1'], ['x', '1'], ['(', '1'], ['-inf', 'inf']]) {
        ranges.push(['ZRANGEBYSCORE', 'z', a, b, 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'z', b, a], ['ZCOUNT', 'z', a, b],
          ['ZRANGE', 'z', a, b, 'BYSCORE', 'LIMIT', '1', '2'], ['ZRANGE', 'z', b, a, 'BYSCORE', 'REV', 'LIMIT', '1', '2', 'WITHSCORES'],
          ['ZRANGEBYSCORE', 'z', a, b, 'LIMIT', '0', '-1'], ['ZRANGEBYSCORE', 'z', a, b, 'LIMIT', '-1', '2'],
          ['ZREVRANGEBYSCORE', 'z', b, a, 'WITHSCORES', 'LIMIT', '2', '10']);
      }
      for (const [a, b] of [['-', '+'], ['[b', '[d'], ['(b', '(d'], ['[b', '(b'], ['+', '-'], ['b', 'd'], ['[a', '+'], ['-', '(c']]) {
        ranges.push(['ZRANGEBYLEX', 'l', a, b], ['ZREVRANGEBYLEX', 'l', b, a], ['ZLEXCOUNT', 'l', a, b],
          ['ZRANGE', 'l', a, b, 'BYLEX', 'LIMIT', '1', '2'], ['ZRANGE', 'l', b, a, 'BYLEX', 'REV'], ['ZRANGEBYLEX', 'l', a, b, 'LIMIT', '1', '1']);
      }
      ranges.push(
        ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'], ['ZRANGE', 'l', '-', '+', 'BYLEX', 'WITHSCORES'], ['ZRANGE', 'z', '0', '1', 'FOO'],
        ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', 'x', '1'], ['ZRANGEBYLEX', 'l', '-', '+', 'WITHSCORES'],
        ['ZRANGE', 'nokey', '0', '-1'], ['ZRANGEBYSCORE', 'nokey', '0', '1'], ['ZCOUNT', 'nokey', '0', '1'],
        ['ZRANGE', 'z', 'REV', '0', '1'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
        ['SET', 'str', 'v'], ['ZRANGE', 'str', '0', '1'], ['ZCOUNT', 'str', '0', '1'], ['ZLEXCOUNT', 'str', '-', '+'],
      );
      await suite.pair.sequence(ranges);
      await suite.pair.same('HELLO', '2').catch(() => undefined);
    });
  }

  test('ZRANGESTORE and ZREMRANGEBY*', async () => {
    await suite.pair.sequence([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e'],
      ['ZRANGESTORE', 'd1', 'z', '1', '3'], ['ZRANGE', 'd1', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd1', 'z', '(1', '4', 'BYSCORE', 'LIMIT', '1', '1'], ['ZRANGE', 'd1', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd1', 'z', '10', '20'], ['EXISTS', 'd1'], ['ZRANGESTORE', 'd1', 'z', '0', '1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd1', 'nokey', '0', '1'],
      ['ZREMRANGEBYRANK', 'z', '0', '0'], ['ZREMRANGEBYSCORE', 'z', '(2', '3'], ['ZREMRANGEBYLEX', 'z', '-', '+'],
      ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYRANK', 'z', 'x', '1'], ['ZREMRANGEBYSCORE', 'z', 'x', '1'],
      ['ZREMRANGEBYLEX', 'z', 'x', '+'], ['ZREMRANGEBYRANK', 'nokey', '0', '1'], ['ZREMRANGEBYRANK', 'z', '0', '-1'], ['EXISTS', 'z'],
    ]);
  });

  for (const resp of ['2', '3']) {
    test(`pops and ZRANDMEMBER shapes (RESP${resp})`, async () => {
      await suite.pair.same('HELLO', resp).catch(() => undefined);
      await suite.pair.sequence([
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', '1'], ['ZPOPMIN', 'z', '0'],
        ['ZPOPMIN', 'z', '-1'], ['ZPOPMIN', 'z', 'x'], ['ZPOPMIN', 'z', '1', '2'], ['ZPOPMIN', 'nokey'], ['ZPOPMIN', 'nokey', '2'],
        ['ZPOPMAX', 'z', '10'], ['EXISTS', 'z'],
        ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZMPOP', '2', 'nokey', 'z', 'MIN'], ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '5'],
        ['ZMPOP', '1', 'z', 'MAX'], ['ZMPOP', '0', 'z', 'MIN'], ['ZMPOP', '1', 'z', 'FOO'], ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'],
        ['ZMPOP', '2', 'z', 'MIN'], ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1'],
        ['SET', 'str', 'v'], ['ZPOPMIN', 'str'], ['ZMPOP', '2', 'nokey', 'str', 'MIN'],
        ['ZADD', 'r', '1', 'a', '2', 'b', '3', 'c'], ['ZRANDMEMBER', 'r', '0'], ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', 'nokey', '2'], ['ZRANDMEMBER', 'r', 'x'],
        ['ZRANDMEMBER', 'r', '1', 'FOO'], ['ZRANDMEMBER', 'r', '1', 'WITHSCORES', 'x'], ['ZRANDMEMBER', 'r', '-9223372036854775807', 'WITHSCORES'],
        ['ZRANDMEMBER', 'str'],
      ]);
      await suite.pair.sameUnordered('ZRANDMEMBER', 'r', '3', 'WITHSCORES');
      await suite.pair.sameUnordered('ZRANDMEMBER', 'r', '10');
      for (const count of ['1', '2', '-5']) {
        const [v, r] = await suite.pair.both('ZRANDMEMBER', 'r', count, 'WITHSCORES');
        assert.equal((v as unknown[]).length, (r as unknown[]).length, `ZRANDMEMBER ${count}`);
      }
      await suite.pair.same('HELLO', '2').catch(() => undefined);
    });
  }

  test('ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD', async () => {
    await suite.pair.sequence([
      ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z'], ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w'], ['SADD', 's', 'x', 'w'],
      ['ZADD', 'i', 'inf', 'x'], ['ZADD', 'j', '-inf', 'x'],
      ['ZUNION', '2', 'a', 'b', 'WITHSCORES'], ['ZUNION', '3', 'a', 'b', 's', 'WEIGHTS', '1', '2', '3', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'MAX'],
      ['ZINTER', '2', 'a', 'b', 'WITHSCORES'], ['ZINTER', '2', 'a', 's', 'WITHSCORES'], ['ZINTER', '2', 'a', 'nokey'],
      ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'], ['ZDIFF', '2', 'nokey', 'a'], ['ZUNION', '2', 'i', 'j', 'WITHSCORES'],
      ['ZINTER', '2', 'i', 'j', 'WITHSCORES'], ['ZUNION', '1', 'i', 'WEIGHTS', '0', 'WITHSCORES'],
      ['ZUNIONSTORE', 'd', '2', 'a', 'b'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '2', '0.5'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZDIFFSTORE', 'd', '2', 'a', 'a'], ['EXISTS', 'd'],
      ['ZINTERCARD', '2', 'a', 'b'], ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], ['ZINTERCARD', '0', 'a'], ['ZINTERCARD', '3', 'a'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', '-1'], ['ZINTERCARD', '1', 'a', 'WITHSCORES'],
      ['ZUNION', '0', 'a'], ['ZUNION', 'x', 'a'], ['ZUNION', '3', 'a', 'b'], ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x'], ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'AVG'], ['ZDIFF', '2', 'a', 'b', 'WEIGHTS', '1', '1'],
      ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WITHSCORES'], ['ZUNIONSTORE', 'd', '0', 'a'], ['ZDIFFSTORE', 'd', '0', 'a'],
      ['SET', 'str', 'v'], ['ZUNION', '2', 'a', 'str'], ['ZINTERSTORE', 'd', '2', 'str', 'a'],
    ]);
  });

  test('ZSCAN', async () => {
    await suite.pair.sequence([
      ['ZADD', 'z', '1', 'a', '2.5', 'b', 'inf', 'c'], ['ZSCAN', 'z', '0'], ['ZSCAN', 'z', '0', 'MATCH', 'b*'], ['ZSCAN', 'nokey', '0'],
      ['ZSCAN', 'z', 'x'], ['ZSCAN', 'z', '0', 'COUNT', '0'], ['SET', 'str', 'v'], ['ZSCAN', 'str', '0'],
    ]);
    const v = suite.pair.vellum;
    const n = 300;
    await v.call('ZADD', 'big', ...Array.from({ length: n }, (_, i) => [String(i / 2), 'm' + i]).flat());
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, items] = await v.call('ZSCAN', 'big', cursor, 'COUNT', '25') as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
    } while (cursor !== '0');
    assert.equal(seen.size, n);
    assert.equal(seen.get('m3'), '1.5');
  });

  test('propagation: pops become ZPOPMIN/ZPOPMAX with the count taken; others as sent', async () => {
    const v = suite.pair.vellum;
    await v.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    await v.call('ZADD', 'z', 'NX', '9', 'a');
    await v.call('ZINCRBY', 'z', '1', 'a');
    await v.call('ZMPOP', '1', 'z', 'MAX', 'COUNT', '10');
    await v.call('ZADD', 'y', '1', 'a', '2', 'b');
    await v.call('BZPOPMIN', 'y', '0');
    await v.call('BZMPOP', '0', '1', 'y', 'MAX', 'COUNT', '5');
    await v.call('ZADD', 'x', '1', 'a', '2', 'b', '3', 'c');
    await v.call('ZREM', 'x', 'nope');
    await v.call('ZPOPMIN', 'x');
    await v.call('ZREMRANGEBYSCORE', 'x', '0', '2');
    await v.call('ZUNIONSTORE', 'u', '1', 'x');
    await v.call('ZRANGESTORE', 'r', 'x', '0', '-1');
    await v.call('ZREMRANGEBYRANK', 'x', '0', '-1');
    assert.deepEqual(suite.effects.map((e) => e.argv), [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZINCRBY', 'z', '1', 'a'],
      ['ZPOPMAX', 'z', '4'],
      ['ZADD', 'y', '1', 'a', '2', 'b'],
      ['ZPOPMIN', 'y'],
      ['ZPOPMAX', 'y', '1'],
      ['ZADD', 'x', '1', 'a', '2', 'b', '3', 'c'],
      ['ZPOPMIN', 'x'],
      ['ZREMRANGEBYSCORE', 'x', '0', '2'],
      ['ZUNIONSTORE', 'u', '1', 'x'],
      ['ZRANGESTORE', 'r', 'x', '0', '-1'],
      ['ZREMRANGEBYRANK', 'x', '0', '-1'],
    ]);
  });

  test('random command sequences', async () => {
    const key = fc.constantFrom('z1', 'z2');
    const member = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const score = fc.constantFrom('-inf', '-2.5', '-1', '0', '0.1', '1', '3', 'inf');
    const bound = fc.constantFrom('-inf', '+inf', '(0', '0', '1', '(1', '-1', '3');
    const lex = fc.constantFrom('-', '+', '[a', '(b', '[c', '(e');
    const rank = fc.constantFrom('0', '1', '-1', '-3', '2', '10');
    const cmd = fc.oneof(
      fc.tuple(fc.constant('ZADD'), key, score, member, score, member),
      fc.tuple(fc.constant('ZADD'), key, fc.constantFrom('NX', 'XX', 'GT', 'LT', 'CH'), score, member),
      fc.tuple(fc.constant('ZADD'), key, fc.constant('INCR'), score, member),
      fc.tuple(fc.constant('ZINCRBY'), key, score, member),
      fc.tuple(fc.constant('ZREM'), key, member),
      fc.tuple(fc.constant('ZSCORE'), key, member),
      fc.tuple(fc.constant('ZRANK'), key, member),
      fc.tuple(fc.constant('ZREVRANK'), key, member),
      fc.tuple(fc.constant('ZCOUNT'), key, bound, bound),
      fc.tuple(fc.constant('ZRANGE'), key, rank, rank, fc.constant('WITHSCORES')),
      fc.tuple(fc.constant('ZREVRANGE'), key, rank, rank, fc.constant('WITHSCORES')),
      fc.tuple(fc.constant('ZRANGEBYSCORE'), key, bound, bound, fc.constant('WITHSCORES')),
      fc.tuple(fc.constant('ZREVRANGEBYSCORE'), key, bound, bound, fc.constant('LIMIT'), rank, rank),
      fc.tuple(fc.constant('ZREMRANGEBYSCORE'), key, bound, bound),
      fc.tuple(fc.constant('ZREMRANGEBYRANK'), key, rank, rank),
      fc.tuple(fc.constant('ZPOPMIN'), key, rank),
      fc.tuple(fc.constant('ZPOPMAX'), key),
      fc.tuple(fc.constant('ZUNIONSTORE'), key, fc.constant('2'), key, key),
      fc.tuple(fc.constant('ZINTER'), fc.constant('2'), key, key, fc.constant('WITHSCORES')),
      fc.tuple(fc.constant('ZDIFF'), fc.constant('2'), key, key, fc.constant('WITHSCORES')),
      fc.tuple(fc.constant('OBJECT'), fc.constant('ENCODING'), key),
    );
    // Lex commands only on a zset whose scores are all equal, where Redis defines them.
    const lexCmd = fc.oneof(
      fc.tuple(fc.constant('ZADD'), fc.constant('lx'), fc.constant('0'), member),
      fc.tuple(fc.constant('ZRANGEBYLEX'), fc.constant('lx'), lex, lex),
      fc.tuple(fc.constant('ZREVRANGEBYLEX'), fc.constant('lx'), lex, lex),
      fc.tuple(fc.constant('ZLEXCOUNT'), fc.constant('lx'), lex, lex),
      fc.tuple(fc.constant('ZREMRANGEBYLEX'), fc.constant('lx'), lex, lex),
    );
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(cmd, lexCmd), { maxLength: 30 }), async (cmds) => {
      await suite.pair.flush();
      await suite.pair.sequence(cmds as Arg[][]);
    }), { numRuns: 80 });
  });
});
