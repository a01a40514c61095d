/**
 * The forkless AOF rewrite under load and beside BGSAVE:
 *  - BGREWRITEAOF while a client keeps writing (strings, deletes, TTLs, a streamed big hash
 *    and set): writes are acknowledged while the rewrite runs, and after a restart the
 *    dataset equals the one before; redis-check-aof accepts the rewritten appendonlydir and
 *    real redis-server 7.0 loads it with the same dataset;
 *  - the same with `aof-use-rdb-preamble no` (a RESP base converted from the engine's
 *    image): every type including streams, deadlines and several dbs, written by a client
 *    while the rewrite runs; real redis-server 7.0 loads the appendonlydir with the
 *    dataset Vellum has after the rewrite;
 *  - a failing base (its temp file cannot be created) leaves the AOF as it was, sets
 *    aof_last_bgrewrite_status:err, and the next rewrite succeeds;
 *  - BGREWRITEAOF / BGSAVE / BGSAVE SCHEDULE / MULTI interplay, reply for reply with real
 *    Redis 7.0 (each group pipelined in one write, so the first background job is still
 *    running when the next command arrives on both servers), and the scheduled job runs
 *    once the first ends.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Server, type ServerHandle } from '../../src/index.js';
import { aofOf } from '../../src/persistence/aof/index.js';
import { tempRewritePath } from '../../src/persistence/aof/rewrite.js';
import { RespClient, Status, type Reply } from '../helpers/resp-client.js';
import { assertRedisAcceptsAof, redisSkip, startRedis, startVellum, tempDir, until } from '../helpers/servers.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every key of db 0 with type, value and whether it has a TTL, read with pipelines. */
async function dataset(c: RespClient): Promise<string[]> {
  const keys = ((await c.call('KEYS', '*')) as string[]).sort();
  const types = (await c.pipeline(keys.map((k) => ['TYPE', k]))).map((t) => (t instanceof Status ? t.value : String(t)));
  const reads = keys.map((k, i) => {
    switch (types[i]) {
      case 'string': return ['GET', k];
      case 'list': return ['LRANGE', k, '0', '-1'];
      case 'set': return ['SMEMBERS', k];
      case 'zset': return ['ZRANGE', k, '0', '-1', 'WITHSCORES'];
      default: return ['HGETALL', k];
    }
  });
  const values = await c.pipeline(reads);
  const ttls = await c.pipeline(keys.map((k) => ['PTTL', k]));
  return keys.map((k, i) => {
    let v = values[i] as Reply;
    if (types[i] === 'set') v = (v as string[]).sort();
    if (types[i] === 'hash') {
      const a = v as string[];
      const pairs: string[] = [];
      for (let j = 0; j < a.length; j += 2) pairs.push(`${a[j]}=${a[j + 1]}`);
      v = pairs.sort();
    }
    return JSON.stringify([k, types[i], v, (ttls[i] as number) > 0]);
  });
}

async function preload(c: RespClient): Promise<void> {
  const batch: string[][] = [];
  for (let i = 0; i < 20000; i++) batch.push(['SET', `k${i}`, `v${i}`.repeat(1 + (i % 5))]);
  for (let i = 0; i < 6000; i += 100) {
    const h = ['HSET', 'bighash'];
    const s = ['SADD', 'bigset'];
    for (let j = i; j < i + 100; j++) h.push(`f${j}`, `x${j}`), s.push(`m${j}`);
    batch.push(h, s);
  }
  batch.push(['RPUSH', 'list', 'a', 'b', 'c'], ['ZADD', 'z', '1', 'a', '2.5', 'b'], ['HSET', 'small', 'a', '1']);
  await c.pipeline(batch);
}

/**
 * Pipelined rounds of `commandsOf(round)` until stop() resolves, which returns how many
 * rounds were acknowledged while `during()` held.
 */
