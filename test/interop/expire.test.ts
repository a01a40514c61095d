/**
 * Differential tests of the expiry commands (expire.ts) against real Redis 7.0, their
 * propagated effects (absolute PEXPIREAT, DEL/UNLINK for past deadlines), lazy expiry on
 * access and active expiry of keys nobody reads.
 */

import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pairSuite } from '../helpers/differential.js';
import { redisSkip } from '../helpers/servers.js';
import type { Arg, Reply } from '../helpers/resp-client.js';
import type { Server } from '../../src/index.js';

const FAR_MS = Date.now() + 30 * 24 * 3600 * 1000;
const FAR_S = Math.floor(FAR_MS / 1000);

describe('expiry commands match Redis 7.0', { skip: redisSkip }, () => {
  const suite = pairSuite();
  let server: Server;
  before(() => { server = suite.pair.vellumServer.server!; });
  beforeEach(async () => { await suite.pair.same('SELECT', 0); });

  async function propagates(args: Arg[], expected: string[][]): Promise<Reply> {
    suite.effects.length = 0;
    const r = await suite.pair.same(...args);
    assert.deepStrictEqual(suite.effects.map((e) => e.argv), expected, `effects of ${args.join(' ')}`);
    return r;
  }

  test('arity, parse and overflow errors', async () => {
    await suite.pair.sequence([
      ['EXPIRE'], ['EXPIRE', 'k'], ['PEXPIRE', 'k'], ['EXPIREAT', 'k'], ['PEXPIREAT', 'k'], ['TTL'], ['TTL', 'a', 'b'],
      ['PTTL'], ['EXPIRETIME'], ['PEXPIRETIME', 'a', 'b'], ['PERSIST'], ['PERSIST', 'a', 'b'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', 'abc'], ['EXPIRE', 'k', '1.5'], ['EXPIRE', 'k', ''], ['EXPIRE', 'k', '9223372036854775808'],
      ['EXPIRE', 'k', '9223372036854775'], ['EXPIRE', 'k', '9223372036854776'], ['EXPIRE', 'k', '-9223372036854776'],
      ['EXPIREAT', 'k', '9223372036854776'], ['PEXPIRE', 'k', '9223372036854775807'],
      ['PEXPIRE', 'k', '9223372036854775000'], ['PEXPIREAT', 'k', '9223372036854775807'], ['PEXPIRETIME', 'k'],
      ['EXPIRE', 'k', '100', 'FOO'], ['EXPIRE', 'k', 'abc', 'FOO'], ['EXPIRE', 'k', '100', 'NX', 'XX'],
      ['EXPIRE', 'k', '100', 'NX', 'GT'], ['EXPIRE', 'k', '100', 'lt', 'nx'], ['EXPIRE', 'k', '100', 'GT', 'LT'],
      ['EXPIRE', 'k', '100', 'XX', 'GT', 'LT'], ['EXPIRE', 'k', 'x', 'GT', 'LT'], ['EXPIRE', 'nokey', '100', 'GT', 'FOO'],
      ['PEXPIRE', 'k', '100', 'BAR'],
    ]);
  });

  test('TTL family on missing, persistent and volatile keys', async () => {
    await suite.pair.sequence([
      ['TTL', 'none'], ['PTTL', 'none'], ['EXPIRETIME', 'none'], ['PEXPIRETIME', 'none'],
      ['SET', 'k', 'v'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', FAR_MS], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', FAR_S * 1000 + 499], ['EXPIRETIME', 'k'], ['PEXPIREAT', 'k', FAR_S * 1000 + 500], ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', FAR_S], ['PEXPIRETIME', 'k'], ['EXPIRE', 'k', '100'], ['TTL', 'k'],
      ['PERSIST', 'k'], ['PERSIST', 'k'], ['PERSIST', 'none'], ['TTL', 'k'],
    ]);
    const pttl = (await suite.pair.vellum.call('PTTL', 'k')) as number;
    assert.equal(pttl, -1);
    await suite.pair.both('PEXPIRE', 'k', '5000');
    const [v, r] = (await suite.pair.both('PTTL', 'k')) as number[];
    assert.ok(v! > 4900 && v! <= 5000 && Math.abs(v! - r!) < 100, `PTTL ${v} vs ${r}`);
  });

  test('NX, XX, GT, LT semantics', async () => {
    await suite.pair.sequence([
      ['EXPIRE', 'none', '100', 'NX'], ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', FAR_MS, 'XX'], ['PEXPIREAT', 'k', FAR_MS, 'GT'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', FAR_MS, 'LT'], ['PEXPIRETIME', 'k'], ['PERSIST', 'k'],
      ['PEXPIREAT', 'k', FAR_MS, 'NX'], ['PEXPIREAT', 'k', FAR_MS + 1, 'NX'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', FAR_MS + 5, 'XX'], ['PEXPIRETIME', 'k'],
      ['PEXPIREAT', 'k', FAR_MS + 5, 'GT'], ['PEXPIREAT', 'k', FAR_MS + 4, 'GT'], ['PEXPIREAT', 'k', FAR_MS + 9, 'gt'],
      ['PEXPIRETIME', 'k'], ['PEXPIREAT', 'k', FAR_MS + 9, 'LT'], ['PEXPIREAT', 'k', FAR_MS + 10, 'LT'],
      ['PEXPIREAT', 'k', FAR_MS + 2, 'LT', 'XX'], ['PEXPIRETIME', 'k'], ['EXPIREAT', 'k', FAR_S + 100, 'GT', 'XX'],
      ['PEXPIRETIME', 'k'], ['EXPIRE', 'k', '-1', 'GT'], ['EXISTS', 'k'], ['EXPIRE', 'k', '-1', 'LT'], ['EXISTS', 'k'],
    ]);
  });

  test('a deadline in the past deletes the key', async () => {
    await suite.pair.sequence([
      ['SET', 'a', 'v'], ['EXPIRE', 'a', '0'], ['EXISTS', 'a'], ['SET', 'a', 'v'], ['EXPIRE', 'a', '-100'], ['EXISTS', 'a'],
      ['SET', 'a', 'v'], ['PEXPIRE', 'a', '-1'], ['EXISTS', 'a'], ['SET', 'a', 'v'], ['EXPIREAT', 'a', '1'], ['EXISTS', 'a'],
      ['RPUSH', 'l', 'x'], ['PEXPIREAT', 'l', '0'], ['TYPE', 'l'], ['SET', 'a', 'v'],
      ['PEXPIRE', 'a', '-9223372036854775808'], ['EXISTS', 'a'], ['DBSIZE'],
    ]);
  });

  test('propagation: absolute PEXPIREAT with the flags kept, DEL or UNLINK for the past', async () => {
    await suite.pair.same('SET', 'k', 'v');
    // GT must win whatever the clock does between the two commands: 200 s after 100 s, not the
    // same 100 s again (equal within one millisecond, which GT rightly refuses).
    for (const [cmd, amount, flags] of [['EXPIRE', 100, []], ['pexpire', 200000, ['GT']], ['EXPIREAT', FAR_S, ['xx']]] as const) {
      const t0 = Date.now();
      suite.effects.length = 0;
      await suite.pair.same(cmd, 'k', amount, ...flags);
      const t1 = Date.now();
      assert.equal(suite.effects.length, 1);
      const [name, key, at, ...rest] = suite.effects[0]!.argv;
      assert.deepStrictEqual([name, key, rest], ['PEXPIREAT', 'k', flags]);
      const ms = Number(at);
      if (cmd === 'EXPIREAT') assert.equal(ms, FAR_S * 1000);
      else {
        const offset = cmd === 'EXPIRE' ? amount * 1000 : amount;
        assert.ok(ms >= t0 + offset && ms <= t1 + offset, `${cmd}: ${at}`);
      }
      assert.equal(await suite.pair.vellum.call('PEXPIRETIME', 'k'), ms);
    }
    // PEXPIREAT is already absolute: it goes out as the client sent it.
    const earlier = String(FAR_S * 1000 - 1000);
    await propagates(['pexpireat', 'k', earlier, 'lt'], [['pexpireat', 'k', earlier, 'lt']]);
    await propagates(['PEXPIREAT', 'k', FAR_MS + 1, 'LT'], []);
    await propagates(['EXPIRE', 'nokey', '100'], []);
    await propagates(['EXPIRE', 'k', '100', 'NX'], []);
    await propagates(['PERSIST', 'k'], [['PERSIST', 'k']]);
    await propagates(['PERSIST', 'k'], []);
    await propagates(['EXPIRE', 'k', '-1'], [['DEL', 'k']]);
    await suite.pair.same('SET', 'k', 'v');
    await suite.pair.same('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
    try {
      await propagates(['EXPIREAT', 'k', '1'], [['UNLINK', 'k']]);
    } finally {
      await suite.pair.same('CONFIG', 'SET', 'lazyfree-lazy-expire', 'no');
    }
  });

  test('lazy expiry: an expired key read by a command is deleted and DEL propagated first', async () => {
    const cycle = server.keyspace.activeExpireCycle;
    server.keyspace.activeExpireCycle = () => 0;
    try {
      await suite.pair.same('SET', 'k', 'v', 'PX', 1);
      await suite.pair.same('SET', 'j', 'v', 'PX', 1);
      await new Promise((r) => setTimeout(r, 5));
      await propagates(['TTL', 'k'], [['DEL', 'k']]);
      // A write that meets an expired key: both effects leave as one MULTI/EXEC unit.
      await propagates(['SET', 'j', 'w', 'NX'], [['MULTI'], ['DEL', 'j'], ['SET', 'j', 'w', 'NX'], ['EXEC']]);
      await propagates(['EXISTS', 'k'], []);
    } finally {
      server.keyspace.activeExpireCycle = cycle;
    }
  });

  test('active expiry removes keys nobody reads and propagates their DELs', async () => {
    for (let i = 0; i < 20; i++) await suite.pair.same('SET', `v${i}`, 'x', 'PX', 30);
    await suite.pair.same('SET', 'keep', 'x');
    suite.effects.length = 0;
    // DBSIZE reads no key, so only the cron can bring it down.
    const deadline = Date.now() + 5000;
    while ((await suite.pair.vellum.call('DBSIZE')) !== 1) {
      assert.ok(Date.now() < deadline, 'active expiry did not run');
      await new Promise((r) => setTimeout(r, 20));
    }
    const dels = suite.effects.map((e) => e.argv);
    assert.deepStrictEqual(dels.map((a) => a[0]), Array(20).fill('DEL'), 'one unwrapped DEL per key');
    assert.deepStrictEqual(dels.map((a) => a[1]).sort(), Array.from({ length: 20 }, (_, i) => `v${i}`).sort());
    assert.equal(await suite.pair.vellum.call('EXISTS', 'keep'), 1);
  });
});
