/**
 * Crash test for `appendfsync always`: a vellum-server child under write load from several
 * clients is SIGKILLed at random moments; after each restart every write that was
 * acknowledged before the kill is present, in order (each client appends to its own list,
 * so the list must start with exactly the acknowledged elements). Rounds accumulate in the
 * same directory, so each restart also replays the AOF left by the previous crashes.
 */

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { RespClient } from '../helpers/resp-client.js';
import { spawnVellum, stopChild, tempDir } from '../helpers/servers.js';

const CLIENTS = 4;
const ROUNDS = 4;

const dir = tempDir('vellum-crash-aof-');
let child: ChildProcess | null = null;
after(async () => {
  if (child !== null) await stopChild(child);
  rmSync(dir, { recursive: true, force: true });
});

async function startChild(): Promise<number> {
  const started = await spawnVellum(['--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
  child = started.child;
  return started.port;
}

/** Append 0, 1, 2 … to l:<id> until the connection dies; returns how many were acknowledged. */
async function writer(port: number, id: number, start: number): Promise<number> {
  const c = await RespClient.connect(port);
  let acked = start;
  try {
    for (;;) {
      const r = await c.call('RPUSH', `l:${id}`, String(acked));
      if (typeof r !== 'number') break;
      acked++;
    }
  } catch {
    // the server was killed
  } finally {
    c.close();
  }
  return acked;
}

describe('appendfsync always survives SIGKILL', () => {
  it('keeps every acknowledged write across random kills', async () => {
    const acked = new Array<number>(CLIENTS).fill(0);
    for (let round = 0; round < ROUNDS; round++) {
      const port = await startChild();
      const check = await RespClient.connect(port);
      for (let id = 0; id < CLIENTS; id++) {
        const list = (await check.call('LRANGE', `l:${id}`, '0', '-1')) as string[];
        assert.ok(list.length >= acked[id]!, `round ${round}: l:${id} has ${list.length} < ${acked[id]} acknowledged`);
        for (let i = 0; i < acked[id]!; i++) assert.equal(list[i], String(i), `round ${round}: l:${id}[${i}]`);
        // Unacknowledged writes that made it are kept; continue after them.
        acked[id] = list.length;
      }
      const info = String(await check.call('INFO', 'persistence'));
      assert.match(info, /aof_enabled:1/);
      check.close();
      const writers = acked.map((n, id) => writer(port, id, n));
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 600));
      child!.kill('SIGKILL');
      const results = await Promise.all(writers);
      for (let id = 0; id < CLIENTS; id++) acked[id] = results[id]!;
      await new Promise<void>((r) => (child!.exitCode !== null || child!.signalCode !== null ? r() : child!.once('exit', () => r())));
      child = null;
    }
    assert.ok(acked.reduce((a, b) => a + b, 0) > 0, 'no write was ever acknowledged');
    const port = await startChild();
    const check = await RespClient.connect(port);
    for (let id = 0; id < CLIENTS; id++) {
      const list = (await check.call('LRANGE', `l:${id}`, '0', '-1')) as string[];
      assert.ok(list.length >= acked[id]!);
      for (let i = 0; i < acked[id]!; i++) assert.equal(list[i], String(i));
    }
    check.close();
  });
});