function roundLoad(c: RespClient, during: () => boolean, commandsOf: (round: number) => string[][]): { stop(): Promise<number> } {
  let running = true;
  let acknowledgedDuring = 0;
  const loop = (async () => {
    for (let r = 0; running; r++) {
      await c.pipeline(commandsOf(r));
      if (during()) acknowledgedDuring++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return acknowledgedDuring;
    },
  };
}

/** Writes of strings, a big hash and set, a list and a zset, in pipelined rounds (roundLoad). */
function writeLoad(c: RespClient, during: () => boolean): { stop(): Promise<number> } {
  return roundLoad(c, during, (r) => {
    const cmds: string[][] = [];
    for (let i = 0; i < 50; i++) {
      const n = (r * 7919 + i * 104729) % 20000;
      cmds.push(['SET', `k${n}`, `w${r}-${i}`]);
      if (i % 10 === 0) cmds.push(['DEL', `k${(n + 13) % 20000}`]);
      if (i % 10 === 1) cmds.push(['SET', `new${r}-${i}`, 'n', 'PX', '100000000']);
      if (i % 10 === 2) cmds.push(['HSET', 'bighash', `f${n % 6000}`, `h${r}`, `extra${r}`, String(i)]);
      if (i % 10 === 3) cmds.push(['SREM', 'bigset', `m${n % 6000}`]);
      if (i % 10 === 4) cmds.push(['RPUSH', 'list', String(r)], ['ZINCRBY', 'z', '1', `m${i}`]);
    }
    return cmds;
  });
}

const DBS = ['0', '1', '5'];

/** Vellum in this process with a client, both closed (and the AOF synced) whatever `fn` does. */
async function withVellum<T>(options: Record<string, string>, fn: (h: ServerHandle, c: RespClient) => Promise<T>): Promise<T> {
  const h = await startServer({ port: 0, save: '', loglevel: 'warning', ...options });
  try {
    const c = await RespClient.connect(h.port!);
    try {
      return await fn(h, c);
    } finally {
      c.close();
    }
  } finally {
    aofOf(h.server).shutdown();
    await h.close();
  }
}

/**
 * Every key of dbs 0, 1 and 5: type, value, exact deadline (PEXPIRETIME); streams by
 * entries, counters, groups, pending entries (without idle times) and consumers.
 */
async function fullDataset(c: RespClient): Promise<string[]> {
  const out: string[] = [];
  for (const db of DBS) {
    await c.call('SELECT', db);
    const keys = ((await c.call('KEYS', '*')) as string[]).sort();
    const types = (await c.pipeline(keys.map((k) => ['TYPE', k]))).map((t) => (t instanceof Status ? t.value : String(t)));
    const deadlines = await c.pipeline(keys.map((k) => ['PEXPIRETIME', k]));
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = types[i] === 'stream' ? await describeStream(c, k) : await describeValue(c, k, types[i]!);
      out.push(JSON.stringify([db, k, types[i], v, deadlines[i]]));
    }
  }
  await c.call('SELECT', '0');
  return out;
}

async function describeValue(c: RespClient, k: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string': return c.call('GET', k);
    case 'list': return c.call('LRANGE', k, '0', '-1');
    case 'set': return ((await c.call('SMEMBERS', k)) as string[]).sort();
    case 'zset': return c.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
    default: {
      const a = (await c.call('HGETALL', k)) as string[];
      const pairs: string[] = [];
      for (let j = 0; j < a.length; j += 2) pairs.push(`${a[j]}=${a[j + 1]}`);
      return pairs.sort();
    }
  }
}

async function describeStream(c: RespClient, k: string): Promise<unknown> {
  const info = (await c.call('XINFO', 'STREAM', k)) as Reply[];
  const field = (name: string) => info[info.indexOf(name) + 1];
  const groups = (await c.call('XINFO', 'GROUPS', k)) as Reply[][];
  const perGroup = [];
  for (const g of groups) {
    const name = String(g[g.indexOf('name') + 1]);
    const pending = ((await c.call('XPENDING', k, name, '-', '+', '1000')) as Reply[][]).map((p) => [p[0], p[1], p[3]]);
    const consumers = ((await c.call('XINFO', 'CONSUMERS', k, name)) as Reply[][]).map((x) => [x[1], x[3]]);
    perGroup.push([g, pending, consumers]);
  }
  return [await c.call('XRANGE', k, '-', '+'), field('length'), field('last-generated-id'), field('max-deleted-entry-id'),
    field('entries-added'), perGroup];
}

