/**
 * Power loss, simulated: a server under write load from several clients, with AOF rewrites
 * starting and finishing under it, writes through PowerLossIo, which models what is on disk
 * (power-loss-io.ts). At random moments the test takes an image of what a power cut would
 * leave (each file's unsynced bytes cut at a random point, directory entries as of their
 * directory's last fsync); then it starts a fresh server on each image. Each client appends
 * 0, 1, 2 … to a list of its own, so what must hold is a property of each list:
 *  - under every policy it is 0 … k-1, a prefix of what the client sent: an image holds a
 *    prefix of the write stream, across the switch to a rewrite's new incr file too, and a
 *    server starts on it;
 *  - under `always`, k is at least the number of writes acknowledged before the image: a
 *    reply leaves only once the fsync that covers its write has returned.
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
import { PowerLossIo } from './power-loss-io.js';

const CLIENTS = 12;
const IMAGES = 9;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** mulberry32: a seeded generator, so a failure names the seed that reproduces its moments. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Image {
  dir: string;
  /** Writes each client had seen acknowledged when the image was taken. */
  acked: number[];
  /** What happened just before it, for the failure message. */
  moment: string;
}

/** Run the load, taking IMAGES images at random moments; rewrites start before some of them. */
async function takeImages(policy: 'always' | 'everysec', random: () => number): Promise<Image[]> {
  const root = tempDir('vellum-power-');
  dirs.push(root);
  const h = await startServer({ port: 0, dir: root, save: '', loglevel: 'warning', appendfsync: policy });
  const io = new PowerLossIo(root);
  const aof = new Aof(h.server, io);
  const acked: number[] = new Array(CLIENTS).fill(0);
  const images: Image[] = [];
  let stop = false;
  let writers: Promise<void>[] = [];
  try {
    assert.equal(aof.enable(), null);
    await aof.waitRewrite();
    writers = acked.map(async (_, id) => {
      const c = await RespClient.connect(h.port!);
      try {
        while (!stop) {
          assert.equal(await c.call('RPUSH', `l:${id}`, String(acked[id])), acked[id]! + 1);
          acked[id]!++;
        }
      } finally {
        c.close();
      }
    });
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
      images.push({ dir, acked: [...acked], moment });
      io.image(dir, (unsynced) => (tear ? Math.floor(random() * (unsynced + 1)) : 0));
    }
  } finally {
    stop = true;
    await Promise.all(writers);
    await aof.waitRewrite();
    aof.shutdown();
    await h.close();
  }
  return images;
}

/** Start a server on the image and check each client's list (header). */
async function checkImage(image: Image, policy: string, seed: number): Promise<void> {
  const what = `${policy}, seed ${seed}, image taken ${image.moment}`;
  const h = await startServer({ port: 0, dir: image.dir, save: '', appendonly: 'yes', loglevel: 'warning' }).catch((err: Error) => {
    throw new Error(`${what}: the server did not start on the image: ${err.message}`);
  });
  const c = await RespClient.connect(h.port!);
  try {
    for (let id = 0; id < CLIENTS; id++) {
      const list = (await c.call('LRANGE', `l:${id}`, '0', '-1')) as string[];
      list.forEach((v, j) => assert.equal(v, String(j), `${what}: l:${id} is not a prefix of what was sent`));
      if (policy === 'always') {
        assert.ok(list.length >= image.acked[id]!, `${what}: l:${id} has ${list.length} of ${image.acked[id]} acknowledged writes`);
      }
    }
  } finally {
    c.close();
    await h.close();
  }
}

describe('AOF under simulated power loss', () => {
  for (const policy of ['always', 'everysec'] as const) {
    it(`${policy}: every image starts, holds a prefix of each client's writes${policy === 'always' ? ' and every acknowledged one' : ''}`, async () => {
      const seed = Date.now() % 1_000_000;
      const images = await takeImages(policy, generator(seed));
      for (const image of images) await checkImage(image, policy, seed);
    });
  }
});
