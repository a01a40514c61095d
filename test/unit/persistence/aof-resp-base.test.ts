/**
 * The RESP AOF base (`aof-use-rdb-preamble no`) written forkless in two phases (rewrite.ts,
 * RespBase): the engine's RDB image of T, then its conversion to RESP, in slices.
 *  - driven by step(): writes made during each phase (every type, several dbs, FLUSHDB,
 *    big collections streamed by the engine) stay out of the base, which loads as exactly
 *    T's dataset; a key already expired at T is kept with its deadline; #TS leads it; a big
 *    collection is converted a batch per step;
 *  - cancel during each phase, and a disk error (ENOSPC from /dev/full) during each phase,
 *    remove both temp files and write nothing else;
 *  - through the AOF: writes during each phase go to the new incr file, not the base;
 *    appendonly no during each phase leaves the AOF as it was; a failing base is reported
 *    as aof_last_bgrewrite_status:err and the next rewrite succeeds.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Server } from '../../../src/index.js';
import type { Keyspace } from '../../../src/store/keyspace.js';
import type { Value } from '../../../src/store/value.js';
import { formatStreamId, type StreamImage } from '../../../src/store/stream.js';
import { aofOf } from '../../../src/persistence/aof/index.js';
import { RespBase, startBase, tempRewritePath, tempRewriteRdbPath, type BaseTuning } from '../../../src/persistence/aof/rewrite.js';
import { realIo } from '../../../src/persistence/io.js';
import { RespClient, Status } from '../../helpers/resp-client.js';
import { tempDir, until } from '../../helpers/servers.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const DBS = ['0', '1', '5'];
const tick = () => new Promise((r) => setImmediate(r));

/** Every type and encoding, in three dbs, with deadlines; big collections past bigElements 16. */
function fillCommands(): string[][] {
  const cmds: string[][] = [];
  for (const db of DBS) {
    cmds.push(['SELECT', db]);
    for (let i = 0; i < 200; i++) cmds.push(['SET', `s${i}`, `v${i}-${db}`]);
    cmds.push(['SET', 'bin', '\x00\xff\r\n$*'], ['SET', 'ttl', 'x', 'PX', '100000000']);
    cmds.push(['RPUSH', 'list', 'a', 'b', 'c'], ['SADD', 'iset', '1', '2', '-3'], ['SADD', 'sset', 'a', 'b']);
    cmds.push(['HSET', 'hash', 'f', 'v', 'g', 'w'], ['PEXPIRE', 'hash', '100000000']);
    cmds.push(['ZADD', 'zset', '1', 'a', '2.5', 'b', '-inf', 'c', '+inf', 'd', '0.1', 'e']);
    const big = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
    cmds.push(['RPUSH', 'biglist', ...big(100, (i) => [`e${i}`])]);
    cmds.push(['SADD', 'bigset', ...big(100, (i) => [`m${i}`])]);
    cmds.push(['HSET', 'bighash', ...big(100, (i) => [`f${i}`, `x${i}`])]);
    cmds.push(['ZADD', 'bigzset', ...big(200, (i) => [String(i / 3), `m${i}`])]);
    cmds.push(['XADD', 'st', '1-1', 'f', 'v'], ['XADD', 'st', '2-1', 'a', '1', 'b', '2'], ['XADD', 'st', '3-1', 'c', '3']);
    cmds.push(['XADD', 'st', '4-1', 'd', '4'], ['XDEL', 'st', '3-1']);
    cmds.push(['XGROUP', 'CREATE', 'st', 'g1', '0'], ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'st', '>']);
    cmds.push(['XGROUP', 'CREATECONSUMER', 'st', 'g1', 'bob'], ['XGROUP', 'CREATE', 'st', 'g2', '$']);
    cmds.push(['XADD', 'emptyst', 'MAXLEN', '0', '1-1', 'x', 'y']);
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

/** Writes that change, delete, create and flush: every one leaves the text `after-T` behind it. */
function writeCommands(tag: string, flush: boolean): string[][] {
  const cmds: string[][] = [];
  for (const db of DBS) {
    cmds.push(['SELECT', db]);
    for (let i = 0; i < 200; i += 7) cmds.push(['SET', `s${i}`, `after-T-${tag}`], ['DEL', `s${i + 1}`]);
    cmds.push(['SET', `new-after-T-${tag}`, 'x'], ['RENAME', 's3', `renamed-after-T-${tag}`]);
    cmds.push(['HSET', 'bighash', 'f0', `after-T-${tag}`, `g-after-T-${tag}`, '1'], ['HDEL', 'bighash', 'f50']);
    cmds.push(['RPUSH', 'biglist', `after-T-${tag}`], ['LPOP', 'biglist'], ['LSET', 'biglist', '10', `after-T-${tag}`]);
    cmds.push(['SREM', 'bigset', 'm5'], ['SADD', 'bigset', `after-T-${tag}`], ['ZADD', 'bigzset', '999', `after-T-${tag}`]);
    cmds.push(['ZREM', 'bigzset', 'm7'], ['XADD', 'st', '*', 'f', `after-T-${tag}`], ['XACK', 'st', 'g1', '1-1']);
    cmds.push(['PERSIST', 'ttl'], ['PEXPIRE', 's10', '100000000'], ['HSET', 'hash', 'f', `after-T-${tag}`]);
    if (flush && db === '5') cmds.push(['FLUSHDB']);
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

type Iter<T> = { [Symbol.iterator](): Iterator<T> };

function describeValue(v: Value): unknown {
  if (typeof v === 'string') return ['string', v];
  const c = v as unknown as { values(): Iter<string>; entries(): Iter<[string, unknown]>; toImage(): StreamImage };
  switch (v.type) {
    case 'list': return ['list', [...c.values()]];
    case 'set': return ['set', [...c.values()].sort()];
    case 'hash': return ['hash', [...c.entries()].map(([f, x]) => `${f}=${String(x)}`).sort()];
    case 'zset': return ['zset', [...c.entries()].map(([m, d]) => `${m}=${String(d)}`).sort()];
    case 'stream': {
      const s = c.toImage();
      return ['stream', s.entries.map(([id, fv]) => [formatStreamId(id), fv]), formatStreamId(s.lastId),
        formatStreamId(s.maxDeletedId), String(s.entriesAdded),
        [...s.groups].sort((a, b) => (a.name < b.name ? -1 : 1)).map((g) => [g.name, formatStreamId(g.lastId), String(g.entriesRead),
          g.pending.map((p) => [formatStreamId(p.id), p.consumer, p.deliveryCount, p.deliveryTime]),
          g.consumers.map((x) => x.name).sort()])];
    }
    default: throw new Error(`no model for ${v.type}`);
  }
}

/** db/key → value and deadline, leaving out keys expired at `now`. */
function model(ks: Keyspace, now: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const db of ks.dbs) {
    for (const slot of db.slots) {
      if (slot === undefined) continue;
      slot.forEach((key, v) => {
        const at = slot.expires?.get(key) ?? -1;
        if (at < 0 || at > now) out.set(`${db.id}/${key}`, JSON.stringify([describeValue(v), at]));
      });
    }
  }
  return out;
}

/** Load `file` as the only base of a fresh server; its dataset as `model` sees it at `now`. */
async function loadBase(file: string, now: number): Promise<Map<string, string>> {
  const dir = tempDir('vellum-respbase-load-');
  dirs.push(dir);
  mkdirSync(join(dir, 'appendonlydir'));
  copyFileSync(file, join(dir, 'appendonlydir', 'appendonly.aof.1.base.aof'));
  writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\n');
  return restartedModel(dir, { appendonly: 'yes' }, now);
}

/** A fresh server started on `dir` with `opts`: its dataset as `model` sees it at `now`. */
async function restartedModel(dir: string, opts: Record<string, string>, now: number): Promise<Map<string, string>> {
  const h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', ...opts });
  try {
    return model(h.server.keyspace, now);
  } finally {
    aofOf(h.server).shutdown();
    await h.close();
  }
}

async function withFilled(opts: Record<string, string>, fn: (s: Server, c: RespClient, dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir('vellum-respbase-');
  dirs.push(dir);
  const h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', ...opts });
  const c = await RespClient.connect(h.port!);
  try {
    await c.pipeline(fillCommands());
    await fn(h.server, c, dir);
  } finally {
    c.close();
    aofOf(h.server).shutdown();
    await h.close();
  }
}

const MANUAL: BaseTuning = { manual: true, bigElements: 16 };

function startManual(s: Server, dir: string): { base: RespBase; path: string; temp: string; rdb: string } {
  const temp = tempRewritePath(dir);
  const path = join(dir, 'new.base.aof');
  const base = startBase(s, realIo, temp, path, false, MANUAL);
  assert.ok(base instanceof RespBase);
  return { base, path, temp, rdb: tempRewriteRdbPath(dir) };
}

/** Step 2a to its end and wait for 2b to open the image. */
async function finishSnapshot(base: RespBase): Promise<void> {
  for (let i = 0; base.phase === 'snapshot'; i++) {
    base.step(50);
    await tick();
    assert.ok(i < 10000, 'phase 2a did not end');
  }
  assert.equal(base.phase, 'convert');
}

describe('RESP base in two phases (driven by step)', () => {
  it('is exactly the dataset at T: writes during 2a and 2b stay out, an expired key is kept', async () => {
    await withFilled({ 'aof-timestamp-enabled': 'yes' }, async (s, c, dir) => {
      const db0 = s.keyspace.dbs[0]!;
      db0.setKey('expired-at-T', 'old');
      db0.setExpire('expired-at-T', Date.now() - 60_000);
      const t = Date.now();
      const expected = model(s.keyspace, t);
      const { base, path, temp, rdb } = startManual(s, dir);
      const started = Date.now(); // T is read between t and this
      assert.equal(base.progress.keysTotal, expected.size + 1);
      assert.ok(existsSync(temp) && existsSync(rdb));
      base.step(3);
      await c.pipeline(writeCommands('a', true));
      await finishSnapshot(base);
      assert.equal(existsSync(rdb), false, 'the image keeps its name during 2b');
      base.step(3);
      await c.pipeline(writeCommands('b', false));
      assert.ok(base.progress.keysProcessed > 0 && base.progress.keysProcessed < base.progress.keysTotal);
      while (!base.step(20)) await tick();
      const r = await base.done;
      assert.equal(r.keysProcessed, r.keysTotal);
      assert.equal(base.phase, 'done');
      assert.equal(existsSync(temp), false);
      assert.equal(existsSync(rdb), false);
      const text = readFileSync(path, 'latin1');
      const ts = /^#TS:(\d+)\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n/.exec(text);
      assert.ok(ts !== null, 'the base does not open with #TS and SELECT 0');
      assert.ok(Number(ts[1]) >= Math.floor(t / 1000) && Number(ts[1]) <= Math.floor(started / 1000), `#TS:${ts[1]} is not T's second`);
      assert.ok(!text.includes('after-T'), 'a write made after T is in the base');
      assert.match(text, /\$9\r\nPEXPIREAT\r\n\$12\r\nexpired-at-T\r\n/);
      assert.deepEqual(await loadBase(path, t), expected);
      // The writes themselves did happen.
      assert.equal(await c.call('GET', 's0'), 'after-T-b');
    });
  });

  it('converts a big collection a batch at a time and a stream a node at a time: many slices per key, the same dataset', async () => {
    await withFilled({}, async (s, c, dir) => {
      const n = 20_000;
      const big = (f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
      await c.pipeline([
        ['HSET', 'h20k', ...big((i) => [`f${i}`, `v${i}`])], ['SADD', 's20k', ...big((i) => [`m${i}`])],
        ['ZADD', 'z20k', ...big((i) => [String(i / 3), `m${i}`])], ['RPUSH', 'l20k', ...big((i) => [`e${i}`])],
        ['PEXPIRE', 'z20k', '100000000'], ['ZADD', 'z20k', '-inf', 'low', '+inf', 'high'],
        ...Array.from({ length: n }, (_, i) => ['XADD', 'x20k', `${i + 1}-1`, 'f', `v${i}`]),
        ['XDEL', 'x20k', '2-1', '500-1'], ['XGROUP', 'CREATE', 'x20k', 'g', '0'],
        ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 'x20k', '>'], ['PEXPIRE', 'x20k', '100000000'],
      ]);
      const t = Date.now();
      const expected = model(s.keyspace, t);
      const { base, path } = startManual(s, dir);
      await finishSnapshot(base);
      // One yield per record or batch (1,024 elements, a list node of up to 8 KB, a stream
      // node of 100 entries): at least 20 steps for each big key, 200 for the stream,
      // where a key converted whole is one step.
      let steps = 0;
      for (; !base.step(1); steps++) {
        if (steps === 10) await c.pipeline([['HSET', 'h20k', 'f1', 'after-T'], ['DEL', 's20k'], ['LPUSH', 'l20k', 'after-T'], ['XADD', 'x20k', '*', 'f', 'after-T']]);
        await tick();
      }
      await base.done;
      assert.ok(steps >= expected.size + 4 * (Math.ceil(n / 1024) - 1) + (n / 100 - 1), `${steps} steps, ${expected.size} keys`);
      const text = readFileSync(path, 'latin1');
      assert.ok(!text.includes('after-T'), 'a write made after T is in the base');
      assert.match(text, /\*3\r\n\$9\r\nPEXPIREAT\r\n\$4\r\nz20k\r\n/);
      assert.match(text, /\*3\r\n\$9\r\nPEXPIREAT\r\n\$4\r\nx20k\r\n/);
      assert.deepEqual(await loadBase(path, t), expected);
    });
  });

  for (const phase of ['snapshot', 'convert'] as const) {
    it(`cancel during ${phase === 'snapshot' ? '2a' : '2b'} removes both temp files`, async () => {
      await withFilled({}, async (s, _c, dir) => {
        const { base, path, temp, rdb } = startManual(s, dir);
        base.step(3);
        if (phase === 'convert') {
          await finishSnapshot(base);
          base.step(3);
        }
        base.cancel('killed');
        await assert.rejects(base.done, /killed/);
        assert.equal(base.phase, 'failed');
        for (const f of [temp, rdb, path]) assert.equal(existsSync(f), false, f);
        assert.equal(s.keyspace.snapshotHook, null);
        assert.equal(base.step(), true);
      });
    });
  }

  const devFull = existsSync('/dev/full') ? undefined : 'needs /dev/full';
  for (const phase of ['snapshot', 'convert'] as const) {
    it(`a disk error during ${phase === 'snapshot' ? '2a' : '2b'} fails it and removes both temp files`, { skip: devFull }, async () => {
      await withFilled({}, async (s, _c, dir) => {
        const temp = tempRewritePath(dir);
        const rdb = tempRewriteRdbPath(dir);
        // Writes to /dev/full fail with ENOSPC: the disk fills up under one of the two files.
        symlinkSync('/dev/full', phase === 'snapshot' ? rdb : temp);
        const path = join(dir, 'new.base.aof');
        const base = startBase(s, realIo, temp, path, false, {}) as RespBase;
        await assert.rejects(base.done, /ENOSPC/);
        assert.equal(base.phase, 'failed');
        for (const f of [temp, rdb, path]) assert.equal(existsSync(f), false, f);
        assert.equal(s.keyspace.snapshotHook, null);
      });
    });
  }
});

/** The new incr file's text and the base's, once the rewrite is over. */
function aofFiles(dir: string, s: Server): { base: string; incr: string } {
  const aof = aofOf(s);
  const ad = join(dir, 'appendonlydir');
  return {
    base: readFileSync(join(ad, aof.manifest.base!.name), 'latin1'),
    incr: aof.manifest.incrs.map((f) => readFileSync(join(ad, f.name), 'latin1')).join(''),
  };
}

/** Wait (a loop turn at a time) until 2b runs: the image's name is gone, the rewrite is not over. */
async function untilConverting(dir: string, s: Server): Promise<void> {
  for (let i = 0; existsSync(tempRewriteRdbPath(dir)); i++) {
    await tick();
    assert.ok(i < 100000, 'phase 2b never started');
  }
  assert.ok(aofOf(s).rewriteInProgress, 'the rewrite ended before a write could land in phase 2b');
}

/** 20,000 more keys, so each phase lasts many slices. */
async function fillMore(c: RespClient): Promise<void> {
  const cmds: string[][] = [];
  for (let i = 0; i < 20000; i++) cmds.push(['SET', `bulk${i}`, `value-${i}`]);
  await c.pipeline(cmds);
}

describe('RESP base through the AOF', () => {
  const opts = { appendonly: 'yes', 'aof-use-rdb-preamble': 'no' };

  it('writes during 2a and 2b go to the new incr file, not the base; a restart has them all', async () => {
    let expected: Map<string, string> | undefined;
    let dir = '';
    await withFilled(opts, async (s, c, d) => {
      dir = d;
      await fillMore(c);
      const aof = aofOf(s);
      const [started, , ] = await c.pipeline([['BGREWRITEAOF'], ['SET', 'marker-a', 'during-2a'], ['SET', 'bulk1', 'during-2a']]);
      assert.deepEqual(started, new Status('Background append only file rewriting started'));
      assert.ok(existsSync(tempRewriteRdbPath(dir)));
      await untilConverting(dir, s);
      await c.pipeline([['SET', 'marker-b', 'during-2b'], ['DEL', 'bulk2']]);
      await aof.waitRewrite();
      assert.match(String(await c.call('INFO', 'persistence')), /aof_last_bgrewrite_status:ok\r\n/);
      assert.equal(aof.manifest.base!.name, 'appendonly.aof.2.base.aof');
      const { base, incr } = aofFiles(dir, s);
      for (const w of ['marker-a', 'during-2a', 'marker-b', 'during-2b']) {
        assert.ok(!base.includes(w), `${w} is in the base`);
        assert.ok(incr.includes(w), `${w} is not in the incr file`);
      }
      assert.ok(base.includes('$5\r\nbulk2\r\n'), 'the base lacks a key deleted after T');
      assert.ok(incr.includes('*2\r\n$3\r\nDEL\r\n$5\r\nbulk2\r\n'));
      expected = model(s.keyspace, Date.now());
    });
    assert.deepEqual(await restartedModel(dir, opts, Date.now()), expected);
  });

  for (const phase of ['2a', '2b'] as const) {
    it(`appendonly no during ${phase} kills the rewrite, removes its files, leaves the AOF as it was`, async () => {
      await withFilled(opts, async (s, c, dir) => {
        await fillMore(c);
        const ad = join(dir, 'appendonlydir');
        const manifest = () => readFileSync(join(ad, 'appendonly.aof.manifest'), 'latin1');
        if (phase === '2a') {
          // In one read: the rewrite cannot have taken a slice when appendonly no arrives.
          const replies = await c.pipeline([['BGREWRITEAOF'], ['CONFIG', 'SET', 'appendonly', 'no']]);
          assert.deepEqual(replies[1], new Status('OK'));
        } else {
          await c.call('BGREWRITEAOF');
          await untilConverting(dir, s);
          assert.deepEqual(await c.call('CONFIG', 'SET', 'appendonly', 'no'), new Status('OK'));
        }
        const aof = aofOf(s);
        assert.equal(aof.rewriteInProgress, false);
        // The new incr got no write before the AOF was switched off, so no manifest named it.
        for (const f of [tempRewritePath(dir), tempRewriteRdbPath(dir), join(ad, 'appendonly.aof.2.base.aof'), join(ad, 'appendonly.aof.2.incr.aof')]) {
          assert.equal(existsSync(f), false, f);
        }
        assert.equal(manifest(), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
        const expected = model(s.keyspace, Date.now());
        assert.deepEqual(await restartedModel(dir, opts, Date.now()), expected);
      });
    });
  }

  it('a failing base is reported as Redis does and leaves the AOF as it was; the next rewrite succeeds', { skip: existsSync('/dev/full') ? undefined : 'needs /dev/full' }, async () => {
    await withFilled(opts, async (s, c, dir) => {
      const ad = join(dir, 'appendonlydir');
      const manifestPath = join(ad, 'appendonly.aof.manifest');
      const before = readFileSync(manifestPath, 'latin1');
      symlinkSync('/dev/full', tempRewritePath(dir));
      const aof = aofOf(s);
      assert.deepEqual(await c.call('BGREWRITEAOF'), new Status('Background append only file rewriting started'));
      await aof.waitRewrite();
      const info = String(await c.call('INFO', 'persistence'));
      assert.match(info, /aof_last_bgrewrite_status:err\r\n/);
      assert.match(info, /aof_rewrites_consecutive_failures:1\r\n/);
      for (const f of [tempRewritePath(dir), tempRewriteRdbPath(dir), join(ad, 'appendonly.aof.2.base.aof')]) {
        assert.equal(existsSync(f), false, f);
      }
      // The new incr file is named with its first write (the old one is durable by then).
      assert.equal(readFileSync(manifestPath, 'latin1'), before);
      assert.deepEqual(await c.call('SET', 'after-failure', '1'), new Status('OK'));
      const named = before + 'file appendonly.aof.2.incr.aof seq 2 type i\n';
      await until(() => readFileSync(manifestPath, 'latin1') === named, 'the new incr named'); // everysec: once the old one's fsync is back
      assert.deepEqual(await c.call('BGREWRITEAOF'), new Status('Background append only file rewriting started'));
      await aof.waitRewrite();
      assert.match(String(await c.call('INFO', 'persistence')), /aof_last_bgrewrite_status:ok\r\n/);
      assert.equal(readFileSync(manifestPath, 'latin1'),
        'file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
    });
  });
});
