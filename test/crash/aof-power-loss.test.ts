/**
 * AOF under power loss, simulated: a server under write load from several clients
 * (list-load.ts), with AOF rewrites starting and finishing under it, writes through
 * PowerLossIo, which models what is on disk (power-loss-io.ts). At random moments the test
 * takes an image of what a power cut would leave (each file's unsynced bytes cut at a
 * random point, directory entries as of their directory's last fsync); then it starts a
 * fresh server on each image and checks every client's list:
 *  - under every policy it is a prefix of what the client sent: an image holds a prefix of
 *    the write stream, across the switch to a rewrite's new incr file too, and a server
 *    starts on it;
 *  - under `always` it holds every write acknowledged before the image: a reply leaves only
 *    once the fsync that covers its write has returned.
 * SIGKILL (aof-always.test.ts) keeps the page cache, so only this test sees an unsynced byte
 * go missing.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer } from '../../src/index.js';
import { Aof } from '../../src/persistence/aof/index.js';
import { RespClient } from '../helpers/resp-client.js';
import { tempDir } from '../helpers/servers.js';
import { checkLists, generator, ListLoad } from './list-load.js';
import { PowerLossIo } from './power-loss-io.js';

const CLIENTS = 12;
const IMAGES = 9;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Policy = 'always' | 'everysec';

interface Image {
  dir: string;
  /** Writes that must be in it: under always, those acknowledged when it was taken. */
  atLeast: number[];
  /** What happened just before it, for the failure message. */
  moment: string;
}

/** Run the load, taking IMAGES images at random moments; rewrites start before some of them. */
async function takeImages(policy: Policy, preamble: boolean, random: () => number): Promise<Image[]> {
  const root = tempDir('vellum-power-');
  dirs.push(root);
  const h = await startServer({
    port: 0, dir: root, save: '', loglevel: 'warning', appendfsync: policy, 'aof-use-rdb-preamble': preamble ? 'yes' : 'no',
  });
  const io = new PowerLossIo(root);
  const aof = new Aof(h.server, io);
  const images: Image[] = [];
  let load: ListLoad | null = null;
  try {
    assert.equal(aof.enable(), null);
    await aof.waitRewrite();
    load = new ListLoad(h.port!, CLIENTS);
    for (let i = 0; i < IMAGES; i++) {
      // A random moment of the load; every third image comes 0, 1 or 2 loop turns after a
      // rewrite started, while the old incr file's last fsync may still be running, and
      // tears every file's unsynced bytes.
      await new Promise((r) => setTimeout(r, 5 + random() * 30));
      let moment = 'under load';
      let tear = random() < 0.5;
      if (i % 3 === 1 && aof.rewrite()) {
        const turns = (i - 1) / 3;
        for (let t = 0; t < turns; t++) await new Promise((r) => setImmediate(r));
        moment = `${turns} loop turns after a rewrite started`;
        tear = true;
      }
      const dir = tempDir('vellum-power-image-');
      dirs.push(dir);
      images.push({ dir, atLeast: policy === 'always' ? [...load.acked] : load.acked.map(() => 0), moment });
      io.image(dir, (unsynced) => (tear ? Math.floor(random() * (unsynced + 1)) : 0));
    }
  } finally {
    await load?.end();
    await aof.waitRewrite();
    aof.shutdown();
    await h.close();
  }
  return images;
}

/** Start a server on the image and check each client's list (header). */
async function checkImage(image: Image, what: string): Promise<void> {
  const h = await startServer({ port: 0, dir: image.dir, save: '', appendonly: 'yes', loglevel: 'warning' }).catch((err: Error) => {
    throw new Error(`${what}: the server did not start on the image: ${err.message}`);
  });
  const c = await RespClient.connect(h.port!);
  try {
    await checkLists(c, image.atLeast, what);
  } finally {
    c.close();
    await h.close();
  }
}

describe('AOF under simulated power loss', () => {
  const cases: [Policy, boolean][] = [['always', true], ['everysec', true], ['always', false]];
  for (const [policy, preamble] of cases) {
    const base = preamble ? 'RDB' : 'RESP';
    it(`${policy}, ${base} base: every image starts, holds a prefix of each client's writes${policy === 'always' ? ' and every acknowledged one' : ''}`, async () => {
      const seed = Date.now() % 1_000_000;
      const images = await takeImages(policy, preamble, generator(seed));
      for (const image of images) await checkImage(image, `${policy}, ${base} base, seed ${seed}, image taken ${image.moment}`);
    });
  }
});
