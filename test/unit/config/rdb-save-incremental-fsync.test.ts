/**
 * rdb-save-incremental-fsync: with `yes` (the default) SAVE and BGSAVE fsync the temp file
 * every 4 MiB as they write it, as Redis's rdbSave does for both (rioSetAutoSync); with
 * `no` the file is fsynced once, at the end. fs.fsync and fs.fsyncSync are counted through
 * syncBuiltinESMExports, so the count covers the server's own ESM imports of node:fs.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { rmSync } from 'node:fs';
import { startServer } from '../../../src/index.js';
import { RespClient } from '../../helpers/resp-client.js';
import { tempDir } from '../../helpers/servers.js';

const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
const original = { fsync: fs.fsync, fsyncSync: fs.fsyncSync };
const counts = { fsync: 0, fsyncSync: 0 };

/** 12 MiB of incompressible values: three 4 MiB steps. */
const VALUES = 96;
const VALUE_BYTES = 128 * 1024;

async function fsyncsOf(incremental: 'yes' | 'no', command: 'SAVE' | 'BGSAVE'): Promise<number> {
  const dir = tempDir('vellum-autosync-');
  const server = await startServer({ port: 0, dir, save: '', loglevel: 'warning', 'rdb-save-incremental-fsync': incremental });
  const c = await RespClient.connect(server.port!);
  try {
    await c.pipeline(Array.from({ length: VALUES }, (_, i) => ['SET', `k${i}`, randomBytes(VALUE_BYTES)]));
    counts.fsync = 0;
    counts.fsyncSync = 0;
    await c.call(command);
    if (command === 'BGSAVE') {
      for (;;) {
        const info = String(await c.call('INFO', 'persistence'));
        if (info.includes('rdb_bgsave_in_progress:0')) {
          assert.match(info, /rdb_last_bgsave_status:ok/);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return command === 'SAVE' ? counts.fsyncSync : counts.fsync;
  } finally {
    c.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('rdb-save-incremental-fsync', () => {
  before(() => {
    fs.fsync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      counts.fsync++;
      original.fsync(fd, cb);
    }) as typeof fs.fsync;
    fs.fsyncSync = ((fd: number) => {
      counts.fsyncSync++;
      original.fsyncSync(fd);
    }) as typeof fs.fsyncSync;
    syncBuiltinESMExports();
  });
  after(() => {
    fs.fsync = original.fsync;
    fs.fsyncSync = original.fsyncSync;
    syncBuiltinESMExports();
  });

  for (const command of ['BGSAVE', 'SAVE'] as const) {
    test(`${command}: every 4 MiB with yes, once at the end with no`, async () => {
      // The temp file once, then its directory after the rename.
      assert.equal(await fsyncsOf('no', command), 2);
      // At least two 4 MiB steps of 12 MiB (writes are batched, so not always three).
      assert.ok(await fsyncsOf('yes', command) >= 4);
    });
  }
});
