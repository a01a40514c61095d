/**
 * The embeddable server and its CLI: vellum-server with a config file and overrides, the
 * fatal config error path (message and exit code), Redis's log line format, several
 * servers in one process, maxclients, the idle `timeout`, and listening on a unix socket.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startVellum, stopChild, tempDir, until } from '../helpers/servers.js';
import { ErrorReply, RespClient, Status } from '../helpers/resp-client.js';

const CLI = fileURLToPath(new URL('../../src/cli/vellum-server.js', import.meta.url));
/** Redis's log line: pid:role dd Mon yyyy HH:MM:SS.mmm level message */
const LOG_LINE = /^\d+:M \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] \S/;

function run(args: string[]): { child: ReturnType<typeof spawn>; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('vellum-server CLI', () => {
  test('config file plus overrides; logs in Redis\'s format; SIGTERM exits 0', async () => {
    const dir = tempDir();
    const conf = join(dir, 'vellum.conf');
    writeFileSync(conf, `port 1\nsave ""\nmaxclients 55\ndir ${dir}\n`);
    const port = await freePort();
    const p = run([conf, '--port', String(port), '--timeout', '30']);
    try {
      await until(() => p.output().includes('Ready to accept connections'), 'readiness');
      const lines = p.output().trim().split('\n');
      for (const line of lines) assert.match(line, LOG_LINE);
      assert.ok(p.output().includes(`Configuration loaded from ${conf}`));
      const c = await RespClient.connect(port);
      assert.deepStrictEqual(await c.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '55']);
      assert.deepStrictEqual(await c.call('CONFIG', 'GET', 'timeout'), ['timeout', '30']);
      c.close();
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      assert.match(p.output(), /Received SIGTERM scheduling shutdown/);
    } finally {
      await stopChild(p.child);
    }
  });

  test('SIGTERM whose save fails keeps serving, as Redis does; shutdown-on-sigterm nosave exits without saving', async () => {
    const dir = tempDir();
    const port = await freePort();
    const p = run(['--port', String(port), '--dir', dir, '--save', '3600 1']);
    try {
      await until(() => p.output().includes('Ready to accept connections'), 'readiness');
      // A directory where dump.rdb should go: the temp file is written, the rename fails.
      mkdirSync(join(dir, 'dump.rdb'));
      const c = await RespClient.connect(port);
      assert.deepStrictEqual(await c.call('SET', 'k', 'v'), new Status('OK'));
      p.child.kill('SIGTERM');
      await until(() => p.output().includes('Errors trying to shut down the server'), 'the cancelled shutdown');
      assert.match(p.output(), /Error trying to save the DB, can't exit\./);
      assert.equal(await c.call('GET', 'k'), 'v');
      rmdirSync(join(dir, 'dump.rdb'));
      assert.deepStrictEqual(await c.call('CONFIG', 'SET', 'shutdown-on-sigterm', 'force nosave'), new Status('OK'));
      assert.deepStrictEqual(await c.call('CONFIG', 'GET', 'shutdown-on-sigterm'), ['shutdown-on-sigterm', 'nosave force']);
      c.close();
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      assert.equal(existsSync(join(dir, 'dump.rdb')), false);
    } finally {
      await stopChild(p.child);
    }
  });

  test('a bad config file is fatal: Redis\'s message with the file, exit code 1', async () => {
    const dir = tempDir();
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, 'port 0\nmaxclients lots\n');
    const p = run([conf]);
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /\*\*\* FATAL CONFIG FILE ERROR/);
    assert.ok(p.output().includes(`${conf}, at line 2`));
    assert.match(p.output(), />>> 'maxclients lots'\nargument couldn't be parsed into an integer/);
    const q = run(['--nosuch', 'x']);
    assert.equal(await q.exited, 1);
    assert.match(q.output(), /Bad directive or wrong number of arguments/);
  });
});

describe('embedded servers', () => {
  test('several servers in one process keep their data and config apart', async () => {
    const [a, b] = await Promise.all([startVellum({ maxclients: 100 }), startVellum({ maxclients: 200, databases: 4 })]);
    try {
      const [ca, cb] = [await a.client(), await b.client()];
      await ca.call('SELECT', '5');
      assert.deepStrictEqual(await cb.call('SELECT', '5'), new ErrorReply('ERR DB index is out of range'));
      await ca.call('CLIENT', 'SETNAME', 'on-a');
      assert.equal(await cb.call('CLIENT', 'GETNAME'), null);
      assert.deepStrictEqual(await ca.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '100']);
      assert.deepStrictEqual(await cb.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '200']);
      await cb.call('CONFIG', 'SET', 'maxclients', '300');
      assert.deepStrictEqual(await ca.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '100']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('maxclients refuses the extra connection with Redis\'s error', async () => {
    const s = await startVellum({ maxclients: 2 });
    try {
      const c1 = await s.client();
      await s.client();
      const extra = await s.client();
      assert.deepStrictEqual(await extra.next(), new ErrorReply('ERR max number of clients reached'));
      await extra.closed;
      assert.deepStrictEqual(await c1.call('PING'), new Status('PONG'));
      await c1.call('CONFIG', 'SET', 'maxclients', '3');
      const now = await s.client();
      assert.deepStrictEqual(await now.call('PING'), new Status('PONG'));
    } finally {
      await s.stop();
    }
  });

  test('timeout closes idle clients, not active ones', async () => {
    const s = await startVellum({ timeout: 1, hz: 50 });
    try {
      const idle = await s.client();
      const busy = await s.client();
      await idle.call('PING');
      const started = Date.now();
      let stillUp = true;
      const ticker = (async () => {
        while (stillUp && !busy.isClosed) {
          await busy.call('PING');
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await idle.closed;
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900, `closed after ${elapsed} ms`);
      assert.ok(!busy.isClosed, 'an active client stays connected');
      stillUp = false;
      await ticker;
    } finally {
      await s.stop();
    }
  });

  test('listens on a unix socket', async () => {
    const dir = tempDir();
    const path = join(dir, 'vellum.sock');
    const s = await startVellum({ unixsocket: path, unixsocketperm: '700', dir });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = connect(path, () => sock.write('PING\r\nCLIENT INFO\r\n'));
        let data = '';
        sock.on('data', (d) => {
          data += d.toString('latin1');
          if (data.includes('resp=')) {
            sock.destroy();
            resolve(data);
          }
        });
        sock.on('error', reject);
      });
      assert.ok(reply.startsWith('+PONG\r\n'), reply);
      assert.match(reply, /flags=U /);
      assert.match(reply, new RegExp(`addr=${path}:0 `));
    } finally {
      await s.stop();
    }
  });
});
