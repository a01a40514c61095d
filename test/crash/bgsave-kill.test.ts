/**
 * A crash during a BGSAVE leaves the previous dump.rdb intact (invariant 4): the snapshot
 * goes to a temp file that replaces dump.rdb only by rename once complete. A vellum-server
 * child with a dataset large enough that its BGSAVE takes a while is SIGKILLed while the
 * save is in progress; dump.rdb must be byte for byte the file of the earlier SAVE, and a
 * restart loads that dataset.
 */

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RespClient, Status } from '../helpers/resp-client.js';
import { spawnVellum, stopChild, tempDir } from '../helpers/servers.js';

const KEYS = 300_000;
const dir = tempDir('vellum-crash-bgsave-');
let child: ChildProcess | null = null;
after(async () => {
  if (child !== null) await stopChild(child);
  rmSync(dir, { recursive: true, force: true });
});

async function fill(c: RespClient, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 10_000); j++) batch.push(['SET', `${prefix}:${j}`, `value-${j}`]);
    await c.pipeline(batch);
  }
}

test('SIGKILL during BGSAVE leaves the previous dump.rdb as it was', async () => {
  const first = await spawnVellum(['--dir', dir, '--save', '']);
  child = first.child;
  const c = await RespClient.connect(first.port);
  await fill(c, 'old', KEYS);
  assert.deepEqual(await c.call('SAVE'), new Status('OK'));
  const before = readFileSync(join(dir, 'dump.rdb'));

  await fill(c, 'new', 1000);
  await c.call('BGSAVE');
  const info = (await c.call('INFO', 'persistence')) as string;
  // The test is only meaningful if the kill lands while the save runs.
  assert.match(info, /rdb_bgsave_in_progress:1\r\n/);
  first.child.kill('SIGKILL');
  await stopChild(first.child);
  c.close();
  child = null;

  assert.ok(readFileSync(join(dir, 'dump.rdb')).equals(before), 'dump.rdb unchanged by the interrupted save');
  const second = await spawnVellum(['--dir', dir, '--save', '']);
  child = second.child;
  const d = await RespClient.connect(second.port);
  assert.equal(await d.call('DBSIZE'), KEYS);
  assert.equal(await d.call('GET', 'old:123'), 'value-123');
  assert.equal(await d.call('GET', 'new:1'), null);
  d.close();
});
