/**
 * List commands against real Redis 7.0: every command with its errors, random command
 * sequences compared reply by reply (fast-check), and the propagated effect of each write.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { type Arg, RespClient } from '../helpers/resp-client.js';

describe('list commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();

  test('push, pop, length, index, range', async () => {
    await suite.pair.sequence([
      ['LPUSH', 'l', 'a', 'b', 'c'], ['RPUSH', 'l', 'd', 'e'], ['LRANGE', 'l', '0', '-1'], ['LLEN', 'l'],
      ['LPUSHX', 'nol', 'x'], ['RPUSHX', 'nol', 'x'], ['EXISTS', 'nol'], ['LPUSHX', 'l', 'x', 'y'], ['RPUSHX', 'l', 'z'],
      ['LINDEX', 'l', '0'], ['LINDEX', 'l', '-1'], ['LINDEX', 'l', '100'], ['LINDEX', 'l', '-100'], ['LINDEX', 'l', 'x'],
      ['LINDEX', 'nol', '0'], ['LINDEX', 'nol', 'x'], ['LRANGE', 'l', '2', '4'], ['LRANGE', 'l', '-3', '-1'], ['LRANGE', 'l', '5', '2'],
      ['LRANGE', 'l', '-100', '100'], ['LRANGE', 'l', 'a', '1'], ['LRANGE', 'nol', '0', '-1'],
      ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '2'], ['RPOP', 'l', '2'], ['LPOP', 'l', '0'], ['LPOP', 'l', '-1'],
      ['LPOP', 'l', 'x'], ['LPOP', 'l', '1', '2'], ['LPOP', 'nol'], ['LPOP', 'nol', '2'], ['RPOP', 'l', '100'],
      ['EXISTS', 'l'], ['LLEN', 'l'], ['LPUSH'], ['LLEN', 'a', 'b'],
    ]);
  });

  test('LSET, LTRIM, LREM, LINSERT', async () => {
    await suite.pair.sequence([
      ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b'], ['LSET', 'l', '1', 'B'], ['LSET', 'l', '-1', 'E'],
      ['LSET', 'l', '10', 'x'], ['LSET', 'nol', '0', 'x'], ['LSET', 'l', 'x', 'x'], ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '1', 'a'], ['LREM', 'l', '-1', 'a'], ['LRANGE', 'l', '0', '-1'], ['LREM', 'l', '0', 'zz'],
      ['RPUSH', 'l', 'a', 'a'], ['LREM', 'l', '0', 'a'], ['LREM', 'nol', '0', 'a'], ['LREM', 'l', 'x', 'a'],
      ['LINSERT', 'l', 'BEFORE', 'c', 'X'], ['LINSERT', 'l', 'after', 'c', 'Y'], ['LINSERT', 'l', 'after', 'zz', 'Y'],
      ['LINSERT', 'l', 'middle', 'c', 'Y'], ['LINSERT', 'nol', 'before', 'c', 'Y'], ['LRANGE', 'l', '0', '-1'],
      ['LTRIM', 'l', '1', '-2'], ['LRANGE', 'l', '0', '-1'], ['LTRIM', 'l', '0', '-1'], ['LTRIM', 'nol', '0', '1'],
      ['LTRIM', 'l', 'x', '1'], ['LTRIM', 'l', '5', '1'], ['EXISTS', 'l'],
      ['RPUSH', 'm', 'a'], ['LREM', 'm', '1', 'a'], ['EXISTS', 'm'],
    ]);
  });

  test('LPOS options and errors', async () => {
    await suite.pair.sequence([
      ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a'], ['LPOS', 'l', 'a'], ['LPOS', 'l', 'c'], ['LPOS', 'l', 'z'],
      ['LPOS', 'l', 'a', 'RANK', '2'], ['LPOS', 'l', 'a', 'RANK', '-1'], ['LPOS', 'l', 'a', 'RANK', '-2'],
      ['LPOS', 'l', 'a', 'RANK', '0'], ['LPOS', 'l', 'a', 'COUNT', '0'], ['LPOS', 'l', 'a', 'COUNT', '2'],
      ['LPOS', 'l', 'a', 'COUNT', '-1'], ['LPOS', 'l', 'a', 'MAXLEN', '-1'], ['LPOS', 'l', 'a', 'MAXLEN', '3', 'COUNT', '0'],
      ['LPOS', 'l', 'a', 'RANK', '-1', 'COUNT', '0', 'MAXLEN', '2'], ['LPOS', 'l', 'z', 'COUNT', '2'],
      ['LPOS', 'nol', 'a'], ['LPOS', 'nol', 'a', 'COUNT', '1'], ['LPOS', 'l', 'a', 'FOO'], ['LPOS', 'l', 'a', 'RANK'],
      ['LPOS', 'l', 'a', 'RANK', 'x'], ['LPOS', 'l', 'a', 'RANK', '5'],
    ]);
  });

  test('LMOVE, RPOPLPUSH, LMPOP', async () => {
    await suite.pair.sequence([
      ['RPUSH', 's', '1', '2', '3'], ['LMOVE', 's', 'd', 'LEFT', 'RIGHT'], ['LMOVE', 's', 'd', 'right', 'left'],
      ['LMOVE', 's', 'd', 'up', 'left'], ['LMOVE', 's', 'd', 'left', 'down'], ['RPOPLPUSH', 's', 'd'],
      ['EXISTS', 's'], ['LRANGE', 'd', '0', '-1'], ['RPOPLPUSH', 's', 'd'], ['LMOVE', 'd', 'd', 'LEFT', 'RIGHT'],
      ['LRANGE', 'd', '0', '-1'], ['SET', 'str', 'x'], ['LMOVE', 'd', 'str', 'LEFT', 'LEFT'], ['LMOVE', 'str', 'd', 'LEFT', 'LEFT'],
      ['LRANGE', 'd', '0', '-1'],
      ['LMPOP', '2', 'nol', 'd', 'LEFT'], ['LMPOP', '2', 'nol', 'd', 'RIGHT', 'COUNT', '5'], ['LMPOP', '1', 'd', 'LEFT'],
      ['LMPOP', '0', 'd', 'LEFT'], ['LMPOP', '-1', 'd', 'LEFT'], ['LMPOP', '3', 'd', 'LEFT'], ['LMPOP', '1', 'd', 'MID'],
      ['LMPOP', '1', 'd', 'LEFT', 'COUNT', '0'], ['LMPOP', '1', 'd', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['LMPOP', '1', 'd', 'LEFT', 'FOO'], ['LMPOP', '1', 'str', 'LEFT'], ['LMPOP', 'x', 'd', 'LEFT'],
    ]);
  });

  test('wrong type and OBJECT ENCODING', async () => {
    await suite.pair.same('SET', 's', 'x');
    for (const cmd of [['LPUSH', 's', 'a'], ['RPUSHX', 's', 'a'], ['LPOP', 's'], ['LLEN', 's'], ['LINDEX', 's', '0'],
      ['LSET', 's', '0', 'a'], ['LRANGE', 's', '0', '1'], ['LTRIM', 's', '0', '1'], ['LREM', 's', '0', 'a'],
      ['LINSERT', 's', 'before', 'a', 'b'], ['LPOS', 's', 'a'], ['RPOPLPUSH', 's', 'd'], ['LMPOP', '1', 's', 'LEFT'],
      ['BLPOP', 's', '0'], ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'], ['BLMPOP', '0', '1', 's', 'LEFT']]) {
      await suite.pair.same(...cmd);
    }
    await suite.pair.same('RPUSH', 'l', 'a');
    await suite.pair.same('OBJECT', 'ENCODING', 'l');
  });

  test('binary-safe elements', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await suite.pair.same('RPUSH', 'b', bytes, Buffer.alloc(0), bytes);
    await suite.pair.same('LRANGE', 'b', 0, -1);
    await suite.pair.same('LPOS', 'b', bytes, 'RANK', '-1');
  });

  test('each write propagates what Redis 7.0 logs', async () => {
    const v = suite.pair.vellum;
    const cases: [Arg[], string[][]][] = [
      [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e']]],
      [['LPUSH', 'l', 'z'], [['LPUSH', 'l', 'z']]],
      [['LPUSHX', 'nol', 'z'], []],
      [['RPUSHX', 'l', 'y'], [['RPUSHX', 'l', 'y']]],
      [['LPOP', 'l'], [['LPOP', 'l']]],
      [['RPOP', 'l', '2'], [['RPOP', 'l', '2']]],
      [['LPOP', 'nol'], []],
      [['LSET', 'l', '0', 'A'], [['LSET', 'l', '0', 'A']]],
      [['LSET', 'l', '99', 'A'], []],
      [['LINSERT', 'l', 'BEFORE', 'A', 'X'], [['LINSERT', 'l', 'BEFORE', 'A', 'X']]],
      [['LINSERT', 'l', 'BEFORE', 'nope', 'X'], []],
      [['LREM', 'l', '0', 'X'], [['LREM', 'l', '0', 'X']]],
      [['LREM', 'l', '0', 'nope'], []],
      [['LTRIM', 'l', '0', '-1'], []],
      [['LTRIM', 'l', '0', '1'], [['LTRIM', 'l', '0', '1']]],
      [['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'], [['LMOVE', 'l', 'm', 'LEFT', 'RIGHT']]],
      [['RPOPLPUSH', 'l', 'm'], [['RPOPLPUSH', 'l', 'm']]],
      [['RPOPLPUSH', 'l', 'm'], []],
      [['RPUSH', 'l', '1', '2', '3'], [['RPUSH', 'l', '1', '2', '3']]],
      [['LMPOP', '2', 'nol', 'l', 'RIGHT', 'COUNT', '10'], [['RPOP', 'l', '3']]],
      [['RPUSH', 'l', '1', '2', '3'], [['RPUSH', 'l', '1', '2', '3']]],
      [['BLPOP', 'nol', 'l', '0'], [['LPOP', 'l']]],
      [['BRPOP', 'l', '0'], [['RPOP', 'l']]],
      [['BLMOVE', 'l', 'm', 'left', 'LEFT', '0'], [['LMOVE', 'l', 'm', 'left', 'LEFT']]],
      [['BRPOPLPUSH', 'm', 'l', '0'], [['RPOPLPUSH', 'm', 'l']]],
      [['BLMPOP', '0', '1', 'm', 'LEFT', 'COUNT', '2'], [['LPOP', 'm', '2']]],
    ];
    for (const [cmd, expected] of cases) {
      suite.effects.length = 0;
      await v.call(...cmd);
      assert.deepEqual(suite.effects.map((e) => e.argv), expected, cmd.join(' '));
    }
  });

  test('keyspace events of list, hash and SORT commands', async () => {
    const events: unknown[][] = [];
    for (const srv of [suite.pair.vellumServer, suite.pair.redisServer]) {
      const ctl = await RespClient.connect(srv.port);
      const sub = await RespClient.connect(srv.port);
      await ctl.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
      for (const cmd of [
        ['RPUSH', 'l', 'a', 'b', 'c', 'd'], ['LPUSH', 'l', 'z'], ['LPOP', 'l'], ['RPOP', 'l', '2'], ['LSET', 'l', '0', 'x'],
        ['LINSERT', 'l', 'AFTER', 'x', 'y'], ['LREM', 'l', '0', 'y'], ['LTRIM', 'l', '0', '0'], ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'],
        ['RPUSH', 'l', '1', '2'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '5'], ['BLPOP', 'm', '0'],
        ['HSET', 'h', 'a', '1', 'b', '2'], ['HSETNX', 'h', 'c', '3'], ['HINCRBY', 'h', 'a', '1'], ['HINCRBYFLOAT', 'h', 'b', '1.5'],
        ['HDEL', 'h', 'a'], ['HDEL', 'h', 'b', 'c'], ['RPUSH', 'n', '2', '1'], ['SORT', 'n', 'STORE', 'o'], ['SORT', 'x', 'STORE', 'o'],
      ]) await ctl.call(...cmd);
      await ctl.call('PUBLISH', '__keyevent@0__:end', '.');
      const got: unknown[] = [];
      for (;;) {
        const msg = (await sub.next()) as string[];
        if (msg[2] === '__keyevent@0__:end') break;
        got.push([msg[2], msg[3]]);
      }
      events.push(got);
      await ctl.call('CONFIG', 'SET', 'notify-keyspace-events', '');
      ctl.close();
      sub.close();
    }
    assert.deepEqual(events[0], events[1]);
    assert.ok(events[0].length > 20);
  });

  test('random command sequences give the same replies', async () => {
    const key = fc.constantFrom('k1', 'k2', 'str');
    const val = fc.constantFrom('a', 'b', 'c', '1', '');
    const idx = fc.integer({ min: -6, max: 6 }).map(String);
    const dir = fc.constantFrom('LEFT', 'RIGHT');
    const cmd: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, fc.array(val, { minLength: 1, maxLength: 4 }))
        .map(([c, k, vs]) => [c, k, ...vs]),
      fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, fc.option(fc.integer({ min: -1, max: 4 }).map(String), { nil: undefined }))
        .map(([c, k, n]) => (n === undefined ? [c, k] : [c, k, n])),
      fc.tuple(fc.constantFrom('LLEN'), key).map(([c, k]) => [c, k]),
      fc.tuple(fc.constantFrom('LINDEX'), key, idx).map(([c, k, i]) => [c, k, i]),
      fc.tuple(fc.constantFrom('LSET'), key, idx, val).map(([c, k, i, v]) => [c, k, i, v]),
      fc.tuple(fc.constantFrom('LRANGE', 'LTRIM'), key, idx, idx).map(([c, k, a, b]) => [c, k, a, b]),
      fc.tuple(fc.constantFrom('LREM'), key, idx, val).map(([c, k, i, v]) => [c, k, i, v]),
      fc.tuple(fc.constantFrom('LINSERT'), key, fc.constantFrom('BEFORE', 'AFTER'), val, val).map((a) => [...a]),
      fc.tuple(fc.constantFrom('LPOS'), key, val, fc.integer({ min: -3, max: 3 }).filter((r) => r !== 0), fc.integer({ min: 0, max: 3 }))
        .map(([c, k, v, r, n]) => [c, k, v, 'RANK', String(r), 'COUNT', String(n)]),
      fc.tuple(fc.constantFrom('LMOVE'), key, key, dir, dir).map((a) => [...a]),
      fc.tuple(fc.constantFrom('RPOPLPUSH'), key, key).map((a) => [...a]),
      fc.tuple(key, key, dir, fc.integer({ min: 1, max: 3 })).map(([a, b, d, n]) => ['LMPOP', '2', a, b, d, 'COUNT', String(n)]),
      fc.tuple(key, key).map(([a, b]) => ['BLPOP', a, b, '0.01']),
      fc.constant<string[]>(['SET', 'str', 'x']),
    );
    await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 30 }), async (cmds) => {
      await suite.pair.flush();
      for (const c of cmds) {
        // BLPOP on empty keys would block: only send it when one list is non-empty on both.
        if (c[0] === 'BLPOP') {
          const [l1] = await suite.pair.both('LLEN', c[1]);
          const [l2] = await suite.pair.both('LLEN', c[2]);
          if (!(typeof l1 === 'number' && l1 > 0) && !(typeof l2 === 'number' && l2 > 0)) continue;
        }
        await suite.pair.same(...c);
      }
      for (const k of ['k1', 'k2']) await suite.pair.same('LRANGE', k, '0', '-1');
    }), { numRuns: 60 });
  });
});
