/**
 * The AOF against real Redis 7.0, both directions: redis-server started on an
 * appendonlydir Vellum wrote (RDB-preamble and RESP bases, after rewrites, with #TS
 * annotations) has the same data, and redis-check-aof accepts the files; Vellum started on
 * an appendonlydir real Redis wrote (with BGREWRITEAOF and incr files) has the same data.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { aofOf } from '../../src/persistence/aof/index.js';
import { RespClient, Status, type Reply } from '../helpers/resp-client.js';
import { assertRedisAcceptsAof, redisSkip, startRedis, tempDir } from '../helpers/servers.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Write a mix of every type, TTLs and a transaction. */
async function workload(c: RespClient, round: number): Promise<void> {
  await c.call('SET', `s${round}`, `v\r\n\x00\xff${round}`);
  await c.call('SET', `ttl${round}`, 'x', 'EX', '1000');
  await c.call('RPUSH', 'list', 'a', 'b', String(round));
  await c.call('LPOP', 'list');
  await c.call('SADD', 'set', 'm1', String(round), String(round * 1000));
  await c.call('ZADD', 'z', '1.5', 'a', String(round / 3), `m${round}`);
  await c.call('HSET', 'h', 'f', String(round), `g${round}`, 'x');
  await c.call('INCRBYFLOAT', 'f', '0.1');
  await c.call('EXPIRE', 'h', '5000');
  await c.call('MULTI');
  await c.call('INCR', 'counter');
  await c.call('SADD', 'set2', String(round));
  await c.call('EXEC');
  await c.call('SELECT', '3');
  await c.call('SET', `db3-${round}`, 'y');
  await c.call('SELECT', '0');
  await c.call('DEL', `s${round - 1}`);
}

/** Every key of db 0 and 3 with its type, value and whether it has a TTL. */
async function dataset(c: RespClient): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const db of ['0', '3']) {
    await c.call('SELECT', db);
    const keys = ((await c.call('KEYS', '*')) as string[]).sort();
    for (const k of keys) {
      const t = await c.call('TYPE', k);
      const type = t instanceof Status ? t.value : String(t);
      let v: Reply;
      if (type === 'string') v = await c.call('GET', k);
      else if (type === 'list') v = await c.call('LRANGE', k, '0', '-1');
      else if (type === 'set') v = ((await c.call('SMEMBERS', k)) as string[]).sort();
      else if (type === 'zset') v = await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
      else v = ((await c.call('HGETALL', k)) as string[]).join(',');
      const ttl = (await c.call('PTTL', k)) as number;
      out.push([db, k, type, v, ttl > 0]);
    }
  }
  await c.call('SELECT', '0');
  return out;
}

describe('AOF interop with Redis 7.0', { skip: redisSkip }, () => {
  for (const preamble of ['yes', 'no']) {
    it(`redis-server loads Vellum's AOF (aof-use-rdb-preamble ${preamble}, timestamps, rewrite)`, async () => {
      const dir = tempDir('vellum-aof-interop-');
      dirs.push(dir);
      const h = await startServer({
        port: 0, dir, save: '', loglevel: 'warning', 'aof-use-rdb-preamble': preamble, 'aof-timestamp-enabled': 'yes', appendfsync: 'always',
      });
      const aof = aofOf(h.server);
      assert.equal(aof.enable(), null);
      const c = await RespClient.connect(h.port!);
      await workload(c, 1);
      await aof.waitRewrite();
      await workload(c, 2);
      await c.call('BGREWRITEAOF');
      await workload(c, 3);
      await aof.waitRewrite();
      const expected = await dataset(c);
      c.close();
      aof.shutdown();
      await h.close();

      await assertRedisAcceptsAof(dir, expected, dataset);
    });
  }

  it("Vellum loads Redis's AOF (base, BGREWRITEAOF, several incr files)", async () => {
    const redisDir = tempDir('redis-aof-src-');
    const redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--aof-timestamp-enabled', 'yes'], redisDir);
    const vdir = tempDir('vellum-aof-from-redis-');
    dirs.push(vdir);
    let expected: unknown[];
    try {
      const rc = await redis.client();
      await workload(rc, 1);
      await rc.call('BGREWRITEAOF');
      for (let i = 0; i < 100; i++) {
        const info = String(await rc.call('INFO', 'persistence'));
        if (info.includes('aof_rewrite_in_progress:0') && !info.includes('aof_rewrite_scheduled:1')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await workload(rc, 2);
      expected = await dataset(rc);
      cpSync(join(redisDir, 'appendonlydir'), join(vdir, 'appendonlydir'), { recursive: true });
    } finally {
      await redis.stop();
    }
    const h = await startServer({ port: 0, dir: vdir, save: '', loglevel: 'warning' });
    try {
      const aof = aofOf(h.server);
      if (aof.state === 'off') aof.loadAndOpen();
      const c = await RespClient.connect(h.port!);
      assert.deepEqual(await dataset(c), expected);
      c.close();
    } finally {
      aofOf(h.server).shutdown();
      await h.close();
    }
  });
});
