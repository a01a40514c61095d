/**
 * Blocking list commands with several clients: each scenario runs against Vellum and real
 * Redis 7.0 and the observed replies must agree. A scenario waits for its clients to be
 * blocked by polling INFO's blocked_clients (the one event both servers expose).
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/differential.js';
import { blockedClients, redisSkip, waitBlocked } from '../helpers/servers.js';
import { recordEffects } from '../helpers/propagation.js';
import { type Reply, RespClient } from '../helpers/resp-client.js';

/** Run `scenario` on both servers (fresh connections, flushed), return both results. */
async function onBoth<T>(pair: Pair, scenario: (port: number, ctl: RespClient) => Promise<T>): Promise<[T, T]> {
  const out: T[] = [];
  for (const srv of [pair.vellumServer, pair.redisServer]) {
    const ctl = await RespClient.connect(srv.port);
    await ctl.call('FLUSHALL');
    try {
      out.push(await scenario(srv.port, ctl));
    } finally {
      ctl.close();
    }
  }
  return [out[0], out[1]];
}

describe('blocking list commands match Redis 7.0', { skip: redisSkip }, () => {
  let pair: Pair;
  before(async () => { pair = await startPair(); });
  after(async () => { await pair.stop(); });

  test('timeout argument errors and a short timeout', async () => {
    for (const t of ['abc', '-1', '-0.5', '', '1e', 'inf', '-inf', 'nan']) {
      await pair.same('BLPOP', 'k', t);
      await pair.same('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', t);
      await pair.same('BLMPOP', t, '1', 'k', 'LEFT');
    }
    await pair.same('BLMPOP', 'x', '0', 'k', 'LEFT'); // numkeys is checked before the timeout
    const [v, r] = await onBoth(pair, async (port) => {
      const c = await RespClient.connect(port);
      const start = Date.now();
      const replies = [await c.call('BLPOP', 'k', '0.05'), await c.call('BRPOPLPUSH', 'k', 'd', '0.05'),
        await c.call('BLMPOP', '0.05', '2', 'k', 'k2', 'RIGHT')];
      const elapsed = Date.now() - start;
      c.close();
      return { replies, slow: elapsed >= 140 };
    });
    assert.deepEqual(v, r);
    assert.equal(v.slow, true);
  });

  test('first blocked, first served; a push wakes as many as it has elements', async () => {
    const [v, r] = await onBoth(pair, async (port, ctl) => {
      const cs = await Promise.all([0, 1, 2].map(() => RespClient.connect(port)));
      const replies: Promise<Reply>[] = [];
      for (let i = 0; i < 3; i++) {
        replies.push(cs[i].call('BLPOP', 'q', 'other', '0'));
        await waitBlocked(ctl, i + 1);
      }
      await ctl.call('RPUSH', 'q', 'a', 'b');
      const first = await Promise.all([replies[0], replies[1]]);
      await ctl.call('RPUSH', 'other', 'c');
      const last = await replies[2];
      const len = await ctl.call('EXISTS', 'q', 'other');
      for (const c of cs) c.close();
      return { first, last, len };
    });
    assert.deepEqual(v, r);
    assert.deepEqual(v.first, [['q', 'a'], ['q', 'b']]);
  });

  test('a client killed or disconnected while blocked is never served', async () => {
    const [v, r] = await onBoth(pair, async (port, ctl) => {
      const a = await RespClient.connect(port);
      const b = await RespClient.connect(port);
      const c = await RespClient.connect(port);
      const idA = await a.call('CLIENT', 'ID');
      a.call('BLPOP', 'q', '0').catch(() => null);
      await waitBlocked(ctl, 1);
      b.call('BRPOP', 'q', '0').catch(() => null);
      await waitBlocked(ctl, 2);
      const pc = c.call('BLMOVE', 'q', 'dst', 'LEFT', 'RIGHT', '0');
      await waitBlocked(ctl, 3);
      const killed = await ctl.call('CLIENT', 'KILL', 'ID', String(idA));
      await a.closed;
      b.close();
      await b.closed;
      await waitBlocked(ctl, 1);
      await ctl.call('RPUSH', 'q', 'x', 'y');
      const moved = await pc;
      const rest = await ctl.call('LRANGE', 'q', '0', '-1');
      const dst = await ctl.call('LRANGE', 'dst', '0', '-1');
      c.close();
      return { killed, moved, rest, dst };
    });
    assert.deepEqual(v, r);
    assert.deepEqual(v.rest, ['y']);
  });

  test('BLMOVE chains hand an element along', async () => {
    const [v, r] = await onBoth(pair, async (port, ctl) => {
      const a = await RespClient.connect(port);
      const b = await RespClient.connect(port);
      const pb = b.call('BLMOVE', 'l2', 'l3', 'RIGHT', 'LEFT', '0');
      await waitBlocked(ctl, 1);
      const pa = a.call('BRPOPLPUSH', 'l1', 'l2', '0');
      await waitBlocked(ctl, 2);
      await ctl.call('LPUSH', 'l1', 'e');
      const got = await Promise.all([pa, pb]);
      const lists = await Promise.all(['l1', 'l2', 'l3'].map((k) => ctl.call('LRANGE', k, '0', '-1')));
      a.close();
      b.close();
      return { got, lists };
    });
    assert.deepEqual(v, r);
    assert.deepEqual(v.lists, [[], [], ['e']]);
  });

  test('BLMPOP is served with a count; a key of another type does not wake BLPOP', async () => {
    const [v, r] = await onBoth(pair, async (port, ctl) => {
      const a = await RespClient.connect(port);
      const b = await RespClient.connect(port);
      const pa = a.call('BLMPOP', '0', '2', 'x', 'y', 'RIGHT', 'COUNT', '2');
      await waitBlocked(ctl, 1);
      await ctl.call('RPUSH', 'y', '1', '2', '3');
      const served = await pa;
      const pb = b.call('BLPOP', 'z', '0');
      await waitBlocked(ctl, 1);
      await ctl.call('SET', 'z', 'string');
      const stillBlocked = await blockedClients(ctl);
      await ctl.call('DEL', 'z');
      await ctl.call('RPUSH', 'z', 'v');
      const woke = await pb;
      a.close();
      b.close();
      return { served, stillBlocked, woke };
    });
    assert.deepEqual(v, r);
    assert.equal(v.stillBlocked, 1);
  });

  test('inside MULTI a blocking command answers as a timeout', async () => {
    const [v, r] = await onBoth(pair, async (port) => {
      const c = await RespClient.connect(port);
      const out = [];
      for (const cmd of [['MULTI'], ['BLPOP', 'k', '0'], ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0'],
        ['BLMPOP', '0', '1', 'k', 'LEFT'], ['RPUSH', 'k', 'a'], ['BRPOP', 'k', '0'], ['EXEC']]) {
        out.push(await c.call(...cmd));
      }
      c.close();
      return out;
    });
    assert.deepEqual(v, r);
  });

  test('a served blocking pop propagates its non-blocking form', async () => {
    const effects = recordEffects(pair.vellumServer.server!);
    const port = pair.vellumServer.port;
    const ctl = await RespClient.connect(port);
    const a = await RespClient.connect(port);
    await ctl.call('FLUSHALL');
    effects.length = 0;
    const cases: [string[], string[]][] = [
      [['BLPOP', 'k', '0'], ['LPOP', 'k']],
      [['BRPOP', 'k', '0'], ['RPOP', 'k']],
      [['BLMOVE', 'k', 'd', 'RIGHT', 'left', '0'], ['LMOVE', 'k', 'd', 'RIGHT', 'left']],
      [['BRPOPLPUSH', 'k', 'd', '0'], ['RPOPLPUSH', 'k', 'd']],
      [['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '5'], ['LPOP', 'k', '2']],
    ];
    for (const [cmd, effect] of cases) {
      const p = a.call(...cmd);
      await waitBlocked(ctl, 1);
      effects.length = 0;
      await ctl.call('RPUSH', 'k', 'x', 'y');
      await p;
      assert.deepEqual(effects.map((e) => e.argv), [['RPUSH', 'k', 'x', 'y'], effect], cmd.join(' '));
      await ctl.call('DEL', 'k', 'd');
    }
    a.close();
    ctl.close();
  });
});
