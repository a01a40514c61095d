/**
 * Differential tests of pub/sub against real Redis 7.0: confirmations and messages in RESP2
 * (arrays) and RESP3 (push frames), the RESP2 subscribed context, sharded channels, PUBSUB
 * introspection, and a fast-check run of random subscription traffic. Where Redis's order
 * comes from a hash table (mass UNSUBSCRIBE, PUBSUB CHANNELS) replies are compared as
 * multisets.
 */

import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalize, pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import { type Arg, encodeCommand, Push, type Reply, type RespClient } from '../helpers/resp-client.js';

/**
 * Send a command (or none) and collect every reply and push up to the reply of a trailing
 * PING marker, which works in every context.
 */
async function callAll(c: RespClient, ...args: Arg[]): Promise<Reply[]> {
  const marker = encodeCommand(['PING', '--end--']);
  c.writeRaw(args.length > 0 ? Buffer.concat([encodeCommand(args), marker]) : marker);
  const out: Reply[] = [];
  for (;;) {
    const r = await c.next();
    // RESP2 subscribed PING answers ['pong', arg]; otherwise the bulk arg.
    if (r === '--end--' || (Array.isArray(r) && r[0] === 'pong' && r[1] === '--end--')) return out;
    out.push(r);
  }
}

/** A mass unsubscribe's confirmations without their hash-table order: names and counts apart. */
function unordered(replies: Reply[]): unknown {
  const rows = replies as Reply[][];
  return { kinds: rows.map((r) => r[0]).sort(), names: rows.map((r) => r[1]).sort(), counts: rows.map((r) => r[2]).sort() };
}

