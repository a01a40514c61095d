/**
 * AOF rewrite (BGREWRITEAOF, automatic rewrite, turning the AOF on): replace the base with
 * the dataset as it is now, and retire the incr files it makes redundant.
 *
 * Protocol (Redis 7.0's rewriteAppendOnlyFileBackground + backgroundRewriteDoneHandler),
 * with what a crash right after each step leaves:
 *  1. flush the buffer; open a new incr file and persist the manifest naming it (or, while
 *     the AOF is being switched on, `temp-<name>.incr`, not in the manifest): the old
 *     manifest still loads everything, since the new incr only gets later writes;
 *  2. write the new base to `<dir>/temp-rewriteaof-bg-<pid>.aof` and fsync it (buildBase):
 *     a crash leaves a stray temp file and the old AOF intact;
 *  3. rename it into the AOF directory as `<name>.<base seq + 1>.base.{rdb|aof}`, mark the
 *     old base and every incr but the current one as history, persist the manifest
 *     (temp, fsync, rename, fsync dir): the one moment the AOF changes;
 *  4. delete the history files and persist the manifest again.
 * A failure before 3 removes the temp file and leaves the current AOF as it was; the new
 * incr stays in the manifest (several incr files load in order).
 *
 * buildBase writes the base synchronously for now; it is the one function the forkless
 * snapshot engine replaces (then step 2 spans loop turns and writes keep flowing into the
 * new incr meanwhile).
 */

import { join } from 'node:path';
import type { Server } from '../../server/server.js';
import { writeSnapshot } from '../rdb-file.js';
import { type AofIo, writeAll } from './io.js';
import { writeRespDataset } from './resp.js';

/** Write the whole dataset as an AOF base to `path` and fsync it. Throws naming the step. */
export function buildBase(server: Server, io: AofIo, path: string, rdbPreamble: boolean): void {
  const config = server.config;
  let step = 'open';
  const fd = io.openWrite(path);
  try {
    step = 'write';
    if (rdbPreamble) {
      writeSnapshot(server.keyspace, (chunk) => writeAll(io, fd, chunk), {
        compression: config.bool('rdbcompression'),
        listMaxListpackSize: config.number('list-max-listpack-size'),
        checksum: config.bool('rdbchecksum'),
        aofBase: true,
        now: Date.now(),
      });
    } else {
      const ts = config.bool('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : -1;
      writeRespDataset(server.keyspace, (text) => writeAll(io, fd, Buffer.from(text, 'latin1')), ts);
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
