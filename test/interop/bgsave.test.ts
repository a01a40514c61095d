/**
 * Forkless snapshots against the real thing: a snapshot taken while writes land between
 * its slices is accepted by redis-check-rdb and loaded by redis-server with the dataset as
 * it was at T; BGSAVE on a running Vellum answers in Redis 7.0's words (started, already
 * in progress, scheduled, SAVE refused), moves LASTSAVE, writes a file Redis loads with the
 * data as of the BGSAVE instant while another client keeps writing, fails cleanly (status
 * err, MISCONF, previous dump intact), is cancelled by SHUTDOWN, and is loaded on restart.
 * A save's end is awaited by polling INFO's rdb_bgsave_in_progress: no event exposes it.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Keyspace } from '../../src/store/keyspace.js';
import { HashValue } from '../../src/store/hash.js';
import { ListValue } from '../../src/store/list.js';
import { SetValue } from '../../src/store/set.js';
import { ZSetValue } from '../../src/store/zset.js';
import {
  formatStreamId, STREAM_ID_MAX, STREAM_ID_MIN, StreamIterator, StreamNack, StreamValue, streamIdFromParts, streamIdIncr,
  type StreamGroupImage, type StreamId, type StreamImage,
} from '../../src/store/stream.js';
import { startSnapshot } from '../../src/persistence/snapshot/engine.js';
import { FileSnapshotSink } from '../../src/persistence/snapshot/file-sink.js';
import { redisSkip, startRedis, startVellum, tempDir, type RunningServer } from '../helpers/servers.js';
import { ErrorReply, Status, type Reply, type RespClient } from '../helpers/resp-client.js';
import { bgsaveTempPath } from '../../src/persistence/snapshot/file-sink.js';

const LIMITS = { maxListpackEntries: 128, maxListpackValue: 64 };

function populate(ks: Keyspace): void {
  for (let d = 0; d < 3; d++) {
    const db = ks.dbs[d]!;
    for (let i = 0; i < 3000; i++) db.setKey(`s:${i}`, `value-${d}-${i}`.repeat(1 + (i % 3)));
    for (let i = 0; i < 50; i++) {
      db.setKey(`l:${i}`, ListValue.fromArray(Array.from({ length: 1 + i * 5 }, (_, j) => `item${j}`)));
      db.setKey(`h:${i}`, HashValue.fromEntries(Array.from({ length: 1 + i * 7 }, (_, j) => [`f${j}`, `v${j}`]), LIMITS));
      db.setKey(`z:${i}`, ZSetValue.fromEntries(Array.from({ length: 1 + i * 7 }, (_, j) => [`m${j}`, j / 3]), LIMITS));
      db.setKey(`t:${i}`, SetValue.fromValues(Array.from({ length: 1 + i * 20 }, (_, j) => String(j)), { maxIntsetEntries: 512 }));
      db.setExpire(`s:${i}`, Date.now() + 3_600_000);
    }
    db.setKey('bighash', HashValue.fromEntries(Array.from({ length: 20_000 }, (_, j) => [`field${j}`, `val${j}`]), LIMITS));
  }
}

/** Writes of every kind, a few per event-loop turn, until stopped. */
function writeLoad(ks: Keyspace): () => void {
  let n = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    for (let k = 0; k < 20; k++, n++) {
      const db = ks.dbs[n % 3]!;
      const i = (n * 7919) % 3000;
      switch (n % 6) {
        case 0: db.setKey(`s:${i}`, `new${n}`); break;
        case 1: if (db.has(`s:${i}`)) db.delete(`s:${i}`); break;
        case 2: {
          const h = db.lookupWrite('bighash') as HashValue | undefined;
          if (h !== undefined) { h.set(`field${n % 100}`, `w${n}`, LIMITS); db.signalModified('bighash'); }
          break;
        }
        case 3: db.setKey(`new:${n}`, 'x'); break;
        case 4: if (n % 600 === 4) ks.swap(ks.dbs[1]!, ks.dbs[2]!); break;
        default: if (db.has(`s:${i}`)) db.setExpire(`s:${i}`, Date.now() + 1000); break;
      }
    }
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => { running = false; };
}

