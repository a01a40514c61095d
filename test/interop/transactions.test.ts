/**
 * Differential tests of MULTI / EXEC / DISCARD / WATCH / UNWATCH against real Redis 7.0,
 * with a second connection per server for WATCH races, plus the propagation of
 * transactions (one unit; MULTI/EXEC only around two or more effects) and a fast-check run
 * of random transactions compared reply by reply.
 */

import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pairSuite, type Pair } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import type { Arg, Reply, RespClient } from '../helpers/resp-client.js';

type Script = (a: RespClient, b: RespClient) => Promise<Reply[]>;

/** Run the same two-connection script on both servers; the reply lists must be equal. */
async function sameOnBoth(pair: Pair, others: [RespClient, RespClient], script: Script): Promise<Reply[]> {
  const [v, r] = await Promise.all([script(pair.vellum, others[0]), script(pair.redis, others[1])]);
  assert.deepStrictEqual(v, r);
  return v;
}

/** Call each command in turn on `c`, collecting the replies. */
async function run(c: RespClient, commands: Arg[][]): Promise<Reply[]> {
  const out: Reply[] = [];
  for (const cmd of commands) out.push(await c.call(...cmd));
  return out;
}

describe('transactions match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite({}, [], { flushEach: false });
  let others: [RespClient, RespClient];
  before(async () => {
    others = [await suite.pair.vellumServer.client(), await suite.pair.redisServer.client()];
  });
  beforeEach(async () => {
    await Promise.all([suite.pair.both('RESET'), others[0].call('RESET'), others[1].call('RESET')]);
    await suite.pair.flush();
  });

  test('MULTI / EXEC / DISCARD basics and misuse errors', async () => {
    await suite.pair.sequence([
      ['EXEC'], ['DISCARD'], ['MULTI'], ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['EXEC'], ['MULTI'], ['SET', 'a', '2'], ['DISCARD'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['WATCH', 'a'], ['SET', 'a', '3'], ['EXEC'], ['GET', 'a'],
      ['UNWATCH'], ['MULTI'], ['UNWATCH'], ['EXEC'],
      ['MULTI', 'x'], ['EXEC', 'x'], ['DISCARD', 'x'], ['WATCH'], ['UNWATCH', 'x'],
    ]);
  });

  test('a command refused while queuing aborts EXEC with EXECABORT', async () => {
    await suite.pair.sequence([
      ['MULTI'], ['SET', 'a', '1'], ['NOSUCH', 'x'], ['SET', 'b', '2'], ['EXEC'], ['EXISTS', 'a', 'b'], ['EXEC'],
      ['MULTI'], ['GET'], ['EXEC'],
      ['MULTI'], ['SET', 'a', '1'], ['EXEC', 'extra'], ['EXEC'], ['EXISTS', 'a'],
    ]);
  });

  test('errors inside EXEC are reported per command and the rest still runs', async () => {
    await suite.pair.sequence([
      ['SET', 's', 'str'], ['MULTI'], ['LPUSH', 's', 'x'], ['SET', 'k', 'v', 'NX', 'XX'], ['SET', 'k', 'v'],
      ['LPUSH', 'l', 'a', 'b'], ['GET', 'l'], ['LLEN', 'l'], ['EXEC'], ['GET', 'k'],
    ]);
  });

  test('pipelined MULTI blocks, including errors, give the same replies', async () => {
    const block: Arg[][] = [
      ['MULTI'], ['SET', 'a', '1'], ['LPUSH', 'a', 'x'], ['GET', 'a'], ['EXEC'],
      ['MULTI'], ['SET', 'b', '1'], ['BADCMD'], ['EXEC'], ['GET', 'b'],
      ['MULTI'], ['SELECT', '3'], ['SET', 'c', 'in3'], ['EXEC'], ['GET', 'c'], ['SELECT', '0'], ['GET', 'c'],
      ['MULTI'], ['MULTI'], ['DISCARD'], ['EXEC'],
    ];
    const [v, r] = await Promise.all([suite.pair.vellum.pipeline(block), suite.pair.redis.pipeline(block)]);
    assert.deepStrictEqual(v, r);
  });

  test('WATCH: another client touching the key fails EXEC with a null array', async () => {
    await sameOnBoth(suite.pair, others, async (a, b) => [
      ...await run(a, [['SET', 'k', '1'], ['WATCH', 'k']]),
      await b.call('SET', 'k', '2'),
      ...await run(a, [['MULTI'], ['SET', 'k', 'mine'], ['EXEC'], ['GET', 'k']]),
      // after a failed EXEC nothing is watched any more
      ...await run(a, [['MULTI'], ['SET', 'k', 'mine'], ['EXEC'], ['GET', 'k']]),
      // same value still counts as a touch; DEL of a missing key does not
      ...await run(a, [['WATCH', 'k', 'missing']]),
      await b.call('DEL', 'missing'),
      ...await run(a, [['MULTI'], ['GET', 'k'], ['EXEC']]),
      ...await run(a, [['WATCH', 'k']]),
      await b.call('SET', 'k', 'mine'),
      ...await run(a, [['MULTI'], ['GET', 'k'], ['EXEC']]),
      // UNWATCH forgets the touch; WATCH in another db is a different key
      ...await run(a, [['WATCH', 'k']]),
      await b.call('SET', 'k', 'x'),
      ...await run(a, [['UNWATCH'], ['MULTI'], ['GET', 'k'], ['EXEC']]),
      ...await run(a, [['SELECT', '1'], ['WATCH', 'k']]),
      await b.call('SET', 'k', 'y'),
      ...await run(a, [['MULTI'], ['GET', 'k'], ['EXEC'], ['SELECT', '0']]),
      // a client's own write before MULTI touches its own watch
      ...await run(a, [['WATCH', 'k'], ['SET', 'k', 'z'], ['MULTI'], ['GET', 'k'], ['EXEC']]),
      // a watched key that another client creates, or deletes
      ...await run(a, [['WATCH', 'new']]),
      await b.call('LPUSH', 'new', 'x'),
      ...await run(a, [['MULTI'], ['LLEN', 'new'], ['EXEC']]),
      ...await run(a, [['WATCH', 'new']]),
      await b.call('DEL', 'new'),
      ...await run(a, [['MULTI'], ['LLEN', 'new'], ['EXEC']]),
    ]);
  });

  test('WATCH: FLUSHALL, FLUSHDB and SWAPDB touch watched keys only where a key exists', async () => {
    await sameOnBoth(suite.pair, others, async (a, b) => [
      ...await run(a, [['SET', 'k', '1'], ['WATCH', 'k']]),
      await b.call('FLUSHALL'),
      ...await run(a, [['MULTI'], ['GET', 'k'], ['EXEC']]),
      ...await run(a, [['WATCH', 'absent']]),
      await b.call('FLUSHALL'),
      ...await run(a, [['MULTI'], ['GET', 'absent'], ['EXEC']]),
      ...await run(a, [['SET', 'k', '1'], ['WATCH', 'k']]),
      await b.call('FLUSHDB'),
      ...await run(a, [['MULTI'], ['GET', 'k'], ['EXEC']]),
      // SWAPDB: the key exists in the other db only, then in neither
      ...await run(a, [['WATCH', 'k']]),
      ...await run(b, [['SELECT', '1'], ['SET', 'k', 'in1'], ['SWAPDB', '0', '1'], ['SELECT', '0']]),
      ...await run(a, [['MULTI'], ['GET', 'k'], ['EXEC']]),
      ...await run(a, [['WATCH', 'nowhere']]),
      await b.call('SWAPDB', '0', '1'),
      ...await run(a, [['MULTI'], ['GET', 'nowhere'], ['EXEC']]),
    ]);
  });

  test('WATCH: a watched key that expires fails EXEC (Redis 7.0)', async () => {
    await sameOnBoth(suite.pair, others, async (a) => {
      const first = await run(a, [['SET', 'e', 'v', 'PX', '60'], ['WATCH', 'e']]);
      await new Promise((r) => setTimeout(r, 120));
      return [...first, ...await run(a, [['MULTI'], ['SET', 'other', '1'], ['EXEC'], ['EXISTS', 'other']])];
    });
    // A key that expires after EXEC is no concern of the transaction.
    await sameOnBoth(suite.pair, others, async (a) =>
      run(a, [['SET', 'e', 'v', 'PX', '5000'], ['WATCH', 'e'], ['MULTI'], ['GET', 'e'], ['EXEC']]));
  });

  test('blocking commands inside MULTI answer at once, as on timeout', async () => {
    await suite.pair.sequence([
      ['MULTI'], ['BLPOP', 'nolist', '0'], ['LPUSH', 'l', 'x'], ['BRPOP', 'l', '0'], ['BLPOP', 'l', '0'], ['EXEC'],
    ]);
  });

  test('MONITOR and SUBSCRIBE inside MULTI; EXEC refused in the RESP2 subscribed context', async () => {
    await suite.pair.sequence([
      ['MULTI'], ['MONITOR'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a'],
      ['MULTI'], ['SSUBSCRIBE', 'sc'], ['EXEC'],
      ['MULTI'], ['SUBSCRIBE', 'ch'], ['PING'], ['EXEC'],
      ['PING'], ['MULTI'], ['SUBSCRIBE', 'ch2'],
      ['UNSUBSCRIBE', 'ch2'], ['UNSUBSCRIBE', 'ch'], ['UNSUBSCRIBE'],
      ['MULTI'], ['SUBSCRIBE', 'ch3'], ['EXEC'],
      ['EXEC'], ['UNSUBSCRIBE'], ['GET', 'a'],
    ]);
  });

  test('NO_MULTI-free commands like SELECT, PING, ECHO queue and run', async () => {
    await suite.pair.sequence([
      ['MULTI'], ['PING'], ['ECHO', 'hi'], ['SELECT', '2'], ['SET', 'x', '1'], ['SELECT', '99'], ['GET', 'x'], ['EXEC'],
      ['GET', 'x'], ['SELECT', '0'],
    ]);
  });

  test('random transactions with a concurrent writer match Redis', async () => {
    const key = fc.constantFrom('k1', 'k2', 'l1');
    const cmd = fc.oneof(
      fc.tuple(fc.constant('SET'), key, fc.constantFrom('a', 'b')),
      fc.tuple(fc.constant('GET'), key),
      fc.tuple(fc.constant('DEL'), key),
      fc.tuple(fc.constant('EXISTS'), key, key),
      fc.tuple(fc.constant('LPUSH'), key, fc.constantFrom('x', 'y')),
      fc.tuple(fc.constant('RPOP'), key),
      fc.tuple(fc.constant('LLEN'), key),
      fc.constant(['MULTI']), fc.constant(['MULTI']), fc.constant(['EXEC']), fc.constant(['EXEC']),
      fc.constant(['DISCARD']), fc.tuple(fc.constant('WATCH'), key), fc.constant(['UNWATCH']),
      fc.constant(['SET', 'k1']), fc.constant(['NOPE']), fc.constant(['SET', 'k2', 'v', 'NX', 'XX']),
      fc.constant(['SELECT', '1']), fc.constant(['SELECT', '0']),
    );
    // Each step goes to the transaction client or, for plain writes, to the other one.
    const step = fc.tuple(fc.boolean(), cmd).map(([other, c]) => ({ other: other && !/^(MULTI|EXEC|DISCARD|WATCH|UNWATCH)$/.test(c[0]!), cmd: c as string[] }));
    await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
      await Promise.all([suite.pair.both('RESET'), others[0].call('RESET'), others[1].call('RESET')]);
      await suite.pair.flush();
      await sameOnBoth(suite.pair, others, async (a, b) => {
        const out: Reply[] = [];
        for (const s of steps) out.push(await (s.other ? b : a).call(...s.cmd));
        return out;
      });
    }), { numRuns: 60 });
  });
});

