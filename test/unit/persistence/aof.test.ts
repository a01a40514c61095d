/**
 * The AOF on its own: manifest rules, every loading rule (torn tail with and without
 * aof-load-truncated, unfinished MULTI, garbage, missing files, a truncated file that is not
 * the last), the writer's group commit under `appendfsync always` (write replies wait for
 * the fsync, reads do not) and write errors injected through FileIo.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Server } from '../../../src/index.js';
import { Aof, aofOf } from '../../../src/persistence/aof/index.js';
import { ManifestError, parseManifest } from '../../../src/persistence/aof/manifest.js';
import { respCommand } from '../../../src/persistence/aof/resp.js';
import { startSnapshot } from '../../../src/persistence/snapshot/engine.js';
import { FileSnapshotSink } from '../../../src/persistence/snapshot/file-sink.js';
import { tempDir, until } from '../../helpers/servers.js';
import { ControlledIo } from './aof-io.js';
import { RespClient, Status, ErrorReply } from '../../helpers/resp-client.js';
import { Client } from '../../../src/server/client.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function cmds(...list: string[][]): string {
  return list.map((a) => respCommand(a)).join('');
}

/** A data dir holding appendonlydir with `files` and a manifest listing them in order. */
function aofDir(files: [string, string, 'b' | 'i'][], manifest?: string): string {
  const dir = tempDir('vellum-aof-');
  dirs.push(dir);
  const ad = join(dir, 'appendonlydir');
  mkdirSync(ad);
  let m = '';
  let seq = 1;
  for (const [name, body, type] of files) {
    writeFileSync(join(ad, name), body, 'latin1');
    m += `file ${name} seq ${seq++} type ${type}\n`;
  }
  writeFileSync(join(ad, 'appendonly.aof.manifest'), manifest ?? m);
  return dir;
}

async function withLoaded<T>(dir: string, opts: Record<string, unknown>, fn: (s: Server, c: RespClient) => Promise<T>): Promise<T> {
  const h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', ...opts });
  try {
    const aof = aofOf(h.server);
    if (aof.state === 'off') aof.loadAndOpen();
    const c = await RespClient.connect(h.port!);
    try {
      return await fn(h.server, c);
    } finally {
      c.close();
    }
  } finally {
    aofOf(h.server).shutdown();
    await h.close();
  }
}

async function loadError(dir: string, opts: Record<string, unknown> = {}): Promise<string> {
  try {
    await withLoaded(dir, opts, async () => undefined);
  } catch (err) {
    return (err as Error).message;
  }
  return 'loaded';
}

describe('AOF manifest', () => {
  it('parses Redis-written lines, comments, CRLF and unknown keys', () => {
    const am = parseManifest('# comment\r\nfile a.rdb seq 1 type b\r\nTYPE i SEQ 3 FILE x.aof extra yes\n');
    assert.equal(am.base!.name, 'a.rdb');
    assert.deepEqual(am.incrs, [{ name: 'x.aof', seq: 3, type: 'i' }]);
    assert.equal(am.format(), 'file a.rdb seq 1 type b\nfile x.aof seq 3 type i\n');
  });
  const bad: [string, string][] = [
    ['', 'Found an empty AOF manifest'],
    ['file a seq 1 type b\n\n', 'Invalid AOF manifest file format'],
    ['file a seq 1\n', 'Invalid AOF manifest file format'],
    ['file a seq 0 type b\n', 'Invalid AOF manifest file format'],
    ['file d/a seq 1 type b\n', "File can't be a path, just a filename"],
    ['file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information'],
    ['file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number'],
    ['file a seq 1 type x\n', 'Unknown AOF file type'],
    [`file ${'a'.repeat(1100)} seq 1 type b\n`, 'The AOF manifest file contains too long line'],
  ];
  for (const [text, reason] of bad) {
    it(`refuses: ${reason} (${JSON.stringify(text.slice(0, 30))})`, () => {
      assert.throws(() => parseManifest(text), (e: unknown) => e instanceof ManifestError && e.reason === reason);
    });
  }
  it('quotes a file name with spaces as Redis does', () => {
    const am = parseManifest('file "a b.aof" seq 1 type i\n');
    assert.equal(am.incrs[0]!.name, 'a b.aof');
    assert.equal(am.format(), 'file "a b.aof" seq 1 type i\n');
  });
});

