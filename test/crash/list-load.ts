/**
 * The load the power-loss tests put on a server: several clients, each appending 0, 1, 2 …
 * to a list of its own (l:<id>) and counting the appends acknowledged, so that what an
 * image kept is checked on each list alone: a prefix of what its client sent, and at least
 * as long as what must have survived.
 */

import assert from 'node:assert/strict';
import { RespClient } from '../helpers/resp-client.js';

export class ListLoad {
  /** Appends each client has seen acknowledged so far. */
  readonly acked: number[];
  private stopped = false;
  private readonly running: Promise<void>[];

  constructor(port: number, clients: number) {
    this.acked = new Array<number>(clients).fill(0);
    this.running = this.acked.map((_, id) => this.append(port, id));
  }

  /** Stop appending; resolves once every client has stopped. */
  async end(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private async append(port: number, id: number): Promise<void> {
    const c = await RespClient.connect(port);
    try {
      while (!this.stopped) {
        assert.equal(await c.call('RPUSH', `l:${id}`, String(this.acked[id])), this.acked[id]! + 1);
        this.acked[id]!++;
      }
    } finally {
      c.close();
    }
  }
}

/** Each list l:<id> behind `c` is 0 … k-1 with k ≥ atLeast[id]; `what` opens a failure's message. */
export async function checkLists(c: RespClient, atLeast: readonly number[], what: string): Promise<void> {
  for (let id = 0; id < atLeast.length; id++) {
    const list = (await c.call('LRANGE', `l:${id}`, '0', '-1')) as string[];
    list.forEach((v, j) => assert.equal(v, String(j), `${what}: l:${id} is not a prefix of what was sent`));
    assert.ok(list.length >= atLeast[id]!, `${what}: l:${id} has ${list.length} of the ${atLeast[id]} writes that must be there`);
  }
}

/** mulberry32: a seeded generator, so a failure names the seed that reproduces its moments. */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