describe('transaction propagation', { skip: redisSkip }, () => {
  const suite = pairSuite({}, [], { flushEach: false });
  beforeEach(async () => { await suite.pair.vellum.call('RESET'); await suite.pair.flush(); });

  async function effectsOf(commands: Arg[][]): Promise<string[][]> {
    suite.effects.length = 0;
    for (const cmd of commands) await suite.pair.vellum.call(...cmd);
    return suite.effects.map((e) => [String(e.db), ...e.argv]);
  }

  test('two or more writes are wrapped in MULTI/EXEC; EXEC itself is not propagated', async () => {
    assert.deepStrictEqual(await effectsOf([['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['LPUSH', 'l', 'x'], ['EXEC']]),
      [['0', 'MULTI'], ['0', 'SET', 'a', '1'], ['0', 'LPUSH', 'l', 'x'], ['0', 'EXEC']]);
  });

  test('a one-write transaction is logged bare; a read-only one not at all', async () => {
    assert.deepStrictEqual(await effectsOf([['MULTI'], ['GET', 'a'], ['SET', 'a', '1'], ['GET', 'a'], ['EXEC']]),
      [['0', 'SET', 'a', '1']]);
    assert.deepStrictEqual(await effectsOf([['MULTI'], ['GET', 'a'], ['EXISTS', 'a'], ['EXEC']]), []);
  });

  test('failed, aborted and discarded transactions propagate nothing', async () => {
    const other = await suite.pair.vellumServer.client();
    await run(suite.pair.vellum, [['WATCH', 'w']]);
    await other.call('SET', 'w', '1');
    suite.effects.length = 0;
    await run(suite.pair.vellum, [['MULTI'], ['SET', 'a', '1'], ['SET', 'b', '1'], ['EXEC']]);
    await run(suite.pair.vellum, [['MULTI'], ['SET', 'a', '1'], ['NOPE'], ['EXEC']]);
    await run(suite.pair.vellum, [['MULTI'], ['SET', 'a', '1'], ['DISCARD']]);
    assert.deepStrictEqual(suite.effects, []);
    other.close();
  });

  test('effects keep their db and their deterministic form inside EXEC', async () => {
    const effects = await effectsOf([
      ['MULTI'], ['SET', 'a', '1', 'EX', '100'], ['SELECT', '2'], ['SET', 'b', '2'], ['LPUSH', 's', 'x'], ['EXEC'],
    ]);
    assert.equal(effects.length, 5);
    assert.deepStrictEqual(effects[0], ['0', 'MULTI']);
    assert.deepStrictEqual(effects[1]!.slice(0, 5), ['0', 'SET', 'a', '1', 'PXAT']);
    assert.deepStrictEqual(effects.slice(2), [['2', 'SET', 'b', '2'], ['2', 'LPUSH', 's', 'x'], ['2', 'EXEC']]);
  });

  test('an error inside EXEC does not stop the other effects', async () => {
    assert.deepStrictEqual(await effectsOf([['SET', 's', 'x'], ['MULTI'], ['LPUSH', 's', 'x'], ['SET', 'a', '1'], ['EXEC']]),
      [['0', 'SET', 's', 'x'], ['0', 'SET', 'a', '1']]);
  });
});
