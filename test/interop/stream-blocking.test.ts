/**
 * XREAD BLOCK and XREADGROUP BLOCK against real Redis 7.0 with several clients: what
 * serves them (XADD, including to an existing stream), who is served first, what each gets
 * (only the ready key, COUNT, `$` fixed when blocking), timeouts, MULTI (never blocks), a
 * deleted or overwritten stream and a destroyed group (XREADGROUP ends with an error,
 * XREAD keeps waiting), and what a served XREADGROUP propagates.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pairSuite } from '../helpers/differential.js';
import { blockThenServe, redisSkip, type RunningServer, waitBlocked } from '../helpers/servers.js';
import type { Arg, Reply, RespClient } from '../helpers/resp-client.js';

describe('blocking stream reads match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();

  /**
   * On one server: run `setup`, block each of `blocked` in turn, run `then`, and collect
   * the blocked clients' replies plus the replies to `after` (run once all were answered).
   */
  async function scenario(server: RunningServer, admin: RespClient, setup: Arg[][], blocked: Arg[][], then: Arg[][], after: Arg[][]): Promise<Reply[]> {
    for (const cmd of setup) await admin.call(...cmd);
    const replies = await blockThenServe(server, admin, blocked, then);
    for (const cmd of after) replies.push(await admin.call(...cmd));
    return replies;
  }

  async function same(setup: Arg[][], blocked: Arg[][], then: Arg[][], after: Arg[][] = []): Promise<Reply[]> {
    const v = await scenario(suite.pair.vellumServer, suite.pair.vellum, setup, blocked, then, after);
    const r = await scenario(suite.pair.redisServer, suite.pair.redis, setup, blocked, then, after);
    assert.deepStrictEqual(v, r);
    return v;
  }

  test('XREAD BLOCK is served by an XADD to an existing stream, every reader alike', async () => {
    const replies = await same(
      [['XADD', 's', '1-0', 'a', '1']],
      [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '1-0']],
      [['XADD', 's', '2-0', 'b', '2']],
    );
    assert.deepEqual(replies, [[['s', [['2-0', ['b', '2']]]]], [['s', [['2-0', ['b', '2']]]]]]);
  });

  test('a new key serves `$` from its start; only the ready key is in the reply', async () => {
    const replies = await same(
      [['XADD', 'b', '5-0', 'x', 'y']],
      [['XREAD', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$']],
      [['MULTI'], ['XADD', 'a', '1-0', 'f', '1'], ['XADD', 'b', '6-0', 'f', '2'], ['EXEC']],
    );
    assert.deepEqual(replies, [[['a', [['1-0', ['f', '1']]]]]]);
  });

  test('COUNT bounds a served read; without COUNT a served read takes at most 1000', async () => {
    const adds: Arg[][] = [['MULTI']];
    for (let i = 1; i <= 1100; i++) adds.push(['XADD', 's', `${i}-0`, 'f', String(i)]);
    adds.push(['EXEC']);
    const replies = await same([], [['XREAD', 'COUNT', '2', 'BLOCK', '0', 'STREAMS', 's', '0'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '0']], adds);
    const entries = (r: Reply) => ((r as Reply[][])[0]![1] as Reply[]).length;
    assert.deepEqual([entries(replies[0]!), entries(replies[1]!)], [2, 1000]);
  });

  test('entries added then deleted in one transaction still serve the reader (an empty batch)', async () => {
    await same(
      [['XADD', 's', '1-0', 'a', '1']],
      [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']],
      [['MULTI'], ['XADD', 's', '2-0', 'b', '2'], ['XDEL', 's', '2-0'], ['EXEC']],
    );
  });

  test('XREADGROUP BLOCK: first blocked, first served; each entry to one consumer', async () => {
    const replies = await same(
      [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']],
      [
        ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'],
        ['XREADGROUP', 'GROUP', 'g', 'carol', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ],
      [['XADD', 's', '1-0', 'f', '1'], ['XADD', 's', '2-0', 'f', '2'], ['MULTI'], ['XADD', 's', '3-0', 'f', '3'], ['XADD', 's', '4-0', 'f', '4'], ['EXEC']],
      [['XPENDING', 's', 'g'], ['XINFO', 'GROUPS', 's']],
    );
    assert.deepEqual(replies.slice(0, 3), [
      [['s', [['1-0', ['f', '1']]]]], [['s', [['2-0', ['f', '2']]]]], [['s', [['3-0', ['f', '3']]]]],
    ]);
  });

  test('timeouts answer a null array; BLOCK inside MULTI never blocks', async () => {
    const v = await suite.pair.both('XREAD', 'BLOCK', '30', 'STREAMS', 's', '$');
    assert.deepStrictEqual(v, [null, null]);
    await suite.pair.same('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '30', 'STREAMS', 's', '>');
    await suite.pair.same('MULTI');
    await suite.pair.same('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await suite.pair.same('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    await suite.pair.same('EXEC');
    await suite.pair.same('XINFO', 'GROUPS', 's');
  });

  test('a deleted or overwritten stream ends XREADGROUP with an error; XREAD keeps waiting', async () => {
    const replies = await same(
      [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM'], ['XADD', 'u', '5-0', 'a', 'b']],
      [
        ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'],
        ['XREAD', 'BLOCK', '0', 'STREAMS', 's', 'u', '$', '$'],
        ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 't', '>'],
      ],
      [['DEL', 's'], ['SET', 't', 'x'], ['XADD', 'u', '6-0', 'c', 'd']],
    );
    assert.equal(String((replies[0] as { message?: string }).message), 'UNBLOCKED the stream key no longer exists');
  });

  test('XGROUP DESTROY, FLUSHALL and SWAPDB end a blocked XREADGROUP', async () => {
    await same(
      [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XGROUP', 'CREATE', 's', 'h', '$']],
      [['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'], ['XREADGROUP', 'GROUP', 'h', 'c', 'BLOCK', '0', 'STREAMS', 's', '>']],
      [['XGROUP', 'DESTROY', 's', 'g'], ['FLUSHALL']],
    );
    await same(
      [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], ['XADD', 'u', '1-0', 'a', 'b']],
      [['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'], ['XREAD', 'BLOCK', '0', 'STREAMS', 'u', '$']],
      [['SWAPDB', '0', '9'], ['SELECT', '9'], ['XADD', 'u', '2-0', 'c', 'd'], ['SWAPDB', '0', '9'], ['SELECT', '0']],
      [['FLUSHALL']],
    );
  });

  test('XREADGROUP BLOCK with a wrong type, a missing group, or history IDs answers at once', async () => {
    await suite.pair.sequence([
      ['SET', 'str', 'x'], ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'str', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'none', '>'], ['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '0'], ['XREAD', 'BLOCK', '0', 'STREAMS', 'str', '0'],
    ]);
  });

  test('a served XREADGROUP propagates like the immediate one', async () => {
    const v = suite.pair.vellumServer;
    const admin = suite.pair.vellum;
    await admin.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    const readers = [await v.client(), await v.client()];
    suite.taken();
    const first = readers[0]!.call('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
    await waitBlocked(admin, 1);
    const second = readers[1]!.call('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>');
    await waitBlocked(admin, 2);
    await admin.call('XADD', 's', '1-0', 'f', '1');
    await first;
    await admin.call('XADD', 's', '2-0', 'f', '2');
    await second;
    const effects = suite.taken();
    assert.deepEqual(effects[0], ['XADD', 's', '1-0', 'f', '1']);
    assert.deepEqual([...effects[1]!.slice(0, 7), ...effects[1]!.slice(8)],
      ['XCLAIM', 's', 'g', 'alice', '0', '1-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-0']);
    assert.deepEqual(effects.slice(2), [
      ['XADD', 's', '2-0', 'f', '2'],
      ['MULTI'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'], ['XGROUP', 'SETID', 's', 'g', '2-0', 'ENTRIESREAD', '2'], ['EXEC'],
    ]);
    for (const c of readers) c.close();
  });
});
