/**
 * The rule a rewrite relies on (writer.ts, "Switching files"): when a rewrite opens its new
 * incr file, nothing is written to it until the old incr's fsync on the thread pool has
 * completed, so an OS crash can only lose a suffix of the write stream. And when that fsync
 * fails (EIO through FileIo): the failure is reported as Redis reports an AOF fsync error
 * (aof_last_write_status:err, writes refused with MISCONF, a log line, here naming the
 * file), no later fsync of the file counts (after EIO the kernel may have dropped the pages
 * and a retry succeeds without them), no held reply leaves, nothing reaches the new file,
 * and only a new base ends it: the running rewrite's, or one the AOF starts for it.
 *
 * The fsync's completion is ordered against the writer's steps exactly: the rewrite starts,
 * a write arrives through an in-process client and the old fsync completes or fails, all in
 * one synchronous stretch, before the rewrite's base (a few loop turns away) can land.
 * INCR is the buffered write, so that a record replayed twice would show.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Server } from '../../../src/index.js';
import { Client } from '../../../src/server/client.js';
import { Aof } from '../../../src/persistence/aof/index.js';
import { respCommand } from '../../../src/persistence/aof/resp.js';
import { tempRewritePath } from '../../../src/persistence/aof/rewrite.js';
import { tempDir, until } from '../../helpers/servers.js';
import { RespClient, Status } from '../../helpers/resp-client.js';
import { ControlledIo } from './aof-io.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const MISCONF_EIO = 'MISCONF Errors writing to the AOF file: Input/output error';

interface Fixture {
  s: Server;
  io: ControlledIo;
  aof: Aof;
  dir: string;
  warnings: string[];
  /** The client that wrote b; its reply is held by the fsync in flight on the old incr. */
  writer: RespClient;
  /** Its SET b 2, not yet acknowledged. */
  setB: Promise<unknown>;
  /** The old incr, its fsync in flight. */
  oldIncr: string;
}

/**
 * `SET a 1` acknowledged and synced, `SET b 2` written to the current incr and its fsync
 * in flight, held by the test (under always, b's reply waits for it).
 */
async function withHeldFsync(policy: 'always' | 'everysec', fn: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = tempDir('vellum-aofrw-');
  dirs.push(dir);
  const h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendfsync: policy });
  const s = h.server;
  const warnings: string[] = [];
  s.log.warning = (msg: string) => { warnings.push(msg); };
  const io = new ControlledIo();
  const aof = new Aof(s, io);
  io.autoSync = true;
  const writer = await RespClient.connect(h.port!);
  try {
    assert.equal(aof.enable(), null);
    await aof.waitRewrite();
    assert.deepEqual(await writer.call('SET', 'a', '1'), new Status('OK'));
    await until(() => aof.writer.pendingFsync === 0); // a's real fsync, under everysec
    io.autoSync = false;
    let setB: Promise<unknown>;
    if (policy === 'always') {
      setB = writer.call('SET', 'b', '2');
      await until(() => io.pendingSyncs.length === 1);
    } else {
      // Written in this step, and a second later than the last fsync: everysec starts one.
      s.dispatcher.processCommand(new Client(s, null, 'test', ''), ['SET', 'b', '2']);
      const now = Date.now;
      Date.now = () => now() + 1000;
      try {
        aof.writer.flush(false);
      } finally {
        Date.now = now;
      }
      assert.equal(io.pendingSyncs.length, 1);
      setB = Promise.resolve(new Status('OK'));
    }
    const oldIncr = aof.manifest.incrs.at(-1)!.name;
    await fn({ s, io, aof, dir, warnings, writer, setB, oldIncr });
  } finally {
    writer.close();
    io.autoSync = true;
    io.completeSyncs();
    aof.shutdown();
    await h.close();
  }
}

function incrText(f: Fixture, name: string): string {
  return readFileSync(join(f.dir, 'appendonlydir', name), 'latin1');
}

function incrSize(f: Fixture, name: string): number {
  return statSync(join(f.dir, 'appendonlydir', name)).size;
}

/**
 * In this synchronous step: SET c 3 (under always it waits in the buffer behind the fsync
 * in flight, which does not cover it; the rewrite's forced flush writes it to the old
 * incr), the rewrite starts, and INCR n runs, all through in-process clients.
 */
