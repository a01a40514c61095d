/**
 * RDB files cross between Vellum and real Redis 7.0 in both directions: each server loads
 * the other's dump.rdb and holds the same data (every type at both encodings, expiries,
 * several databases, binary keys, big values); redis-check-rdb accepts Vellum's files; a
 * bad file stops Vellum's start-up with the file, the offset and the reason.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { redisSkip, startRedis, startVellum, tempDir, type RunningServer } from '../helpers/servers.js';
import { Config, Server, startServer } from '../../src/index.js';
import { ErrorReply, RespClient } from '../helpers/resp-client.js';
import { datasetCommands, describeServer } from './rdb-dataset.js';

async function fill(server: RunningServer): Promise<void> {
  const c = await server.client();
  for (const reply of await c.pipeline(datasetCommands())) {
    assert.ok(!(reply instanceof Object && 'message' in reply), `fill failed: ${JSON.stringify(reply)}`);
  }
}

function assertOk(reply: unknown): void {
  assert.equal((reply as { value?: string }).value, 'OK', `expected +OK, got ${JSON.stringify(reply)}`);
}

function checkRdb(path: string): string {
  const r = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `redis-check-rdb rejected ${path}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

describe('RDB interop with Redis 7.0', { skip: redisSkip }, () => {
  let vellum: RunningServer;
  let redis: RunningServer;
  let vellumData: Awaited<ReturnType<typeof describeServer>>;
  let redisData: Awaited<ReturnType<typeof describeServer>>;

  before(async () => {
    vellum = await startVellum();
    redis = await startRedis();
    await fill(vellum);
    await fill(redis);
    vellumData = await describeServer(await vellum.client());
    redisData = await describeServer(await redis.client());
  });
  after(async () => {
    await vellum?.stop();
    await redis?.stop();
  });

  it('the dataset is the same on both servers before any file is involved', () => {
    assert.deepEqual(vellumData.map(({ encoding: _e, ...k }) => k), redisData.map(({ encoding: _e, ...k }) => k));
  });

  it('real Redis loads Vellum\'s dump.rdb with the same data and encodings; redis-check-rdb accepts it', async () => {
    const c = await vellum.client();
    assertOk(await c.call('SAVE'));
    const file = join(vellum.dir, 'dump.rdb');
    assert.equal(readFileSync(file).subarray(0, 9).toString(), 'REDIS0010');
    assert.deepEqual(readdirSync(vellum.dir).filter((f) => f.startsWith('temp-')), [], 'no temp file left');
    checkRdb(file);
    const dir = tempDir('redis-load-');
    copyFileSync(file, join(dir, 'dump.rdb'));
    const loaded = await startRedis([], dir);
    try {
      assert.deepEqual(await describeServer(await loaded.client()), redisData);
    } finally {
      await loaded.stop();
    }
  });

  it('Vellum loads real Redis\'s dump.rdb with the same data', async () => {
    const c = await redis.client();
    await c.call('SAVE');
    const dir = tempDir('vellum-load-');
    copyFileSync(join(redis.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
    const loaded = await startVellum({ dir });
    try {
      assert.deepEqual(await describeServer(await loaded.client()), vellumData);
      const info = (await (await loaded.client()).call('INFO', 'persistence')) as string;
      assert.match(info, new RegExp(`rdb_last_load_keys_loaded:${vellumData.length}\\r\\n`));
    } finally {
      await loaded.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('files written with rdbcompression no and rdbchecksum no cross both ways', async () => {
    const dir = tempDir('vellum-plain-');
    const plain = await startVellum({ dir, rdbcompression: false, rdbchecksum: false });
    try {
      await fill(plain);
      assertOk(await (await plain.client()).call('SAVE'));
      const bytes = readFileSync(join(dir, 'dump.rdb'));
      assert.deepEqual([...bytes.subarray(bytes.length - 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
      checkRdb(join(dir, 'dump.rdb'));
      const rdir = tempDir('redis-plain-');
      copyFileSync(join(dir, 'dump.rdb'), join(rdir, 'dump.rdb'));
      const loaded = await startRedis([], rdir);
      try {
        assert.deepEqual(await describeServer(await loaded.client()), redisData);
      } finally {
        await loaded.stop();
      }
    } finally {
      await plain.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keys already expired in the file are dropped on load and counted', async () => {
    const r = await startRedis();
    const dir = tempDir('vellum-expired-');
    try {
      const c = await r.client();
      await c.call('SET', 'gone', 'x', 'PX', '300');
      await c.call('SET', 'kept', 'y');
      await c.call('SAVE');
      copyFileSync(join(r.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
      await new Promise((done) => setTimeout(done, 400)); // the deadline itself is under test
      const v = await startVellum({ dir });
      try {
        const vc = await v.client();
        assert.deepEqual(await vc.call('KEYS', '*'), ['kept']);
        assert.match((await vc.call('INFO', 'persistence')) as string, /rdb_last_load_keys_expired:1\r\n/);
      } finally {
        await v.stop();
      }
    } finally {
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RDB start-up and SAVE (Vellum alone)', () => {
  it('refuses to start on a corrupt file, naming file, offset and reason, and leaves the file as it was', async () => {
    const dir = tempDir('vellum-bad-');
    try {
      const v = await startVellum({ dir });
      const c = await v.client();
      await c.call('SET', 'k', 'v');
      await c.call('SAVE');
      await v.stop();
      const path = join(dir, 'dump.rdb');
      const good = readFileSync(path);
      const bad = Buffer.from(good);
      bad[bad.length - 3] ^= 0xff; // inside the checksum
      writeFileSync(path, bad);
      await assert.rejects(startServer({ port: 0, dir, loglevel: 'warning', save: '' }),
        (err: Error) => err.message.includes(path) && /offset \d+/.test(err.message) && /Corrupt|checksum/.test(err.message));
      assert.deepEqual(readFileSync(path), bad);
      writeFileSync(path, good.subarray(0, good.length - 12));
      await assert.rejects(startServer({ port: 0, dir, loglevel: 'warning', save: '' }),
        (err: Error) => /Short read/.test(err.message) && err.message.includes(path));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed SAVE keeps the previous file, replies -ERR and is logged', async () => {
    const dir = tempDir('vellum-fail-');
    const v = await startVellum({ dir });
    try {
      const c = await v.client();
      await c.call('SET', 'k', 'v1');
      assertOk(await c.call('SAVE'));
      const before = readFileSync(join(dir, 'dump.rdb'));
      await c.call('SET', 'k', 'v2');
      // A directory squatting on the temp name makes the open fail.
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, `temp-${process.pid}.rdb`));
      const reply = await c.call('SAVE');
      assert.equal((reply as { message: string }).message, 'ERR');
      assert.deepEqual(readFileSync(join(dir, 'dump.rdb')), before);
      rmSync(join(dir, `temp-${process.pid}.rdb`), { recursive: true });
      assertOk(await c.call('SAVE'));
      assert.notDeepEqual(readFileSync(join(dir, 'dump.rdb')), before);
    } finally {
      await v.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a save point saves from the cron, resets the change counter and moves LASTSAVE', async () => {
    const dir = tempDir('vellum-savepoint-');
    const v = await startVellum({ dir, save: ['1', '1'], hz: 50 });
    try {
      const c = await v.client();
      const last = (await c.call('LASTSAVE')) as number;
      await c.call('SET', 'k', 'v');
      const path = join(dir, 'dump.rdb');
      // LASTSAVE moves when the background save has completed (after its rename): the
      // state this test is about. Poll it; no event is exposed to a client.
      const deadline = Date.now() + 5000;
      while (((await c.call('LASTSAVE')) as number) <= last && Date.now() < deadline) {
        await new Promise((d) => setTimeout(d, 50));
      }
      assert.ok(((await c.call('LASTSAVE')) as number) > last, 'LASTSAVE moved');
      assert.ok(existsSync(path) && statSync(path).size > 0, 'dump.rdb written by the save point');
      assert.match((await c.call('INFO', 'persistence')) as string, /rdb_changes_since_last_save:0\r\n/);
    } finally {
      await v.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('FLUSHALL with save points saves the empty dataset at once, like Redis', { skip: redisSkip }, async () => {
    for (const start of [
      (dir: string) => startVellum({ dir, save: ['3600', '1'] }),
      (dir: string) => startRedis(['--save', '3600 1'], dir),
    ]) {
      const dir = tempDir('vellum-flushall-');
      const copy = tempDir('vellum-flushall-copy-');
      const server = await start(dir);
      try {
        const c = await server.client();
        await c.call('SET', 'k', 'v');
        await c.call('SAVE');
        await c.call('FLUSHALL');
        // The file as it is right after FLUSHALL replied: no key may come back from it.
        copyFileSync(join(dir, 'dump.rdb'), join(copy, 'dump.rdb'));
        const loaded = await startVellum({ dir: copy });
        try {
          assert.equal(await (await loaded.client()).call('DBSIZE'), 0);
        } finally {
          await loaded.stop();
        }
      } finally {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
        rmSync(copy, { recursive: true, force: true });
      }
    }
  });

  it('while a big file loads, clients get -LOADING and INFO shows loading:1 with the progress fields', async () => {
    const dir = tempDir('vellum-loading-');
    try {
      const v = await startVellum({ dir });
      const c = await v.client();
      for (let i = 0; i < 300_000; i += 10_000) {
        const batch = [];
        for (let j = i; j < i + 10_000; j++) batch.push(['SET', `k:${j}`, `value-${j}`]);
        await c.pipeline(batch);
      }
      await c.call('SAVE');
      await v.stop();

      const server = new Server(Config.fromArgs([], { port: 0, dir, loglevel: 'warning', save: '' }));
      await server.listen();
      const loading = server.persistence.load();
      try {
        const client = await RespClient.connect(server.tcpPort!);
        const [get, info] = await client.pipeline([['GET', 'k:1'], ['INFO', 'persistence']]);
        assert.deepEqual(get, new ErrorReply('LOADING Redis is loading the dataset in memory'));
        assert.match(info as string, /\r\nloading:1\r\n/);
        for (const field of ['loading_start_time', 'loading_total_bytes', 'loading_loaded_bytes', 'loading_loaded_perc', 'loading_eta_seconds']) {
          assert.match(info as string, new RegExp(`\\r\\n${field}:[0-9.]+`), field);
        }
        await loading;
        assert.equal(await client.call('GET', 'k:1'), 'value-1');
        assert.match((await client.call('INFO', 'persistence')) as string, /\r\nloading:0\r\n/);
        client.close();
      } finally {
        await loading.catch(() => {});
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shutdown saves when save points exist, and not with save ""', async () => {
    const dir = tempDir('vellum-shutdown-');
    try {
      const v = await startVellum({ dir, save: ['3600', '1'] });
      await (await v.client()).call('SET', 'k', 'v');
      await v.stop();
      assert.ok(existsSync(join(dir, 'dump.rdb')));
      const again = await startVellum({ dir });
      const c = await again.client();
      assert.equal(await c.call('GET', 'k'), 'v');
      await c.call('SET', 'k', 'changed');
      await again.stop(); // save "" (the helper's default): no save
      const third = await startVellum({ dir });
      assert.equal(await (await third.client()).call('GET', 'k'), 'v');
      await third.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('DEBUG RELOAD saves and reloads; NOSAVE reloads the file as it was; SHUTDOWN SAVE saves and closes', async () => {
    const dir = tempDir('vellum-reload-');
    const v = await startVellum({ dir, 'enable-debug-command': 'yes' });
    try {
      const c = await v.client();
      await c.call('RPUSH', 'l', 'a', 'b');
      await c.call('HSET', 'h', 'f', 'v');
      assertOk(await c.call('DEBUG', 'RELOAD'));
      assert.deepEqual(await c.call('LRANGE', 'l', 0, -1), ['a', 'b']);
      await c.call('SET', 'later', 'x');
      assertOk(await c.call('DEBUG', 'RELOAD', 'NOSAVE'));
      assert.equal(await c.call('EXISTS', 'later'), 0);
      assert.equal((await c.call('DEBUG', 'RELOAD', 'BAD') as { message: string }).message,
        'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
      await c.call('SET', 'final', 'y');
      const s = await v.client();
      await s.writeRaw('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
      await s.closed;
      const again = await startVellum({ dir });
      assert.equal(await (await again.client()).call('GET', 'final'), 'y');
      await again.stop();
    } finally {
      await v.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