/** Every type in dbs 1 and 5 (db 0 gets preload's strings and these too). */
async function preloadTypes(c: RespClient): Promise<void> {
  const cmds: string[][] = [];
  for (const db of DBS) {
    cmds.push(['SELECT', db]);
    for (let i = 0; i < 300; i++) cmds.push(['SET', `s${i}`, `v${i}`]);
    const many = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
    cmds.push(['RPUSH', 'list', ...many(50, (i) => [`e${i}`])], ['RPUSH', 'biglist', ...many(2000, (i) => [`e${i}`])]);
    cmds.push(['SADD', 'iset', '1', '2', '-3'], ['SADD', 'set', ...many(1000, (i) => [`m${i}`])]);
    cmds.push(['HSET', 'hash', 'a', '1', 'b', '2'], ['HSET', 'bighash', ...many(1000, (i) => [`f${i}`, `x${i}`])]);
    cmds.push(['ZADD', 'zset', '1', 'a', '2.5', 'b', '-inf', 'c', '+inf', 'd'], ['ZADD', 'bigzset', ...many(500, (i) => [String(i / 7), `m${i}`])]);
    for (let i = 1; i <= 30; i++) cmds.push(['XADD', 'st', `${i}-1`, 'f', `v${i}`]);
    cmds.push(['XDEL', 'st', '5-1'], ['XGROUP', 'CREATE', 'st', 'g1', '0'], ['XGROUP', 'CREATE', 'st', 'g2', '$']);
    cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '10', 'STREAMS', 'st', '>'], ['XGROUP', 'CREATECONSUMER', 'st', 'g1', 'bob']);
    cmds.push(['XADD', 'emptyst', 'MAXLEN', '0', '7-7', 'x', 'y']);
    cmds.push(['PEXPIRE', 'hash', '100000000'], ['SET', 'ttl', 'x', 'PXAT', '99999999999999'], ['PEXPIRE', 'bigzset', '200000000']);
  }
  cmds.push(['SELECT', '0']);
  await c.pipeline(cmds);
}

/** Writes of every type across the dbs, in pipelined rounds (roundLoad). */
function typedWriteLoad(c: RespClient, during: () => boolean): { stop(): Promise<number> } {
  return roundLoad(c, during, (r) => {
    const db = DBS[r % DBS.length]!;
    const n = (r * 7919) % 300;
    return [
      ['SELECT', db], ['SET', `s${n}`, `w${r}`], ['DEL', `s${(n + 13) % 300}`], ['SET', `new${r}`, 'n', 'PX', '100000000'],
      ['RPUSH', 'biglist', `r${r}`], ['LPOP', 'list'], ['SADD', 'set', `a${r}`], ['SREM', 'set', `m${n}`],
      ['HSET', 'bighash', `f${n}`, `h${r}`], ['HDEL', 'hash', 'a'], ['ZINCRBY', 'bigzset', '1.5', `m${n}`],
      ['XADD', 'st', '*', 'r', String(r)], ['XACK', 'st', 'g1', `${(r % 10) + 1}-1`],
      // NOACK: without it Redis 7.0 propagates no entries-read for a group read, so
      // replaying the incr file leaves a different counter (Vellum does the same).
      ['XREADGROUP', 'GROUP', 'g2', `c${r % 3}`, 'COUNT', '1', 'NOACK', 'STREAMS', 'st', '>'],
      ['XCLAIM', 'st', 'g1', `c${r % 3}`, '0', `${(r % 10) + 1}-1`], ['PEXPIRE', `s${(n + 1) % 300}`, '100000000'],
    ];
  });
}

