/**
 * Differential tests of the core dispatch path against real Redis 7.0: unknown commands,
 * arity errors, SET/GET with every option, and protocol errors.
 */

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { ErrorReply, RespClient } from '../helpers/resp-client.js';

describe('core dispatch matches Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  before(async () => { pair = await startPair(); });
  after(async () => { await pair.stop(); });
  beforeEach(async () => { await pair.flush(); });

  test('unknown command and arity errors', async () => {
    await pair.same('NOSUCHCOMMAND');
    await pair.same('nosuch', 'a', 'b', 'c');
    await pair.same('GET');
    await pair.same('GET', 'a', 'b');
    await pair.same('set', 'k');
  });

  test('SET options and their conflicts', async () => {
    await pair.sequence([
      ['SET', 'k', 'v'], ['GET', 'k'], ['SET', 'k', 'v2', 'NX'], ['SET', 'k', 'v3', 'XX'], ['GET', 'k'],
      ['SET', 'n', 'v', 'XX'], ['SET', 'k', 'x', 'GET'], ['SET', 'k', 'y', 'NX', 'GET'],
      ['SET', 'k', 'v', 'NX', 'XX'], ['SET', 'k', 'v', 'EX', '10', 'PX', '100'], ['SET', 'k', 'v', 'EX'],
      ['SET', 'k', 'v', 'EX', '0'], ['SET', 'k', 'v', 'EX', '-1'], ['SET', 'k', 'v', 'EX', 'abc'],
      ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'], ['SET', 'k', 'v', 'EX', '10', 'KEEPTTL'],
      ['SET', 'k', 'v', 'EX', '9223372036854775807'], ['SET', 'k', 'v', 'PX', '9223372036854775807'],
      ['SET', 'k', 'v', 'foo'], ['GET', 'k'],
    ]);
  });

  test('binary-safe values round-trip', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await pair.same('SET', bytes, bytes);
    const v = await pair.same('GET', bytes);
    assert.equal(Buffer.from(v as string, 'latin1').compare(bytes), 0);
  });

  test('protocol errors close the connection with Redis\'s text', async () => {
    for (const bad of ['*1\r\n$-5\r\n', '*abc\r\n', '*1\r\nfoo\r\n', '*3000000000\r\n', '"unbalanced\r\n']) {
      const replies: unknown[] = [];
      for (const port of [pair.vellumServer.port, pair.redisServer.port]) {
        const c = await RespClient.connect(port);
        c.writeRaw(bad);
        replies.push(await c.next());
        await c.closed;
      }
      assert.ok(replies[0] instanceof ErrorReply, `${JSON.stringify(bad)} gave an error`);
      assert.deepStrictEqual(replies[0], replies[1], JSON.stringify(bad));
    }
  });
});