describe('forkless snapshot files and real Redis', { skip: redisSkip }, () => {
  let redis: RunningServer | undefined;
  after(async () => { await redis?.stop(); });

  it('a snapshot taken under writes passes redis-check-rdb and loads in redis-server as of T', async () => {
    const ks = new Keyspace(16);
    populate(ks);
    const atT = ks.dbs.map((db) => db.size);
    const dir = tempDir('vellum-bgsave-');
    const path = join(dir, 'dump.rdb');
    const stop = writeLoad(ks);
    const snap = startSnapshot(ks, new FileSnapshotSink(path, join(dir, 'temp-bgsave-1.rdb')), {
      compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: Date.now(),
    });
    const result = await snap.done;
    stop();
    assert.equal(result.keysProcessed, atT.reduce((n, m) => n + m, 0));
    assert.deepStrictEqual(readdirSync(dir), ['dump.rdb']);
    const check = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /RDB looks OK/);
    redis = await startRedis([], dir);
    const c = await redis.client();
    for (let d = 0; d < 3; d++) {
      await c.call('SELECT', d);
      assert.equal(await c.call('DBSIZE'), atT[d]);
      assert.equal(await c.call('HLEN', 'bighash'), 20_000);
      assert.equal(await c.call('HGET', 'bighash', 'field7'), 'val7');
      assert.equal(await c.call('GET', 's:2999'), `value-${d}-2999`.repeat(1 + (2999 % 3)));
    }
  });

  it('a snapshot of a 200k-entry stream written meanwhile (XADD, XDEL, trims, group reads, XACK, RENAME) loads in redis-server as of T', async () => {
    const ks = new Keyspace(16);
    const db = ks.dbs[0]!;
    db.setKey('events', bigStream());
    db.setKey('other', 'x');
    const atT = (db.lookupRead('events') as StreamValue).toImage();
    const dir = tempDir('vellum-bgsave-stream-');
    const path = join(dir, 'dump.rdb');
    const stop = streamWriteLoad(ks);
    const snap = startSnapshot(ks, new FileSnapshotSink(path, join(dir, 'temp-bgsave-1.rdb')), {
      compression: true, listMaxListpackSize: -2, checksum: true, aofBase: false, now: Date.now(),
    });
    await snap.done;
    stop();
    const live = ks.dbs[0]!.lookupRead('moved') as StreamValue; // renamed and written to meanwhile
    assert.ok(live.lastId > atT.lastId && live.maxDeletedId > atT.maxDeletedId);
    const check = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const r = await startRedis([], dir);
    try {
      const c = await r.client();
      assert.equal(await c.call('DBSIZE'), 2);
      await assertRedisStream(c, 'events', atT);
    } finally {
      await r.stop();
    }
  });
});

const STREAM_LIMITS = { maxBytes: 4096, maxEntries: 100 };
const id = (ms: number): StreamId => streamIdFromParts(BigInt(ms), 0n);

/** A 200k-entry stream with tombstones, two field layouts, two groups and 5,000 pending entries. */
function bigStream(): StreamValue {
  const s = new StreamValue();
  for (let i = 1; i <= 200_000; i++) {
    s.append(id(i), i % 4 === 0 ? ['type', 'view', 'n', String(i), 'extra', 'x'] : ['type', 'click', 'n', String(i)], STREAM_LIMITS);
  }
  s.deleteEntries([id(7), id(100_000), id(150_001)]);
  const g = s.createGroup('workers', STREAM_ID_MIN, 0n)!;
  const consumers = [g.createConsumer('alice', 1_700_000_000_000)!, g.createConsumer('bob', 1_700_000_000_500)!];
  for (let i = 1; i <= 5000; i++) if (i !== 7) readGroup(s, 'workers', consumers[i % 2]!.name, 1_700_000_001_000 + i);
  s.createGroup('idle', STREAM_ID_MIN, 0n);
  return s;
}

/** XREADGROUP … COUNT 1 STREAMS key > on the store: the next entry goes pending. */
function readGroup(s: StreamValue, group: string, consumer: string, now: number): void {
  const g = s.group(group)!;
  const it = new StreamIterator(s, streamIdIncr(g.lastId)!, STREAM_ID_MAX);
  if (!it.next()) return;
  const c = g.consumers.get(consumer) ?? g.createConsumer(consumer, now)!;
  const nack = new StreamNack(now, 1, c);
  g.pel.set(it.id, nack);
  c.pel.set(it.id, nack);
  g.lastId = it.id;
  g.entriesRead = s.estimateDistance(it.id);
}