describe('AOF loading rules', () => {
  const set1 = cmds(['SELECT', '0'], ['SET', 'a', '1']);
  const set2 = cmds(['SET', 'b', '2']);

  it('loads base and incr files in order, MULTI blocks and #TS annotations', async () => {
    const dir = aofDir([
      ['appendonly.aof.1.base.aof', '#TS:1700000000\r\n' + set1, 'b'],
      ['appendonly.aof.1.incr.aof', cmds(['MULTI'], ['SET', 'a', 'x'], ['INCR', 'n'], ['EXEC']) + set2, 'i'],
    ]);
    await withLoaded(dir, {}, async (_s, c) => {
      assert.deepEqual(await c.call('MGET', 'a', 'b', 'n'), ['x', '2', '1']);
    });
  });

  it('truncates a torn tail of the last file with aof-load-truncated yes', async () => {
    const body = set1 + set2;
    const dir = aofDir([['appendonly.aof.1.incr.aof', body + '*3\r\n$3\r\nSET\r\n$1\r\nc', 'i']]);
    await withLoaded(dir, {}, async (_s, c) => {
      assert.deepEqual(await c.call('MGET', 'a', 'b', 'c'), ['1', '2', null]);
    });
    assert.equal(statSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size, body.length);
  });

  it('refuses a torn tail with aof-load-truncated no, naming file and offset', async () => {
    const dir = aofDir([['appendonly.aof.1.incr.aof', set1 + '*2\r\n$3\r\nDEL', 'i']]);
    const msg = await loadError(dir, { 'aof-load-truncated': 'no' });
    assert.match(msg, /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof at offset \d+/);
  });

  it('reverts an unfinished MULTI at the end', async () => {
    const dir = aofDir([['appendonly.aof.1.incr.aof', set1 + cmds(['MULTI'], ['SET', 'a', 'lost']), 'i']]);
    await withLoaded(dir, {}, async (_s, c) => {
      assert.equal(await c.call('GET', 'a'), '1');
    });
    assert.equal(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1'), set1);
  });

  it('refuses garbage in the middle even with aof-load-truncated yes', async () => {
    const dir = aofDir([['appendonly.aof.1.incr.aof', set1 + 'garbage\r\n' + set2, 'i']]);
    const msg = await loadError(dir);
    assert.match(msg, new RegExp(`Bad file format reading the append only file appendonly\\.aof\\.1\\.incr\\.aof at offset ${set1.length}`));
  });

  it('refuses an unknown command', async () => {
    const dir = aofDir([['appendonly.aof.1.incr.aof', set1 + cmds(['NOSUCHCMD', 'x']), 'i']]);
    assert.match(await loadError(dir), /Unknown command 'NOSUCHCMD' reading the append only file/);
  });

  it('refuses a truncated file that is not the last, after truncating it', async () => {
    const dir = aofDir([
      ['appendonly.aof.1.base.aof', set1 + '*1\r\n', 'b'],
      ['appendonly.aof.1.incr.aof', set2, 'i'],
    ]);
    assert.match(await loadError(dir), /the truncated file is not the last file/);
    assert.equal(statSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.aof')).size, set1.length);
  });

  it('refuses a manifest entry whose file is missing', async () => {
    const dir = aofDir([['appendonly.aof.1.incr.aof', set1, 'i']],
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    assert.match(await loadError(dir), /appendonly\.aof\.1\.base\.rdb doesn't exist/);
  });

  it('refuses a non-monotonic manifest at start-up', async () => {
    const dir = aofDir([['appendonly.aof.1.incr.aof', set1, 'i']],
      'file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    assert.match(await loadError(dir), /non-monotonic sequence number/);
  });

  it('upgrades a single appendonly.aof into the directory', async () => {
    const dir = tempDir('vellum-aof-');
    dirs.push(dir);
    writeFileSync(join(dir, 'appendonly.aof'), set1 + set2, 'latin1');
    await withLoaded(dir, {}, async (_s, c) => {
      assert.deepEqual(await c.call('MGET', 'a', 'b'), ['1', '2']);
    });
    assert.ok(!existsSync(join(dir, 'appendonly.aof')));
    assert.equal(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'),
      'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  });

  it('keeps a deadline that passed while down until loading ends (no expiry while loading)', async () => {
    const dir = aofDir([['appendonly.aof.1.incr.aof', cmds(['SELECT', '0'], ['SET', 'k', '1', 'PXAT', '1000'], ['INCR', 'k']), 'i']]);
    await withLoaded(dir, {}, async (_s, c) => {
      assert.equal(await c.call('GET', 'k'), null); // expired after loading, not resurrected by INCR
    });
  });
});

describe('AOF writer', () => {
  async function withWriter(policy: string, fn: (s: Server, io: ControlledIo, aof: Aof, port: number) => Promise<void>): Promise<void> {
    const dir = tempDir('vellum-aofw-');
    dirs.push(dir);
    const h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendfsync: policy });
    const io = new ControlledIo();
    const aof = new Aof(h.server, io);
    try {
      assert.equal(aof.enable(), null);
      await aof.waitRewrite();
      await fn(h.server, io, aof, h.port!);
    } finally {
      io.releaseSyncs();
      aof.shutdown();
      await h.close();
    }
  }

  it('always: a write reply waits for its fsync while other clients read', async () => {
    await withWriter('always', async (_s, io, _aof, port) => {
      const writer = await RespClient.connect(port);
      const reader = await RespClient.connect(port);
      try {
        let acked = false;
        const pending = writer.call('SET', 'k', 'v').then((r) => { acked = true; return r; });
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(acked, false, 'reply left before the fsync');
        assert.equal(io.pendingSyncs.length, 1);
        assert.deepEqual(await reader.call('PING'), new Status('PONG'));
        assert.equal(await reader.call('EXISTS', 'nothing'), 0);
        io.releaseSyncs();
        assert.deepEqual(await pending, new Status('OK'));
        // Pipelined writes during one in-flight fsync share the next one (group commit).
        const a = writer.call('INCR', 'n');
        const b = reader.call('INCR', 'n');
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(io.pendingSyncs.length, 1);
        io.releaseSyncs();
        assert.deepEqual([await a, await b].sort(), [1, 2]);
      } finally {
        writer.close();
        reader.close();
      }
    });
  });

  it('always: the next fsync waits for the clients the last one released, so one fsync serves them all', async () => {
    await withWriter('always', async (s, io, _aof, port) => {
      const clients = await Promise.all([0, 1, 2, 3].map(() => RespClient.connect(port)));
      const [a, ...others] = clients as [RespClient, ...RespClient[]];
      const held = () => [...s.clients.values()].filter((c) => c.syncBarriers !== null).length;
      try {
        const first = a.call('SET', 'a', '1');
        await until(() => io.pendingSyncs.length === 1, "a's fsync");
        const rest = others.map((c, i) => c.call('SET', `k${i}`, '1'));
        await until(() => held() === 4, 'the other writes held behind it');
        // A slow disk: the fsync takes 300 ms, so the next one may wait as long for a.
        await new Promise((r) => setTimeout(r, 300));
        io.completeSyncs();
        assert.equal(io.pendingSyncs.length, 0, 'the next fsync started before a could write again');
        assert.deepEqual(await first, new Status('OK'));
        const second = a.call('SET', 'a', '2');
        await until(() => io.pendingSyncs.length === 1, 'the fsync a joins');
        io.completeSyncs();
        assert.deepEqual(await Promise.all([second, ...rest]), Array(4).fill(new Status('OK')));
        // All four held for that fsync; only a writes again: the next one waits no longer
        // than the last fsync took (here, no time at all), then goes without the others.
        const third = a.call('SET', 'a', '3');
        await until(() => io.pendingSyncs.length === 1, 'the fsync after the wait');
        io.completeSyncs();
        assert.deepEqual(await third, new Status('OK'));
      } finally {
        for (const c of clients) c.close();
      }
    });
  });

  it('no-appendfsync-on-rewrite: while a snapshot runs, always-writes are acknowledged without fsync', async () => {
    await withWriter('always', async (s, io, aof, port) => {
      s.config.setMany([['no-appendfsync-on-rewrite', 'yes']]);
      aof.applyConfig('no-appendfsync-on-rewrite', true);
      const c = await RespClient.connect(port);
      const sink = { write: () => true, onDrain: (r: () => void) => r(), end: async () => undefined, abort() {}, bufferedBytes: 0 };
      const snap = startSnapshot(s.keyspace, sink, { compression: false, listMaxListpackSize: 128, checksum: true, aofBase: true, now: Date.now(), manual: true });
      try {
        assert.deepEqual(await c.call('SET', 'k', 'v'), new Status('OK'));
        assert.equal(io.pendingSyncs.length, 0, 'an fsync was issued during the snapshot');
        snap.cancel();
        // The snapshot is over: the next write waits for its fsync again.
        let acked = false;
        const pending = c.call('SET', 'k', 'w').then((r) => { acked = true; return r; });
        await new Promise((r) => setTimeout(r, 30));
        assert.equal(acked, false);
        assert.equal(io.pendingSyncs.length, 1);
        io.releaseSyncs();
        assert.deepEqual(await pending, new Status('OK'));
      } finally {
        snap.cancel();
        c.close();
      }
    });
  });

  it('write errors refuse writes with MISCONF until the disk is healthy again', async () => {
    await withWriter('everysec', async (s, io, aof, port) => {
      const c = await RespClient.connect(port);
      const warnings: string[] = [];
      s.log.warning = (msg: string) => { warnings.push(msg); };
      try {
        io.failWrites = 'ENOSPC';
        await c.call('SET', 'k', 'v');
        await new Promise((r) => setImmediate(r));
        const refused = await c.call('SET', 'k', 'w');
        assert.ok(refused instanceof ErrorReply);
        assert.equal(refused.message, 'MISCONF Errors writing to the AOF file: No space left on device');
        assert.ok(aof.infoFields().includes('aof_last_write_status:err'));
        assert.equal(await c.call('GET', 'k'), 'v');
        // The cron's retries fail too; as in Redis, one line per 30 s says so.
        for (let i = 0; i < 3; i++) aof.writer.cron();
        assert.deepEqual(warnings, ['Error writing to the AOF file: No space left on device']);
        io.failWrites = null;
        aof.cron(Date.now());
        assert.equal(s.diskErrorRefusal, null);
        assert.deepEqual(await c.call('SET', 'k', 'w'), new Status('OK'));
      } finally {
        c.close();
      }
    });
  });

  it('everysec: a failed fsync refuses writes and is tried again a second later, not on every cron tick', async () => {
    await withWriter('everysec', async (s, io, aof) => {
      const client = new Client(s, null, 'test', '');
      const now = Date.now;
      let offset = 1000;
      Date.now = () => now() + offset;
      try {
        s.dispatcher.processCommand(client, ['SET', 'k', 'v']);
        aof.writer.flush(false); // a second after the last fsync: everysec starts one
        assert.equal(io.pendingSyncs.length, 1);
        io.completeSyncs('EIO');
        assert.equal(s.diskErrorRefusal, 'MISCONF Errors writing to the AOF file: Input/output error');
        for (let i = 0; i < 3; i++) aof.writer.cron();
        assert.equal(io.pendingSyncs.length, 0, 'retried within the same second');
        offset += 1000;
        aof.writer.cron();
        assert.equal(io.pendingSyncs.length, 1, 'not retried a second later');
        io.completeSyncs();
        assert.equal(s.diskErrorRefusal, null);
      } finally {
        Date.now = now;
      }
    });
  });

  it("a rewrite's new incr is named with its first write; when the manifest cannot be written, writes are refused until it can", async () => {
    await withWriter('no', async (s, io, aof) => {
      const ad = join(s.dir, 'appendonlydir');
      const manifest = () => readFileSync(join(ad, 'appendonly.aof.manifest'), 'latin1');
      const client = new Client(s, null, 'test', '');
      s.dispatcher.processCommand(client, ['SET', 'a', '1']);
      aof.writer.flush(false);
      const before = manifest();
      // In one synchronous step: the rewrite switches to a new incr, which no manifest names yet.
      assert.ok(aof.rewrite());
      const incr = aof.writer.name;
      assert.equal(manifest(), before);
      io.failWrites = 'ENOSPC';
      s.dispatcher.processCommand(client, ['SET', 'b', '2']);
      aof.writer.flush(false);
      assert.match(s.diskErrorRefusal ?? '', /^MISCONF Errors writing to the AOF file: Error trying to write the temporary AOF manifest file/);
      assert.equal(manifest(), before);
      assert.equal(statSync(join(ad, incr)).size, 0, 'a write reached a file no manifest names');
      io.failWrites = null;
      aof.writer.cron();
      assert.equal(s.diskErrorRefusal, null);
      assert.equal(manifest(), `${before}file ${incr} seq 2 type i\n`);
      assert.ok(readFileSync(join(ad, incr), 'latin1').endsWith(cmds(['SET', 'b', '2'])));
      await aof.waitRewrite();
      assert.ok(aof.infoFields().includes('aof_last_bgrewrite_status:ok'));
    });
  });

  it('emits #TS annotations and SELECT at the start of each incr file', async () => {
    await withWriter('no', async (s, _io, aof, port) => {
      s.config.setMany([['aof-timestamp-enabled', 'yes']]);
      aof.applyConfig('aof-timestamp-enabled', true);
      const c = await RespClient.connect(port);
      try {
        await c.call('SET', 'a', '1');
        await new Promise((r) => setImmediate(r));
        const first = readFileSync(join(s.dir, 'appendonlydir', aof.manifest.incrs.at(-1)?.name ?? 'temp-appendonly.aof.incr'), 'latin1');
        assert.match(first, /^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET\r\n/);
        await c.call('BGREWRITEAOF');
        await aof.waitRewrite();
        await c.call('SET', 'b', '2');
        await new Promise((r) => setImmediate(r));
        const ad = join(s.dir, 'appendonlydir');
        const incr = aof.manifest.incrs.at(-1)!.name;
        const text = readFileSync(join(ad, incr), 'latin1');
        assert.match(text, /^(#TS:\d+\r\n)?\*2\r\n\$6\r\nSELECT/);
        assert.ok(text.endsWith(cmds(['SET', 'b', '2'])));
        assert.equal(aof.manifest.incrs.length, 1);
        assert.match(aof.manifest.base!.name, /^appendonly\.aof\.2\.base\.rdb$/);
      } finally {
        c.close();
      }
    });
  });
});

describe('AOF rewrite base sink', () => {
  it('aof-rewrite-incremental-fsync: the base fsynced every few bytes is complete and renamed into place', async () => {
    const dir = tempDir('vellum-aofsink-');
    dirs.push(dir);
    const sink = new FileSnapshotSink(join(dir, 'base.rdb'), join(dir, 'temp.rdb'), 16);
    let expected = '';
    for (let i = 0; i < 200; i++) {
      const chunk = `chunk ${i} of the base\n`;
      expected += chunk;
      sink.write(Buffer.from(chunk));
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await sink.end();
    assert.equal(readFileSync(join(dir, 'base.rdb'), 'latin1'), expected);
    assert.equal(existsSync(join(dir, 'temp.rdb')), false);
  });
});

describe('AOF through the server', () => {
  it('CONFIG SET appendonly yes rewrites first; a restart with appendonly yes loads it and ignores dump.rdb', async () => {
    const dir = tempDir('vellum-aofcfg-');
    dirs.push(dir);
    let h = await startServer({ port: 0, dir, save: '', loglevel: 'warning' });
    let c = await RespClient.connect(h.port!);
    await c.call('SET', 'before', '1');
    assert.deepEqual(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), new Status('OK'));
    await c.call('SET', 'after', '2');
    await aofOf(h.server).waitRewrite();
    const info = String(await c.call('INFO', 'persistence'));
    assert.match(info, /aof_enabled:1\r\n/);
    assert.match(info, /aof_rewrites:1\r\n/);
    assert.match(info, /aof_base_size:\d+\r\n/);
    assert.equal(readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'),
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    await c.call('SAVE');
    await c.call('SET', 'onlyinaof', '3');
    c.close();
    await h.close();
    h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendonly: 'yes' });
    c = await RespClient.connect(h.port!);
    assert.deepEqual(await c.call('MGET', 'before', 'after', 'onlyinaof'), ['1', '2', '3']);
    c.close();
    await h.close();
    // appendonly yes with no AOF: dump.rdb is ignored and an empty base is written.
    rmSync(join(dir, 'appendonlydir'), { recursive: true });
    h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendonly: 'yes' });
    c = await RespClient.connect(h.port!);
    assert.equal(await c.call('DBSIZE'), 0);
    c.close();
    await h.close();
    assert.ok(existsSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.rdb')));
  });
});
