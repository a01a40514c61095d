/**
 * Differential testing against real Redis 7.0: the same commands go to a Vellum server and
 * a redis-server, and the replies must be equal, type for type. Only what Redis itself
 * leaves unordered (SMEMBERS, KEYS, HGETALL…) is normalised, and only when a test asks.
 *
 *   const pair = await startPair();           // in before()
 *   await pair.same('SET', 'k', 'v');          // asserts equal replies, returns Vellum's
 *   await pair.sameUnordered('KEYS', '*');
 *   await pair.stop();                          // in after()
 *
 * or, inside a describe(), let pairSuite() register those hooks and the usual beforeEach:
 *
 *   const suite = pairSuite();
 *   test('…', async () => { await suite.pair.same('SET', 'k', 'v'); assert.deepEqual(suite.taken(), […]); });
 */

import assert from 'node:assert/strict';
import { type Arg, type Reply, RespClient, RespMap, RespSet } from './resp-client.js';
import { type RunningServer, startRedis, startVellum } from './servers.js';
import { type Effect, recordEffects } from './propagation.js';
import { after, before, beforeEach } from 'node:test';
import type { StartOptions } from '../../src/index.js';

export class Pair {
  constructor(
    readonly vellumServer: RunningServer,
    readonly redisServer: RunningServer,
    readonly vellum: RespClient,
    readonly redis: RespClient,
  ) {}

  /** Send to both; return both replies. */
  async both(...args: Arg[]): Promise<[Reply, Reply]> {
    return Promise.all([this.vellum.call(...args), this.redis.call(...args)]);
  }

  /**
   * Do the same thing to each server, through its main connection, at once; returns both
   * results, Vellum's first. For what is compared after reducing it (a field, a file the
   * server wrote, what another connection saw) rather than reply for reply.
   */
  async each<T>(fn: (client: RespClient, server: RunningServer) => Promise<T>): Promise<[T, T]> {
    return Promise.all([fn(this.vellum, this.vellumServer), fn(this.redis, this.redisServer)]);
  }

  /** Send to both and assert the replies are equal; returns Vellum's. */
  async same(...args: Arg[]): Promise<Reply> {
    const [v, r] = await this.both(...args);
    assert.deepStrictEqual(v, r, `${args.map(String).join(' ')}: Vellum ≠ Redis`);
    return v;
  }

  /** As same(), comparing arrays (and RESP3 sets and maps) as multisets. */
  async sameUnordered(...args: Arg[]): Promise<Reply> {
    const [v, r] = await this.both(...args);
    assert.deepStrictEqual(normalize(v), normalize(r), `${args.map(String).join(' ')}: Vellum ≠ Redis (unordered)`);
    return v;
  }

  /** Run a list of commands on both, asserting each pair of replies. */
  async sequence(commands: Arg[][]): Promise<void> {
    for (const cmd of commands) await this.same(...cmd);
  }

  /**
   * Run `commands` on both servers with notify-keyspace-events KEA and a pattern subscriber
   * on each; asserts that both emitted the same keyspace events and returns them. A PUBLISH
   * to a marker channel ends each stream, so no count or last event is guessed.
   */
  async sameKeyspaceEvents(commands: Arg[][]): Promise<Reply[]> {
    const end = '__vellum_test_end__';
    const subs = [await this.vellumServer.client(), await this.redisServer.client()];
    try {
      for (const sub of subs) {
        await sub.call('PSUBSCRIBE', '__key*__:*');
        await sub.call('SUBSCRIBE', end);
      }
      await this.same('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      await this.sequence(commands);
      const streams = await Promise.all(subs.map(async (sub, i) => {
        await (i === 0 ? this.vellum : this.redis).call('PUBLISH', end, 'x');
        const events: Reply[] = [];
        for (;;) {
          const m = await sub.next();
          if (Array.isArray(m) && m[0] === 'message' && m[1] === end) return events;
          events.push(m);
        }
      }));
      assert.deepStrictEqual(streams[0], streams[1], 'keyspace events: Vellum ≠ Redis');
      return streams[0]!;
    } finally {
      await this.same('CONFIG', 'SET', 'notify-keyspace-events', '');
      for (const sub of subs) sub.close();
    }
  }

  async flush(): Promise<void> {
    await this.both('FLUSHALL');
  }

  async stop(): Promise<void> {
    await Promise.all([this.vellumServer.stop(), this.redisServer.stop()]);
  }
}

/** A Vellum server and a real Redis, with one connection to each. */
export async function startPair(vellumOptions: StartOptions = {}, redisArgs: string[] = []): Promise<Pair> {
  const started = await Promise.allSettled([startVellum(vellumOptions), startRedis(redisArgs)]);
  const [v, r] = started;
  if (v.status === 'rejected' || r.status === 'rejected') {
    // Stop the one that did start: a failed start must not leave a server behind.
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw v.status === 'rejected' ? v.reason : (r as PromiseRejectedResult).reason;
  }
  return new Pair(v.value, r.value, await v.value.client(), await r.value.client());
}

export interface PairSuiteOptions {
  /** FLUSHALL on both servers before each test (default true). */
  flushEach?: boolean;
}

/**
 * A pair shared by the tests of one describe(), with Vellum's propagation stream recorded.
 * `pair` and `effects` exist once the before() hook has run, that is inside tests and
 * later hooks.
 */
export class PairSuite {
  private current: Pair | undefined;
  private recorded: Effect[] | undefined;

  get pair(): Pair {
    if (this.current === undefined) throw new Error('pairSuite: the pair starts in before()');
    return this.current;
  }

  /** Everything Vellum propagated since the last beforeEach (or the last taken()). */
  get effects(): Effect[] {
    if (this.recorded === undefined) throw new Error('pairSuite: recording starts in before()');
    return this.recorded;
  }

  /** The effects propagated since the last call, as argv arrays; clears them. */
  taken(): string[][] {
    const out = this.effects.map((e) => e.argv);
    this.effects.length = 0;
    return out;
  }

  /** @internal for pairSuite's hooks */
  async start(vellumOptions: StartOptions, redisArgs: string[]): Promise<void> {
    this.current = await startPair(vellumOptions, redisArgs);
    this.recorded = recordEffects(this.current.vellumServer.server!);
  }

  /** @internal for pairSuite's hooks */
  async stop(): Promise<void> {
    await this.current?.stop();
  }
}

/**
 * Register, in the current describe(), the hooks that start a Pair and record its Vellum
 * effects (before), stop it (after) and, before each test, flush both servers (unless
 * `flushEach` is false) and clear the recorded effects. Hooks a file registers after this
 * call run after these.
 */
export function pairSuite(vellumOptions: StartOptions = {}, redisArgs: string[] = [], options: PairSuiteOptions = {}): PairSuite {
  const suite = new PairSuite();
  const flushEach = options.flushEach ?? true;
  before(() => suite.start(vellumOptions, redisArgs));
  after(() => suite.stop());
  beforeEach(async () => {
    if (flushEach) await suite.pair.flush();
    suite.effects.length = 0;
  });
  return suite;
}

/** Sort arrays recursively by a stable rendering, for order-insensitive comparison. */
export function normalize(reply: Reply): unknown {
  if (Array.isArray(reply)) return reply.map(normalize).map(render).sort();
  if (reply instanceof RespSet) return { set: reply.items.map(normalize).map(render).sort() };
  if (reply instanceof RespMap) return { map: reply.entries.map(([k, v]) => render([normalize(k), normalize(v)])).sort() };
  return reply;
}

function render(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}
