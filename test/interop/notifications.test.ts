/**
 * Keyspace notifications of the generic and expiry commands, compared with real Redis 7.0:
 * a subscriber on each server PSUBSCRIBEs to every keyspace and keyevent channel, the same
 * commands run on both, and the two message streams must be equal, in order.
 */

import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import type { Arg, Reply, RespClient } from '../helpers/resp-client.js';

const END = 'end-of-test-commands';

describe('keyspace notifications match Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  let vSub: RespClient;
  let rSub: RespClient;
  before(async () => {
    pair = await startPair();
    await pair.same('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    vSub = await pair.vellumServer.client();
    rSub = await pair.redisServer.client();
    for (const sub of [vSub, rSub]) {
      await sub.call('PSUBSCRIBE', '__key*__:*');
      await sub.call('SUBSCRIBE', END);
    }
  });
  after(async () => { await pair.stop(); });
  beforeEach(async () => {
    await pair.flush();
    await pair.same('SELECT', 0);
    await Promise.all([drain(vSub), drain(rSub)]);
  });

  /** Read messages until the END marker; returns those before it. */
  async function drain(sub: RespClient): Promise<Reply[]> {
    await (sub === vSub ? pair.vellum : pair.redis).call('PUBLISH', END, 'x');
    const out: Reply[] = [];
    for (;;) {
      const m = (await sub.next()) as Reply[];
      if (m[0] === 'message' && m[1] === END) return out;
      out.push(m);
    }
  }

  async function sameEvents(commands: Arg[][]): Promise<Reply[]> {
    await pair.sequence(commands);
    const [v, r] = await Promise.all([drain(vSub), drain(rSub)]);
    assert.deepStrictEqual(v, r, 'events: Vellum ≠ Redis');
    return v;
  }

  test('DEL, UNLINK, RENAME, RENAMENX', async () => {
    const events = await sameEvents([
      ['SET', 'a', '1'], ['SET', 'b', '2'], ['DEL', 'a', 'b', 'missing'], ['SET', 'a', '1'], ['UNLINK', 'a'],
      ['SET', 'x', '1'], ['SET', 'y', '2'], ['RENAME', 'x', 'y'], ['RENAME', 'y', 'y'], ['RENAMENX', 'y', 'z'],
      ['SET', 'w', '1'], ['RENAMENX', 'z', 'w'], ['RENAME', 'nope', 'q'],
    ]);
    assert.ok(events.length > 10, 'events arrived');
  });

  test('MOVE, COPY, SWAPDB, FLUSHDB, FLUSHALL', async () => {
    await sameEvents([
      ['SET', 'k', 'v'], ['MOVE', 'k', '1'], ['MOVE', 'k', '1'], ['SELECT', 1], ['MOVE', 'k', '0'], ['SELECT', 0],
      ['COPY', 'k', 'c'], ['COPY', 'k', 'c'], ['COPY', 'k', 'c', 'REPLACE'], ['COPY', 'k', 'c', 'DB', '2'],
      ['RPUSH', 'l', 'a'], ['COPY', 'l', 'l2'], ['SWAPDB', '0', '1'], ['FLUSHDB'], ['FLUSHALL'],
    ]);
  });

  test('EXPIRE family and PERSIST', async () => {
    const far = Date.now() + 1e9;
    await sameEvents([
      ['SET', 'k', 'v'], ['EXPIRE', 'k', '100'], ['PEXPIRE', 'k', '200000', 'GT'], ['PEXPIREAT', 'k', far, 'NX'],
      ['EXPIREAT', 'k', Math.floor(far / 1000), 'XX'], ['PERSIST', 'k'], ['PERSIST', 'k'], ['EXPIRE', 'nokey', '10'],
      ['EXPIRE', 'k', '-1'], ['SET', 'k', 'v'], ['PEXPIREAT', 'k', '1'], ['EXPIRE', 'k', 'bad'],
    ]);
  });

  test('expired: keys that pass their deadline without being read', async () => {
    await pair.sequence([['SET', 'e', 'v', 'PX', 20], ['PEXPIRE', 'k', 20]]);
    const expired = async (sub: RespClient) => {
      for (;;) {
        const m = (await sub.next()) as Reply[];
        if (m[3] === 'expired' || m[2] === '__keyevent@0__:expired') return m;
      }
    };
    const [v, r] = await Promise.all([expired(vSub), expired(rSub)]);
    assert.deepStrictEqual(v, r);
    await Promise.all([drain(vSub), drain(rSub)]);
  });

  test('lazy expiry on access fires expired', async () => {
    await pair.same('SET', 'e', 'v', 'PX', 1);
    await new Promise((r) => setTimeout(r, 5));
    // Whichever of lazy or active expiry wins, the event stream is one `expired` per channel.
    const events = await sameEvents([['GET', 'e'], ['EXISTS', 'e']]);
    assert.ok(events.some((m) => (m as Reply[])[3] === 'expired'), 'expired event seen');
  });
});