describe('pub/sub matches Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite({}, [], { flushEach: false });
  let subs: [RespClient, RespClient];
  before(async () => {
    subs = [await suite.pair.vellumServer.client(), await suite.pair.redisServer.client()];
  });
  beforeEach(async () => {
    await Promise.all([suite.pair.both('RESET'), subs[0].call('RESET'), subs[1].call('RESET')]);
  });

  /** Run a script against (publisher, subscriber) on both servers; results must be equal. */
  /**
   * Redis walks its pattern dict in hash order, so the pmessages of one PUBLISH arrive in no
   * fixed order: compare them as a multiset, after the channel messages (which come first).
   */
  function patternOrderFree(replies: Reply[]): Reply[] {
    const isPattern = (r: Reply) => (Array.isArray(r) ? r[0] : r instanceof Push ? r.items[0] : undefined) === 'pmessage';
    const patterns = replies.filter(isPattern).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    return [...replies.filter((r) => !isPattern(r)), ...patterns];
  }

  async function sameOnBoth(script: (pub: RespClient, sub: RespClient) => Promise<unknown[]>): Promise<unknown[]> {
    const [v, r] = await Promise.all([script(suite.pair.vellum, subs[0]), script(suite.pair.redis, subs[1])]);
    assert.deepStrictEqual(v, r);
    return v;
  }

  test('RESP2 confirmations, messages and the subscribed context', async () => {
    await sameOnBoth(async (pub, sub) => [
      await callAll(sub, 'UNSUBSCRIBE'), await callAll(sub, 'PUNSUBSCRIBE'), await callAll(sub, 'SUNSUBSCRIBE'),
      await callAll(sub, 'UNSUBSCRIBE', 'never', 'was'),
      await callAll(sub, 'SUBSCRIBE', 'a', 'b', 'a'),
      await callAll(sub, 'PSUBSCRIBE', 'a*', 'h?llo'),
      await callAll(sub, 'SSUBSCRIBE', 'sa'),
      await callAll(sub, 'GET', 'x'), await callAll(sub, 'CLIENT', 'LIST'), await callAll(sub, 'PING'),
      await callAll(sub, 'PING', 'x'), await callAll(sub, 'MULTI'),
      await pub.call('PUBLISH', 'a', 'm1'), await pub.call('PUBLISH', 'hello', 'm2'), await pub.call('PUBLISH', 'none', 'm3'),
      await pub.call('SPUBLISH', 'sa', 'm4'), await pub.call('SPUBLISH', 'a', 'm5'), await pub.call('PUBLISH', 'sa', 'm6'),
      await sub.next(), await sub.next(), await sub.next(), await sub.next(),
      await callAll(sub, 'UNSUBSCRIBE', 'b'), await callAll(sub, 'PUNSUBSCRIBE', 'h?llo', 'nope'),
      await callAll(sub, 'SUNSUBSCRIBE', 'sa'), await callAll(sub, 'UNSUBSCRIBE', 'a'), await callAll(sub, 'PUNSUBSCRIBE'),
      await callAll(sub, 'GET', 'x'),
    ]);
  });

  test('mass unsubscribe confirms every channel (order as Redis leaves it: unordered)', async () => {
    await sameOnBoth(async (_pub, sub) => [
      await callAll(sub, 'SUBSCRIBE', 'c1', 'c2', 'c3'), await callAll(sub, 'PSUBSCRIBE', 'p1', 'p2'),
      unordered(await callAll(sub, 'UNSUBSCRIBE')), unordered(await callAll(sub, 'PUNSUBSCRIBE')),
      await callAll(sub, 'SSUBSCRIBE', 's1', 's2'), unordered(await callAll(sub, 'SUNSUBSCRIBE')),
    ]);
  });

  test('RESP3: push frames, and any command while subscribed', async () => {
    await sameOnBoth(async (pub, sub) => {
      await sub.call('HELLO', '3');
      const out = [
        await callAll(sub, 'SUBSCRIBE', 'a'), await callAll(sub, 'PSUBSCRIBE', '*'),
        await callAll(sub, 'SET', 'k', 'v'), await callAll(sub, 'GET', 'k'), await callAll(sub, 'PING'),
        await pub.call('PUBLISH', 'a', 'hi'), await sub.next(), await sub.next(),
        // a subscriber publishing to itself gets the push before the reply
        await callAll(sub, 'PUBLISH', 'a', 'self'),
        await callAll(sub, 'SSUBSCRIBE', 's'), await pub.call('SPUBLISH', 's', 'x'), await sub.next(),
        await callAll(sub, 'UNSUBSCRIBE', 'a'), await callAll(sub, 'PUNSUBSCRIBE', 'zz'),
        await callAll(sub, 'SUNSUBSCRIBE', 's'), await callAll(sub, 'PUNSUBSCRIBE'), await callAll(sub, 'UNSUBSCRIBE'),
      ];
      return out;
    });
  });

  test('RESP3 push frame types are push, not arrays', async () => {
    const sub = subs[0];
    await sub.call('HELLO', '3');
    const [confirm] = await callAll(sub, 'SUBSCRIBE', 'x');
    assert.ok(confirm instanceof Push, 'confirmation is a push frame');
    await suite.pair.vellum.call('PUBLISH', 'x', 'y');
    assert.deepStrictEqual(await sub.next(), new Push(['message', 'x', 'y']));
  });

  test('PUBSUB introspection and its errors', async () => {
    await sameOnBoth(async (pub, sub) => {
      await callAll(sub, 'SUBSCRIBE', 'news.1', 'news.2', 'other');
      await callAll(sub, 'PSUBSCRIBE', 'news.*', 'x');
      await callAll(sub, 'SSUBSCRIBE', 'shard.1');
      return [
        normalize(await pub.call('PUBSUB', 'CHANNELS')), normalize(await pub.call('PUBSUB', 'CHANNELS', 'news.*')),
        await pub.call('PUBSUB', 'NUMSUB'), await pub.call('PUBSUB', 'NUMSUB', 'news.1', 'nope', 'news.1'),
        await pub.call('PUBSUB', 'NUMPAT'), await pub.call('PUBSUB', 'SHARDCHANNELS'),
        await pub.call('PUBSUB', 'SHARDCHANNELS', 'x*'), await pub.call('PUBSUB', 'SHARDNUMSUB', 'shard.1', 'news.1'),
        await pub.call('PUBSUB', 'HELP'), await pub.call('pubsub', 'help', 'x'), await pub.call('PUBSUB'),
        await pub.call('PUBSUB', 'NOPE'), await pub.call('PUBSUB', 'CHANNELS', 'a', 'b'),
        await pub.call('PUBSUB', 'NUMPAT', 'x'), await pub.call('PUBLISH', 'x'), await pub.call('SUBSCRIBE'),
        await pub.call('SPUBLISH', 'a'),
      ];
    });
  });

  test('binary channel names and messages round-trip', async () => {
    const bin = Buffer.from([0, 1, 0xff, 0x0d, 0x0a, 0x80]);
    await sameOnBoth(async (pub, sub) => [
      await callAll(sub, 'SUBSCRIBE', bin), await pub.call('PUBLISH', bin, bin), await sub.next(),
    ]);
  });

  test('a closed subscriber is forgotten', async () => {
    const extra = [await suite.pair.vellumServer.client(), await suite.pair.redisServer.client()];
    await Promise.all(extra.map((c) => callAll(c, 'SUBSCRIBE', 'gone')));
    await suite.pair.same('PUBSUB', 'NUMSUB', 'gone');
    for (const c of extra) c.close();
    // The servers learn of the close asynchronously: poll until both agree it is gone.
    for (let i = 0; i < 100; i++) {
      const [v, r] = await suite.pair.both('PUBLISH', 'gone', 'x');
      if (v === 0 && r === 0) break;
      await new Promise((res) => setTimeout(res, 10));
    }
    await suite.pair.same('PUBSUB', 'NUMSUB', 'gone');
    await suite.pair.same('PUBSUB', 'CHANNELS', 'gone');
  });

  test('PUBLISH and SPUBLISH propagate nothing', async () => {
    await suite.pair.vellum.call('PUBLISH', 'a', 'b');
    await suite.pair.vellum.call('SPUBLISH', 'a', 'b');
    await suite.pair.vellum.call('SET', 'marker', '1');
    assert.deepStrictEqual(suite.effects, [{ db: 0, argv: ['SET', 'marker', '1'] }]);
  });

  test('random subscription traffic matches Redis', async () => {
    const name = fc.constantFrom('c1', 'c2', 'd1');
    const pattern = fc.constantFrom('c*', '?1', 'd[12]', 'zz');
    const subCmd = fc.oneof(
      fc.tuple(fc.constant('SUBSCRIBE'), name), fc.tuple(fc.constant('UNSUBSCRIBE'), name),
      fc.tuple(fc.constant('PSUBSCRIBE'), pattern), fc.tuple(fc.constant('PUNSUBSCRIBE'), pattern),
      fc.tuple(fc.constant('SSUBSCRIBE'), name), fc.tuple(fc.constant('SUNSUBSCRIBE'), name),
      fc.constant(['PING']), fc.constant(['GET', 'x']),
    );
    const pubCmd = fc.oneof(
      fc.tuple(fc.constant('PUBLISH'), name, fc.constantFrom('m', 'n')),
      fc.tuple(fc.constant('SPUBLISH'), name, fc.constant('s')),
      fc.tuple(fc.constant('PUBSUB'), fc.constant('NUMSUB'), name, name),
      fc.tuple(fc.constant('PUBSUB'), fc.constant('SHARDNUMSUB'), name),
      fc.constant(['PUBSUB', 'NUMPAT']),
    );
    const step = fc.oneof(subCmd.map((cmd) => ({ pub: false, cmd })), pubCmd.map((cmd) => ({ pub: true, cmd })));
    await fc.assert(fc.asyncProperty(fc.boolean(), fc.array(step, { maxLength: 30 }), async (resp3, steps) => {
      await Promise.all([suite.pair.both('RESET'), subs[0].call('RESET'), subs[1].call('RESET')]);
      await sameOnBoth(async (pub, sub) => {
        if (resp3) await sub.call('HELLO', '3');
        const out: unknown[] = [];
        for (const s of steps) {
          if (s.pub) {
            out.push(await pub.call(...s.cmd));
            // Whatever the subscriber received arrives before the marker's reply.
            out.push(patternOrderFree(await callAll(sub)));
          } else {
            out.push(await callAll(sub, ...s.cmd));
          }
        }
        return out;
      });
    }), { numRuns: 60 });
  });
});
