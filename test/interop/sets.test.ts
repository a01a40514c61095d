/**
 * Set commands against real Redis 7.0: replies (unordered where Redis is), errors,
 * encodings, random sequences with fast-check, and the propagated effects.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import type { Arg } from '../helpers/resp-client.js';

const UNORDERED = new Set(['smembers', 'sinter', 'sunion', 'sdiff', 'sscan']);

describe('set commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();

  async function run(cmds: Arg[][]): Promise<void> {
    for (const cmd of cmds) {
      if (UNORDERED.has(String(cmd[0]).toLowerCase())) await suite.pair.sameUnordered(...cmd);
      else await suite.pair.same(...cmd);
    }
  }

  test('basic commands, encodings and errors', async () => {
    await run([
      ['SADD', 's', '1', '2', '3', '2'], ['OBJECT', 'ENCODING', 's'], ['SCARD', 's'], ['SMEMBERS', 's'],
      ['SADD', 's', 'a'], ['OBJECT', 'ENCODING', 's'], ['SREM', 's', 'a', 'zz'], ['OBJECT', 'ENCODING', 's'],
      ['SADD', 'i', '-0'], ['OBJECT', 'ENCODING', 'i'], ['SADD', 'j', '9223372036854775807'], ['OBJECT', 'ENCODING', 'j'],
      ['SADD', 'k', '9223372036854775808'], ['OBJECT', 'ENCODING', 'k'], ['SADD', 'l', '+1'], ['OBJECT', 'ENCODING', 'l'],
      ['SISMEMBER', 's', '1'], ['SISMEMBER', 's', 'x'], ['SISMEMBER', 'nokey', 'x'], ['SMISMEMBER', 's', '1', 'x', '3'],
      ['SET', 'str', 'v'], ['SADD', 'str', 'a'], ['SCARD', 'str'], ['SMEMBERS', 'str'], ['SREM', 'str', 'a'],
      ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'], ['SADD', 's'], ['SCARD'], ['SREM', 's', '1', '2', '3'],
      ['EXISTS', 's'], ['SMEMBERS', 'nokey'], ['SCARD', 'nokey'],
    ]);
  });

  test('intset limit follows set-max-intset-entries', async () => {
    await suite.pair.same('CONFIG', 'SET', 'set-max-intset-entries', '3');
    await run([['SADD', 's', '1', '2', '3'], ['OBJECT', 'ENCODING', 's'], ['SADD', 's', '4'], ['OBJECT', 'ENCODING', 's']]);
    await suite.pair.same('CONFIG', 'SET', 'set-max-intset-entries', '512');
  });

  test('SMOVE', async () => {
    await run([
      ['SADD', 'a', 'x', 'y'], ['SMOVE', 'a', 'b', 'x'], ['SMOVE', 'a', 'b', 'nope'], ['SMOVE', 'none', 'b', 'x'],
      ['SMOVE', 'a', 'a', 'y'], ['SMOVE', 'a', 'a', 'q'], ['SMEMBERS', 'b'], ['SMOVE', 'a', 'b', 'y'], ['EXISTS', 'a'],
      ['SET', 'str', '1'], ['SMOVE', 'b', 'str', 'x'], ['SMOVE', 'str', 'b', 'x'], ['SMOVE', 'b', 'c', 'x', 'y'],
      ['SADD', 'n', '1'], ['SMOVE', 'b', 'n', 'x'], ['OBJECT', 'ENCODING', 'n'],
    ]);
  });

  test('SINTER, SUNION, SDIFF and their STORE and CARD forms', async () => {
    await run([
      ['SADD', 'a', '1', '2', '3', 'x'], ['SADD', 'b', '2', '3', '4'], ['SADD', 'c', '3', '9'],
      ['SINTER', 'a', 'b'], ['SINTER', 'a', 'b', 'c'], ['SINTER', 'a', 'nokey'], ['SUNION', 'a', 'b', 'nokey'],
      ['SDIFF', 'a', 'b'], ['SDIFF', 'nokey', 'a'], ['SDIFF', 'a', 'nokey'],
      ['SINTERSTORE', 'd', 'a', 'b'], ['OBJECT', 'ENCODING', 'd'], ['SMEMBERS', 'd'],
      ['SUNIONSTORE', 'e', 'a', 'b'], ['OBJECT', 'ENCODING', 'e'], ['SDIFFSTORE', 'f', 'b', 'a'], ['OBJECT', 'ENCODING', 'f'],
      ['SINTERSTORE', 'd', 'a', 'nokey'], ['EXISTS', 'd'], ['SDIFFSTORE', 'e', 'a', 'a'], ['EXISTS', 'e'],
      ['SINTERCARD', '2', 'a', 'b'], ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
      ['SINTERCARD', '0', 'a'], ['SINTERCARD', 'x', 'a'], ['SINTERCARD', '3', 'a', 'b'], ['SINTERCARD', '1', 'a', 'LIMIT', '-1'],
      ['SINTERCARD', '1', 'a', 'LIMIT'], ['SINTERCARD', '1', 'a', 'FOO', '1'], ['SINTERCARD', '1', 'a', 'LIMIT', 'x'],
      ['SET', 'str', 'v'], ['SINTER', 'a', 'str'], ['SINTER', 'nokey', 'str'], ['SUNION', 'str'], ['SDIFF', 'a', 'str'],
      ['SINTERSTORE', 'str2', 'str'], ['SUNIONSTORE', 'str', 'a'], ['TYPE', 'str'],
    ]);
  });

  test('SPOP and SRANDMEMBER: shapes, counts and errors', async () => {
    for (const [k, members] of [['ints', ['1', '2', '3', '4', '5']], ['strs', ['a', 'b', 'c', 'd', 'e']]] as const) {
      await suite.pair.same('SADD', k, ...members);
      for (const count of ['1', '3', '5', '10', '-3', '-10']) {
        const [v, r] = await suite.pair.both('SRANDMEMBER', k, count);
        assert.equal((v as string[]).length, (r as string[]).length, `SRANDMEMBER ${count}`);
        for (const m of v as string[]) assert.ok((members as readonly string[]).includes(m));
        if (!count.startsWith('-')) assert.equal(new Set(v as string[]).size, (v as string[]).length);
      }
    }
    await run([
      ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '5'], ['SRANDMEMBER', 'ints', '0'], ['SRANDMEMBER', 'ints', 'x'],
      ['SRANDMEMBER', 'ints', '1', '2'], ['SRANDMEMBER', 'ints', '-9223372036854775808'],
      ['SPOP', 'nokey'], ['SPOP', 'nokey', '3'], ['SPOP', 'ints', '0'], ['SPOP', 'ints', '-1'], ['SPOP', 'ints', 'x'],
      ['SPOP', 'ints', '1', '2'], ['SET', 'str', 'v'], ['SPOP', 'str'], ['SRANDMEMBER', 'str'],
    ]);
    const [v1, r1] = await suite.pair.both('SPOP', 'ints', '2');
    assert.equal((v1 as string[]).length, (r1 as string[]).length);
    await suite.pair.same('SCARD', 'ints');
    await suite.pair.both('SPOP', 'ints');
    await suite.pair.same('SCARD', 'ints');
    await suite.pair.same('SPOP', 'ints', '5').catch(() => undefined);
    await suite.pair.same('EXISTS', 'ints');
  });

  test('SSCAN', async () => {
    await suite.pair.same('SADD', 'i', '1', '2', '3');
    await suite.pair.sameUnordered('SSCAN', 'i', '0');
    await run([['SSCAN', 'nokey', '0'], ['SSCAN', 'i', 'x'], ['SSCAN', 'i', '0', 'COUNT', '0'], ['SSCAN', 'i', '0', 'TYPE', 'set'],
      ['SSCAN', 'i', '0', 'MATCH'], ['SET', 'str', 'v'], ['SSCAN', 'str', '0']]);
    const members = Array.from({ length: 300 }, (_, i) => 'm' + i);
    await suite.pair.vellum.call('SADD', 'big', ...members);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, items] = await suite.pair.vellum.call('SSCAN', 'big', cursor, 'COUNT', '20', 'MATCH', 'm1*') as [string, string[]];
      for (const m of items) seen.add(m);
      cursor = next;
    } while (cursor !== '0');
    assert.deepEqual([...seen].sort(), members.filter((m) => m.startsWith('m1')).sort());
  });

  test('propagation: SPOP becomes SREM / MULTI of SREMs / DEL; others as sent', async () => {
    const v = suite.pair.vellum;
    await v.call('SADD', 's', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j');
    await v.call('SREM', 's', 'nope');
    const one = await v.call('SPOP', 's') as string;
    const two = await v.call('SPOP', 's', '2') as string[];
    const most = await v.call('SPOP', 's', '6') as string[];
    await v.call('SPOP', 's', '10');
    await v.call('SADD', 'x', '1');
    await v.call('SMOVE', 'x', 'y', '1');
    await v.call('SINTERSTORE', 'z', 'y', 'y');
    const argvs = suite.effects.map((e) => e.argv);
    let i = 0;
    assert.deepEqual(argvs[i++], ['SADD', 's', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    assert.deepEqual(argvs[i++], ['SREM', 's', one]);
    assert.deepEqual(argvs.slice(i, i + 4), [['MULTI'], ...two.map((m) => ['SREM', 's', m]), ['EXEC']]);
    i += 4;
    assert.deepEqual(argvs.slice(i, i + 8), [['MULTI'], ...most.map((m) => ['SREM', 's', m]), ['EXEC']]);
    i += 8;
    assert.deepEqual(argvs[i++], ['DEL', 's']);
    assert.deepEqual(argvs.slice(i), [['SADD', 'x', '1'], ['SMOVE', 'x', 'y', '1'], ['SINTERSTORE', 'z', 'y', 'y']]);
  });

  test('random command sequences', async () => {
    const key = fc.constantFrom('s1', 's2', 's3');
    const member = fc.constantFrom('1', '2', '3', '10', '-5', 'a', 'b', '007');
    const cmd = fc.oneof(
      fc.tuple(fc.constant('SADD'), key, member, member),
      fc.tuple(fc.constant('SREM'), key, member),
      fc.tuple(fc.constant('SISMEMBER'), key, member),
      fc.tuple(fc.constant('SMISMEMBER'), key, member, member),
      fc.tuple(fc.constant('SCARD'), key),
      fc.tuple(fc.constant('SMEMBERS'), key),
      fc.tuple(fc.constant('SMOVE'), key, key, member),
      fc.tuple(fc.constant('SINTER'), key, key),
      fc.tuple(fc.constant('SUNION'), key, key),
      fc.tuple(fc.constant('SDIFF'), key, key, key),
      fc.tuple(fc.constant('SINTERSTORE'), key, key, key),
      fc.tuple(fc.constant('SUNIONSTORE'), key, key, key),
      fc.tuple(fc.constant('SDIFFSTORE'), key, key, key),
      fc.tuple(fc.constant('SINTERCARD'), fc.constant('2'), key, key),
      fc.tuple(fc.constant('OBJECT'), fc.constant('ENCODING'), key),
    );
    await fc.assert(fc.asyncProperty(fc.array(cmd, { maxLength: 30 }), async (cmds) => {
      await suite.pair.flush();
      await run(cmds as Arg[][]);
    }), { numRuns: 60 });
  });
});