/** Stream writes of every kind on whatever key holds the stream, a few per event-loop turn. */
function streamWriteLoad(ks: Keyspace): () => void {
  const db = ks.dbs[0]!;
  let key = 'events';
  let n = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    for (let k = 0; k < 20; k++, n++) {
      const s = db.lookupWrite(key) as StreamValue;
      switch (n % 6) {
        case 0: s.append(streamIdIncr(s.lastId)!, ['type', 'new', 'n', String(n)], STREAM_LIMITS); break;
        case 1: s.deleteEntries([id(1 + ((n * 7919) % 200_000)), id(200_000 - (n % 1000))]); break; // XDEL ahead and behind
        case 2: // XADD … MAXLEN = length: one more in, the oldest out
          s.append(streamIdIncr(s.lastId)!, ['type', 'trim'], STREAM_LIMITS);
          s.trim(true, s.length - 1, STREAM_ID_MIN, false, 0);
          break;
        case 3: s.group('workers')!.ack(id(1 + (n % 5000))); break;
        case 4: readGroup(s, n % 12 === 4 ? 'idle' : 'workers', `c${n % 3}`, Date.now()); break;
        default: if (n % 600 === 5) s.trim(false, 0, id(1000 + n), false, 0); // XTRIM MINID =
      }
      db.signalModified(key);
      if (n === 2000) { // RENAME events moved: the value goes on changing under another key
        db.delete(key);
        db.setKey('moved', s);
        key = 'moved';
      }
    }
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => { running = false; };
}

/** Long lists compared item by item: a deep diff of thousands of items takes minutes to print. */
function assertSameItems(actual: unknown[], expected: unknown[], what: string): void {
  const wrong = actual.findIndex((x, k) => JSON.stringify(x) !== JSON.stringify(expected[k]));
  assert.equal(wrong, -1, `${what} #${wrong}: ${JSON.stringify(actual[wrong])}, expected ${JSON.stringify(expected[wrong])}`);
  assert.equal(actual.length, expected.length, `${what}: count`);
}

/** Redis's view of a stream compared with the image it should hold. */
async function assertRedisStream(c: RespClient, key: string, image: StreamImage): Promise<void> {
  const info = (await c.call('XINFO', 'STREAM', key)) as Reply[];
  const field = (name: string) => info[info.indexOf(name) + 1];
  assert.equal(field('length'), image.entries.length);
  assert.equal(field('last-generated-id'), formatStreamId(image.lastId));
  assert.equal(field('max-deleted-entry-id'), formatStreamId(image.maxDeletedId));
  assert.equal(field('entries-added'), Number(image.entriesAdded));
  assert.equal(field('recorded-first-entry-id'), formatStreamId(image.entries[0]![0]));
  let start = '-';
  // Small pages: the test client's reply parsing grows faster than linearly with a reply's size.
  for (let at = 0; at < image.entries.length; at += 2000) {
    const page = (await c.call('XRANGE', key, start, '+', 'COUNT', 2000)) as [string, string[]][];
    assertSameItems(page, image.entries.slice(at, at + 2000).map(([i, fv]) => [formatStreamId(i), fv]), `entries from ${at}`);
    start = `(${page[page.length - 1]![0]}`;
  }
  const groups = ((await c.call('XINFO', 'GROUPS', key)) as Reply[][]).map((g) => [g[1], g[5], g[7], g[9]]);
  const entriesRead = (g: StreamGroupImage) => (g.entriesRead < 0n ? null : Number(g.entriesRead)); // unknown: nil
  assert.deepStrictEqual(groups, image.groups.map((g) => [g.name, g.pending.length, formatStreamId(g.lastId), entriesRead(g)]));
  for (const g of image.groups) {
    const pending = ((await c.call('XPENDING', key, g.name, '-', '+', 10_000)) as Reply[][]).map((p) => [p[0], p[1], p[3]]);
    assertSameItems(pending, g.pending.map((p) => [formatStreamId(p.id), p.consumer, p.deliveryCount]), `${g.name} PEL`);
  }
}

function text(r: Reply): string {
  return r instanceof Status ? r.value : r instanceof ErrorReply ? r.message : String(r);
}