function rewriteThenIncr(f: Fixture): { local: Client; newIncr: string } {
  const before = new Client(f.s, null, 'test', '');
  f.s.dispatcher.processCommand(before, ['SET', 'c', '3']);
  f.aof.writer.flush(false);
  assert.ok(f.aof.rewrite());
  assert.ok(incrText(f, f.oldIncr).endsWith(respCommand(['SET', 'c', '3'])));
  const newIncr = f.aof.writer.name;
  assert.notEqual(newIncr, f.oldIncr);
  assert.equal(f.aof.manifest.incrs.at(-1)!.name, f.oldIncr, 'the new incr is named before the old one is durable');
  const local = new Client(f.s, null, 'test', '');
  f.s.dispatcher.processCommand(local, ['INCR', 'n']);
  f.aof.writer.flush(false); // the loop turn's beforeReplies hook
  assert.equal(local.out, ':1\r\n');
  if (f.aof.writer.policy === 'always') assert.notEqual(local.syncBarriers, null, 'an always write is held until its fsync');
  assert.equal(incrSize(f, newIncr), 0, 'the new incr got a write before the old one was fsynced');
  return { local, newIncr };
}

/** The held reply of an in-process client has left (its barrier is gone after the loop turn's flush). */
async function released(c: Client): Promise<boolean> {
  await new Promise((r) => setImmediate(r));
  return c.syncBarriers === null;
}

function info(f: Fixture): string[] {
  return [...f.aof.infoFields(), ...f.aof.infoEnabledFields()];
}

/** Restart on the directory with the real file system: what a crash now would leave. */
async function reloaded(dir: string): Promise<unknown> {
  const h = await startServer({ port: 0, dir, save: '', loglevel: 'warning', appendonly: 'yes' });
  const c = await RespClient.connect(h.port!);
  try {
    return await c.call('MGET', 'a', 'b', 'c', 'n', 'd');
  } finally {
    c.close();
    await h.close();
  }
}

