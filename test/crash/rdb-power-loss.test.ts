/**
 * BGSAVE and SAVE under power loss, simulated: saves one after another under the list load
 * (list-load.ts), the dump written through PowerLossIo (power-loss-io.ts). An image of what
 * a power cut would leave is taken right after each save ends and, for a BGSAVE, at a
 * random moment while it runs. A server started on each image must load its dump.rdb,
 * never a torn one (the temp file is fsynced before it is renamed over the dump), and each
 * client's list must be a prefix of what it sent holding every write acknowledged before
 * the start of the last save that had ended: a save reports success only once the rename
 * and the directory fsync are done.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { RespClient, Status } from '../helpers/resp-client.js';
import { tempDir, until } from '../helpers/servers.js';
import { checkLists, generator, ListLoad } from './list-load.js';
import { PowerLossIo } from './power-loss-io.js';

const CLIENTS = 8;
/** BGSAVE, SAVE, BGSAVE … */
const SAVES = 6;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Image {
  dir: string;
  /** Writes acknowledged before the last completed save started; null: no save had completed. */
  saved: number[] | null;
  moment: string;
}

describe('BGSAVE and SAVE under simulated power loss', () => {
  it('every image loads, with all that the last completed save held', async () => {
    const seed = Date.now() % 1_000_000;
    const random = generator(seed);
    const root = tempDir('vellum-power-rdb-');
    dirs.push(root);
    const h = await startServer({ port: 0, dir: root, save: '', appendonly: 'no', loglevel: 'warning' });
    const io = new PowerLossIo(root);
    h.server.persistence.io = io;
    const admin = await RespClient.connect(h.port!);
    const load = new ListLoad(h.port!, CLIENTS);
    const images: Image[] = [];
    let saved: number[] | null = null;
    const image = (moment: string): void => {
      const dir = tempDir('vellum-power-rdb-image-');
      dirs.push(dir);
      images.push({ dir, saved, moment });
      io.image(dir, (unsynced) => Math.floor(random() * (unsynced + 1)));
    };
    try {
      for (let i = 0; i < SAVES; i++) {
        await new Promise((r) => setTimeout(r, 5 + random() * 25));
        const atStart = [...load.acked];
        if (i % 2 === 1) {
          assert.deepEqual(await admin.call('SAVE'), new Status('OK'));
        } else {
          assert.deepEqual(await admin.call('BGSAVE'), new Status('Background saving started'));
          await new Promise((r) => setTimeout(r, random() * 10));
          image(`during save ${i + 1} (BGSAVE)`);
          await until(() => !h.server.persistence.background.inProgress, 'the save to end');
          assert.match(String(await admin.call('INFO', 'persistence')), /rdb_last_bgsave_status:ok\r\n/);
        }
        saved = atStart;
        image(`right after save ${i + 1} (${i % 2 === 1 ? 'SAVE' : 'BGSAVE'}) ended`);
      }
    } finally {
      await load.end();
      admin.close();
      await h.close();
    }
    for (const img of images) {
      const what = `seed ${seed}, image taken ${img.moment}`;
      // Before the test saw a save end, one may have: a dump is allowed, not required.
      if (img.saved !== null) assert.ok(existsSync(join(img.dir, 'dump.rdb')), `${what}: no dump.rdb`);
      const s = await startServer({ port: 0, dir: img.dir, save: '', appendonly: 'no', loglevel: 'warning' }).catch((err: Error) => {
        throw new Error(`${what}: the server did not start on the image: ${err.message}`);
      });
      const c = await RespClient.connect(s.port!);
      try {
        await checkLists(c, img.saved ?? new Array<number>(CLIENTS).fill(0), what);
      } finally {
        c.close();
        await s.close();
      }
    }
  });
});
