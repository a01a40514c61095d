/**
 * Differential testing against real Redis 7.0: the same commands go to a Vellum server and
 * a redis-server, and the replies must be equal, type for type. Only what Redis itself
 * leaves unordered (SMEMBERS, KEYS, HGETALL…) is normalised, and only when a test asks.
 *
 *   const pair = await startPair();           // in before()
 *   await pair.same('SET', 'k', 'v');          // asserts equal replies, returns Vellum's
 *   await pair.sameUnordered('KEYS', '*');
 *   await pair.stop();                          // in after()
 */

import assert from 'node:assert/strict';
import { type Arg, type Reply, RespClient, RespMap, RespSet } from './resp-client.js';
import { type RunningServer, startRedis, startVellum } from './servers.js';
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

  async flush(): Promise<void> {
    await this.both('FLUSHALL');
  }

  async stop(): Promise<void> {
    await Promise.all([this.vellumServer.stop(), this.redisServer.stop()]);
  }
}

/** A Vellum server and a real Redis, with one connection to each. */
export async function startPair(vellumOptions: StartOptions = {}, redisArgs: string[] = []): Promise<Pair> {
  const [v, r] = await Promise.all([startVellum(vellumOptions), startRedis(redisArgs)]);
  return new Pair(v, r, await v.client(), await r.client());
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
