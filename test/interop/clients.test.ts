/**
 * Real clients from npm, used unchanged, against an in-process Vellum: ioredis and
 * node-redis ("redis"). They exercise what users' code does: connection handshakes,
 * binary values, pipelines, MULTI/EXEC through the client API, pub/sub, RESP3 and
 * reconnection. Command families land in parallel, so a test whose commands the server
 * does not have yet skips itself, naming what it waits for.
 */

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis as IORedis } from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { type RunningServer, startVellum, tempDir } from '../helpers/servers.js';
import { rmSync } from 'node:fs';

let vellum: RunningServer;
before(async () => {
  vellum = await startVellum();
});
after(async () => {
  await vellum.stop();
});

/** Skips the test unless the server has every command named; true when skipped. */
function lacks(t: TestContext, ...names: string[]): boolean {
  const missing = names.filter((n) => vellum.server!.dispatcher.lookup(n) === undefined);
  if (missing.length === 0) return false;
  t.skip(`waiting for ${missing.join(', ').toUpperCase()}`);
  return true;
}

const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));

describe('ioredis', () => {
  /** INFO is ioredis's ready check; without it the check is turned off. */
  function client(): IORedis {
    return new IORedis({
      port: vellum.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1,
      enableReadyCheck: vellum.server!.dispatcher.lookup('info') !== undefined,
    });
  }

  test('connect, PING, ECHO, SET/GET of binary data, SELECT', async () => {
    const r = client();
    try {
      await r.connect();
      assert.equal(await r.ping(), 'PONG');
      assert.equal(await r.echo('hello'), 'hello');
      assert.equal(await r.set(BINARY, BINARY), 'OK');
      assert.ok((await r.getBuffer(BINARY))!.equals(BINARY));
      assert.equal(await r.get('io:missing'), null);
      assert.equal(await r.select(3), 'OK');
      assert.equal(await r.get(BINARY), null);
    } finally {
      r.disconnect();
    }
  });

  test('a pipeline of 1000 commands answers in order; errors stay per command', async () => {
    const r = client();
    try {
      await r.connect();
      const p = r.pipeline();
      for (let i = 0; i < 1000; i++) p.set(`io:p:${i}`, String(i));
      for (let i = 0; i < 1000; i++) p.get(`io:p:${i}`);
      p.call('nosuchcommand');
      const results = (await p.exec())!;
      assert.equal(results.length, 2001);
      for (let i = 0; i < 1000; i++) assert.deepStrictEqual(results[i], [null, 'OK']);
      for (let i = 0; i < 1000; i++) assert.deepStrictEqual(results[1000 + i], [null, String(i)]);
      assert.match((results[2000]![0] as Error).message, /^ERR unknown command 'nosuchcommand'/);
    } finally {
      r.disconnect();
    }
  });

  test('a 5 MB value round-trips', async () => {
    const r = client();
    try {
      await r.connect();
      const big = Buffer.alloc(5 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      await r.set('io:big', big);
      assert.ok((await r.getBuffer('io:big'))!.equals(big));
    } finally {
      r.disconnect();
    }
  });

  test('MULTI/EXEC through the client API', async (t) => {
    if (lacks(t, 'multi', 'exec', 'incr')) return;
    const r = client();
    try {
      await r.connect();
      const res = await r.multi().set('io:m', '1').incr('io:m').get('io:m').exec();
      assert.deepStrictEqual(res, [[null, 'OK'], [null, 2], [null, '2']]);
    } finally {
      r.disconnect();
    }
  });

  test('pub/sub: a subscriber receives a published message', async (t) => {
    if (lacks(t, 'subscribe', 'publish')) return;
    const sub = client();
    const pub = client();
    try {
      await Promise.all([sub.connect(), pub.connect()]);
      await sub.subscribe('io:chan');
      const got = new Promise<[string, string]>((resolve) => sub.on('message', (ch: string, msg: string) => resolve([ch, msg])));
      assert.equal(await pub.publish('io:chan', 'hi'), 1);
      assert.deepStrictEqual(await got, ['io:chan', 'hi']);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });
});

describe('node-redis', () => {
  function client(resp: 2 | 3 = 2) {
    return createClient({ socket: { port: vellum.port, host: '127.0.0.1', reconnectStrategy: false }, RESP: resp });
  }

  test('connect, PING, SET/GET of binary data', async () => {
    const r = client();
    r.on('error', () => {});
    await r.connect();
    try {
      assert.equal(await r.ping(), 'PONG');
      assert.equal(await r.set(BINARY, BINARY), 'OK');
      const got = await r.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get(BINARY);
      assert.ok(Buffer.isBuffer(got) && got.equals(BINARY));
      assert.equal(await r.get('nr:missing'), null);
    } finally {
      r.destroy();
    }
  });

  test('auto-pipelined commands answer in order', async () => {
    const r = client();
    r.on('error', () => {});
    await r.connect();
    try {
      const sets = Array.from({ length: 500 }, (_, i) => r.set(`nr:p:${i}`, String(i)));
      const gets = Array.from({ length: 500 }, (_, i) => r.get(`nr:p:${i}`));
      assert.ok((await Promise.all(sets)).every((x) => x === 'OK'));
      assert.deepStrictEqual(await Promise.all(gets), Array.from({ length: 500 }, (_, i) => String(i)));
    } finally {
      r.destroy();
    }
  });

  test('MULTI/EXEC through the client API', async (t) => {
    if (lacks(t, 'multi', 'exec', 'incr')) return;
    const r = client();
    r.on('error', () => {});
    await r.connect();
    try {
      assert.deepStrictEqual(await r.multi().set('nr:m', '5').incr('nr:m').get('nr:m').exec(), ['OK', 6, '6']);
    } finally {
      r.destroy();
    }
  });

  test('pub/sub on a duplicated connection', async (t) => {
    if (lacks(t, 'subscribe', 'publish')) return;
    const r = client();
    r.on('error', () => {});
    await r.connect();
    const sub = r.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    try {
      const got = new Promise<string>((resolve) => void sub.subscribe('nr:chan', (msg) => resolve(msg)));
      // subscribe() resolves once the server confirmed; publish after that.
      for (let n = 0; n === 0; ) n = await r.publish('nr:chan', 'hello');
      assert.equal(await got, 'hello');
    } finally {
      sub.destroy();
      r.destroy();
    }
  });

  test('RESP3 (HELLO 3): SET/GET', async (t) => {
    if (lacks(t, 'hello')) return;
    const r = client(3);
    r.on('error', () => {});
    await r.connect();
    try {
      assert.equal(await r.set('nr:r3', 'v'), 'OK');
      assert.equal(await r.get('nr:r3'), 'v');
    } finally {
      r.destroy();
    }
  });
});

describe('reconnect after a server restart', () => {
  test('ioredis reconnects by itself and works again', async () => {
    const dir = tempDir();
    let server = await startVellum({ dir });
    const port = server.port;
    const r = new IORedis({ port, host: '127.0.0.1', enableReadyCheck: false, retryStrategy: () => 20 });
    try {
      assert.equal(await r.ping(), 'PONG');
      const closed = new Promise((resolve) => r.once('close', resolve));
      await server.stop();
      await closed;
      server = await startVellum({ dir, port });
      // Queued while disconnected, sent once reconnected.
      assert.equal(await r.ping(), 'PONG');
      assert.equal(await r.set('re:k', 'v'), 'OK');
    } finally {
      r.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