describe('forkless AOF rewrite', () => {
  it('under write load: restart has the dataset; redis-check-aof and redis-server accept the files', { skip: redisSkip }, async () => {
    const dir = tempDir('vellum-aofrw-');
    dirs.push(dir);
    let h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendonly: 'yes', appendfsync: 'everysec' });
    let aof = aofOf(h.server);
    let c = await RespClient.connect(h.port!);
    await preload(c);
    const writer = await RespClient.connect(h.port!);
    const load = writeLoad(writer, () => aof.rewriteInProgress);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await c.call('BGREWRITEAOF'), new Status('Background append only file rewriting started'));
    const info = String(await c.call('INFO', 'persistence'));
    assert.match(info, /aof_rewrite_in_progress:1\r\n/);
    assert.match(info, /aof_current_rewrite_time_sec:0\r\n/);
    await aof.waitRewrite();
    await new Promise((r) => setTimeout(r, 20));
    const during = await load.stop();
    writer.close();
    assert.ok(during > 0, 'no write was acknowledged while the rewrite ran');
    const after1 = String(await c.call('INFO', 'persistence'));
    assert.match(after1, /aof_rewrite_in_progress:0\r\n/);
    assert.match(after1, /aof_last_bgrewrite_status:ok\r\n/);
    assert.match(after1, /vellum_aof_rewrite_max_stall_usec:[1-9]\d*\r\n/);
    assert.equal(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'),
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    const expected = await dataset(c);
    assert.ok(expected.length > 20000);
    c.close();
    aof.shutdown();
    await h.close();

    h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendonly: 'yes' });
    aof = aofOf(h.server);
    c = await RespClient.connect(h.port!);
    assert.deepEqual(await dataset(c), expected);
    c.close();
    aof.shutdown();
    await h.close();

    await assertRedisAcceptsAof(dir, expected, dataset);
  });

  it('RESP base (aof-use-rdb-preamble no) under write load of every type: redis-server loads it', { skip: redisSkip }, async () => {
    const dir = tempDir('vellum-aofrw-resp-');
    dirs.push(dir);
    const opts = { dir, appendonly: 'yes', appendfsync: 'everysec', 'aof-use-rdb-preamble': 'no' };
    const expected = await withVellum(opts, async (h, c) => {
      const aof = aofOf(h.server);
      await preload(c);
      await preloadTypes(c);
      const writer = await RespClient.connect(h.port!);
      const load = typedWriteLoad(writer, () => aof.rewriteInProgress);
      let during: number;
      try {
        await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(await c.call('BGREWRITEAOF'), new Status('Background append only file rewriting started'));
        await aof.waitRewrite();
        await new Promise((r) => setTimeout(r, 20));
      } finally {
        during = await load.stop();
        writer.close();
      }
      assert.ok(during > 0, 'no write was acknowledged while the rewrite ran');
      assert.match(String(await c.call('INFO', 'persistence')), /aof_last_bgrewrite_status:ok\r\n/);
      const ad = join(dir, 'appendonlydir');
      assert.equal(readFileSync(join(ad, 'appendonly.aof.manifest'), 'latin1'),
        'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
      assert.match(readFileSync(join(ad, 'appendonly.aof.2.base.aof'), 'latin1').slice(0, 64), /^\*2\r\n\$6\r\nSELECT\r\n/);
      const ds = await fullDataset(c);
      assert.ok(ds.length > 20000);
      return ds;
    });
    assert.deepEqual(await withVellum(opts, (_h, c) => fullDataset(c)), expected);
    await assertRedisAcceptsAof(dir, expected, fullDataset);
  });

  it('a failed base leaves the AOF as it was and is reported; the next rewrite succeeds', async () => {
    const dir = tempDir('vellum-aofrw-fail-');
    dirs.push(dir);
    const h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendonly: 'yes' });
    const aof = aofOf(h.server);
    const c = await RespClient.connect(h.port!);
    try {
      await c.call('SET', 'a', '1');
      const manifestPath = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
      const before = readFileSync(manifestPath, 'latin1');
      // A directory where the temp base goes: opening it for writing fails (EISDIR).
      mkdirSync(tempRewritePath(dir));
      assert.deepEqual(await c.call('BGREWRITEAOF'), new Status('Background append only file rewriting started'));
      await aof.waitRewrite();
      await c.call('SET', 'b', '2');
      const info = String(await c.call('INFO', 'persistence'));
      assert.match(info, /aof_last_bgrewrite_status:err\r\n/);
      assert.match(info, /aof_rewrites_consecutive_failures:1\r\n/);
      // The old base is still named; only the new incr file was added, with its first write
      // (everysec: once the old incr's fsync is back).
      const named = before + 'file appendonly.aof.2.incr.aof seq 2 type i\n';
      await until(() => readFileSync(manifestPath, 'latin1') === named, 'the new incr named');
      rmSync(tempRewritePath(dir), { recursive: true });
      assert.deepEqual(await c.call('BGREWRITEAOF'), new Status('Background append only file rewriting started'));
      await aof.waitRewrite();
      assert.match(String(await c.call('INFO', 'persistence')), /aof_last_bgrewrite_status:ok\r\n/);
      assert.equal(readFileSync(manifestPath, 'latin1'),
        'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
    } finally {
      c.close();
      aof.shutdown();
      await h.close();
    }
  });
});

