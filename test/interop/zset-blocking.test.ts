/**
 * BZPOPMIN, BZPOPMAX and BZMPOP against real Redis 7.0 with several clients: who is
 * served first, what each gets, timeouts, MULTI (never blocks), wrong types, and the
 * non-blocking effect that is propagated.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pairSuite } from '../helpers/differential.js';
import { blockThenServe, redisSkip } from '../helpers/servers.js';
import type { Arg, Reply } from '../helpers/resp-client.js';

describe('blocking sorted-set pops match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();

  async function same(blocked: Arg[][], then: Arg[][]): Promise<Reply[]> {
    const v = await blockThenServe(suite.pair.vellumServer, suite.pair.vellum, blocked, then);
    const r = await blockThenServe(suite.pair.redisServer, suite.pair.redis, blocked, then);
    assert.deepStrictEqual(v, r);
    return v;
  }

  test('first blocked is served first; each pop takes one element', async () => {
    const replies = await same(
      [['BZPOPMIN', 'a', 'b', '0'], ['BZPOPMAX', 'b', '0'], ['BZPOPMIN', 'b', '0']],
      [['ZADD', 'b', '1', 'x', '2', 'y', '3', 'z']],
    );
    assert.deepEqual(replies, [['b', 'x', '1'], ['b', 'z', '3'], ['b', 'y', '2']]);
    await suite.pair.same('EXISTS', 'b');
  });

  test('BZMPOP with COUNT is served with up to COUNT elements', async () => {
    const replies = await same(
      [['BZMPOP', '0', '2', 'a', 'b', 'MAX', 'COUNT', '2'], ['BZMPOP', '0', '1', 'b', 'MIN', 'COUNT', '5']],
      [['ZADD', 'b', '1', 'x', '2', 'y', '3', 'z']],
    );
    assert.deepEqual(replies[0], ['b', [['z', '3'], ['y', '2']]]);
    assert.deepEqual(replies[1], ['b', [['x', '1']]]);
  });

  test('timeouts, immediate pops, errors and MULTI', async () => {
    await suite.pair.sequence([
      ['BZPOPMIN', 'none', '0.01'], ['BZMPOP', '0.01', '1', 'none', 'MIN'],
      ['ZADD', 'z', '1', 'a', '2', 'b'], ['BZPOPMAX', 'none', 'z', '0'], ['BZMPOP', '0', '2', 'none', 'z', 'MIN', 'COUNT', '9'],
      ['BZPOPMIN', 'z', '-1'], ['BZPOPMIN', 'z', 'x'], ['BZMPOP', 'x', '1', 'z', 'MIN'], ['BZMPOP', '0', '0', 'z', 'MIN'],
      ['BZMPOP', '0', '1', 'z', 'FOO'], ['SET', 'str', 'v'], ['BZPOPMIN', 'str', '0'], ['BZMPOP', '0', '1', 'str', 'MIN'],
      ['MULTI'], ['BZPOPMIN', 'none', '0'], ['BZMPOP', '0', '1', 'none', 'MAX'], ['EXEC'],
    ]);
  });

  test('propagation: the served pop goes out as ZPOPMIN/ZPOPMAX', async () => {
    await blockThenServe(suite.pair.vellumServer, suite.pair.vellum, [['BZPOPMIN', 'k', '0'], ['BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '3']], [['ZADD', 'k', '1', 'a', '2', 'b']]);
    assert.deepEqual(suite.effects.map((e) => e.argv), [['ZADD', 'k', '1', 'a', '2', 'b'], ['ZPOPMIN', 'k'], ['ZPOPMAX', 'k', '1']]);
  });
});