describe('AOF rewrite: the new incr waits for the old incr fsync', () => {
  for (const policy of ['always', 'everysec'] as const) {
    it(`${policy}: a write after the switch reaches the new incr only when the old incr's fsync has completed`, async () => {
      let dir = '';
      await withHeldFsync(policy, async (f) => {
        dir = f.dir;
        const { local, newIncr } = rewriteThenIncr(f);
        f.io.completeSyncs(); // the fsync that was in flight: it covers b, not c
        assert.equal(incrSize(f, newIncr), 0, 'the new incr got a write before the old one was fsynced');
        assert.deepEqual(await f.setB, new Status('OK'));
        assert.equal(f.io.pendingSyncs.length, 1, "the old incr's fsync, for c");
        f.io.completeSyncs();
        assert.ok(incrText(f, newIncr).endsWith(respCommand(['INCR', 'n'])), 'written once the old fsync returned');
        if (policy === 'always') {
          // Next, once the group commit has waited for b's writer (it does not write again).
          await until(() => f.io.pendingSyncs.length === 1);
          assert.notEqual(local.syncBarriers, null, 'INCR waits for the new incr fsync');
          f.io.completeSyncs();
          assert.ok(await released(local));
        }
        f.io.autoSync = true;
        await f.aof.waitRewrite();
        assert.ok(info(f).includes('aof_last_bgrewrite_status:ok'));
        assert.ok(info(f).includes('aof_last_write_status:ok'));
      });
      assert.deepEqual(await reloaded(dir), ['1', '2', '3', '1', null]);
    });
  }

  it('the old incr fsync fails with EIO: reported, nothing acknowledged or written until the rewrite base lands', async () => {
    let dir = '';
    await withHeldFsync('always', async (f) => {
      dir = f.dir;
      const { local, newIncr } = rewriteThenIncr(f);
      f.io.completeSyncs('EIO');
      assert.ok(f.warnings.includes(`Fail to fsync the AOF file ${f.oldIncr}: Input/output error`), f.warnings.join('\n'));
      assert.ok(info(f).includes('aof_last_write_status:err'));
      assert.equal(f.s.diskErrorRefusal, MISCONF_EIO);
      const refused = new Client(f.s, null, 'test', '');
      f.s.dispatcher.processCommand(refused, ['SET', 'd', 'refused']);
      assert.equal(refused.out, `-${MISCONF_EIO}\r\n`);
      // A retry of the fsync succeeds after EIO without proving anything: none is counted.
      f.io.autoSync = true;
      f.aof.writer.cron();
      f.aof.writer.flush(false);
      await until(() => f.aof.writer.pendingFsync === 0);
      assert.equal(incrSize(f, newIncr), 0, 'the new incr got a write after the old fsync failed');
      const heldB = [...f.s.clients.values()].find((c) => c.syncBarriers !== null);
      assert.ok(heldB !== undefined && !(await released(local)), 'a reply left although its write may be lost');
      assert.equal(incrSize(f, newIncr), 0);
      // The rewrite's base holds a and b: they are durable, INCR goes to the new incr.
      await f.aof.waitRewrite();
      assert.deepEqual(await f.setB, new Status('OK'));
      assert.ok(await released(local));
      assert.ok(incrText(f, newIncr).endsWith(respCommand(['INCR', 'n'])));
      assert.ok(info(f).includes('aof_last_write_status:ok'));
      assert.ok(info(f).includes('aof_last_bgrewrite_status:ok'));
      assert.equal(f.s.diskErrorRefusal, null);
      assert.deepEqual(await f.writer.call('SET', 'd', '4'), new Status('OK'));
    });
    assert.deepEqual(await reloaded(dir), ['1', '2', '3', '1', '4']);
  });

  it('the old incr fsync fails and the rewrite fails too: writes stay refused until the rewrite the AOF starts for them', async () => {
    let dir = '';
    await withHeldFsync('always', async (f) => {
      dir = f.dir;
      // The base's temp file cannot be created: this rewrite fails at once, after its switch.
      const blocker = tempRewritePath(f.dir);
      mkdirSync(blocker);
      const { local, newIncr } = rewriteThenIncr(f);
      assert.ok(info(f).includes('aof_last_bgrewrite_status:err'));
      f.io.completeSyncs('EIO');
      assert.equal(f.s.diskErrorRefusal, MISCONF_EIO);
      assert.ok(f.aof.writer.needsBase);
      f.aof.writer.flush(false);
      assert.equal(incrSize(f, newIncr), 0, 'the new incr got a write after the old fsync failed');
      rmSync(blocker, { recursive: true });
      f.io.autoSync = true;
      f.aof.cron(Date.now());
      assert.ok(f.warnings.some((w) => w.startsWith('AOF rewrite started: only a new base')), f.warnings.join('\n'));
      await f.aof.waitRewrite();
      assert.deepEqual(await f.setB, new Status('OK'));
      assert.ok(await released(local));
      assert.ok(info(f).includes('aof_last_write_status:ok'));
      assert.ok(info(f).includes('aof_last_bgrewrite_status:ok'));
      assert.equal(f.s.diskErrorRefusal, null);
      // INCR was made before the second rewrite's switch: its base holds it, no incr does.
      for (const ai of f.aof.manifest.incrs) assert.ok(!incrText(f, ai.name).includes('INCR'), ai.name);
    });
    assert.deepEqual(await reloaded(dir), ['1', '2', '3', '1', null]);
  });

  it('always: an fsync of the current incr fails: the held reply waits for a new base, not for a retry', async () => {
    let dir = '';
    await withHeldFsync('always', async (f) => {
      dir = f.dir;
      f.io.completeSyncs('EIO');
      assert.ok(f.warnings.includes(`Fail to fsync the AOF file ${f.oldIncr}: Input/output error`));
      assert.equal(f.s.diskErrorRefusal, MISCONF_EIO);
      f.io.autoSync = true;
      f.aof.writer.cron();
      await until(() => f.aof.writer.pendingFsync === 0);
      const held = [...f.s.clients.values()].find((c) => c.syncBarriers !== null);
      assert.ok(held !== undefined);
      assert.equal(await released(held), false, 'a retried fsync acknowledged a write it may not hold');
      f.aof.cron(Date.now()); // starts the rewrite
      await f.aof.waitRewrite();
      assert.deepEqual(await f.setB, new Status('OK'));
      assert.equal(f.s.diskErrorRefusal, null);
    });
    assert.deepEqual(await reloaded(dir), ['1', '2', null, null, null]);
  });
});