/** Poll INFO until no background job runs or is scheduled (Redis starts scheduled jobs from its cron). */
async function settle(c: RespClient, server?: Server): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const info = String(await c.call('INFO', 'persistence'));
    const busy = /rdb_bgsave_in_progress:1|aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(info) ||
      (server !== undefined && server.persistence.background.scheduled);
    if (!busy) return info;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('background jobs did not settle');
}

describe('BGREWRITEAOF and BGSAVE interplay, as Redis 7.0', { skip: redisSkip }, () => {
  const groups: [string, string[][]][] = [
    ['rewrite, rewrite, bgsave, bgsave schedule', [['BGREWRITEAOF'], ['BGREWRITEAOF'], ['BGSAVE'], ['BGSAVE', 'SCHEDULE']]],
    ['bgsave, rewrite, rewrite, bgsave', [['BGSAVE'], ['BGREWRITEAOF'], ['BGREWRITEAOF'], ['BGSAVE']]],
    ['rewrite inside MULTI', [['MULTI'], ['BGREWRITEAOF'], ['EXEC']]],
  ];
  for (const [name, cmds] of groups) {
    it(name, async () => {
      const vellum = await startVellum({ appendonly: 'yes' });
      const redis = await startRedis(['--appendonly', 'yes']);
      try {
        const vc = await vellum.client();
        const rc = await redis.client();
        // Some data, so that a fork child or a snapshot takes a moment.
        const fill: string[][] = [];
        for (let i = 0; i < 2000; i++) fill.push(['SET', `key${i}`, 'x'.repeat(100)]);
        await vc.pipeline(fill);
        await rc.pipeline(fill);
        await settle(vc, vellum.server);
        await settle(rc);
        const rewritesBefore = [vc, rc].map(async (c) => Number(/aof_rewrites:(\d+)/.exec(String(await c.call('INFO', 'persistence')))![1]));
        const [vb, rb] = await Promise.all(rewritesBefore);
        const vr = await vc.pipeline(cmds);
        const rr = await rc.pipeline(cmds);
        assert.deepEqual(vr, rr);
        // The scheduled job runs once the first ends: both counters move by as much.
        const vi = await settle(vc, vellum.server);
        const ri = await settle(rc);
        const count = (info: string) => Number(/aof_rewrites:(\d+)/.exec(info)![1]);
        assert.equal(count(vi) - vb!, count(ri) - rb!);
        assert.ok(count(vi) - vb! >= 1);
        for (const info of [vi, ri]) {
          assert.match(info, /aof_last_bgrewrite_status:ok/);
          assert.match(info, /rdb_last_bgsave_status:ok/);
        }
      } finally {
        await vellum.stop();
        await redis.stop();
      }
    });
  }
});
