/**
 * AOF rewrite (BGREWRITEAOF, automatic rewrite, turning the AOF on): replace the base with
 * the dataset as it was at the instant T the rewrite started, and retire the incr files it
 * makes redundant. index.ts owns the protocol and the manifest; this file owns the new base.
 *
 * Protocol (Redis 7.0's rewriteAppendOnlyFileBackground + backgroundRewriteDoneHandler,
 * without the fork), with what a crash right after each step leaves:
 *  1. flush the buffer; open a new incr file and persist the manifest naming it (or, while
 *     the AOF is being switched on, `temp-<name>.incr`, not in the manifest): the old
 *     manifest still loads everything, since the new incr only gets later writes. The old
 *     incr is fsynced and closed on the thread pool (Redis's bio), not here; under
 *     `always`/`everysec` the new incr gets no write until that fsync completes (writer.ts),
 *     so a crash meanwhile loses at most a suffix of the write stream, never a middle;
 *  2. start the base at T (startBase) into `<dir>/temp-rewriteaof-bg-<pid>.aof`; from the
 *     same synchronous step on, every write goes to the new incr, so base + new incr is
 *     exactly the dataset. With `aof-use-rdb-preamble yes` the forkless snapshot engine
 *     writes the RDB base in slices over many loop turns while clients keep writing; the
 *     file is fsynced every 4 MB (aof-rewrite-incremental-fsync) and at the end, then
 *     renamed to `<aofdir>/<name>.<base seq + 1>.base.rdb` and the directory fsynced. A crash
 *     meanwhile leaves a stray temp (or an unlisted base) file and the old AOF intact;
 *  3. mark the old base and every incr before the new one as history and persist the
 *     manifest (temp, fsync, rename, fsync dir): the one moment the AOF changes;
 *  4. delete the history files and persist the manifest again. Removing a large base
 *     frees its blocks, tens of ms of the loop: as Redis's bg_unlink, the name goes now and
 *     the blocks on the thread pool, with a close of a descriptor held across the unlink.
 *     A crash before the manifest lands leaves history lines naming missing files, which
 *     loading ignores. Steps 3 and 4 need not wait for step 1's fsync of the old incr:
 *     the new base (fsynced) covers all of it, and it only leaves the manifest.
 * A failure before 3 removes the temp file and leaves the current AOF as it was; the new
 * incr stays in the manifest (several incr files load in order).
 *
 * The RESP base (`aof-use-rdb-preamble no`) is still written synchronously, in one call:
 * the engine walks the keyspace through an RdbWriter only, and a second emitter behind it
 * is not built yet. Its file goes through the same steps, all inside step 2's call.
 */

import { dirname, join } from 'node:path';
import type { Server } from '../../server/server.js';
import { writeSnapshot } from '../rdb-file.js';
import { rdbWriterOptions } from '../rdb/writer.js';
import { startSnapshot, type SnapshotHandle } from '../snapshot/engine.js';
import { FileSnapshotSink } from '../snapshot/file-sink.js';
import { type AofIo, writeAll } from './io.js';
import { writeRespDataset } from './resp.js';

/** Redis's REDIS_AUTOSYNC_BYTES: aof-rewrite-incremental-fsync's step. */
export const AUTOSYNC_BYTES = 4 * 1024 * 1024;

/**
 * Step 2: start writing the base of the dataset as it is now to `temp`, to become `path`.
 * Returns the running snapshot (RDB preamble) or null once a RESP base is already in
 * place (fsynced, renamed, directory fsynced). Throws an Error naming the step and file.
 */
export function startBase(server: Server, io: AofIo, temp: string, path: string, rdbPreamble: boolean): SnapshotHandle | null {
  const config = server.config;
  const autoSync = config.bool('aof-rewrite-incremental-fsync') ? AUTOSYNC_BYTES : 0;
  if (rdbPreamble) {
    const sink = new FileSnapshotSink(path, temp, autoSync);
    return startSnapshot(server.keyspace, sink, {
      ...rdbWriterOptions(config),
      checksum: config.bool('rdbchecksum'),
      aofBase: true,
      now: Date.now(),
    });
  }
  buildBase(server, io, temp, false);
  try {
    io.rename(temp, path);
    io.fsyncDir(dirname(path));
  } catch (err) {
    try { io.unlink(temp); } catch { /* renamed */ }
    throw new Error(`rename ${temp} -> ${path}: ${(err as Error).message}`);
  }
  return null;
}

/**
 * Write the whole dataset as an AOF base to `path` at once and fsync it (start-up with no
 * AOF, the RESP rewrite). Throws naming the step.
 */
export function buildBase(server: Server, io: AofIo, path: string, rdbPreamble: boolean): void {
  const config = server.config;
  const autoSync = config.bool('aof-rewrite-incremental-fsync') ? AUTOSYNC_BYTES : 0;
  let step = 'open';
  const fd = io.openWrite(path);
  let unsynced = 0;
  const write = (chunk: Uint8Array) => {
    step = 'write';
    writeAll(io, fd, chunk);
    unsynced += chunk.length;
    if (autoSync > 0 && unsynced >= autoSync) {
      step = 'fsync';
      io.fsync(fd);
      unsynced = 0;
    }
  };
  try {
    step = 'write';
    if (rdbPreamble) {
      writeSnapshot(server.keyspace, write, {
        ...rdbWriterOptions(config),
        checksum: config.bool('rdbchecksum'),
        aofBase: true,
        now: Date.now(),
      });
    } else {
      const ts = config.bool('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : -1;
      writeRespDataset(server.keyspace, write, ts);
    }
    step = 'fsync';
    io.fsync(fd);
  } catch (err) {
    io.close(fd);
    try { io.unlink(path); } catch { /* already gone */ }
    throw new Error(`${step} ${path}: ${(err as Error).message}`);
  }
  io.close(fd);
}

/** `<dir>/temp-rewriteaof-bg-<pid>.aof`, where Redis's child leaves its output. */
export function tempRewritePath(dir: string): string {
  return join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
}