function infoField(info: string, name: string): string {
  const m = new RegExp(`(?:^|\r\n)${name}:([^\r]*)`).exec(info);
  assert.ok(m !== null, `INFO has no ${name}`);
  return m[1]!;
}

/** Poll INFO persistence until no BGSAVE runs; returns that INFO text. */
async function bgsaveDone(c: RespClient): Promise<string> {
  for (let i = 0; i < 2000; i++) {
    const info = String(await c.call('INFO', 'persistence'));
    if (infoField(info, 'rdb_bgsave_in_progress') === '0') return info;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('BGSAVE did not end within 10 s');
}

async function fill(c: RespClient, n: number, prefix = 'key'): Promise<void> {
  const args: (string | number)[] = ['MSET'];
  for (let i = 0; i < n; i++) args.push(`${prefix}:${i}`, `value:${i}`);
  await c.call(...args);
}

/** What real Redis holds after loading `dir`'s dump.rdb (a copy: the server removes its dir). */
async function redisView(dir: string, keys: string[]): Promise<{ size: number; values: (string | null)[] }> {
  const copy = tempDir('redis-load-');
  cpSync(join(dir, 'dump.rdb'), join(copy, 'dump.rdb'));
  const check = spawnSync('redis-check-rdb', [join(copy, 'dump.rdb')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const redis = await startRedis([], copy);
  try {
    const r = await redis.client();
    const size = (await r.call('DBSIZE')) as number;
    const values = keys.length === 0 ? [] : ((await r.call('MGET', ...keys)) as (string | null)[]);
    return { size, values };
  } finally {
    await redis.stop();
  }
}

describe('BGSAVE', { skip: redisSkip }, () => {
  let vellum: RunningServer;
  before(async () => {
    vellum = await startVellum();
  });
  after(async () => { await vellum.stop(); });

  it('starts, refuses a second one and SAVE while running, and writes a file Redis loads', async () => {
    const c = await vellum.client();
    await c.call('FLUSHALL');
    await fill(c, 20_000);
    await c.call('HSET', 'h', 'a', '1');
    const replies = await c.pipeline([['BGSAVE'], ['BGSAVE'], ['SAVE'], ['BGSAVE', 'x'], ['SET', 'key:1', 'after'], ['INFO', 'persistence']]);
    assert.deepStrictEqual(replies.slice(0, 5).map(text), [
      'Background saving started',
      'ERR Background save already in progress',
      'ERR Background save already in progress',
      'ERR syntax error',
      'OK',
    ]);
    const during = String(replies[5]);
    assert.equal(infoField(during, 'rdb_bgsave_in_progress'), '1');
    assert.equal(infoField(during, 'current_save_keys_total'), '20001');
    assert.equal(infoField(during, 'rdb_current_bgsave_time_sec'), '0');
    const info = await bgsaveDone(c);
    assert.equal(infoField(info, 'rdb_last_bgsave_status'), 'ok');
    assert.equal(infoField(info, 'rdb_saves'), '1');
    assert.equal(infoField(info, 'rdb_current_bgsave_time_sec'), '-1');
    assert.equal(infoField(info, 'current_save_keys_processed'), '0');
    assert.equal(infoField(info, 'rdb_changes_since_last_save'), '1'); // the SET after T
    assert.ok(Number(infoField(info, 'rdb_last_cow_size')) > 0); // key:1's pre-image was held
    assert.ok(Number(infoField(info, 'vellum_bgsave_max_stall_usec')) > 0);
    const view = await redisView(vellum.dir, ['key:1', 'key:19999']);
    assert.equal(view.size, 20_001);
    assert.deepStrictEqual(view.values, ['value:1', 'value:19999']); // key:1 as at T, not 'after'
  });

  it('moves LASTSAVE when it completes', async () => {
    const c = await vellum.client();
    await fill(c, 1000, 'ls');
    vellum.server!.persistence.lastSave = 1_000_000; // a save long ago
    assert.deepStrictEqual((await c.pipeline([['BGSAVE'], ['LASTSAVE']])).map(text), ['Background saving started', '1000000']);
    await bgsaveDone(c);
    const lastsave = (await c.call('LASTSAVE')) as number;
    assert.ok(Math.abs(lastsave - Date.now() / 1000) < 5, `LASTSAVE ${lastsave}`);
  });

  it('BGSAVE SCHEDULE waits for another snapshot; inside MULTI it is scheduled', async () => {
    const c = await vellum.client();
    const server = vellum.server!;
    // Another snapshot holding the keyspace, as an AOF rewrite will.
    const other = startSnapshot(server.keyspace, { write: () => true, onDrain: (r) => r(), end: async () => undefined, abort: () => undefined, bufferedBytes: 0 }, {
      compression: false, listMaxListpackSize: -2, checksum: true, aofBase: false, now: Date.now(), manual: true,
    });
    const saves = Number(infoField(String(await c.call('INFO', 'persistence')), 'rdb_saves'));
    assert.deepStrictEqual((await c.pipeline([['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['INFO', 'persistence']])).map(text).slice(0, 2), [
      "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      'Background saving scheduled',
    ]);
    await new Promise((r) => setTimeout(r, 250)); // cron ticks while the other snapshot runs: nothing starts
    let info = String(await c.call('INFO', 'persistence'));
    assert.equal(infoField(info, 'rdb_saves'), String(saves));
    other.cancel();
    for (let i = 0; i < 400 && infoField(info, 'rdb_saves') === String(saves); i++) {
      await new Promise((r) => setTimeout(r, 5));
      info = String(await c.call('INFO', 'persistence'));
    }
    assert.equal(infoField(info, 'rdb_saves'), String(saves + 1)); // the cron started it
    info = await bgsaveDone(c);
    assert.equal(infoField(info, 'rdb_last_bgsave_status'), 'ok');
    assert.deepStrictEqual((await c.pipeline([['MULTI'], ['BGSAVE'], ['EXEC']])).map((r) => (Array.isArray(r) ? r.map(text) : text(r))), [
      'OK', 'QUEUED', ['Background saving scheduled'],
    ]);
    // The scheduled save starts at a later cron tick: wait for it to start, then to end, so
    // that it cannot run into the next test.
    for (let i = 0; i < 400 && infoField(info, 'rdb_saves') === String(saves + 1); i++) {
      await new Promise((r) => setTimeout(r, 5));
      info = String(await c.call('INFO', 'persistence'));
    }
    assert.equal(infoField(info, 'rdb_saves'), String(saves + 2));
    await bgsaveDone(c);
  });

  it('under writes from another client, saves the data as of the BGSAVE instant (redis-server loads it)', async () => {
    const c = await vellum.client();
    const w = await vellum.client();
    await c.call('FLUSHALL');
    await fill(c, 30_000);
    // Each write sets one key and `seq` to its number in one MSET, so the file says which
    // write was the last before T; T lies between the last write acknowledged before BGSAVE
    // was sent and the first write sent after its reply arrived.
    let n = 0;
    let stop = false;
    let ackedBeforeSend = -1;
    let sentAfterReply = Infinity;
    let bgsaveSent = false;
    let bgsaveReplied = false;
    const writer = (async () => {
      while (!stop) {
        const i = n++;
        if (bgsaveReplied && sentAfterReply === Infinity) sentAfterReply = i;
        await w.call('MSET', `key:${(i * 7919) % 30_000}`, `w${i}`, 'seq', i);
        if (!bgsaveSent) ackedBeforeSend = i;
      }
    })();
    while (n < 200) await new Promise((r) => setTimeout(r, 1));
    bgsaveSent = true;
    assert.equal(text(await c.call('BGSAVE')), 'Background saving started');
    bgsaveReplied = true;
    await bgsaveDone(c);
    while (n < sentAfterReply + 200) await new Promise((r) => setTimeout(r, 1));
    stop = true;
    await writer;
    const keys = Array.from({ length: 30_000 }, (_, i) => `key:${i}`);
    const view = await redisView(vellum.dir, ['seq', ...keys]);
    const seq = Number(view.values[0]);
    assert.ok(seq >= ackedBeforeSend && seq < sentAfterReply, `seq ${seq} outside [${ackedBeforeSend}, ${sentAfterReply})`);
    const expected = keys.map((_, i) => `value:${i}`);
    for (let i = 0; i <= seq; i++) expected[(i * 7919) % 30_000] = `w${i}`;
    assert.equal(view.size, 30_001);
    assert.deepStrictEqual(view.values.slice(1), expected);
  });

  it('a failed BGSAVE sets status err and MISCONF, and leaves the previous dump intact', async () => {
    const dir = tempDir('vellum-bgsave-fail-');
    let v: RunningServer | undefined;
    try {
      v = await startVellum({ dir, save: ['3600', '1'] });
      const c = await v.client();
      await fill(c, 100);
      assert.equal(text(await c.call('SAVE')), 'OK');
      const before = readFileSync(join(dir, 'dump.rdb'));
      await c.call('SET', 'more', '1');
      const blocker = bgsaveTempPath(dir); // a directory where the temp file goes
      mkdirSync(blocker);
      assert.equal(text(await c.call('BGSAVE')), 'Background saving started'); // as Redis: its child fails
      const info = await bgsaveDone(c);
      assert.equal(infoField(info, 'rdb_last_bgsave_status'), 'err');
      const misconf = text(await c.call('SET', 'x', '1'));
      assert.match(misconf, /^MISCONF Redis is configured to save RDB snapshots/);
      assert.equal(text(await c.call('GET', 'key:1')), 'value:1'); // reads still work
      assert.deepStrictEqual(readFileSync(join(dir, 'dump.rdb')), before);
      rmSync(blocker, { recursive: true });
      assert.equal(text(await c.call('BGSAVE')), 'Background saving started');
      assert.equal(infoField(await bgsaveDone(c), 'rdb_last_bgsave_status'), 'ok');
      assert.equal(text(await c.call('SET', 'x', '1')), 'OK');
    } finally {
      await v?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SHUTDOWN during a BGSAVE cancels it (temp file removed); NOSAVE keeps the previous dump', async () => {
    const dir = tempDir('vellum-bgsave-shutdown-');
    try {
      let v = await startVellum({ dir });
      let c = await v.client();
      await fill(c, 10, 'old');
      assert.equal(text(await c.call('SAVE')), 'OK');
      const before = readFileSync(join(dir, 'dump.rdb'));
      await fill(c, 30_000);
      c.writeRaw('*1\r\n$6\r\nBGSAVE\r\n*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
      assert.equal(text(await c.next()), 'Background saving started');
      await c.closed;
      await v.stop();
      assert.deepStrictEqual(readdirSync(dir), ['dump.rdb']);
      assert.deepStrictEqual(readFileSync(join(dir, 'dump.rdb')), before);

      // SHUTDOWN SAVE: the BGSAVE is cancelled, then the synchronous save has everything.
      v = await startVellum({ dir });
      c = await v.client();
      assert.equal(await c.call('DBSIZE'), 10);
      await fill(c, 30_000);
      c.writeRaw('*1\r\n$6\r\nBGSAVE\r\n*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
      assert.equal(text(await c.next()), 'Background saving started');
      await c.closed;
      await v.stop();
      assert.deepStrictEqual(readdirSync(dir), ['dump.rdb']);
      v = await startVellum({ dir });
      c = await v.client();
      assert.equal(await c.call('DBSIZE'), 30_010);
      await v.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a restarted server loads the BGSAVE file', async () => {
    const dir = tempDir('vellum-bgsave-restart-');
    try {
      let v = await startVellum({ dir });
      let c = await v.client();
      await fill(c, 5000);
      await c.call('RPUSH', 'list', 'a', 'b', 'c');
      await c.call('SELECT', 3);
      await c.call('SET', 'in3', 'yes');
      assert.equal(text(await c.call('BGSAVE')), 'Background saving started');
      await bgsaveDone(c);
      await c.call('SELECT', 0);
      await c.call('SET', 'key:0', 'after the save');
      await v.stop(); // no save points: nothing saved at shutdown
      v = await startVellum({ dir });
      c = await v.client();
      assert.equal(await c.call('DBSIZE'), 5001);
      assert.equal(await c.call('GET', 'key:0'), 'value:0');
      assert.deepStrictEqual(await c.call('LRANGE', 'list', 0, -1), ['a', 'b', 'c']);
      await c.call('SELECT', 3);
      assert.equal(await c.call('GET', 'in3'), 'yes');
      assert.equal(infoField(String(await c.call('INFO', 'persistence')), 'rdb_last_load_keys_loaded'), '5002');
      await v.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
