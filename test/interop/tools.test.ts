/**
 * Redis's own tools as real peers of an in-process Vellum: redis-cli (arguments, stdin
 * lines with quotes, -x, --raw, --pipe mass insertion) and redis-benchmark (a small run of
 * every test whose commands the server has, in CSV). They run as child processes, so
 * the in-process server keeps serving while the test awaits them.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { type RunningServer, startVellum } from '../helpers/servers.js';
import { Status } from '../helpers/resp-client.js';

const toolsSkip = spawnSync('sh', ['-c', 'command -v redis-cli && command -v redis-benchmark']).status === 0
  ? undefined
  : 'SKIPPED: redis-cli and redis-benchmark (Debian package redis-tools) are not installed';

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

function run(cmd: string, args: string[], input?: string | Buffer): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ stdout, stderr, code });
    });
    if (input !== undefined) child.stdin!.end(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
    else child.stdin!.end();
  });
}

describe('redis-cli and redis-benchmark against Vellum', { skip: toolsSkip }, () => {
  let vellum: RunningServer;
  let port: string;
  before(async () => {
    vellum = await startVellum();
    port = String(vellum.port);
  });
  after(async () => {
    await vellum.stop();
  });

  const cli = (args: string[], input?: string | Buffer) => run('redis-cli', ['-p', port, ...args], input);

  test('commands as arguments (--no-raw: the formatting a terminal gets)', async () => {
    assert.equal((await cli(['PING'])).stdout, 'PONG\n');
    assert.equal((await cli(['SET', 'cli:k', 'hello world'])).stdout, 'OK\n');
    assert.equal((await cli(['--no-raw', 'GET', 'cli:k'])).stdout, '"hello world"\n');
    assert.equal((await cli(['--no-raw', 'GET', 'cli:nokey'])).stdout, '(nil)\n');
    assert.equal((await cli(['--no-raw', 'NOSUCH', 'x'])).stdout, "(error) ERR unknown command 'NOSUCH', with args beginning with: 'x' \n");
  });

  test('commands as stdin lines, with quotes and escapes', async () => {
    const out = await cli([], 'SET cli:q "a b\\x41\\n"\nGET cli:q\nECHO \'it\'\'s\'\n');
    assert.equal(out.code, 0);
    assert.deepStrictEqual(out.stdout.split('\n').slice(0, 2), ['OK', 'a bA']);
  });

  test('-x reads the last argument from stdin; --raw prints bytes as they are', async () => {
    const data = 'line one\nline two\t\x01\xff';
    assert.equal((await cli(['-x', 'SET', 'cli:x'], data)).stdout, 'OK\n');
    assert.equal((await cli(['--raw', 'GET', 'cli:x'])).stdout, data + '\n');
    assert.equal((await cli(['--no-raw', 'GET', 'cli:x'])).stdout, '"line one\\nline two\\t\\x01\\xff"\n');
  });

  test('--pipe mass insertion of a generated protocol stream', async () => {
    const n = 20_000;
    let stream = '';
    for (let i = 0; i < n; i++) {
      const key = `pipe:${i}`;
      const value = `v${i}\r\n`;
      stream += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
    }
    const out = await cli(['--pipe'], Buffer.from(stream, 'latin1'));
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`errors: 0, replies: ${n}`));
    const c = await vellum.client();
    assert.equal(await c.call('GET', 'pipe:0'), 'v0\r\n');
    assert.equal(await c.call('GET', `pipe:${n - 1}`), `v${n - 1}\r\n`);
  });

  test('redis-benchmark completes every test the server can run, without errors', async () => {
    // Each redis-benchmark test and the commands it sends.
    const tests: Record<string, string[]> = {
      ping_inline: ['ping'], ping_mbulk: ['ping'], set: ['set'], get: ['get'], incr: ['incr'], lpush: ['lpush'],
      rpush: ['rpush'], lpop: ['lpop'], rpop: ['rpop'], sadd: ['sadd'], hset: ['hset'], spop: ['spop'],
      zadd: ['zadd'], zpopmin: ['zpopmin'], lrange_100: ['lpush', 'lrange'], mset: ['mset'],
    };
    const runnable = Object.keys(tests).filter((t) => tests[t]!.every((c) => vellum.server!.dispatcher.lookup(c) !== undefined));
    const out = await run('redis-benchmark', ['-p', port, '-n', '2000', '-c', '10', '-r', '1000', '-t', runnable.join(','), '--csv']);
    assert.equal(out.code, 0, out.stderr);
    assert.doesNotMatch(out.stdout + out.stderr, /error|ERR/i);
    const lines = out.stdout.trim().split('\n');
    assert.match(lines[0]!, /^"test","rps"/);
    const names = lines.slice(1).map((l) => {
      const [name, rps] = l.split(',');
      assert.ok(Number(JSON.parse(rps!)) > 0, l);
      return JSON.parse(name!) as string;
    });
    // redis-benchmark names lrange_100 "LRANGE_100 (first 100 elements)", ping_mbulk "PING_MBULK".
    assert.equal(names.length, runnable.length + (runnable.includes('lrange_100') ? 1 : 0), out.stdout);
    const c = await vellum.client();
    assert.deepStrictEqual(await c.call('PING'), new Status('PONG'));
  });
});
